"""Where every artifact lives, how it is written (atomically) and who may write (a lock).

A workspace is a folder holding ``alphaforge.toml``. Stages never build paths themselves:
they ask the :class:`Workspace` for a location and write through :func:`atomic_path` (or the
``atomic_write_*`` helpers) so that a crash or kill never leaves a half-written file behind.

Cached files that are read back as results (the feature and target caches) are written with
:func:`write_checked_parquet`, which records their sha256 beside them, and read with
:func:`read_checked_parquet`, which returns None (with a :class:`CacheRepairWarning`) for a file
that is unreadable, changed, or lacks its checksum, so the cache recomputes it instead of
serving wrong values.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import io
import json
import os
import secrets
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads with the first table written: the CLI's help never needs it
    import pandas as pd

from alphaforge.config import CONFIG_FILENAME, Config, load_config, render_config
from alphaforge.csv_text import write_csv
from alphaforge.errors import InputError, MissingInputError, WorkspaceBusyError

LOCK_FILENAME = ".alphaforge.lock"
_HELD: dict[Path, int] = {}  # workspace roots this process holds the lock of -> nesting depth
_THREADS: dict[Path, threading.RLock] = {}  # ... -> the lock the threads of this process take first
_THREADS_GUARD = threading.Lock()
_TAKEN: dict[Path, float] = {}  # ... -> when this process took it (what is older is another run's)


def _temporary_beside(path: Path, make: Callable[[Path], None]) -> Path:
    """A new ``.<name>.<random>.tmp`` beside ``path``, created by ``make`` with a mode the user's
    umask decides (tempfile's mkstemp and mkdtemp make files 0600 and folders 0700, so reports and
    preserved holdouts could not be read by the people they were written for)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        candidate = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            make(candidate)
            return candidate
        except FileExistsError:
            continue


def _new_file(path: Path) -> None:
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    On any exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = _temporary_beside(path, _new_file)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Yield a staging folder beside ``path``; on success it replaces ``path`` (and whatever
    folder was there): the old folder is renamed aside, the new one renamed in, and the old one
    removed after, so readers see the old folder or the whole new one (or, between the two
    renames, none), never a part of either.

    On any exception the staging folder is removed and ``path`` is left as it was (a folder
    already moved aside is put back). Writers of the same folder may race (tuning workers saving
    the best model): each moves aside whatever folder it finds, again if another's arrived in
    between, so each rename succeeds and the last writer's whole folder stays.
    """
    path = Path(path)
    staging = _temporary_beside(path, lambda candidate: os.mkdir(candidate, 0o777))
    aside: list[Path] = []
    try:
        yield staging
        while True:
            with contextlib.suppress(FileNotFoundError):  # another writer moved it first
                aside.append(_temporary_beside(path, lambda candidate: os.rename(path, candidate)))
            try:
                os.replace(staging, path)  # a folder replaces only an empty one
                break
            except OSError as error:
                if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    continue
                if aside:  # the folder this writer moved goes back rather than nothing staying
                    with contextlib.suppress(OSError):
                        os.rename(aside.pop(), path)
                raise
    finally:
        for folder in (staging, *aside):
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder, ignore_errors=True)
            else:  # a file that stood where the folder goes
                folder.unlink(missing_ok=True)


@functools.lru_cache(maxsize=1)
def _png_thread(pid: int) -> ThreadPoolExecutor:
    """The thread process ``pid`` renders its PNGs on (a forked child starts its own)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="alphaforge-png")


def atomic_write_png(figure: Any, path: Path, *, dpi: int = 100, tight: bool = False) -> Path:
    """Save a matplotlib figure as PNG atomically (``tight`` crops to the drawn content).

    The figure is rendered on a thread of its own, one for the process (matplotlib caches its
    fonts per thread). Rendering a tick label or title leaves reference cycles through the frames
    it ran in (matplotlib's font lookup parses with pyparsing), and a frame holds its caller's
    frame: rendered on the caller's thread, each cycle kept every caller's locals alive until
    the collector's next full pass (at 1 M rows the walk-forward's bars and predictions, 110 MB,
    through the train stage's fits)."""
    with atomic_path(path) as tmp:
        rendering = _png_thread(os.getpid()).submit(figure.savefig, tmp, format="png", dpi=dpi,
                                                     bbox_inches="tight" if tight else None)
        try:
            rendering.result()
        finally:  # an interrupt waits for the file being written, so its temporary is removed after it
            wait([rendering])
    return Path(path)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON atomically (timestamps and numpy scalars become strings/numbers)."""
    atomic_write_text(path, json.dumps(obj, indent=2, default=_json_default) + "\n")


def as_written_json(obj: Any) -> Any:
    """``obj`` as :func:`atomic_write_json` writes it and a reader gets it back (timestamps as
    strings, numpy scalars as numbers): what a digest of a file's content must be taken of."""
    return json.loads(json.dumps(obj, default=_json_default))


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a DataFrame as zstd-compressed Parquet atomically."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd")


def atomic_write_table(frame: pd.DataFrame, stem: Path) -> list[Path]:
    """``stem``.parquet (for programs) and ``stem``.csv (for people), each written atomically."""
    parquet, csv = Path(stem).with_suffix(".parquet"), Path(stem).with_suffix(".csv")
    atomic_write_parquet(parquet, frame)
    with atomic_path(csv) as tmp:
        write_csv(frame, tmp)
    return [parquet, csv]


def _json_default(obj: Any) -> Any:
    if type(obj).__name__ in ("Timestamp", "Timedelta"):  # pandas' (not imported here: the CLI starts without it)
        return str(obj)
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


CHECKSUM_SUFFIX = ".sha256"


class CacheRepairWarning(UserWarning):
    """A cached file was unreadable, changed since it was written, or has no recorded checksum;
    the cache recomputes it."""


def checksum_path(path: Path) -> Path:
    """Where the sha256 of ``path`` is recorded: ``<path>.sha256``, in ``sha256sum`` format."""
    return Path(path).with_name(Path(path).name + CHECKSUM_SUFFIX)


def write_checked_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as Parquet (pandas' default options) to ``path`` and its sha256 to
    :func:`checksum_path`, each atomically and the checksum last: a kill between the two leaves a
    file whose checksum is missing or stale, which :func:`read_checked_parquet` recomputes."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    data = buffer.getvalue()
    atomic_write_bytes(path, data)
    atomic_write_text(checksum_path(path), f"{hashlib.sha256(data).hexdigest()}  {Path(path).name}\n")


def _recorded_sha256(path: Path) -> str | None:
    try:
        return checksum_path(path).read_text(encoding="ascii").split()[0]
    except (OSError, ValueError, IndexError):  # absent, unreadable, not text, empty
        return None


def _checked_bytes(path: Path) -> tuple[bytes | None, str | None]:
    """(the bytes, None) when ``path`` matches its recorded sha256; (None, None) when there is no
    such file; (None, what is wrong) otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    recorded = _recorded_sha256(path)
    if recorded is None:
        return None, f"has no recorded checksum ({checksum_path(path).name})"
    if hashlib.sha256(data).hexdigest() != recorded:
        return None, "does not match its recorded sha256 (changed or corrupt)"
    return data, None


def is_intact(path: Path) -> bool:
    """Whether ``path`` exists and matches the sha256 :func:`write_checked_parquet` recorded."""
    return _checked_bytes(Path(path))[0] is not None


def read_checked_parquet(path: Path) -> pd.DataFrame | None:
    """The frame in ``path`` when its bytes match the recorded sha256; None when there is no such
    file, and None with a :class:`CacheRepairWarning` when it is unreadable, changed or unrecorded.

    The bytes are read once: the bytes checked are the bytes parsed.
    """
    path = Path(path)
    data, problem = _checked_bytes(path)
    if data is not None:
        try:
            import pandas as pd

            return pd.read_parquet(io.BytesIO(data))
        except (ValueError, OSError) as exc:  # pyarrow's errors for a file that is no Parquet
            problem = f"is not a readable Parquet file ({type(exc).__name__})"
    if problem is not None:
        warnings.warn(f"{path}: cached file {problem}; recomputing it", CacheRepairWarning, stacklevel=2)
    return None


def _is_temporary(name: str) -> bool:
    """A name :func:`atomic_path`, :func:`atomic_dir` or the model registry's staging gives."""
    return name.startswith(".") and (name.endswith(".tmp") or name.startswith(".staging-"))


def _last_change(path: Path) -> float:
    """The newest modification time in ``path`` (a file, or a folder and everything in it); infinity
    for a path that is gone (a writer finished with it: not stale)."""
    try:
        newest = path.lstat().st_mtime
    except OSError:
        return float("inf")
    if path.is_dir() and not path.is_symlink():
        for folder, _, files in os.walk(path):
            for name in files:
                with contextlib.suppress(OSError):
                    newest = max(newest, (Path(folder) / name).lstat().st_mtime)
            with contextlib.suppress(OSError):
                newest = max(newest, Path(folder).lstat().st_mtime)
    return newest


def _acquire(handle: Any, wait: float) -> bool:
    """Take an exclusive flock on ``handle``, retrying for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


@contextlib.contextmanager
def file_lock(path: Path, *, wait: float, purpose: str) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if absent) for the block, waiting up to
    ``wait`` seconds for it; :class:`WorkspaceBusyError` names ``purpose`` if it stays taken.

    For one output that a process without the workspace lock also writes — predict's charts,
    published by a background process (:mod:`alphaforge.predict.chart_job`) — so that process
    never holds the whole workspace while the other commands run.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        if not _acquire(handle, wait):
            raise WorkspaceBusyError(f"{purpose}: {path.name} stayed locked for {wait:g} s", where=str(path.parent),
                                     fix="wait for the other writer to finish, then try again")
        yield


@dataclass(frozen=True)
class Workspace:
    """A workspace folder and the locations of everything in it."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def create(cls, root: Path, *, force: bool = False) -> Workspace:
        """Create ``root`` with a fully commented default ``alphaforge.toml``."""
        root = Path(root)
        config_path = root / CONFIG_FILENAME
        if config_path.exists() and not force:
            raise InputError("a workspace already exists here", where=str(config_path),
                             fix="use it as it is, or pass --force to rewrite the config with defaults")
        root.mkdir(parents=True, exist_ok=True)
        atomic_write_text(config_path, render_config())
        return cls(root)

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """Open an existing workspace; a folder without ``alphaforge.toml`` is an error."""
        root = Path(root)
        if not (root / CONFIG_FILENAME).is_file():
            raise MissingInputError(f"no workspace here (no {CONFIG_FILENAME})", where=str(root.resolve()),
                                    fix=f"run `alphaforge init {root}` first, or pass --workspace DIR")
        return cls(root)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILENAME

    def config(self) -> Config:
        """The validated configuration."""
        return load_config(self.config_path)

    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def features_dir(self) -> Path:
        return self.root / "data" / "features"

    @property
    def targets_dir(self) -> Path:
        return self.root / "data" / "targets"

    @property
    def store_path(self) -> Path:
        return self.root / "store.duckdb"

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{(self.root / 'mlruns.db').resolve()}"

    def subdir(self, name: str) -> Path:
        """A top-level artifact folder (plans, tuning, cv, analysis, models, predictions, ...)."""
        return self.root / name

    def relative(self, path: str | Path) -> str:
        """``path`` relative to the workspace root, with '/' separators (how manifests and
        summaries record files); a path outside the workspace stays absolute."""
        resolved, root = Path(path).resolve(), self.root.resolve()
        return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete what killed writers left behind: the ``.*.tmp`` files and folders of atomic writes
        and the ``.staging-*`` folders of model versions (a kill during `train` left those).

        Call while holding the lock: no writer that takes it can be running, and only entries last
        changed before this process took the lock (before this run) are removed, so the files of a
        writer that works without the lock are left alone.
        """
        cutoff = _TAKEN.get(self.root.resolve(), time.time())
        stale = []
        for folder, subfolders, files in os.walk(self.root):
            found = [Path(folder) / name for name in [*subfolders, *files] if _is_temporary(name)]
            stale += [path for path in found if _last_change(path) < cutoff]
            subfolders[:] = [name for name in subfolders if not _is_temporary(name)]
        for path in stale:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        return stale

    @contextlib.contextmanager
    def lock(self, purpose: str = "write", *, wait: float = 0.0) -> Iterator[None]:
        """Hold the workspace's write lock; a second writer gets :class:`WorkspaceBusyError` — at once,
        or after ``wait`` seconds for short writes that may queue (e.g. registering a trained model).

        Re-entrant within a thread: a stage that locks inside `alphaforge run` (which holds the
        lock already) simply proceeds. Another thread of the same process waits (or is refused)
        like another process: the live loop retrains in a thread while it keeps writing.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        key = self.root.resolve()
        with _THREADS_GUARD:
            guard = _THREADS.setdefault(key, threading.RLock())
        if not (guard.acquire(timeout=wait) if wait > 0 else guard.acquire(blocking=False)):
            raise WorkspaceBusyError("workspace busy: another thread of this process is writing to it",
                                     where=str(self.root), fix="wait for it to finish, then try again")
        try:
            with self._process_lock(key, purpose, wait):
                yield
        finally:
            guard.release()

    @contextlib.contextmanager
    def _process_lock(self, key: Path, purpose: str, wait: float) -> Iterator[None]:
        """The lock file, taken once per process (the calling thread holds ``_THREADS[key]``, so
        ``_HELD[key]`` is only ever touched by the thread that holds the lock)."""
        if _HELD.get(key):
            _HELD[key] += 1
            try:
                yield
            finally:
                _HELD[key] -= 1
            return
        lock_path = self.root / LOCK_FILENAME
        handle = open(lock_path, "a+", encoding="utf-8")
        try:
            if not _acquire(handle, wait):
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise WorkspaceBusyError(f"workspace busy: {holder} is writing to it", where=str(self.root),
                                         fix="wait for it to finish, then run the command again") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} ({purpose})")
            handle.flush()
            _HELD[key], _TAKEN[key] = 1, time.time()
            try:
                yield
            finally:
                _HELD.pop(key, None)
                _TAKEN.pop(key, None)
        finally:
            handle.close()
