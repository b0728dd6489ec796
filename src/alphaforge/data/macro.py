"""As-of alignment of macro series onto bars: no value is used before it was published.

An observation stamped ``t_obs`` becomes usable at ``t_obs + lag`` (its publication). A bar
at ``t`` sees, per series, the latest observation whose publication is at or before ``t``;
if that publication is more than ``max_staleness`` before ``t`` the value is missing (NaN).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from alphaforge.data.schema import timestamp_ns
from alphaforge.errors import InputError

Timing = Callable[[str], tuple[pd.Timedelta, pd.Timedelta]]


def align_macro(bars: pd.DataFrame, macro: pd.DataFrame, timing: Timing) -> pd.DataFrame:
    """Macro values as known at each bar: one column per series, rows aligned to ``bars``.

    ``timing(series)`` returns ``(lag, max_staleness)`` for a series, e.g.
    :meth:`alphaforge.config.Config.macro_timing`.

    >>> ts = pd.to_datetime(["2020-01-01", "2020-01-03"], utc=True)
    >>> bars = pd.DataFrame({"symbol": "A", "timestamp": ts, "close": [1.0, 2.0]})
    >>> macro = pd.DataFrame({"series": "vix", "timestamp": ts[:1], "value": [12.0]})
    >>> align_macro(bars, macro, lambda s: (pd.Timedelta("1D"), pd.Timedelta("10D")))["vix"].tolist()
    [nan, 12.0]
    """
    if "timestamp" not in bars.columns:
        raise InputError("bars have no 'timestamp' column", fix="pass canonical bars (see alphaforge.data.schema)")
    bar_ns = timestamp_ns(bars["timestamp"])
    aligned: dict[str, np.ndarray] = {}
    for series, group in macro.groupby("series", sort=True):
        lag, staleness = timing(str(series))
        published = timestamp_ns(group["timestamp"]) + lag.value  # one lag per series: sorts as the stamps do
        order = np.argsort(published, kind="stable")
        published, values = published[order], group["value"].to_numpy(dtype="float64")[order]
        position = np.searchsorted(published, bar_ns, side="right") - 1
        known = position >= 0
        result = np.full(len(bar_ns), np.nan)
        result[known] = values[position[known]]
        stale = known & (bar_ns - published[np.clip(position, 0, None)] > staleness.value)
        result[stale] = np.nan
        aligned[str(series)] = result
    return pd.DataFrame(aligned, index=bars.index)
