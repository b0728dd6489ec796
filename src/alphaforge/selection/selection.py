"""Feature selection for one target: leakage flags, out-of-sample importance, clusters, the pick.

The steps, all on purged walk-forward folds (every fit on training rows only):

1. single-feature importance of every feature (:mod:`~alphaforge.selection.importance`);
2. leakage flags (:mod:`~alphaforge.selection.leakage`): truncation failures (passed in, as
   they do not depend on the target), near-copies of the unknown target, implausible SFI;
   flagged features are excluded from everything below;
3. permutation importance (MDA) and gain of the quick model on the remaining features, and
   per-fold correlation clusters voted into one clustering;
4. each feature's ``score`` is the mean of its percentile ranks in MDA, SFI and gain; each
   cluster keeps its best-scoring feature; then ``top_k`` keeps the K best representatives,
   or ``threshold`` those whose MDA exceeds ``min_importance``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.config import SelectionSection
from alphaforge.selection._markdown import markdown_table
from alphaforge.selection.clustering import consensus_clusters, correlation_clusters
from alphaforge.selection.dataset import TargetData, feature_columns, target_data
from alphaforge.selection.importance import model_importance, single_feature_importance
from alphaforge.selection.leakage import LeakageFlag, copy_flags, implausible_flags
from alphaforge.selection.scoring import purged_splits
from alphaforge.workspace import (
    atomic_write_json,
    atomic_write_parquet,
    atomic_write_text,
)

TABLE_COLUMNS = ["feature", "status", "score", "mda", "mda_std", "sfi", "sfi_std", "gain", "cluster",
                 "representative", "reason"]


@dataclass(frozen=True)
class FeatureSelection:
    """The selected features of one target, every feature's measures, and the leakage flags."""

    target: str
    task: str
    selected: list[str]
    table: pd.DataFrame
    flags: list[LeakageFlag]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``selection.json`` and ``--json`` output)."""
        return {"target": self.target, "task": self.task, "selected": self.selected,
                "flagged": [f.to_dict() for f in self.flags],
                "n_features": len(self.table), "n_clusters": int(self.table["cluster"].nunique())}

    def report(self) -> str:
        """A Markdown report: selected features, flagged features with reasons, the full table."""
        chosen = self.table[self.table["status"] == "selected"]
        lines = [f"# Feature selection for `{self.target}` ({self.task})", "",
                 (f"{len(self.selected)} of {len(self.table)} features selected; "
                  f"{self.table['feature'].isin({f.feature for f in self.flags}).sum()} flagged for leakage."), "",
                 "## Selected", "", markdown_table(chosen, ["feature", "score", "mda", "sfi", "gain", "cluster"]),
                 "", "## Flagged for leakage (excluded)", ""]
        lines.append(markdown_table([f.to_dict() for f in self.flags], ["feature", "check", "value", "reason"])
                     if self.flags else "None.")
        lines += ["", "## All features", "", markdown_table(self.table, TABLE_COLUMNS)]
        return "\n".join(lines) + "\n"


def _percentile(values: pd.Series) -> pd.Series:
    return values.fillna(values.min()).rank(pct=True) if values.notna().any() else values.fillna(0.0)


def _status(table: pd.DataFrame, settings: SelectionSection) -> pd.DataFrame:
    """Mark representatives and pick the selected ones (top K, or by MDA threshold)."""
    representatives = table.sort_values("score", ascending=False, kind="stable").groupby("cluster").head(1)
    table["representative"] = table.groupby("cluster")["score"].transform(lambda s: s.idxmax())
    if settings.method == "top_k":
        chosen = representatives.nlargest(settings.top_k_features, "score").index
        why = f"not among the {settings.top_k_features} best cluster representatives"
    else:
        chosen = representatives.index[representatives["mda"] > settings.min_importance]
        why = f"MDA at or below {settings.min_importance}"
    table["status"] = "dropped"
    table["reason"] = why
    clustered = table.index.difference(representatives.index)
    table.loc[clustered, "reason"] = "clustered: " + table.loc[clustered, "representative"] + " represents it"
    table.loc[chosen, "status"] = "selected"
    table.loc[chosen, "reason"] = ""
    return table


def select_features(features: pd.DataFrame, targets: pd.DataFrame, target: str,
                    settings: SelectionSection | None = None, *, columns: Sequence[str] | None = None,
                    truncation: Sequence[LeakageFlag] = (), seed: int = 0) -> FeatureSelection:
    """Select features for ``target`` (module docstring); ``truncation`` holds truncation-test flags."""
    settings = settings or SelectionSection()
    columns = feature_columns(features) if columns is None else list(columns)
    data = target_data(features, targets, target, columns=columns, max_rows=settings.max_rows)
    splits = purged_splits(data.spans, settings.n_splits, settings.embargo)
    sfi = single_feature_importance(data, splits, columns)
    flags = [*truncation,
             *copy_flags(features, targets, target, columns, threshold=settings.copy_correlation,
                         max_shift=settings.copy_max_shift, max_rows=settings.max_rows),
             *implausible_flags(sfi["sfi"], settings.max_single_feature_skill)]
    flags = [f for f in flags if f.feature in set(columns)]
    flagged = {f.feature for f in flags}
    clean = [c for c in columns if c not in flagged]
    measures = _measure(data, splits, clean, settings, seed)
    table = sfi.join(measures).rename_axis("feature").reset_index()
    table = table.set_index(table["feature"].to_numpy())
    table["score"] = np.nan
    table.loc[clean, "score"] = (_percentile(table.loc[clean, "mda"]) + _percentile(table.loc[clean, "sfi"])
                                 + _percentile(table.loc[clean, "gain"])) / 3.0
    picked = _status(table.loc[clean].copy(), settings) if clean else table.iloc[:0].copy()
    table = table.join(picked[["status", "reason", "representative"]])
    reasons = {}
    for flag in flags:
        reasons.setdefault(flag.feature, []).append(flag.reason)
    table.loc[list(flagged), "status"] = "flagged"
    table.loc[list(flagged), "reason"] = ["; ".join(reasons[name]) for name in flagged]
    table = table.sort_values(["status", "score"], ascending=[False, False], kind="stable").reset_index(drop=True)
    selected = table.loc[table["status"] == "selected", "feature"].tolist()
    return FeatureSelection(target, data.task, selected, table[TABLE_COLUMNS], flags)


def _measure(data: TargetData, splits: list[tuple[np.ndarray, np.ndarray]], clean: list[str],
             settings: SelectionSection, seed: int) -> pd.DataFrame:
    """MDA, gain and consensus cluster of the unflagged features."""
    if not clean:
        return pd.DataFrame(columns=["mda", "mda_std", "gain", "cluster"], dtype="float64")
    importance = model_importance(data, splits, clean, seed)
    labelings = [correlation_clusters(data.X[clean].iloc[train], settings.correlation_threshold)
                 for train, _ in splits]
    importance["cluster"] = consensus_clusters(labelings, clean)
    return importance


def write_selection(selection: FeatureSelection, directory: Path) -> list[Path]:
    """Write ``selection.json``, ``feature_importance.parquet`` and ``report.md`` into ``directory``."""
    directory = Path(directory)
    paths = [directory / "selection.json", directory / "feature_importance.parquet", directory / "report.md"]
    atomic_write_json(paths[0], selection.to_dict())
    atomic_write_parquet(paths[1], selection.table)
    atomic_write_text(paths[2], selection.report())
    return paths

