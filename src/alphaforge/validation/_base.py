"""Purging and embargo, in one place, for every splitter.

Conventions (the same for all splitters):

- **Overlap rule.** A label spans [t0, t1]: ``overlap="closed"`` (default) treats both ends as
  inside, so a training label that becomes known exactly when a test sample starts
  (t1_train == t0_test) is purged; ``overlap="half_open"`` uses [t0, t1) and keeps it. Closed
  is the safe choice: on bar data t1 of one label is the t0 of a later bar, and the bar's own
  close is in both.
- **Purging.** Test samples are taken in time blocks; a block covers [min t0, max t1] of its
  samples. Every training sample whose span overlaps a block (under the overlap rule) is
  removed. Times are compared across all symbols of a panel: purging is by time, not by row.
- **Embargo** (after each test block, where later training data exists): training samples
  whose t0 falls in (block end, block end + embargo] are removed. ``embargo`` is an int (a
  number of bars: distinct sample times t0), a float in (0, 1) (that fraction of the distinct
  times, rounded up) or a duration (``pandas.Timedelta``, ``datetime.timedelta`` or a string
  such as ``"2h"``; datetime spans only).
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.validation._spans import LabelSpans, as_label_spans

OVERLAP_RULES = ("closed", "half_open")
EmbargoLike = int | float | str | dt.timedelta


def check_embargo(embargo: EmbargoLike) -> EmbargoLike:
    """Validate an embargo at construction; durations are returned as ``pd.Timedelta``."""
    if isinstance(embargo, (np.integer, np.floating)):
        embargo = embargo.item()
    if isinstance(embargo, bool):
        raise InputError(f"embargo={embargo!r} is a bool", where="embargo",
                         fix="pass a bar count (int), a fraction (float in (0, 1)) or a duration ('2h')")
    if isinstance(embargo, int):
        if embargo < 0:
            raise InputError(f"embargo={embargo} is negative", where="embargo", fix="use 0 or more bars")
        return embargo
    if isinstance(embargo, float):
        if not 0.0 <= embargo < 1.0:
            raise InputError(f"embargo fraction {embargo} is outside [0, 1)", where="embargo",
                             fix="use e.g. 0.01 for 1 % of the times, or an int for a bar count")
        return embargo
    try:
        duration = pd.Timedelta(embargo)
    except (ValueError, TypeError):
        raise InputError(f"embargo={embargo!r} is not a bar count, fraction or duration", where="embargo",
                         fix="pass e.g. 5 (bars), 0.01 (fraction) or '2h' (duration)") from None
    if duration < pd.Timedelta(0):
        raise InputError(f"embargo={embargo!r} is negative", where="embargo", fix="use a duration >= 0")
    return duration


def check_overlap(overlap: str) -> str:
    """Validate the overlap rule name."""
    if overlap not in OVERLAP_RULES:
        raise InputError(f"unknown overlap rule {overlap!r}", where="overlap", fix=f"use one of {list(OVERLAP_RULES)}")
    return overlap


def check_positive_int(value: int, name: str, minimum: int) -> int:
    """Validate an integer hyperparameter at construction."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name}={value!r} must be an integer >= {minimum}", where=name,
                         fix=f"pass an integer >= {minimum}")
    return int(value)


def embargo_in_bars(embargo: EmbargoLike, n_times: int) -> int | None:
    """Embargo as a count of distinct times, or None when it is a duration."""
    if isinstance(embargo, int):
        return embargo
    if isinstance(embargo, float):
        return math.ceil(embargo * n_times)
    return None


def embargo_duration_ns(embargo: EmbargoLike, spans: LabelSpans) -> int:
    """A duration embargo in the spans' time unit (nanoseconds); datetime spans only."""
    if not spans.is_datetime:
        raise InputError("a duration embargo needs datetime label spans", where="embargo",
                         fix="pass the embargo as a bar count or fraction, or build the spans from timestamps")
    return int(pd.Timedelta(embargo).value)


def overlaps(spans: LabelSpans, low: int, high: int, overlap: str) -> np.ndarray:
    """Which spans overlap the block [low, high] under the overlap rule."""
    if overlap == "closed":
        return (spans.t0 <= high) & (spans.t1 >= low)
    return (spans.t0 < high) & (spans.t1 > low)


class PurgedSplitter:
    """Shared machinery: spans from ``groups``, the time grid, purge and embargo."""

    def __init__(self, embargo: EmbargoLike = 0, overlap: str = "closed") -> None:
        self.embargo = check_embargo(embargo)
        self.overlap = check_overlap(overlap)

    def __repr__(self) -> str:
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"

    def _spans(self, X: object, groups: object) -> LabelSpans:
        return as_label_spans(groups, None if X is None else len(X))  # type: ignore[arg-type]

    def _embargo_end(self, spans: LabelSpans, grid: np.ndarray, high: int) -> int | None:
        """Last time inside the embargo after a block ending at ``high`` (None: no embargo)."""
        bars = embargo_in_bars(self.embargo, len(grid))
        if bars is None:
            return high + embargo_duration_ns(self.embargo, spans)
        first_after = int(np.searchsorted(grid, high, side="right"))
        if bars == 0 or first_after >= len(grid):
            return None
        return int(grid[min(first_after + bars, len(grid)) - 1])

    def _purged_train(self, spans: LabelSpans, grid: np.ndarray, train: np.ndarray,
                      blocks: list[np.ndarray]) -> np.ndarray:
        """Training positions left after purging against, and embargoing after, each test block."""
        keep = train.copy()
        for block in blocks:
            low, high = int(spans.t0[block].min()), int(spans.t1[block].max())
            keep &= ~overlaps(spans, low, high, self.overlap)
            end = self._embargo_end(spans, grid, high)
            if end is not None:
                keep &= ~((spans.t0 > high) & (spans.t0 <= end))
        return np.flatnonzero(keep)


def time_groups(spans: LabelSpans, n_groups: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Distinct sample times and each sample's group: ``n_groups`` contiguous runs of times."""
    grid = np.unique(spans.t0)
    if len(grid) < n_groups:
        raise InputError(f"{len(grid)} distinct sample times cannot make {n_groups} {what}", where="splitter",
                         fix=f"use fewer {what} or more data")
    group_of_time = np.repeat(np.arange(n_groups), [len(part) for part in np.array_split(grid, n_groups)])
    return grid, group_of_time[np.searchsorted(grid, spans.t0)]


SplitIterator = Iterator[tuple[np.ndarray, np.ndarray]]
