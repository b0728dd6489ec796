"""Macro features: templates applied to every aligned macro series.

The compute path receives macro series already aligned row for row to the bars (as-of,
after each series' publication lag; NaN where unpublished or stale) and applies each
template below to each series, naming the column ``<template>_<series>`` (for example
``macro_z_168_vix``). Windows count bars of the symbol the series is aligned to.
"""

from __future__ import annotations

import numpy as np

from alphaforge.features.registry import register
from alphaforge.features.windows import rolling_mean_std, safe_divide, with_lagged


def level(macro: np.ndarray) -> np.ndarray:
    """The series' latest published value."""
    return macro.copy()


def change(macro: np.ndarray, *, n: int) -> np.ndarray:
    """The series' value minus its value ``n`` bars earlier."""
    return with_lagged(np.subtract, macro, macro, n)


def zscore(macro: np.ndarray, *, window: int) -> np.ndarray:
    """The series' value as a z-score within its last ``window`` bars."""
    mean, std = rolling_mean_std(macro, window)
    return safe_divide(macro - mean, std)


register(level, name="macro_level", kind="macro", lookback=0, description="macro series level (as-of, lagged)")
for _n in (1, 24):
    register(change, name=f"macro_chg_{_n}", kind="macro", params={"n": _n}, lookback=_n,
             description=f"macro series change over {_n} bars")
register(zscore, name="macro_z_168", kind="macro", params={"window": 168}, lookback=167,
         description="macro series z-score within 168 bars")
