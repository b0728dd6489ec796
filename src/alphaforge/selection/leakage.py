"""Leakage detection for feature selection: each flag names the feature, the check and why.

Three checks, each catching a different way the future gets into a feature:

- ``truncation``: the feature's past values change when the data after a cut is removed or
  replaced by noise (:func:`alphaforge.features.leakage.check_leakage`);
- ``target_copy``: the feature is a near-copy (|Spearman| >= ``copy_correlation``) of the
  target, or of the target shifted by up to ``copy_max_shift`` bars, at a shift where that
  label is not yet known at the feature's time (a *past* label, known by then, is fair game);
- ``single_feature_skill``: the feature alone predicts the target out of sample with a skill
  no honest single feature reaches (``max_single_feature_skill``).

The truncation test does not depend on a target, so it runs once per feature set, before
target ranking (see :func:`alphaforge.selection.auto.leak_flags`); its verdict is written by
:func:`write_leak_flags`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alphaforge.features import REGISTRY, FeatureRegistry, FeatureSkipWarning, features_for_columns
from alphaforge.features.leakage import check_leakage
from alphaforge.progress import Progress
from alphaforge.selection._markdown import markdown_table
from alphaforge.selection.dataset import KEYS, aligned, nanoseconds
from alphaforge.targets import t1_column
from alphaforge.workspace import atomic_write_json, atomic_write_text

TRUNCATION_SYMBOLS = 2  # symbols the truncation test recomputes features for
TRUNCATION_CUTS = 2
LEAK_FLAGS_SCHEMA = "alphaforge.leakage_flags/1"
LEAK_FLAGS_FILES = ("leakage_flags.json", "leakage_flags.md")


@dataclass(frozen=True)
class LeakageFlag:
    """One reason to exclude one feature."""

    feature: str
    check: str
    value: float
    reason: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def truncation_flags(bars: pd.DataFrame, macro: pd.DataFrame | None, columns: Sequence[str], *,
                     registry: FeatureRegistry | None = None, seed: int = 0,
                     progress: Progress | None = None) -> list[LeakageFlag]:
    """Flags for ``columns`` whose values at t change with data after t (on a few symbols);
    ``progress`` hears each computation of the features."""
    registry = REGISTRY if registry is None else registry
    features = features_for_columns(columns, registry)
    if not features:
        return []
    symbols = pd.unique(bars["symbol"])[:TRUNCATION_SYMBOLS]
    rows = bars["symbol"].isin(symbols).to_numpy()
    sample = bars[rows].reset_index(drop=True)
    sample_macro = None if macro is None else macro[rows].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeatureSkipWarning)
        results = check_leakage(sample, sample_macro, features, cuts=TRUNCATION_CUTS, seed=seed, registry=registry,
                                progress=progress)
    wanted = set(columns)
    return [LeakageFlag(r.column, "truncation", float(r.changed_by_truncation + r.changed_by_noise),
                        f"fails the truncation test: {r.changed_by_truncation} past value(s) changed when later "
                        f"bars were removed and {r.changed_by_noise} when they were replaced by noise")
            for r in results if r.column in wanted and r.leaking]


def _shifted(values: np.ndarray, symbols: np.ndarray, shift: int) -> np.ndarray:
    """``out[t] = values[t + shift]`` within each symbol, NaN across symbol edges."""
    out = np.full(len(values), np.nan, dtype="float64")
    source = np.arange(len(values)) + shift
    inside = (source >= 0) & (source < len(values))
    inside[inside] &= symbols[source[inside]] == symbols[inside]
    out[inside] = values[source[inside]]
    return out


def _rank_correlations(ranks: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``ranks`` with ``target`` over rows where both are finite."""
    both = np.isfinite(ranks) & np.isfinite(target)[:, None]
    count = both.sum(axis=0)
    x = np.where(both, ranks, 0.0)
    y = np.where(both, target[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = x.sum(axis=0) / count, y.sum(axis=0) / count
        cov = (x * y).sum(axis=0) / count - mx * my
        vx = (x * x).sum(axis=0) / count - mx**2
        vy = (y * y).sum(axis=0) / count - my**2
        corr = cov / np.sqrt(vx * vy)
    return np.where(count > 10, corr, np.nan)


def copy_flags(features: pd.DataFrame, targets: pd.DataFrame, target: str, columns: Sequence[str], *,
               threshold: float, max_shift: int, max_rows: int = 50_000) -> list[LeakageFlag]:
    """Flags for ``columns`` that nearly copy the target at a shift where its label is still unknown.

    ``features`` and ``targets`` are the full tables over the same bars (consecutive rows of a
    symbol are consecutive bars). Correlations are rank correlations over at most ``max_rows``
    evenly spaced rows.
    """
    frame = aligned(features, targets[[*KEYS, target, t1_column(target)]], list(columns))
    symbols = frame["symbol"].astype(str).to_numpy()
    label = frame[target].to_numpy(dtype="float64")
    known_at = nanoseconds(frame[t1_column(target)])
    now = nanoseconds(frame["timestamp"])
    rows = np.arange(0, len(frame), max(1, len(frame) // max_rows))
    ranks = frame[list(columns)].iloc[rows].rank().to_numpy(dtype="float64")
    best: dict[str, tuple[float, int]] = {}
    for shift in range(-max_shift, max_shift + 1):
        shifted = _shifted(label, symbols, shift)[rows]
        label_time = _shifted(known_at.astype("float64"), symbols, shift)[rows]
        has = np.isfinite(label_time)
        if not has.any() or np.mean(label_time[has] > now[rows][has]) < 0.5:
            continue  # at this shift the label is (mostly) known at the feature's time: a fair input
        ranked = pd.Series(shifted).rank().to_numpy()
        for name, corr in zip(columns, np.abs(_rank_correlations(ranks, ranked)), strict=True):
            if np.isfinite(corr) and corr >= threshold and corr > best.get(name, (0.0, 0))[0]:
                best[name] = (float(corr), shift)
    return [LeakageFlag(name, "target_copy", corr,
                        f"near-copy of the target{'' if shift == 0 else f' shifted by {shift:+d} bars'} "
                        f"(|Spearman| {corr:.3f}), a label not yet known when the feature is")
            for name, (corr, shift) in best.items()]


def implausible_flags(sfi: pd.Series, threshold: float) -> list[LeakageFlag]:
    """Flags for features whose single-feature out-of-sample skill is at or above ``threshold``."""
    return [LeakageFlag(name, "single_feature_skill", float(value),
                        f"alone it predicts the target out of sample with skill {value:.3f} "
                        f"(>= {threshold}): implausible without a look-ahead")
            for name, value in sfi.items() if np.isfinite(value) and abs(value) >= threshold]


def leak_flags_document(flags: Sequence[LeakageFlag], columns: Sequence[str], *, enabled: bool) -> dict[str, object]:
    """The JSON form of a truncation-test verdict (``leakage_flags.json``, schema :data:`LEAK_FLAGS_SCHEMA`).

    ``columns`` are the feature columns tested, ``flagged`` every failure with its reason,
    ``excluded`` the failing columns (sorted); ``enabled`` is false when the check was turned
    off (``[selection] truncation_check``), and then nothing is flagged.

    >>> leak_flags_document([LeakageFlag("px_peek_1", "truncation", 3.0, "...")], ["px_ret_1", "px_peek_1"],
    ...                     enabled=True)["excluded"]
    ['px_peek_1']
    """
    return {"schema": LEAK_FLAGS_SCHEMA, "check": "truncation", "enabled": enabled, "columns": list(columns),
            "flagged": [f.to_dict() for f in flags], "excluded": sorted({f.feature for f in flags})}


def write_leak_flags(document: dict[str, object], directory: Path) -> list[Path]:
    """Write ``leakage_flags.json`` (``document``, see :func:`leak_flags_document`) and ``leakage_flags.md``."""
    json_path, markdown_path = (Path(directory) / name for name in LEAK_FLAGS_FILES)
    flagged = document["flagged"]
    if not document["enabled"]:
        verdict = "The truncation test is turned off (`[selection] truncation_check = false`): nothing was checked."
    elif flagged:
        verdict = (f"{len(document['excluded'])} of {len(document['columns'])} feature column(s) fail it and are "
                   "excluded from target ranking, feature selection and training.")
    else:
        verdict = f"All {len(document['columns'])} feature column(s) pass."
    lines = ["# Leakage check: the truncation test", "",
             "A feature's value at t must not change when the data after t is removed or replaced by noise.", "",
             verdict]
    if flagged:
        lines += ["", markdown_table(flagged, ["feature", "check", "value", "reason"])]
    atomic_write_json(json_path, document)
    atomic_write_text(markdown_path, "\n".join(lines) + "\n")
    return [json_path, markdown_path]
