"""Executors under test: the local one (serial and 2 processes) and, when installed, Ray on a local runtime."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from alphaforge.executors import Executor, make_executor

HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAS_RAY, reason="ray is not installed (pip install 'alphaforge[distributed]')")


@pytest.fixture(scope="session")
def ray_executor() -> Iterator[Executor]:
    """One local Ray runtime with 2 CPUs for the whole session (starting one takes ~15 s)."""
    if not HAS_RAY:
        pytest.skip("ray is not installed (pip install 'alphaforge[distributed]')")
    with make_executor("ray", workers=2) as executor:
        yield executor


@pytest.fixture(scope="module")
def local_pool() -> Iterator[Executor]:
    with make_executor("local", workers=2) as executor:
        yield executor


EXECUTOR_PARAMS = [pytest.param("serial", id="local-serial"), pytest.param("local", id="local-2"),
                   pytest.param("ray", id="ray", marks=[needs_ray, pytest.mark.slow])]


@pytest.fixture(params=EXECUTOR_PARAMS)
def executor(request: pytest.FixtureRequest) -> Executor:
    """Every executor, for the shared contract tests."""
    if request.param == "serial":
        return make_executor("local", workers=1)
    fixture = "local_pool" if request.param == "local" else "ray_executor"
    return request.getfixturevalue(fixture)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 (skips, saying why, where one cannot run)."""
    from tests.executors.postgres import Unavailable, start_postgres

    try:
        with start_postgres() as url:
            yield url
    except Unavailable as reason:
        pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def storage_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A study storage several processes can share: a SQLite file, or the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('storage') / 'study.db'}"
    return request.getfixturevalue("postgres_url")
