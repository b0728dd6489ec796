"""A workspace's model inputs, assembled in one place: the configured bars, the macro series aligned
to them, and the cached features and targets computed from them.

Every command that trains, selects, fills the store or builds features starts here, so they all
read the same rows with the same feature set: ``alphaforge.matrix`` joins these into the
training matrix, the store fills from them, selection and meta-datasets read them. Warnings
raised while loading and computing (features skipped for lack of inputs, stale macro series)
are collected in ``notices`` rather than lost or printed twice.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from alphaforge.config import Config
from alphaforge.data.datasets import load_inputs
from alphaforge.data.rawstore import content_sha256
from alphaforge.features import Feature, FeatureRegistry
from alphaforge.features.cache import FeatureBuild, FeatureCache, FeatureLocation, FeatureStream
from alphaforge.features.sets import FeatureSpec
from alphaforge.models.panel import PanelPlan, configured_model_features, feature_plan, features_to_build
from alphaforge.targets import TargetCache, build_targets
from alphaforge.workspace import Workspace


@dataclass
class ModelInputs:
    """The configured bars and aligned macro of a workspace, and what is computed from them."""

    workspace: Workspace
    config: Config
    bars: pd.DataFrame
    macro: pd.DataFrame | None
    notices: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, workspace: Workspace, config: Config | None = None, *,
             symbols: Sequence[str] | None = None) -> ModelInputs:
        """The bars ``config`` selects (only ``symbols`` when given) and the macro aligned to them."""
        config = config or workspace.config()
        inputs = cls(workspace, config, pd.DataFrame(), None)
        with inputs.recording():
            inputs.bars, inputs.macro = load_inputs(workspace, config, symbols=list(symbols) if symbols else None)
        return inputs

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Collect the warnings raised inside the block into ``notices`` (each message once)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        self.notices.extend(m for m in dict.fromkeys(str(w.message) for w in caught) if m not in self.notices)

    @cached_property
    def bar_times(self) -> Any:
        """The bars' timestamps as int64 UTC nanoseconds: counted per timestamp as numbers, not as
        the Timestamp objects ``to_numpy()`` of a zoned column makes (4 s of sorting at 1 M bars)."""
        return pd.DatetimeIndex(self.bars["timestamp"]).asi8

    @cached_property
    def feature_plan(self) -> PanelPlan:
        """Panel or not, and so which columns models train on (:mod:`alphaforge.models.panel`)."""
        return feature_plan(self.config, self.bar_times)

    def model_features(self) -> list[Feature]:
        """The configured feature set as models train on it (on a panel, ranks across symbols)."""
        return configured_model_features(self.config, self.feature_plan)

    def features_to_build(self) -> list[str]:
        """The configured feature set and the columns models train on: what `features build` caches."""
        return features_to_build(self.config, self.bar_times)

    @property
    def feature_cache(self) -> FeatureCache:
        return FeatureCache(self.workspace.features_dir)

    def features(self, features: FeatureSpec | Sequence[Feature], *, since: Any = None,
                 registry: FeatureRegistry | None = None) -> FeatureBuild:
        """``features`` on these bars through the feature cache (computing only what is missing)."""
        with self.recording():
            return self.feature_cache.build(self.bars, self.macro, features, since=since, registry=registry)

    def feature_stream(self, features: FeatureSpec | Sequence[Feature]) -> FeatureStream:
        """:meth:`features` one feature at a time (:meth:`FeatureCache.stream`); iterate it inside
        :meth:`recording` to keep the notices of a cached file repaired on the way."""
        with self.recording():
            return self.feature_cache.stream(self.bars, self.macro, features)

    def locate(self, features: FeatureSpec | Sequence[Feature], *,
               registry: FeatureRegistry | None = None) -> FeatureLocation:
        """Where the cache holds (or would hold) ``features`` for these bars, without computing them."""
        return self.feature_cache.locate(self.bars, self.macro, features, registry=registry)

    @cached_property
    def data_sha256(self) -> str:
        """The bars' content fingerprint (what the target cache keys on)."""
        return content_sha256(self.bars)

    def targets(self, names: Sequence[str], *, events: pd.DataFrame | None = None) -> tuple[pd.DataFrame, Any]:
        """The targets ``names`` on these bars through the target cache: (table, build info)."""
        with self.recording():
            return build_targets(self.bars, list(names), data_sha256=self.data_sha256,
                                 cache=TargetCache(self.workspace.targets_dir), events=events)


__all__ = ["ModelInputs"]
