"""The drift report: PSI near 0 for rows of the training distribution and above 0.25 for shifted
ones, equal to a hand computation, binned like a naive loop, missing values counted apart, and
the report's table, dict, line and chart."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.errors import InputError
from alphaforge.novelty import (
    EPSILON,
    DissimilarityIndex,
    DriftBaseline,
    drift_chart,
    drift_report,
    population_stability_index,
    reading,
)
from alphaforge.novelty._bins import bin_shares

COLUMNS = ["a", "b", "c"]


def normal(rows: int, seed: int, loc: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(np.random.default_rng(seed).normal(loc, 1.0, size=(rows, len(COLUMNS))), columns=COLUMNS)


def test_rows_of_the_training_distribution_are_stable_and_shifted_rows_shifted():
    training = normal(20_000, seed=1)
    same = drift_report(training, normal(5000, seed=2))
    assert max(same.psi.values()) < 0.02 and same.by_reading("stable") == sorted(COLUMNS, key=lambda c: -same.psi[c])
    assert same.noise == pytest.approx(9 * (1 / 5000 + 1 / 20_000))
    moved = drift_report(training, normal(5000, seed=3).assign(b=lambda f: f["b"] + 1.0))
    assert moved.psi["b"] > 0.25 and moved.by_reading("shifted") == ["b"]
    assert max(moved.psi["a"], moved.psi["c"]) < 0.02


def test_psi_is_a_hand_computation_on_a_tiny_example():
    training = pd.DataFrame({"x": np.arange(1.0, 11.0)})  # two bins: <= 5 and > 5, half each
    report = drift_report(training, pd.DataFrame({"x": [1.0, 2.0, 3.0, 8.0]}), bins=2)
    assert report.psi["x"] == pytest.approx((0.75 - 0.5) * math.log(0.75 / 0.5) + (0.25 - 0.5) * math.log(0.25 / 0.5))
    empty_bin = drift_report(training, pd.DataFrame({"x": [1.0, 2.0]}), bins=2)  # nothing above 5: floored at EPSILON
    assert empty_bin.psi["x"] == pytest.approx((1 - 0.5) * math.log(1 / 0.5) +
                                               (EPSILON - 0.5) * math.log(EPSILON / 0.5))


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.one_of(st.floats(-100, 100), st.just(float("nan")), st.just(float("inf"))), max_size=40),
       edges=st.lists(st.floats(-100, 100), max_size=8, unique=True))
def test_binning_matches_a_naive_loop(values, edges):
    edges = np.sort(np.array(edges, dtype="float64"))
    counts = [0] * (len(edges) + 1)
    present = [v for v in values if not math.isnan(v)]
    for value in present:
        counts[sum(1 for edge in edges if edge < value)] += 1  # bins closed on the right
    shares, missing = bin_shares(np.array(values, dtype="float64"), edges)
    if present:
        np.testing.assert_allclose(shares, np.array(counts) / len(present))
    else:
        assert np.isnan(shares).all()
    assert missing == pytest.approx((len(values) - len(present)) / len(values)) if values else math.isnan(missing)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=12), st.lists(st.floats(0.01, 1.0), min_size=2,
                                                                       max_size=12))
def test_psi_is_symmetric_non_negative_and_zero_only_for_equal_shares(first, second):
    size = min(len(first), len(second))
    a, b = np.array(first[:size]) / sum(first[:size]), np.array(second[:size]) / sum(second[:size])
    assert population_stability_index(a, b) == pytest.approx(population_stability_index(b, a))
    assert population_stability_index(a, b) >= 0 and population_stability_index(a, a) == 0


def test_a_discrete_feature_keeps_one_bin_per_value():
    weekdays = pd.DataFrame({"day": np.tile(np.arange(7.0), 300)})
    baseline = DriftBaseline.fit(weekdays, 10)
    np.testing.assert_array_equal(baseline.edges[0], np.arange(7.0))  # and one bin above 6, empty in training
    assert drift_report(baseline, pd.DataFrame({"day": np.tile(np.arange(7.0), 20)})).psi["day"] == pytest.approx(0)
    assert reading(drift_report(baseline, pd.DataFrame({"day": np.tile([5.0, 6.0], 70)})).psi["day"]) == "shifted"
    assert reading(drift_report(baseline, pd.DataFrame({"day": np.tile(np.arange(1.0, 8.0), 20)})).psi["day"]) \
        == "shifted"  # a value never seen (7) lands in the bin no training value reached


def test_warm_up_gaps_of_training_are_not_drift_and_a_feature_gone_missing_reads_missing():
    training = normal(10_000, seed=4)
    training.loc[:999, "a"] = np.nan  # the warm-up rows of a long window
    recent = normal(2000, seed=5).assign(c=np.nan)
    report = drift_report(training, recent)
    assert reading(report.psi["a"]) == "stable" and report.training_missing["a"] == pytest.approx(0.1)
    assert report.by_reading("missing") == ["c"] and report.missing["c"] == 1.0
    table = report.to_table()
    assert list(table.columns) == ["feature", "psi", "reading", "missing", "training_missing"]
    assert table["feature"].iloc[0] == "c"  # a feature without a value first, then the most drifted
    assert report.to_dict()["features"][0]["psi"] is None and report.to_dict()["missing"] == ["c"]
    assert "1 without a value" in report.summary()


def test_a_gate_carries_the_training_bins_and_adds_the_share_of_novel_rows():
    training, recent = normal(5000, seed=6), normal(400, seed=7)
    recent.iloc[:40] += 6.0
    gate = DissimilarityIndex(seed=0).fit(training)
    from_gate, from_rows = drift_report(gate, recent), drift_report(training, recent)
    assert from_gate.psi == from_rows.psi and from_rows.novel_share is None
    assert from_gate.novel_share == pytest.approx(0.1) and from_gate.threshold == 1.0
    assert "10% of the rows novel (DI > 1)" in from_gate.summary()
    assert from_gate.to_dict()["novel_share"] == pytest.approx(0.1)


def test_the_chart_is_written(tmp_path):
    report = drift_report(normal(3000, seed=8), normal(300, seed=9, loc=0.3).assign(c=np.nan))
    path = drift_chart(report, tmp_path / "drift.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_recent_rows_are_refused_naming_the_place_and_fix():
    baseline = DriftBaseline.fit(normal(100, seed=10), 10)
    with pytest.raises(InputError, match="1 of the 3 features the gate was fitted on are missing: b") as caught:
        drift_report(baseline, normal(10, seed=11).drop(columns="b"))
    assert caught.value.where == "the recent rows of the drift report"
    with pytest.raises(InputError, match="no recent rows") as caught:
        drift_report(baseline, normal(10, seed=11).iloc[:0])
    assert "a window of recent rows" in caught.value.fix
    with pytest.raises(InputError, match="none of the 3 feature columns has a finite value"):
        drift_report(normal(10, seed=12) * np.nan, normal(10, seed=13))
