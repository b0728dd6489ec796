"""Studies in RDB storage: one per (target, family), created once, resumed by name.

The default storage is SQLite at ``tuning/<study>/study.db``; any SQLAlchemy URL (e.g.
``postgresql://user@host/db``) lets several processes or machines share one study. Nothing is
pickled: the study, its trials and the fine-tuning space live in the database, which
``optuna-dashboard <url>`` opens as it is.

Trials send a heartbeat while they run; a trial whose process was killed stops beating and is
marked FAIL once its heartbeat is older than the grace period (by the next run, or by any other
worker), so it never blocks a phase from filling up.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import optuna
import sqlalchemy
from optuna.storages import RDBStorage

from alphaforge.errors import InputError, MissingInputError
from alphaforge.tracking.tracker import sqlite_path
from alphaforge.workspace import Workspace

HEARTBEAT_INTERVAL_S = 5
GRACE_PERIOD_S = 15
STUDY_DB = "study.db"
_CREATE_ATTEMPTS = 5
_WAL_ATTEMPTS = 12  # waits up to 13 s for another worker's write to end
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
T = TypeVar("T")


def study_name(target: str, family: str) -> str:
    """The study's name and folder name: ``<target>__<family>`` with unsafe characters replaced."""
    return _SAFE.sub("-", f"{target}__{family}")


def study_dir(workspace: Workspace, name: str) -> Path:
    """``tuning/<study>/``: the study's database (by default) and its outputs."""
    return workspace.subdir("tuning") / name


def default_storage_url(workspace: Workspace, name: str) -> str:
    """``sqlite:///<workspace>/tuning/<study>/study.db`` (absolute, so any working directory works)."""
    return f"sqlite:///{(study_dir(workspace, name) / STUDY_DB).resolve()}"


def open_storage(url: str, *, heartbeat_interval: int = HEARTBEAT_INTERVAL_S,
                 grace_period: int = GRACE_PERIOD_S) -> RDBStorage:
    """The RDB storage at ``url`` with trial heartbeats; SQLite waits up to 60 s for a busy database.

    Workers started together on a new database race to create its tables and schema version;
    the loser's error (table exists, duplicate version row) is retried, and then it opens what
    the winner made. A server that stays unreachable fails after the retries (about 2 s). A
    SQLite database is switched to its write-ahead log here, once, not as each connection opens.
    """
    if (database := sqlite_path(url)) is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}

    def create() -> RDBStorage:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # heartbeats: stable in use
            return RDBStorage(url, engine_kwargs=engine_kwargs, heartbeat_interval=heartbeat_interval,
                              grace_period=grace_period)

    try:
        storage = _retrying(create, _CREATE_ATTEMPTS)
        if url.startswith("sqlite"):
            _retrying(lambda: _write_ahead_log(storage.engine), _WAL_ATTEMPTS)
    except (sqlalchemy.exc.SQLAlchemyError, ValueError, ImportError) as exc:  # bad URL, no server, no driver
        raise _storage_error(url, exc) from None
    if url.startswith("sqlite"):
        sqlalchemy.event.listen(storage.engine, "connect", _sqlite_sync)
        storage.engine.dispose()  # connections opened while creating the tables lack the pragma
    return storage


def _retrying(step: Callable[[], T], attempts: int) -> T:
    """``step()``, tried again after a lost race with another worker (locked database, duplicate row)."""
    for attempt in range(1, attempts):
        try:
            return step()
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.IntegrityError):
            time.sleep(0.2 * attempt)
    return step()


def _storage_error(url: str, exc: Exception) -> InputError:
    return InputError(f"cannot open the study storage {url!r}: {exc}", where="--storage",
                      fix="pass a SQLAlchemy URL such as sqlite:///path/study.db or "
                          "postgresql://user:password@host/db (with its driver installed)")


def _write_ahead_log(engine: sqlalchemy.Engine) -> None:
    """Put the database in write-ahead-log mode, which it keeps: readers never block the writer.

    The switch needs the database to itself, and SQLite refuses it at once (no busy wait) while
    another worker reads, so the caller retries; a database already in WAL mode is left alone.
    """
    with engine.connect() as connection:
        if connection.exec_driver_sql("PRAGMA journal_mode").scalar() != "wal":
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")


def _sqlite_sync(connection: Any, record: Any) -> None:
    """Normal sync in WAL mode (a per-connection setting): a commit costs no fsync.

    A power cut may lose the last trials (never corrupt the database); a killed process loses nothing.
    """
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_study(storage: RDBStorage, name: str, direction: str, *, attrs: dict[str, object]) -> optuna.Study:
    """Create the study ``name`` or load it to resume; fail stale trials of killed runs.

    ``attrs`` (target, family, metric, data fingerprint, ...) are stored on creation; resuming
    with different values is refused, since trials scored differently cannot be compared.
    """
    study = optuna.create_study(storage=storage, study_name=name, direction=direction, load_if_exists=True)
    if study.direction.name.lower() != direction:
        raise InputError(f"study {name!r} {study.direction.name.lower()}s but this run would {direction}",
                         where=f"study {name}", fix="use the study's metric, or delete the study to start over")
    stored = study.user_attrs
    for key, value in attrs.items():
        if key not in stored:
            study.set_user_attr(key, value)
        elif stored[key] != value:
            raise InputError(f"study {name!r} was started with {key}={stored[key]!r}, this run has {value!r}",
                             where=f"study {name}",
                             fix=f"use the same settings to resume, or delete tuning/{name}/ (or pass a new "
                                 "--storage) to start a new study")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    return study


def load_existing_study(storage_url: str, name: str) -> optuna.Study:
    """A study that `alphaforge tune` created; :class:`MissingInputError` naming the command otherwise."""
    database = sqlite_path(storage_url)
    if database is not None and not database.is_file():
        raise MissingInputError(f"no tuning study {name!r} yet", where=str(database),
                                fix="run `alphaforge tune` first")
    storage = open_storage(storage_url)
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        raise MissingInputError(f"no tuning study {name!r} in {storage_url}", where=storage_url,
                                fix="run `alphaforge tune` first (with the same --target/--family/--storage)") from None
