"""Progress of long work, reported to whoever listens: a callback ``report(what, done, total)``.

Library code calls it as it goes (a fold finished, a boosting round done); the CLI draws a bar with
elapsed time and an estimate on stderr, a notebook may print or ignore it. ``total`` is None when
the amount of work is not known in advance (early stopping may end a fit before its last round).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, "int | None"], None]
"""``report(what, done, total)``: ``what`` names the work ("walk-forward folds", "rounds")."""
