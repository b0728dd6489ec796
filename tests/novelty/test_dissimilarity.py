"""The dissimilarity index: rows like the training rows pass, rows unlike them are flagged, the
score ignores feature units, repeats for a seed, matches a hand computation, and bad input is
refused naming the place and the fix."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist, pdist

import alphaforge.novelty as novelty
from alphaforge.errors import InputError
from alphaforge.novelty import DissimilarityIndex, mean_pairwise_distance
from alphaforge.novelty import _dissimilarity, drift

COLUMNS = ["a", "b", "c", "d", "e"]


def normal(rows: int, seed: int, loc: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(np.random.default_rng(seed).normal(loc, 1.0, size=(rows, len(COLUMNS))), columns=COLUMNS)


@pytest.fixture(scope="module")
def gate() -> DissimilarityIndex:
    return DissimilarityIndex(threshold=1.0, reference_rows=3000, seed=0).fit(normal(6000, seed=1))


def test_rows_like_the_training_rows_pass_and_shifted_rows_are_flagged(gate):
    assert gate.novel_share(normal(1000, seed=2)) < 0.05
    assert gate.novel_share(normal(1000, seed=3, loc=4.0)) > 0.95
    scores = gate.score(normal(1000, seed=2))
    assert scores.name == "di" and 0 < scores.median() < 0.5


def test_the_score_is_indexed_like_the_rows_and_reads_columns_by_name(gate):
    rows = normal(20, seed=4)
    rows.index = pd.MultiIndex.from_product([["X", "Y"], range(10)], names=["symbol", "i"])
    shuffled = rows[COLUMNS[::-1]].assign(extra=1.0)  # other order, one column more
    assert gate.score(rows).index.equals(rows.index)
    pd.testing.assert_series_equal(gate.score(shuffled), gate.score(rows))
    assert gate.score(rows.iloc[:0]).empty


@settings(max_examples=25, deadline=None)
@given(scales=st.lists(st.floats(1e-3, 1e3), min_size=len(COLUMNS), max_size=len(COLUMNS)),
       offsets=st.lists(st.floats(-1e3, 1e3), min_size=len(COLUMNS), max_size=len(COLUMNS)))
def test_the_score_does_not_depend_on_the_units_of_a_feature(scales, offsets):
    training, rows = normal(400, seed=5), normal(50, seed=6, loc=0.5)
    plain = DissimilarityIndex(seed=0).fit(training).score(rows)
    scaled = DissimilarityIndex(seed=0).fit(training * scales + offsets).score(rows * scales + offsets)
    np.testing.assert_allclose(scaled, plain, rtol=1e-4, atol=1e-5)


def test_the_same_seed_gives_the_same_gate_and_another_seed_another_sample():
    training, rows = normal(3000, seed=7), normal(200, seed=8)
    first, second = (DissimilarityIndex(reference_rows=500, seed=3).fit(training) for _ in range(2))
    np.testing.assert_array_equal(first.reference_, second.reference_)
    assert first.distance_ == second.distance_
    np.testing.assert_array_equal(first.score(rows), second.score(rows))
    other = DissimilarityIndex(reference_rows=500, seed=4).fit(training)
    assert not np.array_equal(other.reference_, first.reference_)


@pytest.mark.parametrize("neighbours", [1, 3])
def test_the_index_matches_a_hand_computation(neighbours):
    training = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 10.0], "y": [5.0, 7.0, 6.0, 9.0, 8.0]})
    rows = pd.DataFrame({"x": [1.5, -4.0], "y": [np.nan, 20.0]})
    gate = DissimilarityIndex(neighbours=neighbours).fit(training)
    values = training.to_numpy()
    mean, std, median = values.mean(axis=0), values.std(axis=0), np.median(values, axis=0)
    standardised = (values - mean) / std
    queried = (np.where(np.isnan(rows.to_numpy()), median, rows.to_numpy()) - mean) / std  # NaN: training median
    nearest = np.sort(cdist(queried, standardised), axis=1)[:, :neighbours].mean(axis=1)
    np.testing.assert_allclose(gate.score(rows), nearest / pdist(standardised).mean(), rtol=1e-5)


def test_a_missing_value_counts_as_the_training_median_and_an_infinite_one_as_novel(gate):
    row = normal(1, seed=9)
    imputed = row.copy()
    imputed.loc[0, "c"] = float(np.median(normal(6000, seed=1)["c"]))
    row.loc[0, "c"] = np.nan
    np.testing.assert_allclose(gate.score(row), gate.score(imputed), rtol=1e-6)
    row.loc[0, "c"] = np.inf
    assert np.isinf(gate.score(row).iloc[0]) and gate.flags(row).iloc[0]


def test_the_characteristic_distance_estimated_on_sampled_pairs_is_the_mean_over_all_pairs():
    sample = np.random.default_rng(10).normal(size=(1500, 4)).astype(np.float32)  # ~1.1 M pairs: sampled
    estimate = mean_pairwise_distance(sample, np.random.default_rng(0))
    assert estimate == pytest.approx(pdist(sample.astype(np.float64)).mean(), rel=0.01)


def test_a_training_set_larger_than_the_reference_sample_is_sampled(gate):
    assert gate.reference_.shape == (3000, len(COLUMNS)) and gate.reference_.dtype == np.float32
    assert gate.training_rows_ == 6000 and gate.features_ == COLUMNS


@pytest.mark.parametrize(("training", "fragments"), [
    (pd.DataFrame(columns=COLUMNS, dtype="float64"), ["0 rows", "need 2 rows"]),
    (pd.DataFrame(index=range(5)), ["0 feature columns"]),
    (normal(50, seed=11).assign(**{c: np.nan for c in COLUMNS}), ["none of the 5 feature columns has a finite value",
                                                                 "past their warm-up"]),
    (pd.concat([normal(50, seed=11), normal(50, seed=11)["a"]], axis=1), ["duplicate feature columns ['a']"]),
    (normal(50, seed=11).assign(c="x"), ["non-numeric", "'c'"]),
    (normal(50, seed=11).to_numpy(), ["DataFrame", "ndarray"]),
    (pd.DataFrame({"a": [1.0] * 10, "b": [2.0] * 10}), ["one point once standardised"]),
])
def test_training_rows_no_gate_can_learn_from_are_refused(training, fragments):
    with pytest.raises(InputError) as caught:
        DissimilarityIndex().fit(training)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert caught.value.where and caught.value.fix


def test_a_feature_without_a_training_value_is_left_out_and_named():
    training = normal(500, seed=14).assign(c=np.nan)
    gate = DissimilarityIndex().fit(training)
    assert gate.features_ == ["a", "b", "d", "e"] and gate.ignored_ == ["c"]
    assert gate.notices() == ["novelty gate: 1 feature(s) without a value in the training rows are left out of its "
                              "distances and drift bins: c"]
    rows = normal(10, seed=15)
    plain = DissimilarityIndex().fit(training.drop(columns="c")).score(rows)
    pd.testing.assert_series_equal(gate.score(rows), plain)  # whatever c holds now
    assert list(drift.drift_report(gate, rows).psi) == gate.features_


def test_rows_without_the_gates_features_are_refused_by_name(gate):
    with pytest.raises(InputError, match="2 of the 5 features the gate was fitted on are missing: b, d") as caught:
        gate.score(normal(5, seed=12).drop(columns=["b", "d"]), where="live rows of SYN00")
    assert caught.value.where == "live rows of SYN00" and "compute the model's features" in caught.value.fix


def test_settings_out_of_range_are_refused():
    with pytest.raises(InputError, match="threshold"):
        DissimilarityIndex(threshold=0.0)
    with pytest.raises(InputError, match="5 neighbours asked of 3 reference rows"):
        DissimilarityIndex(neighbours=5).fit(normal(3, seed=13))


def test_the_docstring_examples_run():
    for module in (novelty, _dissimilarity, drift):
        assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("rows", [50, 20_000])
def test_a_feature_with_values_only_in_its_first_rows_is_measured(rows):
    """Columns are searched for a finite value from the latest rows back: one whose values all lie
    before them (a feature that stopped) is measured, one with none anywhere left out."""
    training = normal(rows, seed=16)
    training.loc[10:, "b"] = np.nan  # only the first ten rows hold b
    training["c"] = np.inf
    gate = DissimilarityIndex().fit(training)
    assert gate.features_ == ["a", "b", "d", "e"] and gate.ignored_ == ["c"]
