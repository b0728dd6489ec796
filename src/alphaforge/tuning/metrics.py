"""Cross-validation scores a study can optimise: a closed name → :class:`Metric` map.

A metric scores one test fold from the fitted model's output. ``ic`` is the mean
per-timestamp rank IC when the rows are a panel (what a ranking model is for), the rank
correlation over the rows for one series. ``sharpe`` is a trading
statistic: the strategy holds sign(prediction) of a regression target that is itself a
forward return, each period's return is the mean over the symbols traded at that time, and
the score is the per-period Sharpe ratio of that series (as :mod:`alphaforge.validation.stats`
defines it), so the analysis can deflate it over every trial tried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from alphaforge.errors import InputError
from alphaforge.models.panel import cross_section_size
from alphaforge.models.stopping import MIN_NAMES, ValidationScorer
from alphaforge.validation.stats import sharpe_ratio

Direction = Literal["maximize", "minimize"]
CLASS_TASKS = ("binary", "multiclass")


@dataclass(frozen=True)
class Metric:
    """A fold score: ``score(y, output, times)`` where output is predictions or class probabilities."""

    name: str
    direction: Direction
    tasks: tuple[str, ...]
    uses_proba: bool
    score: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None], float]
    trading: bool = False

    def better(self, a: float, b: float) -> bool:
        """True when score ``a`` beats score ``b``."""
        return a > b if self.direction == "maximize" else a < b


def strategy_returns(y: np.ndarray, prediction: np.ndarray, times: np.ndarray) -> pd.Series:
    """Per-period returns of holding sign(prediction) on forward returns ``y`` (mean over symbols)."""
    rows = pd.Series(np.sign(prediction) * np.asarray(y, dtype=np.float64), index=pd.Index(times, name="time"))
    return rows.groupby(level=0, sort=True).mean()


def _ic(y: np.ndarray, output: np.ndarray, times: np.ndarray, classes: np.ndarray | None) -> float:
    """Mean per-timestamp rank IC on a panel (the median time has >= 3 rows), else over the rows."""
    if cross_section_size(times) >= MIN_NAMES:
        return ValidationScorer("regression", np.asarray(y, dtype=np.float64), groups=np.asarray(times))(output)
    if np.ptp(output) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(stats.spearmanr(output, y).statistic)


def _mse(y: np.ndarray, output: np.ndarray, times: np.ndarray, classes: np.ndarray | None) -> float:
    return float(np.mean((output - y) ** 2))


def _sharpe(y: np.ndarray, output: np.ndarray, times: np.ndarray, classes: np.ndarray | None) -> float:
    returns = strategy_returns(y, output, times)
    try:
        return sharpe_ratio(returns.to_numpy())
    except InputError:
        return 0.0  # fewer than 3 periods or no variation: no evidence of skill


def _accuracy(y: np.ndarray, output: np.ndarray, times: np.ndarray, classes: np.ndarray | None) -> float:
    assert classes is not None
    return float(np.mean(classes[np.argmax(output, axis=1)] == y))


def _log_loss(y: np.ndarray, output: np.ndarray, times: np.ndarray, classes: np.ndarray | None) -> float:
    assert classes is not None
    column = np.searchsorted(classes, y)
    known = (column < len(classes)) & (classes[np.minimum(column, len(classes) - 1)] == y)
    picked = np.where(known, output[np.arange(len(y)), np.minimum(column, len(classes) - 1)], 0.0)
    return float(-np.mean(np.log(np.clip(picked, 1e-15, 1.0))))


def _auc(y: np.ndarray, output: np.ndarray, times: np.ndarray, classes: np.ndarray | None) -> float:
    assert classes is not None
    positive = y == classes[-1]
    if positive.all() or not positive.any():
        return 0.5
    return float(stats.mannwhitneyu(output[positive, -1], output[~positive, -1]).statistic
                 / (positive.sum() * (~positive).sum()))


METRICS: MappingProxyType[str, Metric] = MappingProxyType({
    "ic": Metric("ic", "maximize", ("regression",), False, _ic),
    "mse": Metric("mse", "minimize", ("regression",), False, _mse),
    "sharpe": Metric("sharpe", "maximize", ("regression",), False, _sharpe, trading=True),
    "accuracy": Metric("accuracy", "maximize", CLASS_TASKS, True, _accuracy),
    "log_loss": Metric("log_loss", "minimize", CLASS_TASKS, True, _log_loss),
    "auc": Metric("auc", "maximize", ("binary",), True, _auc),
})


def resolve_metric(name: str, task: str) -> Metric:
    """The metric called ``name`` (``auto``: ic for regression, log_loss for classes), checked against ``task``."""
    if name == "auto":
        name = "ic" if task == "regression" else "log_loss"
    metric = METRICS.get(name)
    if metric is None:
        raise InputError(f"unknown metric {name!r}", where="tuning.metric", fix=f"use auto or one of {list(METRICS)}")
    if task not in metric.tasks:
        raise InputError(f"metric {name!r} does not apply to a {task} target", where="tuning.metric",
                         fix=f"{name} needs a {' or '.join(metric.tasks)} target; use metric = \"auto\"")
    return metric
