"""What the selection stages read from a workspace: bars, macro, the feature and target tables.

The tables come from the feature and target caches (built on first use, read afterwards).
:attr:`SelectionInputs.key` fingerprints everything they depend on (the raw data and config the
bars and macro are made of, each feature's code and parameters, the target code and names)
without loading or computing any of them, so a cached stage is recognised from manifests alone; :meth:`SelectionInputs.features_key`
leaves the targets out (the leakage check does not depend on them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cached_property

import pandas as pd

from alphaforge.config import Config
from alphaforge.data.datasets import source_key
from alphaforge.features import (
    REGISTRY,
    Feature,
    FeatureRegistry,
    configured_spec,
    resolve_features,
)
from alphaforge.features.cache import feature_fingerprint
from alphaforge.inputs import ModelInputs
from alphaforge.targets import parse_targets
from alphaforge.targets.registry import code_version as target_code_version
from alphaforge.workspace import Workspace


class SelectionInputs:
    """Lazily loaded inputs of the selection stages for one workspace and config."""

    def __init__(self, workspace: Workspace, config: Config, targets: Sequence[str],
                 registry: FeatureRegistry | None = None) -> None:
        self.workspace = workspace
        self.config = config
        self.target_names = [spec.name for spec in parse_targets(list(targets))]
        self.registry = REGISTRY if registry is None else registry

    @cached_property
    def inputs(self) -> ModelInputs:
        """The workspace's bars, aligned macro and caches (:class:`~alphaforge.inputs.ModelInputs`)."""
        return ModelInputs.load(self.workspace, self.config)

    @property
    def bars(self) -> pd.DataFrame:
        return self.inputs.bars

    @property
    def macro(self) -> pd.DataFrame | None:
        return self.inputs.macro

    def release(self) -> None:
        """Forget the loaded data (bars, macro, feature and target tables): read again if asked for.
        Their keys stay."""
        for name in ("inputs", "features", "targets"):
            self.__dict__.pop(name, None)

    @cached_property
    def feature_spec(self) -> list[str]:
        return configured_spec(self.config)

    @cached_property
    def data_key(self) -> str:
        """Fingerprint of what the bars and macro are made of (:func:`~alphaforge.data.datasets.source_key`:
        the raw versions and the config's data and macro sections), so keying a selection stage
        reads manifests, not the data (fingerprinting the bars loaded the whole dataset on every run)."""
        return hashlib.sha256(json.dumps(source_key(self.workspace, self.config), sort_keys=True).encode()).hexdigest()

    def features_key(self, features: Sequence[Feature] | None = None) -> str:
        """Fingerprint of the data and the definitions of ``features`` (default: the configured ones)."""
        features = resolve_features(self.feature_spec, self.registry) if features is None else features
        payload = json.dumps({"data": self.data_key,
                              "features": {f.name: feature_fingerprint(f, registry=self.registry) for f in features}},
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    @cached_property
    def key(self) -> str:
        """Fingerprint of the data, the feature definitions and the target code and names."""
        payload = json.dumps({"features": self.features_key(), "targets": self.target_names,
                              "target_code": target_code_version()}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    @cached_property
    def features(self) -> pd.DataFrame:
        """The configured feature table (from the feature cache); skipped features are left out."""
        return self.inputs.features(self.feature_spec, registry=self.registry).frame

    @cached_property
    def feature_columns(self) -> list[str]:
        """The configured feature table's columns, found without reading the table (the truncation
        test needs only their names: holding the 1 M-row table for them kept 1.5 GB for the
        rest of the run)."""
        return self.inputs.locate(self.feature_spec, registry=self.registry).columns

    @cached_property
    def targets(self) -> pd.DataFrame:
        """The candidate targets' table (from the target cache)."""
        return self.inputs.targets(self.target_names)[0]
