"""The base of every bar feed the live loop polls: replay, a folder, an exchange."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd


@dataclass
class FeedBatch:
    """What one poll brought: canonical bars (they may repeat bars already stored, which the
    prediction dataset recognises), notices for the user, and whether the feed has ended for good
    (a replay past its last bar)."""

    bars: pd.DataFrame
    notices: list[str] = field(default_factory=list)
    exhausted: bool = False


class Feed(ABC):
    """A source of new bars. :meth:`fetch` is told each symbol's last stored bar (empty on the
    first poll) and how many bars per symbol a first poll should bring (the features' warm-up and
    the kept history), and returns what it has. A source that cannot be reached raises an
    :class:`~alphaforge.errors.AlphaForgeError`; the loop reports it and polls again next time."""

    name: ClassVar[str]

    @abstractmethod
    def fetch(self, last: dict[str, pd.Timestamp], *, warmup: int) -> FeedBatch:
        """New bars after ``last`` (per symbol), or the first ``warmup`` bars' worth when it is empty."""
