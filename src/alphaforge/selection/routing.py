"""Routing: per target, one pooled model over all symbols, one model per symbol, or both.

Measured, not guessed. For each target (with its selected features) the quick model runs
under purged walk-forward CV twice: pooled over every symbol, and on each symbol's rows
alone. Both are scored per symbol on the rows both tested. A symbol goes
``symbol_specific`` when it has at least ``min_rows_per_symbol`` labelled rows and its own
model beats the pooled one on it by more than ``routing_margin`` and two standard errors of
the skill difference; otherwise the pooled model serves it. The target's route is
``cross_sectional`` when no symbol goes its own way, ``symbol_specific`` when every symbol
does, and ``both`` in between. Each decision records its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from alphaforge.artifacts import RoutingPlanFile
from alphaforge.config import SelectionSection
from alphaforge.selection._markdown import markdown_table
from alphaforge.selection.dataset import TargetData, target_data
from alphaforge.selection.scoring import (
    fit_quick_model,
    null_skill_se,
    purged_splits,
    skill,
    trainable,
)
from alphaforge.workspace import atomic_write_parquet, atomic_write_text

ROUTES = ("cross_sectional", "symbol_specific", "both")
CANDIDATE_COLUMNS = ["target", "symbol", "n_rows", "n_tested", "pooled_skill", "own_skill", "difference",
                     "threshold", "decision", "reason"]


@dataclass(frozen=True)
class TargetRoute:
    """The route of one target: the symbols of each training type, and why."""

    target: str
    route: str
    cross_sectional_symbols: list[str]
    symbol_specific_symbols: list[str]
    pooled_skill: float
    reason: str
    candidates: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"route": self.route, "reason": self.reason, "pooled_skill": self.pooled_skill,
                "cross_sectional": {"symbols": self.cross_sectional_symbols},
                "symbol_specific": {"symbols": self.symbol_specific_symbols},
                "symbols": {r["symbol"]: {"decision": r["decision"], "reason": r["reason"]}
                            for r in self.candidates.to_dict("records")}}


def _out_of_fold(data: TargetData, settings: SelectionSection, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold predictions (rows x outputs) and a mask of the rows that were tested."""
    X = data.X.to_numpy()
    width = len(np.unique(data.y)) if data.task == "multiclass" else 1
    predictions = np.full((len(data), width), np.nan)
    for train, test in purged_splits(data.spans, settings.n_splits, settings.embargo):
        if not trainable(data.y[train], data.task) or len(test) == 0:
            continue
        model = fit_quick_model(X[train], data.y[train], data.task, seed)
        scores = model.scores(X[test])
        if data.task == "multiclass":
            columns = np.searchsorted(np.unique(data.y), model.classes)
            predictions[np.ix_(test, columns)] = scores
        else:
            predictions[test, 0] = scores
    return predictions, np.isfinite(predictions).any(axis=1)


def _skill_on(data: TargetData, predictions: np.ndarray, rows: np.ndarray) -> float:
    if data.task == "multiclass":
        return skill(data.y[rows], np.nan_to_num(predictions[rows]), data.task, np.unique(data.y))
    return skill(data.y[rows], predictions[rows, 0], data.task)


def route_target(features: pd.DataFrame, targets: pd.DataFrame, target: str, columns: Sequence[str],
                 settings: SelectionSection | None = None, *, seed: int = 0) -> TargetRoute:
    """Measure pooled against per-symbol models for ``target`` on ``columns`` and decide its route."""
    settings = settings or SelectionSection()
    data = target_data(features, targets, target, columns=list(columns), max_rows=settings.max_rows)
    pooled, pooled_tested = _out_of_fold(data, settings, seed)
    pooled_skill = _skill_on(data, pooled, np.flatnonzero(pooled_tested))
    rows = []
    order = np.argsort(data.symbols, kind="stable")  # each symbol's rows contiguous, in their own order
    names, first = np.unique(data.symbols[order], return_index=True)
    bounds = np.r_[first, len(order)]
    for k in np.argsort(order[first], kind="stable"):  # symbols in order of first appearance
        symbol, mine = names[k], order[bounds[k]:bounds[k + 1]]
        row: dict[str, Any] = {"target": target, "symbol": str(symbol), "n_rows": len(mine), "n_tested": 0,
                               "pooled_skill": np.nan, "own_skill": np.nan, "difference": np.nan,
                               "threshold": np.nan, "decision": "cross_sectional"}
        if len(mine) < settings.min_rows_per_symbol:
            row["reason"] = f"{len(mine)} labelled rows < {settings.min_rows_per_symbol}: too few for its own model"
            rows.append(row)
            continue
        own_data = data.subset(mine)
        own, own_tested = _out_of_fold(own_data, settings, seed)
        both = np.flatnonzero(own_tested & pooled_tested[mine])
        if len(both) == 0:
            row["reason"] = "no rows tested by both models"
            rows.append(row)
            continue
        row["n_tested"] = len(both)
        row["pooled_skill"] = _skill_on(own_data, pooled[mine], both)
        row["own_skill"] = _skill_on(own_data, own, both)
        row["difference"] = row["own_skill"] - row["pooled_skill"]
        row["threshold"] = max(settings.routing_margin,
                               2.0 * np.sqrt(2.0) * null_skill_se(own_data.y[both], data.task, data.overlap))
        if row["difference"] > row["threshold"]:
            row["decision"] = "symbol_specific"
            row["reason"] = (f"own model skill {row['own_skill']:.4f} beats pooled {row['pooled_skill']:.4f} "
                             f"by more than {row['threshold']:.4f}")
        else:
            row["reason"] = (f"own model skill {row['own_skill']:.4f} does not beat pooled "
                             f"{row['pooled_skill']:.4f} by more than {row['threshold']:.4f}")
        rows.append(row)
    candidates = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    own_way = candidates.loc[candidates["decision"] == "symbol_specific", "symbol"].tolist()
    pooled_way = candidates.loc[candidates["decision"] == "cross_sectional", "symbol"].tolist()
    route = "symbol_specific" if not pooled_way else ("both" if own_way else "cross_sectional")
    reason = (f"pooled skill {pooled_skill:.4f} over {len(candidates)} symbols; {len(own_way)} symbol(s) gain from "
              f"their own model{': ' + ', '.join(own_way) if own_way else ''}")
    return TargetRoute(target, route, list(map(str, pd.unique(data.symbols))) if pooled_way else [], own_way,
                       float(pooled_skill), reason, candidates)


@dataclass(frozen=True)
class RoutingPlan:
    """Every target's route."""

    routes: dict[str, TargetRoute]

    def to_dict(self) -> dict[str, Any]:
        """``routing_plan.json`` as plain data, checked by its owner."""
        return RoutingPlanFile(targets={t: r.to_dict() for t, r in self.routes.items()}).document()

    def candidates(self) -> pd.DataFrame:
        """Every (target, symbol) measurement behind the routes."""
        frames = [r.candidates for r in self.routes.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CANDIDATE_COLUMNS)

    def markdown(self) -> str:
        lines = ["# Routing plan", "", markdown_table(
            [{"target": t, "route": r.route, "pooled_skill": r.pooled_skill,
              "symbol_specific": r.symbol_specific_symbols, "reason": r.reason} for t, r in self.routes.items()],
            ["target", "route", "pooled_skill", "symbol_specific", "reason"]) if self.routes else "No targets.",
            "", "## Per symbol", "", markdown_table(self.candidates(), CANDIDATE_COLUMNS)]
        return "\n".join(lines) + "\n"


def route_targets(features: pd.DataFrame, targets: pd.DataFrame, selections: Mapping[str, Sequence[str]],
                  settings: SelectionSection | None = None, *, seed: int = 0) -> RoutingPlan:
    """Routes of every target in ``selections`` (target -> its selected features)."""
    return RoutingPlan({t: route_target(features, targets, t, cols, settings, seed=seed)
                        for t, cols in selections.items() if cols})


def write_routing_plan(plan: RoutingPlan, directory: Path) -> list[Path]:
    """Write ``routing_plan.{json,yaml,md}`` and ``routing_candidates.parquet`` into ``directory``."""
    directory = Path(directory)
    content = plan.to_dict()
    paths = [directory / "routing_plan.json", directory / "routing_plan.yaml", directory / "routing_plan.md",
             directory / "routing_candidates.parquet"]
    RoutingPlanFile.parse(content, where=str(paths[0])).save(paths[0])
    atomic_write_text(paths[1], yaml.safe_dump(content, sort_keys=False))
    atomic_write_text(paths[2], plan.markdown())
    atomic_write_parquet(paths[3], plan.candidates())
    return paths
