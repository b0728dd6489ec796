"""Feature-set specs: names, groups, glob patterns, exclusions, and helpful errors."""

from __future__ import annotations

import pytest

from alphaforge.errors import InputError
from alphaforge.features import GROUPS, REGISTRY, FeatureRegistry, register, resolve_features


def names(spec) -> list[str]:
    return [f.name for f in resolve_features(spec)]


def test_name_group_and_pattern() -> None:
    assert names("ta_rsi_14") == ["ta_rsi_14"]
    assert names("cal") == ["cal_hour_sin", "cal_hour_cos", "cal_dow_sin", "cal_dow_cos"]
    assert names("px_ret_*") == [f"px_ret_{n}" for n in (1, 2, 3, 6, 12, 24, 48, 96, 168, 252)]


def test_order_is_kept_and_duplicates_dropped() -> None:
    assert names(["cal_dow_cos", "cal", "ta_rsi_7"]) == ["cal_dow_cos", "cal_hour_sin", "cal_hour_cos",
                                                         "cal_dow_sin", "ta_rsi_7"]


def test_exclusion_and_comma_string() -> None:
    assert names("ta_rsi_*, -ta_rsi_21") == ["ta_rsi_7", "ta_rsi_14"]
    assert "xs_rank_ret_1" not in names(["default", "-xs"])


def test_default_is_every_builtin_group() -> None:
    assert names(None) == names("default")
    built_in = [n for n in REGISTRY.names() if REGISTRY.get(n).group in GROUPS]  # not the derived xsr_*
    assert sorted(names(None)) == sorted(built_in)
    assert "xsr_px_ret_1" in REGISTRY and "xsr_px_ret_1" not in names(None)


def test_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(InputError, match="unknown feature 'ta_rsi_15'") as caught:
        resolve_features("ta_rsi_15")
    assert "ta_rsi_14" in caught.value.fix


def test_pattern_matching_nothing_is_an_error() -> None:
    with pytest.raises(InputError, match="matches no feature"):
        resolve_features("ta_nothing_*")


def test_empty_spec_is_an_error() -> None:
    with pytest.raises(InputError, match="empty feature set"):
        resolve_features(" , ")


def test_a_user_group_resolves_in_its_registry() -> None:
    registry = FeatureRegistry()

    def spread(high, low):
        """High over low minus one, this bar."""
        return high / low - 1.0

    feature = register(spread, name="my_spread", lookback=0, description="high/low - 1", registry=registry)
    assert feature.inputs == ("high", "low") and feature.group == "my"
    assert resolve_features("my", registry) == [feature]
    with pytest.raises(InputError, match="already registered"):
        register(spread, name="my_spread", lookback=0, description="again", registry=registry)
