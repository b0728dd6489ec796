"""The drift report: has each feature's distribution moved since the model's training window?

Per feature, the population stability index (PSI) of a window of recent rows against the
training window, over the training window's quantile bins (:mod:`alphaforge.novelty._bins`):

    PSI = sum over bins of (recent share - training share) * ln(recent share / training share)

with every share floored at ``EPSILON`` so an empty bin counts as rare rather than impossible.
The usual reading: below 0.1 stable, 0.1 to 0.25 a moderate shift worth watching, above 0.25
shifted (the model now sees inputs distributed unlike those it learned from). Shares are of the
values present; the share missing is reported beside them for both windows, and a feature with
no value in the recent window reads ``missing``. PSI measures how the window moved as a whole;
the novelty gate's share of rows flagged novel says how much of it lies outside what the model
has seen. A small window reads high by chance: two samples of one distribution show a PSI of
about (bins - 1) * (1/recent rows + 1/training rows) (:attr:`DriftReport.noise`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.novelty._base import NoveltyGate
from alphaforge.novelty._bins import DriftBaseline, bin_shares
from alphaforge.novelty._frames import row_values

STABLE = 0.1
SHIFTED = 0.25
EPSILON = 1e-4
RECENT = "the recent rows of the drift report"


def population_stability_index(expected: np.ndarray, actual: np.ndarray, epsilon: float = EPSILON) -> float:
    """The PSI of ``actual`` bin shares against ``expected`` ones (see the module docstring).

    >>> round(population_stability_index(np.array([0.5, 0.5]), np.array([0.25, 0.75])), 4)
    0.2747
    """
    e = np.maximum(np.asarray(expected, dtype="float64"), epsilon)
    a = np.maximum(np.asarray(actual, dtype="float64"), epsilon)
    return float(np.sum((a - e) * np.log(a / e)))


def reading(psi: float) -> str:
    """``stable`` (PSI < 0.1), ``moderate`` (0.1 to 0.25), ``shifted`` (> 0.25), or ``missing``
    (NaN: the recent window has no value of the feature)."""
    if np.isnan(psi):
        return "missing"
    return "stable" if psi < STABLE else "moderate" if psi <= SHIFTED else "shifted"


@dataclass(frozen=True)
class DriftReport:
    """Per feature: the PSI of ``rows`` recent rows against ``training_rows`` training rows, and
    the share of missing values in each window; and the share of the recent rows the novelty gate
    flagged (``None`` without a gate) at its ``threshold``."""

    psi: dict[str, float]
    missing: dict[str, float]
    training_missing: dict[str, float]
    rows: int
    training_rows: int
    bins: int
    novel_share: float | None = None
    threshold: float | None = None

    @property
    def noise(self) -> float:
        """About the PSI two samples of one distribution, of these sizes, show by chance."""
        return (self.bins - 1) * (1 / self.rows + 1 / self.training_rows)

    def by_reading(self, which: str) -> list[str]:
        """The features whose PSI reads ``which`` (stable, moderate, shifted, missing), most drifted first."""
        table = self.to_table()
        return [str(name) for name in table.loc[table["reading"] == which, "feature"]]

    def to_table(self) -> pd.DataFrame:
        """One row per feature (feature, psi, reading, missing, training_missing), most drifted first
        (features without a recent value on top)."""
        table = pd.DataFrame({"feature": list(self.psi), "psi": list(self.psi.values())})
        table["reading"] = table["psi"].map(reading)
        table["missing"] = table["feature"].map(self.missing)
        table["training_missing"] = table["feature"].map(self.training_missing)
        order = np.argsort(-table["psi"].fillna(np.inf).to_numpy(), kind="stable")
        return table.iloc[order].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (what a command prints with ``--json``; a missing PSI is None)."""
        rows = [{key: (None if isinstance(value, float) and np.isnan(value) else value) for key, value in row.items()}
                for row in self.to_table().to_dict(orient="records")]
        return {"rows": self.rows, "training_rows": self.training_rows, "bins": self.bins, "noise": self.noise,
                "novel_share": self.novel_share, "threshold": self.threshold,
                **{which: self.by_reading(which) for which in ("shifted", "moderate", "missing")}, "features": rows}

    def summary(self) -> str:
        """One line: how many features shifted or moved, and the share of rows flagged novel."""
        line = (f"PSI of {self.rows} recent rows against {self.training_rows} training rows: "
                f"{len(self.by_reading('shifted'))} of {len(self.psi)} features shifted (> {SHIFTED}), "
                f"{len(self.by_reading('moderate'))} moderate ({STABLE} to {SHIFTED})")
        if self.by_reading("missing"):
            line += f", {len(self.by_reading('missing'))} without a value"
        line += f"; chance level {self.noise:.2g}"
        if self.novel_share is not None:
            line += f"; {100 * self.novel_share:.3g}% of the rows novel (DI > {self.threshold:.3g})"
        return line


def drift_report(training: pd.DataFrame | DriftBaseline | NoveltyGate, recent: pd.DataFrame, *, bins: int = 10,
                 where: str = RECENT) -> DriftReport:
    """The drift of ``recent`` rows (feature columns) from the training window.

    ``training`` is the training window's rows (binned here into ``bins`` quantile bins), its
    :class:`DriftBaseline`, or a fitted novelty gate, which carries the bins of the rows its
    model trained on (so a live loop needs only the model folder) and adds the share of
    ``recent`` rows it flags novel.
    """
    gate = training if isinstance(training, NoveltyGate) else None
    if gate is not None:
        baseline = gate.baseline_
    elif isinstance(training, DriftBaseline):
        baseline = training
    else:
        baseline = DriftBaseline.fit(training, bins)
    values = row_values(recent, baseline.features, where=where)
    if len(values) == 0:
        raise InputError("no recent rows: a distribution needs rows to compare", where=where,
                         fix="pass a window of recent rows (a few hundred or more read clearly)")
    psi, missing = {}, {}
    for i, (name, edges, shares) in enumerate(zip(baseline.features, baseline.edges, baseline.shares, strict=True)):
        present, missing[name] = bin_shares(values[:, i], edges)
        psi[name] = population_stability_index(shares, present) if missing[name] < 1 else float("nan")
    return DriftReport(psi, missing, dict(zip(baseline.features, baseline.missing, strict=True)), len(values),
                       baseline.rows, baseline.bins, None if gate is None else gate.novel_share(recent, where=where),
                       None if gate is None else gate.threshold)
