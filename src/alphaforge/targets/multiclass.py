"""Multi-class targets: the forward return's bucket among causal quantile edges.

``multi_class_{h}_{n_classes}_{window}`` labels bar t with a class 0 .. n_classes-1
(0 = strongest sell, n_classes-1 = strongest buy) by comparing fwd_ret_h at t with edges at
the quantiles k / n_classes (k = 1 .. n_classes-1, linear interpolation) of the last
``window`` forward returns *already realised at t*: the returns of bars t-h-window+1 .. t-h,
whose labels are known by bar t. Whole-sample quantiles would leak the future distribution
into every label; these edges use only the symbol's past. Rows before ``window`` realised
returns exist get no label.

Buckets are lower-inclusive ([edge_k, edge_k+1)). A value equal to several edges at once (flat
prices make all edges equal) takes the middle of the classes they separate, rounded down, so
flat prices land in the neutral class rather than an extreme one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.targets._core import (
    NO_POSITION,
    Labels,
    horizon_positions,
    label_per_symbol,
    shift_forward,
)


def multi_class(bars: pd.DataFrame, horizon: int, n_classes: int, window: int) -> Labels:
    """Class of the forward return among past-only quantile edges (module docstring)."""
    levels = np.arange(1, n_classes) / n_classes

    def labeler(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        close = part["close"].to_numpy(dtype="float64")
        forward = shift_forward(close, horizon) / close - 1.0
        realised = pd.Series(forward).shift(horizon)  # fwd_ret of bar t-h, known at bar t
        rolling = realised.rolling(window, min_periods=window)
        edges = np.column_stack([rolling.quantile(q).to_numpy() for q in levels])
        below = (edges < forward[:, None]).sum(axis=1)
        at_or_below = (edges <= forward[:, None]).sum(axis=1)
        classes = ((below + at_or_below) // 2).astype("float64")
        positions = horizon_positions(len(close), horizon)
        return classes, np.where(np.isfinite(edges).all(axis=1), positions, NO_POSITION)

    return label_per_symbol(bars, labeler)
