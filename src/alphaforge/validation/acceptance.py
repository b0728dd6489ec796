"""Acceptance criteria: pass/fail bounds on a trained model's validation metrics.

The seeds judged a model by criteria such as 'Signal R² >= 70 %'. ``[acceptance] criteria``
holds such bounds (``"r2 >= 0.7"``, ``"ic >= 2%"``, ``"log_loss <= 0.65"``, parsed by
:func:`alphaforge.config.parse_criterion`), and `train` reports each as passed or failed on
the best model's validation split, the rows it never trained on. A metric the task does not
measure (``r2`` of a classifier) is neither: it is reported as not measured.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from alphaforge.config import parse_criterion
from alphaforge.errors import InputError
from alphaforge.models.metrics import METRIC_NAMES


def check_criteria(criteria: Sequence[str]) -> list[tuple[str, str, float]]:
    """The parsed criteria; a metric no model reports is refused (before any training).

    >>> check_criteria(["ic >= 2%"])
    [('ic', '>=', 0.02)]
    """
    parsed = [parse_criterion(text) for text in criteria]
    unknown = [metric for metric, _, _ in parsed if metric not in METRIC_NAMES]
    if unknown:
        raise InputError(f"no model reports the metric(s) {unknown}", where="alphaforge.toml: [acceptance] criteria",
                         fix=f"use {', '.join(METRIC_NAMES)}")
    return parsed


def acceptance(criteria: Sequence[str], metrics: Mapping[str, float]) -> list[dict[str, Any]]:
    """Each criterion against ``metrics`` (one split's): ``criterion``, ``value`` and ``passed``
    (True, False, or None when the metric is not measured), with a one-line ``message``.

    >>> [row["passed"] for row in acceptance(["r2 >= 0.7", "auc >= 0.6"], {"r2": 0.72})]
    [True, None]
    """
    rows = []
    for text, (metric, direction, bound) in zip(criteria, check_criteria(criteria), strict=True):
        value = metrics.get(metric)
        measured = isinstance(value, (int, float)) and math.isfinite(value)
        passed = None if not measured else (value >= bound if direction == ">=" else value <= bound)
        outcome = "not measured" if passed is None else f"{value:.4g}: {'pass' if passed else 'fail'}"
        rows.append({"criterion": text, "metric": metric, "value": value if measured else None, "passed": passed,
                     "message": f"{text} on the validation split: {outcome}"})
    return rows
