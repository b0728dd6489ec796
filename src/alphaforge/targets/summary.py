"""Summaries of target kinds and built target tables, for people and ``--json`` output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.targets.compute import t1_column
from alphaforge.targets.registry import TARGET_KINDS, parse_targets

CONTINUOUS_KINDS = ("fwd_ret", "fwd_logret", "fwd_volret")


def describe_kinds() -> list[dict[str, Any]]:
    """Every target kind: name pattern, example, summary and parameters (with defaults)."""
    return [{"kind": kind.prefix, "pattern": kind.template, "example": kind.example, "summary": kind.summary,
             "parameters": [{"name": p.name, "help": p.help, **({} if p.required else {"default": p.default})}
                            for p in kind.params]}
            for kind in TARGET_KINDS.values()]


def describe_targets(table: pd.DataFrame, names: Sequence[str]) -> list[dict[str, Any]]:
    """Per target of a target table: labelled rows, label span and the label distribution.

    Continuous targets report mean and standard deviation; the others the count of each label.
    """
    rows = []
    for spec in parse_targets(names):
        values = table[spec.name]
        labelled = values.notna()
        span = table.loc[labelled, t1_column(spec.name)] - table.loc[labelled, "timestamp"]
        row: dict[str, Any] = {"target": spec.name, "labelled": int(labelled.sum()),
                               "unlabelled": int((~labelled).sum()),
                               "median_span": str(span.median()) if labelled.any() else None}
        if spec.kind in CONTINUOUS_KINDS:
            row["mean"] = float(values.mean()) if labelled.any() else None
            row["std"] = float(values.std()) if labelled.sum() > 1 else None
        else:
            labels, counts = np.unique(values[labelled].to_numpy(), return_counts=True)
            row["counts"] = {f"{label:g}": int(count) for label, count in zip(labels, counts, strict=True)}
        rows.append(row)
    return rows
