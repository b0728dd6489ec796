"""Panel-aware learning: when several symbols share each timestamp, learn to rank them.

A model fitted to the raw forward return of a pooled panel by squared error mostly learns the
market's mean move (the largest, least predictable part of every label) and ranks the symbols
barely at all. On a panel — the median timestamp has at least ``min_cross_section`` symbols —
the defaults (``auto`` in ``[models]``) therefore:

- transform a regression label per timestamp (``rank``: the centred percentile rank across
  the symbols, -0.5..0.5; ``zscore``: minus the mean, over the standard deviation), so the
  model learns who beats whom, not where the market goes. Metrics keep the raw label;
- train on ``xsr_<feature>`` columns, each feature's rank across symbols at its timestamp
  (computed by the feature layer over the whole universe, so training and prediction agree);
- leave out market-wide features (macro series, the calendar: the same value for every
  symbol on a bar, so they can only time the market; :attr:`Feature.market_wide`);
- stop early on the mean per-timestamp rank IC (:mod:`alphaforge.models.stopping`).

A single symbol (or a thin panel) keeps raw labels and features, market features included,
and stops on the loss. Every transform reads one timestamp's rows only: causal by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from alphaforge.config import Config, ModelsSection
from alphaforge.features import REGISTRY, Feature, configured_spec, resolve_features
from alphaforge.features.cross_sectional import RANK_PREFIX


@dataclass(frozen=True)
class PanelPlan:
    """How a data set is learned: as a panel or not, and the transforms that follow."""

    panel: bool
    cross_section: float
    label_transform: str
    feature_transform: str
    market_features: str
    stopping_metric: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def cross_section_size(timestamps: object) -> float:
    """Median number of rows per distinct timestamp (symbols side by side), 0 for no rows. A pandas
    datetime column is counted on its int64 nanoseconds: its ``to_numpy()`` (zoned) is Timestamp
    objects, which ``np.unique`` sorts as Python objects (4-6 s at 1 M rows)."""
    nanoseconds = getattr(getattr(timestamps, "array", None), "asi8", None)  # a Series/Index of datetimes
    stamps = np.asarray(timestamps) if nanoseconds is None else nanoseconds
    if len(stamps) == 0:
        return 0.0
    _, counts = np.unique(stamps, return_counts=True)
    return float(np.median(counts))


def plan_panel(settings: ModelsSection, *, regression: bool, cross_section: float) -> PanelPlan:
    """Resolve the ``auto`` settings of ``[models]`` for data with this cross-section size.

    >>> plan_panel(ModelsSection(), regression=True, cross_section=20).label_transform
    'rank'
    >>> plan_panel(ModelsSection(), regression=True, cross_section=1).feature_transform
    'none'
    """
    panel = cross_section >= settings.min_cross_section

    def pick(value: str, on_panel: str, otherwise: str) -> str:
        return value if value != "auto" else (on_panel if panel else otherwise)

    return PanelPlan(
        panel=panel, cross_section=cross_section,
        label_transform=pick(settings.label_transform, "rank" if regression else "none", "none"),
        feature_transform=pick(settings.feature_transform, "rank", "none"),
        market_features=pick(settings.market_features, "exclude", "include"),
        stopping_metric=pick(settings.stopping_metric, "ic" if regression else "loss", "loss"))


def model_features(features: Sequence[Feature], plan: PanelPlan) -> list[Feature]:
    """The features a model of this plan trains on: market-wide ones dropped when excluded,
    per-symbol ones replaced by their cross-sectional rank ``xsr_<name>`` when ranked."""
    chosen: dict[str, Feature] = {}
    for feature in features:
        if feature.market_wide and plan.market_features == "exclude":
            continue
        if plan.feature_transform == "rank" and feature.kind == "symbol" and not feature.market_wide:
            feature = REGISTRY.get(f"{RANK_PREFIX}{feature.name}")
        chosen.setdefault(feature.name, feature)
    return list(chosen.values())


def configured_model_features(config: Config, plan: PanelPlan) -> list[Feature]:
    """The configured feature set (``[features]``) as a model of ``plan`` trains on it."""
    return model_features(resolve_features(configured_spec(config), REGISTRY), plan)


def feature_plan(config: Config, timestamps: object) -> PanelPlan:
    """The plan for choosing features on rows with these timestamps (features do not depend on
    the target: only the panel decision does)."""
    return plan_panel(config.models, regression=True, cross_section=cross_section_size(timestamps))


def features_to_build(config: Config, timestamps: object) -> list[str]:
    """What `alphaforge features build` caches for the configured data: the configured feature set
    and the columns a model trains on (on a panel, their ranks), each once."""
    configured = resolve_features(configured_spec(config), REGISTRY)
    trained = model_features(configured, feature_plan(config, timestamps))
    return list(dict.fromkeys(f.name for f in [*configured, *trained]))


def transform_labels(labels: np.ndarray, timestamps: object, method: str) -> np.ndarray:
    """Labels transformed across the rows of each timestamp (see the module docstring).

    A timestamp with a single row, or whose labels are all equal, gets 0 (no ranking to learn).

    >>> stamps = np.array([0, 0, 0, 1])
    >>> transform_labels(np.array([0.3, -0.1, 0.2, 5.0]), stamps, "rank").tolist()
    [0.5, -0.5, 0.0, 0.0]
    """
    values = np.asarray(labels, dtype=np.float64)
    if method == "none":
        return values
    stamps = np.asarray(timestamps)
    _, group = np.unique(stamps, return_inverse=True)
    group = group.ravel()
    counts = np.bincount(group).astype(np.float64)
    if method == "rank":
        order = np.lexsort((values, group))  # by group, then value: ties sit next to each other
        sorted_values, sorted_group = values[order], group[order]
        starts = np.r_[True, (sorted_group[1:] != sorted_group[:-1]) | (sorted_values[1:] != sorted_values[:-1])]
        run = np.cumsum(starts) - 1
        position = np.arange(len(values), dtype=np.float64)
        first_of_group = np.r_[0.0, np.cumsum(counts)[:-1]]
        average = np.bincount(run, position) / np.bincount(run)  # ties share their mean position
        ranks = np.empty(len(values))
        ranks[order] = average[run] - first_of_group[sorted_group]
        spread = counts[group] - 1.0
        return np.where(spread > 0, ranks / np.where(spread > 0, spread, 1.0) - 0.5, 0.0)
    means = np.bincount(group, values) / counts
    centred = values - means[group]
    std = np.sqrt(np.bincount(group, centred ** 2) / counts)
    return np.where(std[group] > 0, centred / np.where(std[group] > 0, std[group], 1.0), 0.0)


__all__ = ["PanelPlan", "configured_model_features", "cross_section_size", "feature_plan", "features_to_build", "model_features",
           "plan_panel", "transform_labels"]
