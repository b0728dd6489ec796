"""Strategies by name: the closed map the CLI's ``--strategy`` chooses from.

>>> sorted(STRATEGIES)
['mean_reversion', 'model', 'trend_baseline']
>>> make_strategy("trend_baseline", fast=10, slow=40)
TrendBaseline(fast=10, slow=40, direction='long_only')
"""

from __future__ import annotations

import inspect
from typing import Any

from alphaforge.backtest._checks import check_choice, suggestion
from alphaforge.backtest.strategies.base import DIRECTIONS, Strategy
from alphaforge.backtest.strategies.mean_reversion import MeanReversion
from alphaforge.backtest.strategies.model import ModelStrategy
from alphaforge.backtest.strategies.trend_baseline import TrendBaseline
from alphaforge.choices import STRATEGY_NAMES
from alphaforge.errors import InputError

STRATEGIES: dict[str, type[Strategy]] = dict(zip(STRATEGY_NAMES, (TrendBaseline, MeanReversion, ModelStrategy),
                                                  strict=True))
"""Strategy classes by name: the names are :data:`alphaforge.choices.STRATEGY_NAMES`, which help lists
without importing the classes."""


def make_strategy(name: str, **params: Any) -> Strategy:
    """The strategy registered as ``name``, built with ``params`` (unknown ones are refused)."""
    cls = STRATEGIES[check_choice(name, STRATEGIES, "strategy")]
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    for key in params:
        if key not in accepted:
            raise InputError(f"strategy {name!r} has no parameter {key!r}.{suggestion(key, accepted)}",
                             where="strategy parameters", fix=f"{name} accepts: {', '.join(accepted)}")
    return cls(**params)


__all__ = ["DIRECTIONS", "STRATEGIES", "MeanReversion", "ModelStrategy", "Strategy", "TrendBaseline", "make_strategy"]
