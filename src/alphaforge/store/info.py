"""What the store holds: row counts, features, targets, holdouts and where it was filled from."""

from __future__ import annotations

from typing import Any

from alphaforge.store.db import connect
from alphaforge.store.tables import PREDICTION, TRAINING, read_meta, row_count
from alphaforge.workspace import Workspace


def store_info(workspace: Workspace) -> dict[str, Any]:
    """A summary of ``store.duckdb`` (``alphaforge store info``)."""
    with connect(workspace) as connection:
        meta = read_meta(connection)
        counts = {table: row_count(connection, table) for table in (TRAINING, PREDICTION, "holdouts")}
        files = [row[0] for row in connection.execute(
            "SELECT DISTINCT preserved_file FROM preserved ORDER BY 1").fetchall()] if meta else []
    return {"store": str(workspace.store_path), "training_rows": counts[TRAINING],
            "prediction_rows": counts[PREDICTION], "held_out": counts["holdouts"], "preserved_files": files,
            "features": meta.get("features", []), "skipped_features": meta.get("skipped", []),
            "targets": meta.get("targets", []), "events": meta.get("events", False),
            "filled_at": meta.get("filled_at"), "sources": meta.get("sources", {})}
