"""Search spaces per model family, and narrowing a space around the best trials.

A space maps parameter names (the family's own, as in its ``default_params``) to Optuna
distributions. Ranges are wide enough for daily and hourly bars, with boosting rounds capped
so a trial stays in seconds on the bundled data; the final refit picks its own round count.
Categorical parameters are never narrowed (a narrowed list would reject earlier trials'
values); numeric ones shrink to the span of the best trials plus a margin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from alphaforge.errors import InputError

Space = Mapping[str, BaseDistribution]

_RATE = FloatDistribution(0.005, 0.3, log=True)
_L2 = FloatDistribution(1e-3, 100.0, log=True)
_FRACTION = FloatDistribution(0.4, 1.0)

SPACES: Mapping[str, Space] = MappingProxyType({
    "lightgbm": MappingProxyType({
        "n_estimators": IntDistribution(30, 300, log=True), "learning_rate": _RATE,
        "num_leaves": IntDistribution(7, 127, log=True), "min_data_in_leaf": IntDistribution(10, 500, log=True),
        "feature_fraction": _FRACTION, "bagging_fraction": _FRACTION, "lambda_l2": _L2}),
    "xgboost": MappingProxyType({
        "n_estimators": IntDistribution(30, 300, log=True), "learning_rate": _RATE,
        "max_depth": IntDistribution(2, 10), "min_child_weight": FloatDistribution(0.5, 50.0, log=True),
        "subsample": _FRACTION, "colsample_bytree": _FRACTION, "reg_lambda": _L2}),
    "gradient_boosting": MappingProxyType({
        "n_estimators": IntDistribution(50, 400, log=True), "learning_rate": _RATE,
        "max_depth": IntDistribution(2, 6), "subsample": FloatDistribution(0.5, 1.0),
        "min_samples_leaf": IntDistribution(5, 200, log=True)}),
    "hist_gradient_boosting": MappingProxyType({
        "max_iter": IntDistribution(30, 300, log=True), "learning_rate": _RATE,
        "max_leaf_nodes": IntDistribution(7, 127, log=True), "min_samples_leaf": IntDistribution(10, 500, log=True),
        "l2_regularization": _L2}),
    "random_forest": MappingProxyType({
        "n_estimators": IntDistribution(50, 400, log=True), "min_samples_leaf": IntDistribution(5, 500, log=True),
        "max_features": FloatDistribution(0.1, 1.0)}),
    "logistic": MappingProxyType({"C": FloatDistribution(1e-3, 100.0, log=True)}),
    "ridge": MappingProxyType({"alpha": FloatDistribution(1e-3, 1e3, log=True)}),
    "lstm": MappingProxyType({
        "window": IntDistribution(5, 60), "hidden_size": IntDistribution(8, 128, log=True),
        "num_layers": IntDistribution(1, 3), "dropout": FloatDistribution(0.0, 0.5),
        "learning_rate": FloatDistribution(1e-4, 1e-2, log=True), "epochs": IntDistribution(5, 50),
        "weight_decay": FloatDistribution(1e-6, 1e-2, log=True)}),
})


SINGLE_THREAD: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "lightgbm": MappingProxyType({"num_threads": 1}),
    "xgboost": MappingProxyType({"nthread": 1}),
})
"""Parameters fixed while tuning: one thread per model fit.

Trials run side by side (threads, processes, machines), and a multi-threaded fit on a small
fold competing for busy cores spends its time in OpenMP spin-waits: a 300-row LightGBM fit
measured 7 s with all threads and 0.05 s with one on a loaded 2-core machine. They are not
search parameters, so they stay out of the trials' parameters and ``best_config.json``.
"""


def search_space(family: str) -> Space:
    """The search space of ``family``; :class:`InputError` listing the tunable families otherwise."""
    try:
        return SPACES[family]
    except KeyError:
        raise InputError(f"no search space for model family {family!r}", where="tuning.family",
                         fix=f"tune one of {', '.join(SPACES)}") from None


def suggest(trial: optuna.Trial, space: Space) -> dict[str, Any]:
    """Ask ``trial`` for one value of every parameter in ``space`` (public Optuna API only)."""
    params: dict[str, Any] = {}
    for name, dist in space.items():
        if isinstance(dist, IntDistribution):
            params[name] = trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
        elif isinstance(dist, FloatDistribution):
            params[name] = trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
        elif isinstance(dist, CategoricalDistribution):
            params[name] = trial.suggest_categorical(name, dist.choices)
        else:
            raise InputError(f"unsupported distribution {type(dist).__name__} for {name!r}", where="search space",
                             fix="use IntDistribution, FloatDistribution or CategoricalDistribution")
    return params


def _to_axis(value: float, log: bool) -> float:
    return math.log(value) if log else float(value)


def _from_axis(value: float, log: bool) -> float:
    return math.exp(value) if log else value


def _narrow_numeric(dist: FloatDistribution | IntDistribution, values: Sequence[float],
                    margin: float) -> FloatDistribution | IntDistribution:
    """The span of ``values`` widened by ``margin`` of the full range on each side, inside ``dist``."""
    low, high = _to_axis(dist.low, dist.log), _to_axis(dist.high, dist.log)
    axis = [_to_axis(v, dist.log) for v in values]
    pad = margin * (high - low)
    new_low = _from_axis(max(low, min(axis) - pad), dist.log)
    new_high = _from_axis(min(high, max(axis) + pad), dist.log)
    if isinstance(dist, IntDistribution):
        step = dist.step
        lo = dist.low + step * math.floor((new_low - dist.low) / step)
        hi = dist.low + step * math.ceil((new_high - dist.low) / step)
        lo, hi = max(dist.low, lo), min(dist.high, hi)
        if lo == hi:
            lo, hi = max(dist.low, lo - step), min(dist.high, hi + step)
        return IntDistribution(int(lo), int(hi), log=dist.log, step=step)
    if dist.step is not None:
        lo = dist.low + dist.step * math.floor((new_low - dist.low) / dist.step)
        hi = min(dist.high, dist.low + dist.step * math.ceil((new_high - dist.low) / dist.step))
        return FloatDistribution(max(dist.low, lo), hi, step=dist.step)
    return FloatDistribution(new_low, new_high, log=dist.log)


def narrow_space(space: Space, best_params: Sequence[Mapping[str, Any]], margin: float = 0.1) -> dict[str, BaseDistribution]:
    """``space`` shrunk around ``best_params`` (the parameters of the best trials).

    Each numeric range becomes [min, max] of the best trials' values, widened on each side by
    ``margin`` times the full range (on the log axis for log parameters) and clipped to the
    original range; an integer range keeps at least two values. Categoricals stay as they are.
    With no best trials the space is returned unchanged.

    >>> space = {"x": FloatDistribution(0.0, 10.0)}
    >>> narrow_space(space, [{"x": 4.0}, {"x": 5.0}])["x"]
    FloatDistribution(high=6.0, log=False, low=3.0, step=None)
    """
    if not 0 <= margin <= 1:
        raise InputError(f"margin={margin} is outside [0, 1]", where="narrow_space", fix="pass e.g. 0.1")
    narrowed: dict[str, BaseDistribution] = {}
    for name, dist in space.items():
        values = [p[name] for p in best_params if name in p]
        if not values or isinstance(dist, CategoricalDistribution):
            narrowed[name] = dist
        else:
            narrowed[name] = _narrow_numeric(dist, values, margin)
    return narrowed
