"""What an account simulation returns: the account's value, holdings and trading per bar."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ledger:
    """Arrays over the grid's bars; values are after each bar's trades, at its close.

    ``equity`` (bars,): the account value (all sub-accounts together); ``holdings`` (symbols,
    bars): the market value held in each symbol, negative when short; ``traded`` (bars,): the
    market value bought plus sold; ``costs`` (bars,): fees and slippage paid;
    ``account_equity`` (symbols, bars): each sub-account's value, or None for one shared account.
    """

    equity: np.ndarray
    holdings: np.ndarray
    traded: np.ndarray
    costs: np.ndarray
    account_equity: np.ndarray | None = None
