"""Features: a registry of named, pure, causal feature functions and the one compute path.

Importing this package registers the built-in families (momentum, trend, volatility,
volume, returns, fractional differences, cross-sectional, macro, calendar) in :data:`REGISTRY`.

>>> from alphaforge.features import REGISTRY, resolve_features
>>> len(resolve_features("default")) >= 80
True
"""

from alphaforge.features import (  # noqa: F401  (imported to register the built-in features)
    calendar,
    cross_sectional,
    fracdiff,
    macro,
    momentum,
    returns,
    trend,
    volatility,
    volume,
)
from alphaforge.features.compute import FeatureSkipWarning, compute_features, required_columns, warmup_rows
from alphaforge.features.fracdiff import FfdOrder, ffd_weights, minimum_ffd_order, minimum_ffd_orders
from alphaforge.features.registry import GROUPS, REGISTRY, Feature, FeatureRegistry, make_feature, register
from alphaforge.features.sets import (
    DEFAULT_SPEC,
    combine_spec,
    configured_spec,
    features_for_columns,
    resolve_features,
)

__all__ = [
    "DEFAULT_SPEC",
    "GROUPS",
    "REGISTRY",
    "Feature",
    "FeatureRegistry",
    "FeatureSkipWarning",
    "FfdOrder",
    "combine_spec",
    "configured_spec",
    "compute_features",
    "features_for_columns",
    "ffd_weights",
    "make_feature",
    "minimum_ffd_order",
    "minimum_ffd_orders",
    "register",
    "required_columns",
    "resolve_features",
    "warmup_rows",
]
