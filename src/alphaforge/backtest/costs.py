"""Trading costs in basis points, and the equity left after a rebalance pays them.

Fees and slippage follow vectorbt's ``Portfolio.from_signals``: slippage moves the fill price
against the trade (a buy fills at ``price * (1 + slippage)``, a sell at ``price * (1 -
slippage)``) and the fee is a fraction of the filled value. Buying ``v`` of market value so
costs ``v * buy_rate`` on top, selling it brings in ``v * (1 - sell_rate)``. An all-in entry
therefore buys ``equity / ((1 + fee) (1 + slippage))`` of the asset, not ``equity`` minus the fee.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alphaforge.backtest._checks import check_number

MAX_SOLVER_STEPS = 64  # far above need: each step moves past at least one symbol's turning point


@dataclass(frozen=True)
class Costs:
    """Fees and slippage, each in basis points of the traded value (10 bps = 0.1 %).

    >>> costs = Costs(fees_bps=10, slippage_bps=5)
    >>> round(costs.buy_rate, 10), round(costs.sell_rate, 10)
    (0.0015005, 0.0014995)
    """

    fees_bps: float = 0.0
    slippage_bps: float = 0.0

    def __post_init__(self) -> None:
        check_number(self.fees_bps, "fees_bps", low=0.0, high=5_000.0)
        check_number(self.slippage_bps, "slippage_bps", low=0.0, high=5_000.0)

    @property
    def buy_rate(self) -> float:
        """Cost of buying one unit of market value, as a fraction of it."""
        return (1.0 + self.fees_bps / 1e4) * (1.0 + self.slippage_bps / 1e4) - 1.0

    @property
    def sell_rate(self) -> float:
        """Value lost when selling one unit of market value, as a fraction of it."""
        return 1.0 - (1.0 - self.fees_bps / 1e4) * (1.0 - self.slippage_bps / 1e4)


def rebalanced_equity(equity: np.ndarray, holdings: np.ndarray, targets: np.ndarray, costs: Costs) -> np.ndarray:
    """Equity after trading to ``targets`` and paying for it, for many rebalances at once.

    ``equity`` (n,) is the account value before trading; ``holdings`` (symbols, n) the value
    held in each symbol then; ``targets`` (symbols, n) the wanted fractions of the equity
    *after* costs. The result ``x`` solves ``x = equity - sum_i cost_i(targets_i x -
    holdings_i)``, cost ``buy_rate * v`` for a buy of ``v``, ``sell_rate * v`` for a sale. The
    right side is concave in ``x`` (costs are convex in the traded amount), so Newton's method
    started at ``equity`` falls monotonically onto the root; each step fixes which symbols
    buy and which sell, and it stops when that split no longer changes: then the linear
    solve is exact. Usually one or two steps (one when a single symbol trades).
    """
    buy_rate, sell_rate = costs.buy_rate, costs.sell_rate
    after = np.asarray(equity, dtype="float64").copy()
    if buy_rate == 0.0 and sell_rate == 0.0:
        return after
    buying = None
    for _ in range(MAX_SOLVER_STEPS):
        # A symbol that does not trade at ``after`` may count as a seller: its term vanishes
        # at the root whatever its rate, and either one-sided slope keeps Newton's step valid.
        now_buying = targets * after > holdings
        if buying is not None and np.array_equal(now_buying, buying):
            break
        buying = now_buying
        rate = np.where(buying, buy_rate, -sell_rate)
        after = (equity + (rate * holdings).sum(axis=0)) / (1.0 + (rate * targets).sum(axis=0))
    return after
