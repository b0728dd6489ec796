"""Replay: recorded history fed bar time by bar time, as if each bar had just closed (no network)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from alphaforge.data.schema import timestamp_ns
from alphaforge.errors import InputError
from alphaforge.live._feed import Feed, FeedBatch


class ReplayFeed(Feed):
    """The bars of ``history`` (canonical, sorted by symbol and time) from ``start`` on, ``step``
    bar times per poll. The first poll brings each symbol's ``warmup`` bars before ``start`` and
    the first bar time at or after it; later polls the next ``step`` bar times after the last
    stored bar. The feed reads nothing else: a replay sees no bar before its time.

    >>> times = pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC")
    >>> feed = ReplayFeed(pd.DataFrame({"symbol": "A", "timestamp": times, "close": 1.0}), times[3])
    >>> feed.fetch({}, warmup=2).bars["timestamp"].dt.day.tolist()
    [2, 3, 4]
    >>> feed.fetch({"A": times[3]}, warmup=2).bars["timestamp"].dt.day.tolist()
    [5]
    """

    name: ClassVar[str] = "replay"

    def __init__(self, history: pd.DataFrame, start: pd.Timestamp, *, step: int = 1) -> None:
        self.history = history.reset_index(drop=True)
        self.stamps = timestamp_ns(self.history["timestamp"])
        self.times = np.unique(self.stamps)
        self.start = pd.Timestamp(start)
        self.step = step
        first = np.searchsorted(self.times, self.start.value, side="left")
        if first >= len(self.times):
            raise InputError(f"nothing to replay: the recorded bars end at {pd.Timestamp(self.times[-1], tz='UTC')}, "
                             f"before the replay's start {self.start}", where="[live] start",
                             fix="set [live] start (or [data] end, which the replay starts after) earlier")

    def fetch(self, last: dict[str, pd.Timestamp], *, warmup: int) -> FeedBatch:
        stamps = self.stamps
        if not last:
            first = self.times[np.searchsorted(self.times, self.start.value, side="left")]
            before = self.history[stamps < first].groupby("symbol", sort=False).tail(warmup)
            return FeedBatch(pd.concat([before, self.history[stamps == first]]).sort_values(
                ["symbol", "timestamp"], kind="stable").reset_index(drop=True))
        latest = max(pd.Timestamp(t) for t in last.values()).value
        position = int(np.searchsorted(self.times, latest, side="right"))
        if position >= len(self.times):
            return FeedBatch(self.history.iloc[:0], ["the replay reached the last recorded bar"], exhausted=True)
        until = self.times[min(position + self.step, len(self.times)) - 1]
        return FeedBatch(self.history[(stamps > latest) & (stamps <= until)].reset_index(drop=True))
