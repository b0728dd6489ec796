"""Reading tracked runs back: what `alphaforge experiments list | show | compare` print.

Runs are named by their MLflow id or any unique prefix of it (as `git` does with commits).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from alphaforge.errors import InputError, MissingInputError
from alphaforge.tracking.tracker import STAGE_TAG, sqlite_path

_SEARCH_LIMIT = 5000
_RUN_ID_LENGTH = 32


def _client(uri: str) -> Any:
    path = sqlite_path(uri)
    if path is not None and not path.exists():
        raise MissingInputError("no tracked runs yet (no experiment store)", where=str(path),
                                fix="run a stage with tracking on, e.g. `alphaforge train`")
    from mlflow.tracking import MlflowClient

    try:  # a corrupt store fails on its first query: make that one here, where it can be named
        client = MlflowClient(tracking_uri=uri)
        client.search_experiments(max_results=1)
    except Exception as exc:  # noqa: BLE001 - MLflow and SQLAlchemy raise many kinds for one broken file
        raise InputError(f"the experiment store cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                         where=str(path or uri), fix="restore it from a backup, or move it aside: the next tracked "
                                                     "run starts a new store") from None
    return client


def _time(milliseconds: int | None) -> str | None:
    return None if milliseconds is None else datetime.fromtimestamp(milliseconds / 1000, tz=UTC).isoformat()


def _experiments(client: Any) -> dict[str, str]:
    return {e.experiment_id: e.name for e in client.search_experiments()}


def _summary(run: Any, experiments: dict[str, str]) -> dict[str, Any]:
    info = run.info
    duration = (info.end_time - info.start_time) / 1000 if info.end_time and info.start_time else None
    return {"run_id": info.run_id, "experiment": experiments.get(info.experiment_id, info.experiment_id),
            "name": info.run_name, "stage": run.data.tags.get(STAGE_TAG), "status": info.status,
            "start": _time(info.start_time), "duration_s": duration, "metrics": dict(run.data.metrics)}


def list_runs(uri: str, *, experiment: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest runs (of one experiment, or all), newest first."""
    client = _client(uri)
    experiments = _experiments(client)
    ids = [i for i, name in experiments.items() if experiment is None or name == experiment]
    if experiment is not None and not ids:
        raise InputError(f"no experiment named {experiment!r}", where="--experiment-name",
                         fix=f"choose one of: {', '.join(sorted(experiments.values())) or 'none yet'}")
    if not ids:
        return []
    runs = client.search_runs(ids, max_results=limit, order_by=["attributes.start_time DESC"])
    return [_summary(run, experiments) for run in runs]


def _find(client: Any, reference: str) -> Any:
    if len(reference) == _RUN_ID_LENGTH:
        with contextlib.suppress(Exception):  # an unknown full id falls through to the "no run" error below
            return client.get_run(reference)
    experiments = list(_experiments(client))
    matches = [r for r in client.search_runs(experiments, max_results=_SEARCH_LIMIT)
               if r.info.run_id.startswith(reference)] if experiments and reference else []
    if len(matches) == 1:
        return matches[0]
    why = "matches several runs" if matches else "matches no run"
    raise InputError(f"run {reference!r} {why}", where="RUN",
                     fix="pass a longer prefix of the run id; `alphaforge experiments list` shows them")


def _artifacts(client: Any, run_id: str) -> list[str]:
    try:
        return [item.path for item in client.list_artifacts(run_id)]
    except Exception:  # noqa: BLE001 - a missing artifact folder must not hide the run itself
        return []


def show_run(uri: str, reference: str) -> dict[str, Any]:
    """One run: summary, params, metrics, tags (MLflow's own ``mlflow.*`` tags left out) and artifacts."""
    client = _client(uri)
    run = _find(client, reference)
    return {**_summary(run, _experiments(client)), "params": dict(sorted(run.data.params.items())),
            "tags": {k: v for k, v in sorted(run.data.tags.items()) if not k.startswith("mlflow.")},
            "artifact_uri": run.info.artifact_uri, "artifacts": _artifacts(client, run.info.run_id)}


def _side_by_side(values: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = sorted({key for mapping in values for key in mapping})
    rows = []
    for key in keys:
        row = [mapping.get(key) for mapping in values]
        rows.append({"key": key, "values": row, "differs": len({repr(v) for v in row}) > 1})
    return rows


def compare_runs(uri: str, references: Sequence[str]) -> dict[str, Any]:
    """Several runs side by side: params and metrics per key, with whether they differ."""
    if len(references) < 2:
        raise InputError("compare needs at least two runs", where="RUN", fix="pass two or more run ids")
    client = _client(uri)
    experiments = _experiments(client)
    runs = [_find(client, reference) for reference in references]
    return {"runs": [_summary(run, experiments) for run in runs],
            "params": _side_by_side([run.data.params for run in runs]),
            "metrics": _side_by_side([run.data.metrics for run in runs])}
