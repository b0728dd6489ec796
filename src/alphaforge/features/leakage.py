"""The look-ahead check: a feature's value at t must not change when the data after t changes.

For each cut time t the features are recomputed on the bars (and aligned macro) with every
row after t removed, and again with every row after t replaced by noise; every value at or
before t must be bit-identical to the full-data value. A feature that normalizes by a
whole-sample statistic, centres a window, or shifts the wrong way fails at once. The
contract tests run this over every registered feature; ``alphaforge check leakage`` runs it
on a user's data.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.errors import InputError
from alphaforge.features.compute import FeatureSkipWarning, compute_features
from alphaforge.features.registry import REGISTRY, Feature, FeatureRegistry
from alphaforge.features.sets import FeatureSpec
from alphaforge.progress import Progress, counting


LEAKAGE_PROGRESS = "look-ahead check: feature computations"


@dataclass(frozen=True)
class LeakageResult:
    """Outcome for one output column: ``checked`` values compared, ``changed`` that differed."""

    column: str
    checked: int
    changed_by_truncation: int
    changed_by_noise: int

    @property
    def leaking(self) -> bool:
        """A value at or before a cut changed with the data after it."""
        return self.changed_by_truncation > 0 or self.changed_by_noise > 0

    @property
    def passed(self) -> bool:
        """No value changed, and at least one value was compared (a check that saw nothing proves nothing)."""
        return self.checked > 0 and not self.leaking

    @property
    def status(self) -> str:
        """``passed``, ``leaking``, or ``unverifiable``: no value before any cut to compare (a
        cross-sectional feature on one symbol, a macro series with no observation in range)."""
        return "leaking" if self.leaking else "passed" if self.passed else "unverifiable"

    def to_dict(self) -> dict[str, object]:
        """JSON form for ``check leakage --json``."""
        return {"column": self.column, "status": self.status, "passed": self.passed, "checked": self.checked,
                "changed_by_truncation": self.changed_by_truncation, "changed_by_noise": self.changed_by_noise}


def _noise_after(bars: pd.DataFrame, after: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Bars whose rows flagged ``after`` hold random but well-formed prices and volumes."""
    noisy = bars.copy()
    n = int(after.sum())
    scale = float(np.median(bars["close"]))
    close = scale * np.exp(rng.normal(0.0, 0.5, n))
    noisy.loc[after, "close"] = close
    if {"open", "high", "low"} <= set(bars.columns):
        open_ = close * np.exp(rng.normal(0.0, 0.05, n))
        noisy.loc[after, "open"] = open_
        noisy.loc[after, "high"] = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.05, n)))
        noisy.loc[after, "low"] = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.05, n)))
    if "volume" in bars.columns:
        noisy.loc[after, "volume"] = rng.exponential(float(np.median(bars["volume"])) + 1.0, n)
    return noisy


def _macro_noise_after(macro: pd.DataFrame, after: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Aligned macro whose rows flagged ``after`` hold standard normal noise."""
    values = np.where(after[:, None], rng.normal(size=macro.shape), macro.to_numpy(dtype=np.float64))
    return pd.DataFrame(values, columns=macro.columns, index=macro.index)


def _changed(reference: pd.DataFrame, other: pd.DataFrame, columns: Sequence[str]) -> dict[str, int]:
    return {c: int((~((reference[c].to_numpy() == other[c].to_numpy())
                     | (reference[c].isna().to_numpy() & other[c].isna().to_numpy()))).sum())
            for c in columns}


def check_leakage(bars: pd.DataFrame, macro: pd.DataFrame | None = None,
                  features: FeatureSpec | Sequence[Feature] = None, *, cuts: int = 3, seed: int = 0,
                  registry: FeatureRegistry | None = None, progress: Progress | None = None) -> list[LeakageResult]:
    """Truncation and noise test of ``features`` on ``bars`` at ``cuts`` cut times; one result per column.

    Cut times are spread over the later half of the timestamps, so that long-lookback
    features have warmed up before them. ``progress`` hears each of the ``1 + 2 * cuts``
    computations of the features (the full data, then each cut truncated and with noise).
    """
    registry = REGISTRY if registry is None else registry
    if cuts < 1:
        raise InputError(f"cuts must be at least 1, got {cuts}", where="check leakage", fix="use e.g. cuts=3")
    computed = counting(progress, LEAKAGE_PROGRESS, 1 + 2 * cuts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeatureSkipWarning)  # the caller's own compute reports skips
        reference = compute_features(bars, macro, features, registry=registry)
    computed(reference)
    columns = [c for c in reference.columns if c not in ("symbol", "timestamp")]
    stamps = pd.DatetimeIndex(bars["timestamp"]).unique().sort_values()  # hashed: not Timestamp objects sorted
    cut_times = [stamps[int(q * (len(stamps) - 1))] for q in np.linspace(0.5, 0.9, cuts)]
    rng = np.random.default_rng(seed)
    checked = dict.fromkeys(columns, 0)
    truncated_changes = dict.fromkeys(columns, 0)
    noise_changes = dict.fromkeys(columns, 0)
    for cut in cut_times:
        after = (bars["timestamp"] > cut).to_numpy()
        keep_ref = reference[(reference["timestamp"] <= cut).to_numpy()].reset_index(drop=True)
        for name in columns:
            checked[name] += int(keep_ref[name].notna().sum())
        variants = [
            (truncated_changes, bars[~after].reset_index(drop=True),
             None if macro is None else macro[~after].reset_index(drop=True)),
            (noise_changes, _noise_after(bars, after, rng),
             None if macro is None else _macro_noise_after(macro, after, rng)),
        ]
        for tally, variant_bars, variant_macro in variants:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FeatureSkipWarning)
                values = compute_features(variant_bars, variant_macro, features, registry=registry)
            computed(values)
            values = values[(values["timestamp"] <= cut).to_numpy()].reset_index(drop=True)
            for name, count in _changed(keep_ref, values, columns).items():
                tally[name] += count
    return [LeakageResult(c, checked[c], truncated_changes[c], noise_changes[c]) for c in columns]
