"""Event filters: which bars start a triple-barrier label.

- ``all``: every bar.
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

from alphaforge.errors import InputError

_PATTERN = re.compile(r"^(all|cusum|cusumvol)((?:\d+\.?\d*|\.\d+)(?:e-?\d+)?)?$")


@dataclass(frozen=True)
class EventFilter:
    """Parsed event filter: ``kind`` is all / cusum / cusumvol, ``value`` its threshold."""

    kind: str
    value: float | None = None


def parse_event_filter(text: str) -> EventFilter:
    """Parse ``all``, ``cusum{h}`` or ``cusumvol{k}``; reject anything else with the fix."""
    match = _PATTERN.match(text)
    if not match or (match.group(1) == "all") != (match.group(2) is None):
        raise InputError(f"unknown event filter {text!r}", where="events",
                         fix="use 'all', 'cusum<threshold>' (e.g. cusum0.02) or 'cusumvol<k>' (e.g. cusumvol2.0)")
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
