"""Triple-barrier labels: profit-take, stop-loss and a vertical (time) barrier.

``tb_{h}_{pt}_{sl}[_{events}[_{vertical}[_{vol_window}[_{min_target}]]]]``, defaults
``events=all``, ``vertical=sign``, ``vol_window=20``, ``min_target=0.0``:

- target width w_t = sigma_t * sqrt(h), sigma_t the rolling volatility of one-bar log returns
  over ``vol_window`` bars, known at t; barriers sit at log returns +pt * w_t (upper) and
  -sl * w_t (lower); pt = 0 or sl = 0 removes that barrier;
- the path is the close-to-close log return from bar t to bars t+1 .. t+h; barriers are
  checked on closes (intrabar highs/lows are not used, which avoids bars that touch both);
- label at the first touch: +1 upper, -1 lower; if neither is touched by bar t+h (the vertical
  barrier) the label is the sign of the return at t+h (``vertical=sign``, 0 if it is exactly
  0) or 0 (``vertical=zero``);
- ``t1`` is the touching bar's timestamp, or bar t+h's;
- only event bars get labels (see :mod:`alphaforge.targets.events`), and only where
  w_t > ``min_target`` (so flat prices, w = 0, never get one), and only where bar t+h exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.targets._core import (
    NO_POSITION,
    Labels,
    chunk_rows,
    first_crossing,
    label_per_symbol,
    rolling_volatility,
)
from alphaforge.targets.events import event_mask, parse_event_filter

VERTICAL_CHOICES = ("sign", "zero")


def triple_barrier(bars: pd.DataFrame, horizon: int, profit_take: float, stop_loss: float,
                   events: str = "all", vertical: str = "sign", vol_window: int = 20,
                   min_target: float = 0.0) -> Labels:
    """First-touch triple-barrier label in {-1, 0, +1} (see the module docstring)."""
    if vertical not in VERTICAL_CHOICES:
        raise InputError(f"unknown vertical-barrier rule {vertical!r}", where="tb",
                         fix=f"use one of {list(VERTICAL_CHOICES)}")
    if profit_take < 0 or stop_loss < 0:
        raise InputError(f"barrier multiples must be >= 0, got pt={profit_take}, sl={stop_loss}",
                         where="tb", fix="use 0 to remove a barrier, a positive multiple otherwise")
    event_filter = parse_event_filter(events)
    offsets = np.arange(1, horizon + 1)

    def labeler(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        close = part["close"].to_numpy(dtype="float64")
        log_close = np.log(close)
        volatility = rolling_volatility(close, vol_window)
        width = volatility * np.sqrt(horizon)
        n_rows = len(close)
        starts = np.flatnonzero(event_mask(event_filter, log_close, volatility)
                                & (width > min_target) & (np.arange(n_rows) + horizon < n_rows))
        values = np.zeros(n_rows)
        positions = np.full(n_rows, NO_POSITION)
        for rows in chunk_rows(starts, horizon):
            paths = log_close[rows[:, None] + offsets] - log_close[rows][:, None]
            never = np.full(len(rows), horizon)
            up = first_crossing(paths, profit_take * width[rows], above=True) if profit_take > 0 else never
            down = first_crossing(paths, -stop_loss * width[rows], above=False) if stop_loss > 0 else never
            up = np.where(up == NO_POSITION, horizon, up)
            down = np.where(down == NO_POSITION, horizon, down)
            final = paths[:, -1]
            at_vertical = np.sign(final) if vertical == "sign" else np.zeros(len(rows))
            values[rows] = np.where(up < down, 1.0, np.where(down < up, -1.0, at_vertical))
            positions[rows] = rows + 1 + np.minimum(np.minimum(up, down), horizon - 1)
        return values, positions

    return label_per_symbol(bars, labeler)
