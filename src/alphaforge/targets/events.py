"""Event filters: which bars start a triple-barrier label.

- ``all``: every bar.
- ``given``: the bars of a user-given events table (symbol, timestamp; see
  :mod:`alphaforge.data.events`), passed beside the name (``compute_targets(..., events=)``,
  ``targets build --events FILE``). An event at a time with no bar of its symbol is an error
  naming its row; several events on one bar give that bar one label.
- ``cusum{h}``, e.g. ``cusum0.02``: a symmetric CUSUM filter on one-bar log returns with a
  fixed threshold h. Up and down sums accumulate (floored / capped at 0); a bar where either
  passes h is an event and that sum restarts from 0.
- ``cusumvol{k}``, e.g. ``cusumvol2.0``: the same with threshold k * sigma_t, the rolling
  one-bar volatility known at t; no events (and no accumulation) before sigma is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.data.events import event_keys
from alphaforge.data.rawstore import content_sha256
from alphaforge.errors import InputError
from alphaforge.targets._core import bar_keys, utc_nanoseconds

_PATTERN = re.compile(r"^(all|given|cusum|cusumvol)((?:\d+\.?\d*|\.\d+)(?:e-?\d+)?)?$")
GIVEN = "given"
"""The event filter of user-given events."""
_UNNUMBERED = ("all", GIVEN)


@dataclass(frozen=True)
class EventFilter:
    """Parsed event filter: ``kind`` is all / given / cusum / cusumvol, ``value`` its threshold."""

    kind: str
    value: float | None = None


def parse_event_filter(text: str) -> EventFilter:
    """Parse ``all``, ``given``, ``cusum{h}`` or ``cusumvol{k}``; reject anything else with the fix."""
    match = _PATTERN.match(text)
    if not match or (match.group(1) in _UNNUMBERED) != (match.group(2) is None):
        raise InputError(f"unknown event filter {text!r}", where="events",
                         fix="use 'all', 'given' (the --events file), 'cusum<threshold>' (e.g. cusum0.02) "
                             "or 'cusumvol<k>' (e.g. cusumvol2.0)")
    kind, number = match.group(1), match.group(2)
    value = None if number is None else float(number)
    if value is not None and value <= 0:
        raise InputError(f"event filter threshold must be > 0, got {text!r}", where="events",
                         fix="use a positive threshold, e.g. cusum0.02")
    return EventFilter(kind, value)


def format_event_filter(event_filter: EventFilter) -> str:
    """Canonical text of a filter (inverse of :func:`parse_event_filter`)."""
    return event_filter.kind if event_filter.value is None else f"{event_filter.kind}{event_filter.value!r}"


def cusum_events(log_close: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Boolean mask of CUSUM events for a per-bar threshold (NaN = not yet known)."""
    returns = np.r_[0.0, np.diff(log_close)]
    events = np.zeros(len(log_close), dtype=bool)
    up = down = 0.0
    for t in range(1, len(returns)):
        limit = threshold[t]
        if not np.isfinite(limit):
            up = down = 0.0
            continue
        up = max(0.0, up + returns[t])
        down = min(0.0, down + returns[t])
        if up > limit:
            events[t], up = True, 0.0
        if down < -limit:
            events[t], down = True, 0.0
    return events


def event_mask(event_filter: EventFilter, log_close: np.ndarray, volatility: np.ndarray) -> np.ndarray:
    """Which bars are events under ``event_filter``."""
    if event_filter.kind == "all":
        return np.ones(len(log_close), dtype=bool)
    if event_filter.kind == "cusum":
        return cusum_events(log_close, np.full(len(log_close), event_filter.value))
    return cusum_events(log_close, event_filter.value * volatility)


def given_event_times(bars: pd.DataFrame, events: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per symbol, the sorted bar times (naive UTC ``datetime64[ns]``) of user-given ``events``.

    Every event must fall on a bar of its symbol; the first that does not is an InputError
    naming its row.
    """
    keys = event_keys(events)
    bar = bar_keys(bars)
    stamps = utc_nanoseconds(keys["timestamp"])
    on_bar = pd.MultiIndex.from_arrays([bar.symbols, bar.stamps]).get_indexer(
        pd.MultiIndex.from_arrays([keys["symbol"], stamps]))
    if (on_bar < 0).any():
        row = int(np.flatnonzero(on_bar < 0)[0])
        raise InputError(f"event {keys['symbol'].iloc[row]} at {keys['timestamp'].iloc[row]} falls on no bar",
                         where=f"events row {row}",
                         fix="stamp each event with the symbol and timestamp of a bar of the configured data")
    return {str(symbol): np.unique(times.to_numpy()) for symbol, times in pd.Series(stamps).groupby(keys["symbol"])}


def events_fingerprint(events: pd.DataFrame) -> str:
    """Fingerprint of the event bars (symbol, timestamp), whatever the rows' order, repeats or
    other columns: what a label on given events depends on."""
    keys = event_keys(events).drop_duplicates().sort_values(["symbol", "timestamp"], kind="stable")
    return content_sha256(keys.reset_index(drop=True))
