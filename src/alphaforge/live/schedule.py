"""When a model is retrained: every N bars or every span of bar time, the one rule the live loop
and the as-live walk-forward share, so a backtest retrains on exactly the bars live would.

Time is bar time, never the wall clock: a replay and a backtest retrain at the same bars as a
loop that ran for real. After the bar at ``t`` is signalled the schedule is asked whether a
retrain is due; the new model learns from the data up to ``t`` (labels known by then) and
scores the bars after ``t``. Whether it learns from scratch or continues the model it replaces
is the other shared rule (:class:`RefitPolicy`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from alphaforge.config import LiveSection
from alphaforge.errors import InputError
from alphaforge.timestamps import to_duration


@dataclass(frozen=True)
class RetrainSchedule:
    """Retrain after ``bars`` bar times, or once ``span`` of bar time has passed; neither: never.

    >>> RetrainSchedule.parse("3").due(bars_since=3, since=None, now=None)
    True
    >>> week = RetrainSchedule.parse("7D")
    >>> week.due(bars_since=1, since=pd.Timestamp("2024-01-01", tz="UTC"), now=pd.Timestamp("2024-01-08", tz="UTC"))
    True
    """

    bars: int | None = None
    span: pd.Timedelta | None = None

    @classmethod
    def parse(cls, text: str | int | None) -> RetrainSchedule:
        """``""``/None (never), a number of bars (``"500"``, 500) or a duration (``"30D"``)."""
        value = "" if text is None else str(text).strip()
        if not value:
            return cls()
        if value.isdigit():
            if int(value) < 1:
                raise InputError(f"retrain every {value} bars", where="retrain_every",
                                 fix="give 1 bar or more, a duration such as '30D', or nothing for never")
            return cls(bars=int(value))
        span = to_duration(value, "retrain_every")
        if span <= pd.Timedelta(0):
            raise InputError(f"retrain every {value!r}", where="retrain_every", fix="give a positive duration")
        return cls(span=span)

    @property
    def enabled(self) -> bool:
        return self.bars is not None or self.span is not None

    def due(self, *, bars_since: int, since: pd.Timestamp | None, now: pd.Timestamp | None) -> bool:
        """Whether to retrain now: ``bars_since`` bar times signalled since the last training, whose
        data ended at ``since`` (None: unknown, then only the bar count can say), the last bar ``now``."""
        if self.bars is not None:
            return bars_since >= self.bars
        if self.span is not None and since is not None and now is not None:
            return now - since >= self.span
        return False

    def describe(self) -> str:
        if self.bars is not None:
            return f"every {self.bars} bars"
        return f"every {self.span}" if self.span is not None else "never"


CONTINUATIONS = "continuations"
"""The model card's provenance key: retrains since the model's last training from scratch."""


@dataclass(frozen=True)
class RefitPolicy:
    """Whether a retrain continues the model it replaces (``rounds`` more boosting rounds on the
    new window, a fraction of a fit from scratch) or trains from scratch: every ``full_every``-th
    retrain starts over, so trees fitted to years-old rows do not stay forever. The live loop and
    the as-live walk-forward decide alike, from the count the replaced model carries."""

    rounds: int
    full_every: int

    @classmethod
    def of(cls, settings: LiveSection) -> RefitPolicy:
        """``[live] continue_rounds`` and ``full_refit_every``."""
        return cls(settings.continue_rounds, settings.full_refit_every)

    def continuations(self, *, can_continue: bool, previous: int) -> int:
        """The new model's count of continuations since a training from scratch: 0 (start over)
        when the replaced model cannot be continued, ``rounds`` is 0 or the count reaches
        ``full_every``; else the replaced model's count ``previous`` plus one.

        >>> policy = RefitPolicy(rounds=50, full_every=3)
        >>> [policy.continuations(can_continue=True, previous=n) for n in (0, 1, 2)]
        [1, 2, 0]
        """
        if not can_continue or self.rounds < 1 or previous + 1 >= self.full_every:
            return 0
        return previous + 1
