"""Multi-class targets: the forward return's bucket, in units of the volatility known at t.

``multi_class_{h}_{n_classes}_{window}`` labels bar t with a class 0 .. n_classes-1
(0 = strongest sell, n_classes-1 = strongest buy): the bucket of ``fwd_volret_{h}_{window}``
(the forward log return over h bars divided by sigma_t * sqrt(h), sigma_t the standard
deviation of the last ``window`` one-bar log returns, known at t) among the standard-normal
quantiles k / n_classes (k = 1 .. n_classes-1). Gaussian returns with volatility sigma_t fill
every class equally; fat tails fill the outer ones more.

The edges are fixed and centred on zero on purpose. Edges at quantiles of the symbol's
recently realised returns move with the past: after a rally they sit higher, so a zero-mean
future return lands in a lower class, and the class is predictable from past returns even on
a pure random walk (z 4-6 in target ranking on 70 000 random-walk rows). Here the class
depends on the past only through the estimate sigma_t, whose noise shrinks with ``window``.

Buckets are lower-inclusive ([edge_k, edge_k+1)). No label where sigma_t is unknown (the first
``window`` bars) or zero (flat prices), as for ``fwd_volret``.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from alphaforge.targets._core import Labels
from alphaforge.targets.forward import forward_volatility_return


def multi_class(bars: pd.DataFrame, horizon: int, n_classes: int, window: int) -> Labels:
    """Class of the volatility-scaled forward return among standard-normal quantiles (module docstring)."""
    scaled = forward_volatility_return(bars, horizon, window)
    edges = np.array([NormalDist().inv_cdf(k / n_classes) for k in range(1, n_classes)])
    classes = np.searchsorted(edges, scaled.values, side="right").astype("float64")
    return Labels(np.where(np.isfinite(scaled.values), classes, np.nan), scaled.t1)
