"""Predict the setups of a setup file from their rows in the ``prediction`` table.

For a holdout these rows were copied from the preserved file with the labels stripped, so the
model sees exactly the features the setups had in training, and nothing is recomputed. The
predictions go to ``predictions/setups_<time>.parquet`` (setup_id, symbol, timestamp,
prediction and, for classifiers, ``proba_<class>``) with a JSON sidecar naming the model,
its family, target, task and feature groups: what ``holdout evaluate`` groups domains by.

This module is on the prediction side: it never imports the training-only targets.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.features.cross_sectional import RANK_PREFIX
from alphaforge.models.registry import resolve_model
from alphaforge.store.db import column_list, connect, require_table
from alphaforge.store.setups import SETUPS_VIEW, describe_ids, read_setup_file, register_setups
from alphaforge.store.tables import PREDICTION, as_utc, columns_of
from alphaforge.workspace import Workspace, atomic_write_json, atomic_write_parquet

PREDICTIONS = "predictions"


def predictions_dir(workspace: Workspace) -> Path:
    """Where prediction files live."""
    return workspace.subdir(PREDICTIONS)


def read_prediction_rows(workspace: Workspace, ids: list[str], features: list[str]) -> pd.DataFrame:
    """Key and feature columns of ``ids`` from the prediction table, in the ids' order."""
    with connect(workspace) as connection:
        require_table(connection, workspace, PREDICTION)
        present = set(columns_of(connection, PREDICTION))
        absent = [f for f in features if f not in present]
        if absent:
            raise InputError(f"the model needs feature(s) the store does not hold: {absent[:8]}",
                             where=str(workspace.store_path),
                             fix="refill the store with the model's feature set (`alphaforge store fill`)")
        register_setups(connection, ids)
        frame = connection.execute(f"SELECT {column_list(['setup_id', 'symbol', 'timestamp', *features])} "
                                   f"FROM {PREDICTION} WHERE setup_id IN (SELECT setup_id FROM {SETUPS_VIEW})").df()
    missing = sorted(set(ids) - set(frame["setup_id"]))
    if missing:
        raise InputError(f"{len(missing)} setup(s) have no prediction row: {describe_ids(missing)}",
                         where="prediction table", fix="hold them out first: `alphaforge holdout preserve` then "
                                                       "`alphaforge holdout remove` with the same setup file")
    frame = frame.set_index("setup_id").loc[ids].reset_index()
    frame["timestamp"] = as_utc(frame["timestamp"])
    return frame


def predict_setups(workspace: Workspace, setup_file: Path, model_path: Path | None = None) -> dict[str, Any]:
    """Predict every setup in ``setup_file`` with the workspace's model (or ``model_path``)."""
    ids = read_setup_file(setup_file)
    resolved = resolve_model(workspace.root, model_path)
    features = list(resolved.card.features)
    rows = read_prediction_rows(workspace, ids, features)
    unseen = resolved.check_compatible(features, sorted(rows["symbol"].unique()))
    notices = [f"symbol(s) the model never saw: {', '.join(unseen)}"] if unseen else []
    X = pd.DataFrame(rows[features].to_numpy(dtype=np.float64), columns=features,
                     index=pd.MultiIndex.from_frame(rows[["symbol", "timestamp"]]))
    model = resolved.model
    output = rows[["setup_id", "symbol", "timestamp"]].copy()
    output["prediction"] = model.predict(X)
    classes = [] if model.classes_ is None else [float(c) for c in model.classes_]
    if classes:
        for k, probabilities in zip(classes, model.predict_proba(X).T, strict=True):
            output[f"proba_{k:g}"] = probabilities
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = predictions_dir(workspace) / f"setups_{stamp}.parquet"
    info = {"file": path.name, "setup_file": str(Path(setup_file).resolve()), "count": len(output),
            "model_path": str(resolved.path), "model_source": resolved.source, "family": model.name,
            "target": resolved.card.target.name, "task": model.task, "classes": classes,
            "feature_groups": sorted({f.removeprefix(RANK_PREFIX).split("_", 1)[0] for f in features}),
            "created_at": datetime.now(UTC).isoformat()}
    atomic_write_parquet(path, output)
    atomic_write_json(path.with_suffix(".json"), info)
    return {**info, "predictions": str(path), "notices": notices}
