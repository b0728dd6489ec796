"""Binance spot candles through the resumable downloader, one bar of overlap per poll.

Each poll asks, per pair, for the candles from its last stored bar on (that bar included): the
overlap lets the prediction dataset see a bar the exchange revised after first serving it. The
candle still forming is never taken (the downloader keeps complete candles only); it comes with
the next poll, so a bar that is late on the exchange is signalled late, not missed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

import pandas as pd

from alphaforge.data.download import HttpClient, download_binance
from alphaforge.data.download.binance import MAX_PAGE_SIZE, interval_length
from alphaforge.live._feed import Feed, FeedBatch


class BinanceFeed(Feed):
    """``pairs`` at ``interval`` from ``base_url``; ``clock`` says what time it is (tests move it)."""

    name: ClassVar[str] = "binance"

    def __init__(self, pairs: Sequence[str], interval: str, base_url: str, *, client: HttpClient,
                 clock: Callable[[], pd.Timestamp] | None = None, page_size: int = MAX_PAGE_SIZE) -> None:
        self.pairs, self.interval, self.base_url = list(pairs), interval, base_url
        self.step = interval_length(interval)
        self.client, self.page_size = client, page_size
        self.clock = clock or (lambda: pd.Timestamp.now(tz="UTC"))

    def fetch(self, last: dict[str, pd.Timestamp], *, warmup: int) -> FeedBatch:
        now = self.clock()
        first = now - (warmup + 2) * self.step
        resume = {pair: pd.Timestamp(last[pair]) - self.step for pair in self.pairs if pair in last}
        start = min([first, *(t - self.step for t in resume.values())])
        bars = download_binance(self.pairs, self.interval, start, now, base_url=self.base_url, resume_from=resume,
                                client=self.client, now=now, page_size=self.page_size)
        return FeedBatch(bars)
