"""Calibration: the mappings, JSON round trip, and fitting inside training data only."""

from __future__ import annotations

import numpy as np
import pytest

from alphaforge.errors import InputError
from alphaforge.meta.calibration import Calibrator, calibration_split
from alphaforge.meta.training import Events, MetaRecipe, cross_validate
from alphaforge.meta.walkforward import walk_forward_probabilities


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibration_repairs_overconfident_scores(method):
    rng = np.random.default_rng(0)
    truth = rng.uniform(0.2, 0.8, 4000)
    outcomes = (rng.uniform(size=truth.size) < truth).astype(int)
    scores = np.clip(0.5 + 2.0 * (truth - 0.5), 0.01, 0.99)  # right order, far too confident
    calibrator = Calibrator(method).fit(scores[:2000], outcomes[:2000])
    brier_raw = np.mean((scores[2000:] - outcomes[2000:]) ** 2)
    brier_calibrated = np.mean((calibrator.transform(scores[2000:]) - outcomes[2000:]) ** 2)
    assert brier_calibrated < brier_raw - 0.01
    restored = Calibrator.from_dict(calibrator.to_dict())
    np.testing.assert_array_equal(restored.transform(scores), calibrator.transform(scores))


def test_a_single_class_slice_falls_back_to_no_calibration():
    calibrator = Calibrator("sigmoid").fit(np.array([0.2, 0.7]), np.array([1, 1]))
    assert calibrator.method_used == "none"
    with pytest.raises(InputError):
        Calibrator("platt")


def test_calibration_slice_is_later_than_every_fit_label():
    t0 = np.arange(100).astype("datetime64[D]")
    fit, calibrate = calibration_split(t0, t0 + 5, 0.25)
    assert t0[calibrate].min() == t0[75] and (t0[fit] + 5 < t0[75]).all()
    assert len(np.intersect1d(fit, calibrate)) == 0


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_shuffling_test_labels_changes_no_fold_prediction(small_dataset, method):
    """Calibrators are fitted inside the training folds: test labels cannot move them."""
    recipe = MetaRecipe(family="logistic", calibration=method, n_splits=3)
    events = Events.of(small_dataset)
    first, folds = cross_validate(events, recipe)
    assert {f["calibration"] for f in folds} == {method}
    test_block = np.flatnonzero(events.t0 >= np.datetime64(folds[2]["test_start"]))
    shuffled = small_dataset.copy()
    shuffled.loc[test_block, "label"] = np.random.default_rng(1).permutation(shuffled.loc[test_block, "label"])
    second, _ = cross_validate(Events.of(shuffled), recipe)
    np.testing.assert_array_equal(first["probability"].to_numpy()[test_block],
                                  second["probability"].to_numpy()[test_block])


def test_walk_forward_scores_use_only_labels_known_before(small_dataset):
    recipe = MetaRecipe(family="logistic", calibration="sigmoid")
    scored = walk_forward_probabilities(small_dataset, recipe, n_windows=3)
    done = scored["probability"].notna()
    assert done.sum() > 0 and (scored.loc[done, "trained_until"] < scored.loc[done, "timestamp"]).all()
    last_window = scored["timestamp"] >= scored.loc[done, "timestamp"].quantile(0.7)
    shuffled = small_dataset.copy()
    shuffled.loc[last_window, "label"] = 1 - shuffled.loc[last_window, "label"]
    again = walk_forward_probabilities(shuffled, recipe, n_windows=3)
    np.testing.assert_array_equal(scored["probability"].to_numpy(), again["probability"].to_numpy())
