"""Feature sets: turning a spec of names, groups and glob patterns into a list of features.

A spec is a list of items (or one comma-separated string). Each item is a feature name
(``ta_rsi_14``), a group (``ta``, ``px``, ``vol``, ``xs``, ``macro``, ``cal``), or a glob
pattern (``px_ret_*``); an item starting with ``-`` removes what it matches. Order is kept,
duplicates are dropped. ``"default"`` (or no spec) means every feature in the built-in groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from alphaforge.config import Config
from alphaforge.errors import InputError
from alphaforge.features.registry import GROUPS, REGISTRY, Feature, FeatureRegistry

FeatureSpec = str | Iterable[str] | None
DEFAULT_SPEC: tuple[str, ...] = tuple(GROUPS)
_GLOB = re.compile(r"[*?\[]")


def _items(spec: FeatureSpec) -> list[str]:
    if spec is None:
        return list(DEFAULT_SPEC)
    raw = spec.split(",") if isinstance(spec, str) else list(spec)
    items = [str(item).strip() for item in raw if str(item).strip()]
    if not items:
        raise InputError("empty feature set", where="feature set",
                         fix="name features, groups or patterns, e.g. 'ta, px_ret_*' or 'default'")
    expanded: list[str] = []
    for item in items:
        expanded.extend(DEFAULT_SPEC if item == "default" else [item])
    return expanded


def _matches(item: str, registry: FeatureRegistry) -> list[Feature]:
    if item in registry:
        return [registry.get(item)]
    if _GLOB.search(item):
        found = registry.match(item)
        if not found:
            raise InputError(f"pattern {item!r} matches no feature", where="feature set",
                             fix="run `alphaforge features list` to see the names")
        return found
    if item in GROUPS or registry.group(item):
        return registry.group(item)
    return [registry.get(item)]  # raises with "did you mean"


def resolve_features(spec: FeatureSpec = None, registry: FeatureRegistry | None = None) -> list[Feature]:
    """The features a spec selects, in spec order, without duplicates.

    >>> [f.name for f in resolve_features("ta_rsi_*, -ta_rsi_21")]
    ['ta_rsi_7', 'ta_rsi_14']
    """
    registry = REGISTRY if registry is None else registry
    chosen: dict[str, Feature] = {}
    for item in _items(spec):
        if item.startswith("-"):
            for feature in _matches(item[1:].strip(), registry):
                chosen.pop(feature.name, None)
        else:
            for feature in _matches(item, registry):
                chosen.setdefault(feature.name, feature)
    return list(chosen.values())


def combine_spec(include: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """One spec from the config's ``features.include`` and ``features.exclude`` lists.

    >>> combine_spec(["ta"], ["ta_rsi_*"])
    ['ta', '-ta_rsi_*']
    """
    return [*include, *(f"-{item}" for item in exclude)]


def configured_spec(config: Config) -> list[str]:
    """The feature spec a workspace's config selects (``[features] include`` minus ``exclude``)."""
    return combine_spec(config.features.include, config.features.exclude)


def features_for_columns(columns: Iterable[str], registry: FeatureRegistry | None = None) -> list[Feature]:
    """The registered features producing ``columns``, each once, in first-use order: a feature's
    own name (derived ones like ``xsr_<feature>`` included), or a macro template's
    ``<template>_<series>`` column (the longest template name that prefixes it). The one resolver
    training (a model's or best_config's column list), prediction and the leakage check share;
    an unknown column raises with "did you mean".

    >>> [f.name for f in features_for_columns(["px_ret_1", "macro_level_VIXCLS", "px_ret_1"])]
    ['px_ret_1', 'macro_level']
    """
    registry = REGISTRY if registry is None else registry
    templates = sorted((f for f in registry if f.kind == "macro"), key=lambda f: -len(f.name))
    chosen: dict[str, Feature] = {}
    for column in columns:
        if column in registry:
            feature = registry.get(column)
        else:
            feature = next((t for t in templates if column.startswith(f"{t.name}_")), None) or registry.get(column)
        chosen.setdefault(feature.name, feature)
    return list(chosen.values())
