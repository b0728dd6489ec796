"""A throwaway PostgreSQL server on 127.0.0.1 for the shared-storage tests (Debian's postgresql package).

:func:`start_postgres` installs the package when it is missing and the tests run as root
(``apt-get``), runs ``initdb`` in a temporary folder (as the ``postgres`` user when root) and
starts the server on a free port; it raises :class:`Unavailable` with the reason when any step
cannot be done, which the fixture turns into a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Unavailable(Exception):
    """PostgreSQL cannot run here (the message says why)."""


def _server_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _install() -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Unavailable("PostgreSQL is not installed and cannot be installed here (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
        if done.returncode != 0:
            raise Unavailable(f"`{' '.join(command)}` failed: {done.stderr.strip()[-300:]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_as_server_user(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a server tool; as the postgres account when root (root may not run the server)."""
    full = ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command
    return subprocess.run(full, capture_output=True, text=True, timeout=120, check=False)


@contextmanager
def start_postgres() -> Iterator[str]:
    """Yield the SQLAlchemy URL of a fresh server (database ``postgres``, trust auth); stop it after."""
    try:
        import psycopg2  # noqa: F401 - the driver SQLAlchemy uses for postgresql:// URLs
    except ImportError:
        raise Unavailable("the psycopg2 driver is not installed (pip install psycopg2-binary)") from None
    binaries = _server_bin()
    if binaries is None:
        _install()
        binaries = _server_bin()
        if binaries is None:
            raise Unavailable("postgresql installed but initdb not found")
    folder = Path(tempfile.mkdtemp(prefix="alphaforge-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    try:
        done = _run_as_server_user([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
        if done.returncode != 0:
            raise Unavailable(f"initdb failed: {done.stderr.strip()[-300:]}")
        done = _run_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"),
                                    "-o", f"-p {port} -h 127.0.0.1 -k {folder}", "-w", "start"])
        if done.returncode != 0:
            raise Unavailable(f"the server did not start: {done.stderr.strip()[-300:]}")
        try:
            yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
        finally:
            _run_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
