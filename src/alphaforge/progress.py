"""Progress of long work, reported to whoever listens: a callback ``report(what, done, total)``.

Library code calls it as it goes (a fold finished, a boosting round done); the CLI draws a bar with
elapsed time and an estimate on stderr, a notebook may print or ignore it. ``total`` is None when
the amount of work is not known in advance (early stopping may end a fit before its last round).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

Progress = Callable[[str, int, "int | None"], None]
"""``report(what, done, total)``: ``what`` names the work ("walk-forward folds", "rounds")."""


def counting(progress: Progress | None, what: str, total: int) -> Callable[[object], None]:
    """For pieces of work that end one by one (an executor's tasks, a stage's steps): reports
    ``what`` 0 of ``total`` now and returns a callback that reports one more each time it is
    called (with whatever ended, which it ignores); one that does nothing without ``progress``."""
    if progress is None:
        return lambda _: None
    ended = itertools.count(1)
    progress(what, 0, total)
    return lambda _: progress(what, next(ended), total)
