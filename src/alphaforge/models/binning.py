"""One bin search per training window: the final model bins its rows with the best model's edges.

A histogram booster bins every feature before it grows a tree (LightGBM: up to 255 bins per
feature, found from a sample of the rows, then every row placed in them), and building that
binned copy of a large matrix costs as much as a hundred boosting rounds: 3.7 s for 670 000 x 95
rows, of which finding the edges is about 1.2 s. :func:`~alphaforge.models.training.train_best_and_final`
fits two models on one window: the best model, on the window's earlier rows and early-stopped on
its last timestamps, and the final model, refit on every row with the best model's round count.
Given one :class:`SharedBins`, a family that :attr:`shares_bins
<alphaforge.models.base.ModelFamily.shares_bins>` keeps the first fit's binned rows and bins the
next fit's rows with the same edges (LightGBM's ``reference``, how it bins validation rows)
instead of searching again. The best model, its validation curve and the round it keeps are the
same bits as without; the final model is quantised exactly as the model that chose its round
count, with edges found on the window's earlier rows, which precede everything the window's
models are tested on. ``[models] shared_bins = false`` searches each fit's own edges (as every
family that does not share bins does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(eq=False)
class SharedBins:
    """The binned rows of the first fit given this (``native``, a family's own object) whose bin
    edges the later fits given it reuse."""

    native: Any = None
