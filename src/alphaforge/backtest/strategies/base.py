"""The strategy base class: hyperparameters in, target weights per (timestamp, symbol) out.

A strategy's constructor only checks and stores its hyperparameters, each as an attribute of
the same name (so :meth:`Strategy.get_params` and ``repr`` work, as in scikit-learn).
:meth:`Strategy.target_weights` reads the wide close matrix and returns the weight wanted
after each bar's close; the engine trades at that close, so the weight at ``t`` earns the
return from ``t`` to the next bar. A weight may only use prices up to its own row.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from alphaforge.backtest._checks import check_choice
from alphaforge.predict.signals import DIRECTIONS


class Strategy(ABC):
    """Base class: subclasses set ``name`` and implement :meth:`target_weights`.

    ``accounts`` says how the engine should read the weights unless told otherwise:
    ``"per_symbol"`` (each weight a fraction of that symbol's own sub-account) or
    ``"shared"`` (fractions of one account's equity).
    """

    name: ClassVar[str]
    accounts: str = "per_symbol"

    @abstractmethod
    def target_weights(self, close: pd.DataFrame) -> pd.DataFrame:
        """Weights indexed like ``close`` (timestamps x symbols); NaN means flat."""

    def check_range(self, start: pd.Timestamp, end: pd.Timestamp) -> None:
        """Refuse a backtest over [start, end] that this strategy cannot trade honestly (default: any is fine)."""

    def get_params(self) -> dict[str, Any]:
        """The constructor's arguments as stored."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.get_params().items() if not isinstance(v, pd.DataFrame)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def check_direction(direction: object) -> str:
    """``direction`` if it is one of :data:`DIRECTIONS`."""
    return check_choice(direction, DIRECTIONS, "direction")


def filled_prices(close: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Close carried over gaps (first price carried back before it) and, per cell, how many
    prices the symbol has had up to that row (indicator warm-up counts)."""
    seen = close.notna().cumsum().to_numpy()
    return close.ffill().bfill().to_numpy(dtype="float64"), seen
