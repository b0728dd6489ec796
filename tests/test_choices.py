"""The option choices help lists are the names the registries are keyed by."""

from __future__ import annotations

from alphaforge import choices
from alphaforge.backtest import STRATEGIES
from alphaforge.models import FAMILIES


def test_every_registered_class_bears_the_name_it_is_registered_under():
    """The registries pair :mod:`alphaforge.choices`' names with classes by position; a class saves and
    reports its own ``name``, so a pairing out of order would load one family's files as another's."""
    for registry in (FAMILIES, STRATEGIES):
        assert {name: cls.name for name, cls in registry.items()} == {name: name for name in registry}


def test_a_meta_model_is_a_registered_family():
    assert set(choices.META_FAMILIES) <= set(FAMILIES)
