"""Meta-model training: metrics, the saved folder (no pickles), load round trip, tamper refusal."""

from __future__ import annotations

import json

import numpy as np
import pytest

from alphaforge.errors import InputError, MissingInputError
from alphaforge.meta.persistence import (
    CALIBRATION_PLOT,
    CALIBRATOR_FILE,
    load_meta_model,
    save_meta_model,
)
from alphaforge.meta.training import (
    Events,
    MetaRecipe,
    classification_metrics,
    train_meta_model,
)
from alphaforge.models import UnsafeModelError


@pytest.fixture(scope="module")
def source(small_dataset):
    """What `alphaforge meta train` records of the events besides the recipe (see meta/workflow.py ``train``)."""
    return {"strategy": {"name": "trend_baseline", "params": {}},
            "label": {"horizon": 5, "threshold": 0.02, "label_type": "binary_absolute"},
            "training_range": {"start": str(small_dataset["timestamp"].min()), "end": str(small_dataset["t1"].max())}}


@pytest.fixture(scope="module")
def trained(small_dataset):
    return train_meta_model(small_dataset, MetaRecipe(family="gradient_boosting", calibration="isotonic",
                                                      n_splits=3))


def test_metrics_are_the_pooled_out_of_fold_scores(trained, small_dataset):
    assert set(trained.metrics) == {"roc_auc", "pr_auc", "brier_score", "log_loss", "base_rate", "events"}
    assert trained.metrics["events"] == len(small_dataset) and trained.out_of_fold["probability"].notna().all()
    assert 0.0 <= trained.metrics["brier_score"] <= 1.0 and len(trained.folds) == 3
    assert sum(f["test_events"] for f in trained.folds) == len(small_dataset)


def test_classification_metrics_by_hand():
    metrics = classification_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert metrics["roc_auc"] == pytest.approx(0.75)
    assert metrics["brier_score"] == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    assert np.isnan(classification_metrics(np.array([1, 1]), np.array([0.6, 0.7]))["roc_auc"])


def test_save_and_load_round_trip_without_pickles(trained, small_dataset, source, tmp_path):
    folder = save_meta_model(tmp_path / "meta", trained, source)
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"config.json", "training_results.json", CALIBRATOR_FILE, CALIBRATION_PLOT.as_posix()} <= files
    assert not any(name.endswith((".pkl", ".pickle", ".joblib")) for name in files)
    loaded = load_meta_model(folder)
    X = Events.of(small_dataset).X
    np.testing.assert_allclose(loaded.model.predict(X), trained.model.predict(X))
    assert loaded.recipe == trained.recipe and loaded.features == list(X.columns)
    assert json.loads((folder / CALIBRATOR_FILE).read_text())["method_used"] == "isotonic"
    with pytest.raises(InputError, match="exists"):
        save_meta_model(folder, trained, source)
    assert loaded.card.strategy.name == "trend_baseline" and loaded.results().metrics == trained.metrics


def test_a_tampered_model_file_is_refused(trained, source, tmp_path):
    folder = save_meta_model(tmp_path / "meta", trained, source)
    model_file = next(p for p in (folder / "model").iterdir() if p.name != "model.json")
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    with pytest.raises(UnsafeModelError):
        load_meta_model(folder)


def test_unknown_model_type_is_an_input_error():
    with pytest.raises(InputError, match="meta-model type"):
        MetaRecipe(family="svm")


def test_a_damaged_model_folder_is_an_input_error_naming_the_file(trained, source, tmp_path):
    folder = save_meta_model(tmp_path / "meta", trained, source)
    config = json.loads((folder / "config.json").read_text())
    (folder / CALIBRATOR_FILE).unlink()
    with pytest.raises(MissingInputError, match="no calibrator.json") as caught:
        load_meta_model(folder)
    assert caught.value.where == str(folder / CALIBRATOR_FILE) and "alphaforge meta train" in caught.value.fix
    (folder / "config.json").write_text("{not json")
    with pytest.raises(InputError, match="config.json is not valid JSON") as caught:
        load_meta_model(folder)
    assert caught.value.where == str(folder / "config.json")
    del config["trained_until"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match="no trained_until"):
        load_meta_model(folder)
