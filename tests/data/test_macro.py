"""As-of macro alignment, checked against hand-computed expectations: nothing before publication."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphaforge.data.macro import align_macro


def _ts(*values: str) -> pd.DatetimeIndex:
    return pd.to_datetime(list(values), utc=True, format="mixed")


def _timing(lag: str, staleness: str):
    return lambda series: (pd.Timedelta(lag), pd.Timedelta(staleness))


def test_value_is_used_only_after_publication():
    # Monthly CPI observed for January (stamped Jan 1) is published 45 days later (Feb 15).
    macro = pd.DataFrame({"series": "cpi", "timestamp": _ts("2020-01-01", "2020-02-01"), "value": [100.0, 101.0]})
    bars = pd.DataFrame({"symbol": "A", "timestamp": _ts("2020-02-14 21:00", "2020-02-15 00:00", "2020-03-16 21:00",
                                                            "2020-03-17 00:00"), "close": 1.0})
    aligned = align_macro(bars, macro, _timing("45D", "60D"))
    # Feb 14: nothing published yet; Feb 15 00:00: Jan value just published (inclusive);
    # Mar 16 21:00: Feb value (published Mar 17 00:00) not yet public; Mar 17 00:00: Feb value.
    np.testing.assert_array_equal(aligned["cpi"].to_numpy(), [np.nan, 100.0, 100.0, 101.0])


def test_stale_values_become_missing():
    macro = pd.DataFrame({"series": "vix", "timestamp": _ts("2020-01-01"), "value": [15.0]})
    bars = pd.DataFrame({"symbol": "A", "timestamp": _ts("2020-01-02", "2020-01-05", "2020-01-05 00:00:01"),
                         "close": 1.0})
    aligned = align_macro(bars, macro, _timing("1D", "3D"))
    # published Jan 2; stale strictly after Jan 5 00:00
    np.testing.assert_array_equal(aligned["vix"].to_numpy(), [15.0, 15.0, np.nan])


def test_each_series_has_its_own_timing_and_rows_follow_bars_order():
    macro = pd.DataFrame({"series": ["a", "b"], "timestamp": _ts("2020-01-01", "2020-01-01"), "value": [1.0, 2.0]})
    bars = pd.DataFrame({"symbol": ["X", "Y"], "timestamp": _ts("2020-01-03", "2020-01-02"), "close": 1.0},
                        index=[10, 11])
    lags = {"a": (pd.Timedelta("1D"), pd.Timedelta("30D")), "b": (pd.Timedelta("2D"), pd.Timedelta("30D"))}
    aligned = align_macro(bars, macro, lags.__getitem__)
    assert list(aligned.index) == [10, 11]
    np.testing.assert_array_equal(aligned["a"].to_numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(aligned["b"].to_numpy(), [2.0, np.nan])


def test_unsorted_macro_input_gives_the_latest_published_value():
    macro = pd.DataFrame({"series": "s", "timestamp": _ts("2020-01-03", "2020-01-01", "2020-01-02"),
                          "value": [3.0, 1.0, 2.0]})
    bars = pd.DataFrame({"symbol": "A", "timestamp": _ts("2020-01-03 12:00"), "close": 1.0})
    assert align_macro(bars, macro, _timing("0D", "10D"))["s"].iloc[0] == 3.0
