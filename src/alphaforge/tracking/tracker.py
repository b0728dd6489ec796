"""Experiment tracking: every train, tune, CV and backtest run becomes an MLflow run.

Stages receive a :class:`Tracker` (passed in, never global) and record through the run it
opens: parameters (the full resolved config and CLI arguments, flattened to dotted keys),
metrics, tags and artifacts. :class:`NullTracker` is the ``--no-track`` tracker.

:class:`MlflowTracker` writes to a SQLite store (``sqlite:///…/mlruns.db``; MLflow 3 refuses
the old file store) with artifacts under the workspace's ``mlartifacts/``. Tracking must never
break the work it records: if the store is locked by another process (checked first, with a
short timeout, because MLflow itself waits 20 s) or any MLflow call fails, the tracker logs
one notice in ``notices`` and turns itself off for the rest of the run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from alphaforge.config import Config
from alphaforge.errors import InputError
from alphaforge.names import check_name
from alphaforge.tracking.environment import git_commit, package_versions
from alphaforge.workspace import Workspace

STAGE_TAG = "alphaforge.stage"
_MAX_PARAM_LENGTH = 6000
_BATCH = 100
_LOCK_TIMEOUT_S = 1.0
ARTIFACTS_DIR = "mlartifacts"


class Run(Protocol):
    """An open tracked run."""

    run_id: str | None

    def log_params(self, params: Mapping[str, Any]) -> None: ...

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None: ...

    def set_tags(self, tags: Mapping[str, Any]) -> None: ...

    def log_artifacts(self, directory: Path, artifact_path: str | None = None) -> None: ...


class Tracker(Protocol):
    """Opens runs; ``notices`` collects what went wrong without stopping the work."""

    notices: list[str]

    def run(self, stage: str, run_name: str | None = None) -> contextlib.AbstractContextManager[Run]: ...


class NullRun:
    """A run that records nothing."""

    run_id: str | None = None

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record nothing."""

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Record nothing."""

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Record nothing."""

    def log_artifacts(self, directory: Path, artifact_path: str | None = None) -> None:
        """Record nothing."""


class NullTracker:
    """The tracker of ``--no-track``: runs record nothing."""

    def __init__(self) -> None:
        self.notices: list[str] = []

    @contextlib.contextmanager
    def run(self, stage: str, run_name: str | None = None) -> Iterator[Run]:
        yield NullRun()


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested mappings as dotted keys with text values (lists as JSON), as MLflow params want them.

    >>> flatten({"models": {"family": "lightgbm", "rounds": 5}, "symbols": ["A", "B"]})
    {'models.family': 'lightgbm', 'models.rounds': '5', 'symbols': '["A", "B"]'}
    """
    flat: dict[str, str] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, (list, tuple, Mapping)):
            flat[name] = json.dumps(value, default=str)
        else:
            flat[name] = str(value)
    return flat


def parse_tags(items: list[str] | None) -> dict[str, str]:
    """``["team=research", "idea=momentum"]`` (or comma-separated) as a tag dict.

    >>> parse_tags(["team=research,idea=momentum"])
    {'team': 'research', 'idea': 'momentum'}
    """
    tags: dict[str, str] = {}
    for item in (part.strip() for entry in items or [] for part in entry.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"experiment tag {item!r} is not KEY=VALUE", where="--experiment-tags",
                             fix="pass e.g. --experiment-tags team=research,idea=momentum")
        tags[key.strip()] = value.strip()
    return tags


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (None for other stores)."""
    prefix = "sqlite:///"
    return Path(uri[len(prefix):]) if uri.startswith(prefix) else None


def store_locked(uri: str, timeout: float = _LOCK_TIMEOUT_S) -> bool:
    """True when another process holds a write lock on the SQLite store (waits ``timeout`` seconds)."""
    path = sqlite_path(uri)
    if path is None or not path.exists():
        return False
    try:
        connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.OperationalError:
        return False  # not openable at all: not a lock; opening the run reports it
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError:
        return True
    except sqlite3.DatabaseError:
        return False  # not a database (corrupt): not a lock; opening the run reports it
    finally:
        connection.close()
    return False


class _MlflowRun:
    """A live MLflow run; every call goes through the tracker's failure guard."""

    def __init__(self, tracker: MlflowTracker, run_id: str) -> None:
        self.tracker = tracker
        self.run_id: str | None = run_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        items = [Param(k[:250], v[:_MAX_PARAM_LENGTH]) for k, v in flatten(params).items()]
        for start in range(0, len(items), _BATCH):
            self.tracker.guard(lambda chunk=items[start:start + _BATCH]: self.tracker.client.log_batch(
                self.run_id, params=chunk))

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        from mlflow.entities import Metric

        stamp = int(time.time() * 1000)
        items = [Metric(k, float(v), stamp, step or 0) for k, v in metrics.items()
                 if v is not None and math.isfinite(float(v))]
        for start in range(0, len(items), _BATCH * 10):
            self.tracker.guard(lambda chunk=items[start:start + _BATCH * 10]: self.tracker.client.log_batch(
                self.run_id, metrics=chunk))

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        from mlflow.entities import RunTag

        items = [RunTag(str(k), str(v)[:_MAX_PARAM_LENGTH]) for k, v in tags.items() if v is not None]
        for start in range(0, len(items), _BATCH):
            self.tracker.guard(lambda chunk=items[start:start + _BATCH]: self.tracker.client.log_batch(
                self.run_id, tags=chunk))

    def log_artifacts(self, directory: Path, artifact_path: str | None = None) -> None:
        self.tracker.guard(lambda: self.tracker.client.log_artifacts(self.run_id, str(directory), artifact_path))


class MlflowTracker:
    """Runs in an MLflow store (see the module docstring)."""

    def __init__(self, uri: str, experiment: str, *, artifact_root: Path, tags: Mapping[str, str] | None = None,
                 lock_timeout: float = _LOCK_TIMEOUT_S) -> None:
        self.uri = uri
        self.experiment = check_name(experiment, where="experiment name (--experiment-name, [tracking] experiment)")
        self.artifact_root = Path(artifact_root)
        self.tags = dict(tags or {})
        self.lock_timeout = lock_timeout
        self.notices: list[str] = []
        self.client: Any = None
        self._failed = False

    def guard(self, call: Any) -> Any:
        """Run one MLflow call; on failure note it once and stop tracking."""
        if self._failed:
            return None
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - tracking must never break the run it records
            self._failed = True
            self.notices.append(f"experiment tracking stopped ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
                                "the run itself is unaffected")
            return None

    def _experiment_id(self) -> str:
        found = self.client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        location = (self.artifact_root / self.experiment).resolve().as_uri()
        return self.client.create_experiment(self.experiment, artifact_location=location)

    def _start(self, stage: str, run_name: str | None) -> str:
        from mlflow.tracking import MlflowClient

        logging.getLogger("mlflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        path = sqlite_path(self.uri)
        if path is not None:
            if path.exists() and not path.is_file():  # MLflow would retry connecting for minutes
                raise OSError(f"{path} is not a database file")
            path.parent.mkdir(parents=True, exist_ok=True)
        self.client = MlflowClient(tracking_uri=self.uri)
        tags = {STAGE_TAG: stage, **{f"version.{k}": v for k, v in package_versions().items()}, **self.tags}
        commit = git_commit()
        if commit:
            tags["git_commit"] = commit
        run = self.client.create_run(self._experiment_id(), run_name=run_name or stage, tags=tags)
        return run.info.run_id

    @contextlib.contextmanager
    def run(self, stage: str, run_name: str | None = None) -> Iterator[Run]:
        """Open an MLflow run; a locked or broken store yields a run that records nothing."""
        if store_locked(self.uri, self.lock_timeout):
            self.notices.append(f"experiment store is locked by another process ({self.uri}); this run is not "
                                "tracked")
            yield NullRun()
            return
        run_id = self.guard(lambda: self._start(stage, run_name))
        if run_id is None:
            yield NullRun()
            return
        status = "FAILED"
        try:
            yield _MlflowRun(self, run_id)
            status = "FINISHED"
        finally:
            self.guard(lambda: self.client.set_terminated(run_id, status=status))


def open_tracker(workspace: Workspace, config: Config, *, enabled: bool = True, experiment: str | None = None,
                 tags: Mapping[str, str] | None = None) -> Tracker:
    """The workspace's tracker: MLflow in ``mlruns.db`` unless ``enabled`` or the config turns it off."""
    if not (enabled and config.tracking.enabled):
        return NullTracker()
    return MlflowTracker(workspace.tracking_uri, experiment or config.tracking.experiment,
                         artifact_root=workspace.root / ARTIFACTS_DIR, tags=tags)
