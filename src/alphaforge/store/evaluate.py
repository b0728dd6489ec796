"""Score holdout predictions against the labels kept in the preserved files.

Each prediction set (one ``predictions/setups_<time>.parquet`` with its JSON sidecar) is
scored overall with the metrics of its task (:func:`alphaforge.models.metrics.score`:
regression rmse/mae/r2/ic/hit rate; classification log loss/accuracy/auc/brier), and per
domain: its target, its model family and each feature group its model read. A domain pools
the prediction sets that share it (and a target); feature groups shared by the same sets are
one row. ``domain=`` keeps only the sets and the rows of one domain. A figure (predicted vs actual, or the confusion matrix, per set) and the scores are
written to ``holdouts/evaluation_<time>.{png,json}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from alphaforge.artifacts import read_json
from alphaforge.errors import InputError, MissingInputError
from alphaforge.models.metrics import score
from alphaforge.store.db import connect, table_exists
from alphaforge.store.holdout import holdouts_dir, latest_preserved
from alphaforge.store.predict import predictions_dir
from alphaforge.store.setups import register_setups
from alphaforge.workspace import Workspace, atomic_write_json, atomic_write_png


@dataclass
class PredictionSet:
    """One prediction file joined with the preserved labels of its setups."""

    info: dict[str, Any]
    frame: pd.DataFrame  # setup_id, prediction, proba_*, label

    @property
    def domains(self) -> list[tuple[str, str]]:
        """(kind, value) of every domain the set belongs to."""
        return [("target", str(self.info["target"])), ("family", str(self.info["family"])),
                *(("feature_group", g) for g in self.info["feature_groups"])]


def _sidecar(path: Path) -> dict[str, Any]:
    """The JSON sidecar ``alphaforge predict`` writes beside a prediction file."""
    sidecar = Path(path).with_suffix(".json")
    if not sidecar.is_file():
        raise InputError("the prediction file has no JSON sidecar beside it", where=str(sidecar),
                         fix="predict again (`alphaforge predict --setup-file FILE`), or delete the orphan "
                             "prediction file")
    return read_json(sidecar, what="the prediction sidecar", fix="predict again (`alphaforge predict --setup-file FILE`)")


def _prediction_files(workspace: Workspace, chosen: Sequence[Path] | None,
                      held: set[str]) -> list[tuple[Path, dict[str, Any]]]:
    """(file, sidecar) of the chosen files, else of the newest file per model among those
    predicting held-out setups."""
    if chosen:
        return [(Path(p), _sidecar(Path(p))) for p in chosen]
    newest: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path in sorted(predictions_dir(workspace).glob("setups_*.parquet")):
        ids = set(pd.read_parquet(path, columns=["setup_id"])["setup_id"])
        if ids & held:
            info = _sidecar(path)
            newest[info["model_path"]] = (path, info)
    if not newest:
        raise MissingInputError("no predictions of held-out setups", where=str(predictions_dir(workspace)),
                                fix="run `alphaforge predict --setup-file FILE` after `alphaforge holdout remove`, "
                                    "or pass --predictions FILE")
    return list(newest.values())


def _labels(connection: duckdb.DuckDBPyConnection, workspace: Workspace, ids: list[str], target: str,
            read: dict[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    """setup_id and label of ``target`` for ``ids``, from each setup's latest preserved file
    (``read`` keeps the (file, target) columns already read: sets predicting one holdout share them)."""
    register_setups(connection, ids)
    parts = []
    for file, setups in latest_preserved(connection).items():
        if (file, target) not in read:
            path = workspace.root / file
            if not path.is_file():
                raise MissingInputError("a preserved file the store refers to is gone", where=str(path),
                                        fix="restore it from a copy; its labels are what the predictions are "
                                            "scored against")
            read[file, target] = pd.read_parquet(path, columns=["setup_id", target])
        rows = read[file, target]
        parts.append(rows[rows["setup_id"].isin(set(setups))])
    if not parts:
        return pd.DataFrame({"setup_id": pd.Series(dtype=str), "label": pd.Series(dtype=float)})
    return pd.concat(parts, ignore_index=True).rename(columns={target: "label"})


def _load_sets(connection: duckdb.DuckDBPyConnection, workspace: Workspace,
               files: list[tuple[Path, dict[str, Any]]]) -> list[PredictionSet]:
    if not table_exists(connection, "preserved"):
        raise MissingInputError("nothing has been preserved in this store", where=str(workspace.store_path),
                                fix="run `alphaforge holdout preserve --setup-file FILE` first")
    sets, read = [], {}
    for path, info in files:
        predictions = pd.read_parquet(path)
        labels = _labels(connection, workspace, predictions["setup_id"].tolist(), str(info["target"]), read)
        frame = predictions.merge(labels, on="setup_id", how="inner")
        sets.append(PredictionSet(info, frame[frame["label"].notna()].reset_index(drop=True)))
    return sets


def _score(task: str, classes: list[float], frame: pd.DataFrame) -> dict[str, float]:
    """Metrics of one (pooled) frame, with ``n`` the rows scored (labels of unseen classes dropped)."""
    if task == "regression":
        return {"n": len(frame), **score(task, frame["label"].to_numpy(), frame["prediction"].to_numpy())}
    known = frame[frame["label"].isin(classes)]
    encoded = np.searchsorted(np.asarray(classes), known["label"].to_numpy())
    probabilities = known[[f"proba_{c:g}" for c in classes]].to_numpy()
    return {"n": len(known), **score(task, encoded, probabilities)}


def _by_domain(sets: list[PredictionSet], domain: str | None = None) -> list[dict[str, Any]]:
    """One row per domain kind, target and group of prediction sets, with ``domain`` listing the
    domains those sets share: feature groups every set reads together pool the same rows, so they
    are one row (``px, ta``), not copies. ``domain`` keeps only the rows of that domain."""
    groups: dict[tuple[str, str, str], list[PredictionSet]] = {}
    for item in sets:
        for kind, value in item.domains:
            groups.setdefault((kind, value, str(item.info["target"])), []).append(item)
    merged: dict[tuple[str, str, tuple[int, ...]], list[str]] = {}
    for (kind, value, target), members in sorted(groups.items()):
        merged.setdefault((kind, target, tuple(id(m) for m in members)), []).append(value)
    rows = []
    for (kind, target, _), values in merged.items():
        if domain is not None and domain not in values:
            continue
        members = groups[kind, values[0], target]
        task, classes = members[0].info["task"], members[0].info["classes"]
        same = [m for m in members if m.info["task"] == task and m.info["classes"] == classes]
        pooled = pd.concat([m.frame for m in same], ignore_index=True)
        rows.append({"domain_kind": kind, "domain": ", ".join(values), "target": target, "task": task,
                     "prediction_sets": len(same), **_score(task, classes, pooled)})
    return rows


def _plot(sets: list[PredictionSet], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(sets), figsize=(5 * len(sets), 4.5), squeeze=False)
    for ax, item in zip(axes[0], sets, strict=True):
        title = f"{item.info['family']} → {item.info['target']} (n={len(item.frame)})"
        if item.info["task"] == "regression":
            ax.scatter(item.frame["prediction"], item.frame["label"], s=8, alpha=0.6)
            ax.axhline(0.0, color="grey", linewidth=0.8)
            ax.axvline(0.0, color="grey", linewidth=0.8)
            ax.set(xlabel="predicted", ylabel="actual (preserved label)", title=title)
            ax.tick_params(axis="x", labelrotation=30)
        else:
            classes = item.info["classes"]
            table = pd.crosstab(pd.Categorical(item.frame["label"], classes),
                                pd.Categorical(item.frame["prediction"], classes), dropna=False)
            ax.imshow(table.to_numpy(), cmap="Blues")
            for (i, j), count in np.ndenumerate(table.to_numpy()):
                ax.text(j, i, str(count), ha="center", va="center")
            ticks = [f"{c:g}" for c in classes]
            ax.set(xticks=range(len(classes)), yticks=range(len(classes)), xticklabels=ticks, yticklabels=ticks,
                   xlabel="predicted", ylabel="actual (preserved label)", title=title)
    figure.suptitle("Holdout predictions against preserved labels")
    atomic_write_png(figure, path, tight=True)
    plt.close(figure)


def evaluate_holdout(workspace: Workspace, domain: str | None = None,
                     predictions: Sequence[Path] | None = None) -> dict[str, Any]:
    """Score the prediction sets of the held-out setups (or ``predictions``), overall and per domain."""
    with connect(workspace) as connection:
        held = ({r[0] for r in connection.execute("SELECT setup_id FROM holdouts").fetchall()}
                if table_exists(connection, "holdouts") else set())
        sets = _load_sets(connection, workspace, _prediction_files(workspace, predictions, held))
    if domain is not None:
        known = sorted({value for item in sets for _, value in item.domains})
        sets = [item for item in sets if domain in {value for _, value in item.domains}]
        if not sets:
            raise InputError(f"no prediction set in domain {domain!r}", where="--domain",
                             fix=f"choose one of: {', '.join(known)}")
    empty = [str(item.info["file"]) for item in sets if item.frame.empty]
    if empty:
        raise InputError(f"no preserved label for the setups predicted in {', '.join(empty)}", where="holdout evaluate",
                         fix="predict setups that were preserved (`alphaforge holdout preserve`)")
    overall = [{"predictions": item.info["file"], "model": item.info["model_path"], "family": item.info["family"],
                "target": item.info["target"], "task": item.info["task"],
                **_score(item.info["task"], item.info["classes"], item.frame)} for item in sets]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    plot = holdouts_dir(workspace) / f"evaluation_{stamp}.png"
    _plot(sets, plot)
    result = {"domain": domain, "overall": overall, "by_domain": _by_domain(sets, domain), "plot": str(plot),
              "report": str(plot.with_suffix(".json"))}
    atomic_write_json(plot.with_suffix(".json"), result)
    return result
