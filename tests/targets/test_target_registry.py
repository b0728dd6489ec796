"""Target names: parse/format round trips, defaults, and errors that suggest the fix."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alphaforge.errors import InputError
from alphaforge.targets import TARGET_KINDS, parse_target, parse_targets

CANONICAL = ["fwd_ret_24", "fwd_logret_1", "fwd_volret_24_100", "binary_abs_10_0.02", "binary_abs_10_0.02_touch",
             "binary_outperf_24_ew", "binary_outperf_24_BTC_USDT", "multi_class_24_5_500", "tb_24_2.0_1.0",
             "tb_24_2.0_1.0_cusumvol2.0_zero_50_0.001", "tb_12_1.5_0.0_cusum0.01", "tb_5D_2.0_1.0_given", "tb_36h_1.0_1.0", "y_will_swing_low_10_0.20",
             "y_will_swing_high_5_1.25"]


@pytest.mark.parametrize("name", CANONICAL)
def test_canonical_names_round_trip(name: str) -> None:
    assert parse_target(name).name == name


def test_every_kind_example_is_canonical() -> None:
    assert all(parse_target(kind.example).name == kind.example for kind in TARGET_KINDS.values())


@pytest.mark.parametrize(("given", "canonical"), [
    ("binary_abs_10_0.020_close", "binary_abs_10_0.02"),
    ("tb_24_2_1_all_sign_20_0", "tb_24_2.0_1.0"),
    ("y_will_swing_low_10_0.2", "y_will_swing_low_10_0.20"),
    ("tb_24_2.0_1.0_cusumvol2", "tb_24_2.0_1.0_cusumvol2.0"),
])
def test_equivalent_spellings_share_one_canonical_name(given: str, canonical: str) -> None:
    assert parse_target(given).name == canonical
    assert parse_targets([given, canonical]) == [parse_target(canonical)]


@given(horizon=st.integers(1, 500), pt=st.floats(0, 10, allow_nan=False), sl=st.floats(0, 10, allow_nan=False),
       window=st.integers(2, 400), min_target=st.floats(0, 1))
def test_triple_barrier_names_round_trip_for_any_parameters(horizon: int, pt: float, sl: float, window: int,
                                                            min_target: float) -> None:
    spec = parse_target(f"tb_{horizon}_{pt!r}_{sl!r}_all_sign_{window}_{min_target!r}")
    assert parse_target(spec.name) == spec
    assert spec.params["profit_take"] == pt and spec.params["min_target"] == min_target


@pytest.mark.parametrize(("name", "hint"), [
    ("fwd_return_24", "did you mean fwd_ret_24"),
    ("tb_24", r"tb takes tb_\{horizon\}"),
    ("fwd_ret_0", "below 1"),
    ("fwd_ret_x", "not a valid int"),
    ("binary_abs_10_0.02_high", "not one of"),
    ("tb_24_2.0_1.0_sometimes", "event filter"),
    ("tb_24_nan_1.0", "not finite"),
    ("swing_low_10", "did you mean"),
])
def test_bad_names_say_what_is_wrong(name: str, hint: str) -> None:
    with pytest.raises(InputError, match=hint):
        parse_target(name)
