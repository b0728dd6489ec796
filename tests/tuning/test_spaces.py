"""Search spaces: one per tunable family, matching its parameters; narrowing stays inside."""

from __future__ import annotations

import math

import pytest
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from alphaforge.errors import InputError
from alphaforge.models import FAMILIES
from alphaforge.tuning import SPACES, narrow_space, search_space


@pytest.mark.parametrize("family", sorted(SPACES))
def test_every_space_tunes_parameters_its_family_knows(family):
    assert family in FAMILIES
    assert set(search_space(family)) <= set(FAMILIES[family].default_params)


def test_every_family_can_be_tuned():
    assert set(FAMILIES) == set(SPACES)


def test_unknown_family_names_the_tunable_ones():
    with pytest.raises(InputError, match="no search space") as info:
        search_space("prophet")
    assert "lightgbm" in info.value.fix


def test_narrowing_keeps_the_best_values_inside_the_original_range():
    space = search_space("lightgbm")
    best = [{"n_estimators": 100, "learning_rate": 0.01, "num_leaves": 15, "min_data_in_leaf": 40,
             "feature_fraction": 0.6, "bagging_fraction": 0.9, "lambda_l2": 1.0},
            {"n_estimators": 140, "learning_rate": 0.02, "num_leaves": 20, "min_data_in_leaf": 60,
             "feature_fraction": 0.7, "bagging_fraction": 0.95, "lambda_l2": 3.0}]
    narrowed = narrow_space(space, best, margin=0.05)
    for name, dist in narrowed.items():
        wide = space[name]
        assert wide.low <= dist.low < dist.high <= wide.high
        assert all(dist.low <= p[name] <= dist.high for p in best)
        assert dist.high - dist.low < wide.high - wide.low
        assert dist.log == wide.log


def test_log_parameters_are_widened_on_the_log_axis():
    space = {"rate": FloatDistribution(1e-3, 1e1, log=True)}
    narrowed = narrow_space(space, [{"rate": 0.1}], margin=0.25)["rate"]
    assert math.isclose(narrowed.low, 1e-2) and math.isclose(narrowed.high, 1.0)


def test_an_integer_range_keeps_two_values_and_categoricals_stay():
    space = {"depth": IntDistribution(2, 10), "kind": CategoricalDistribution(["a", "b"])}
    narrowed = narrow_space(space, [{"depth": 10, "kind": "a"}], margin=0.0)
    assert (narrowed["depth"].low, narrowed["depth"].high) == (9, 10)
    assert narrowed["kind"] == space["kind"]


def test_no_best_trials_leaves_the_space_unchanged():
    space = search_space("ridge")
    assert narrow_space(space, []) == dict(space)


def test_margin_outside_zero_one_is_refused():
    with pytest.raises(InputError, match="margin"):
        narrow_space(search_space("ridge"), [{"alpha": 1.0}], margin=2.0)
