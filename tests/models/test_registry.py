"""The registry's versions and the auto-detection order consumers rely on, on folders written
by the real writers: the model card's owner for registry versions, the tuning and extended-CV
writer for checkpoints."""

from __future__ import annotations

import os

import numpy as np
import pytest

from alphaforge.artifacts import MetaModelCard, ModelCard, TargetRef, TimeRange, TrainingResults
from alphaforge.errors import InputError, MissingInputError
from alphaforge.models import UnseenSymbolWarning
from alphaforge.models.registry import (
    CV_BEST_MODEL,
    ModelRegistry,
    load_path,
    resolve_model,
)
from alphaforge.tuning.outputs import checkpoint_card, save_model_dir
from tests.tuning.synthetic import synthetic_data

DATA = synthetic_data()
FEATURES = ["a", "b", "c"]


@pytest.fixture
def fitted(build):
    return build("ridge", "regression").fit(DATA.X, DATA.y)


def _card(created: str, scope: str = "cross_sectional") -> ModelCard:
    """A registry version's card as `alphaforge train` writes it (see pipeline/train.py ``model_card``)."""
    return ModelCard(stage="train", created=created, family="ridge", task="regression", params={"alpha": 1.0},
                     seed=0, target=TargetRef(name="fwd_ret_2", kind="fwd_ret", params={"horizon": 2}),
                     features=FEATURES, symbols=["S0", "S1", "S2"], scope=scope,
                     training_range=TimeRange(start="2021-01-01T00:00:00+00:00", end="2021-04-30T00:00:00+00:00"),
                     data_fingerprint=DATA.fingerprint)


def _register(root, name, fitted, created, scope="cross_sectional"):
    def write(folder):
        fitted.save(folder / "best")
        fitted.save(folder / "final")
        _card(created, scope).save(folder / "config.json")
        TrainingResults(rows=len(DATA.y), split={}, metrics={"validation": {"rmse": 1.0}}).save(
            folder / "training_results.json")

    return ModelRegistry(root / "models").create(name, write)


def _checkpoint(folder, fitted, stage="tuning"):
    """A checkpoint as `alphaforge tune` (or `cv`) saves it: the tuning writer's card and folder."""
    card = checkpoint_card(DATA, "ridge", {"alpha": 1.0}, 0, stage, np.arange(len(DATA.y) // 2), {"trial": 0})
    return save_model_dir(folder, fitted, card)


def test_versions_count_up_and_leave_no_staging_folder(tmp_path, fitted):
    first = _register(tmp_path, "m", fitted, "2024-01-01")
    second = _register(tmp_path, "m", fitted, "2024-01-02")
    assert (first.version, second.version) == ("v1", "v2")
    assert sorted(p.name for p in (tmp_path / "models" / "m").iterdir()) == ["v1", "v2"]
    registry = ModelRegistry(tmp_path / "models")
    assert registry.get("m").version == "v2"
    assert registry.get("m/v1").path == first.path
    assert registry.versions("m")[0].summary()["validation"] == {"rmse": 1.0}


def test_a_failed_write_leaves_nothing(tmp_path):
    def write(folder):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        ModelRegistry(tmp_path / "models").create("m", write)
    assert list((tmp_path / "models" / "m").iterdir()) == []


def test_unknown_names_and_versions_say_what_exists(tmp_path, fitted):
    _register(tmp_path, "m", fitted, "2024-01-01")
    registry = ModelRegistry(tmp_path / "models")
    with pytest.raises(InputError, match=r"no model named 'x' \(models: m\)"):
        registry.get("x")
    with pytest.raises(InputError, match="choose one of: v1"):
        registry.get("m/v9")
    with pytest.raises(InputError, match="not a plain folder name"):
        registry.create("../escape", lambda folder: None)


def test_a_corrupt_config_json_is_an_input_error_naming_the_file(tmp_path, fitted):
    version = _register(tmp_path, "m", fitted, "2024-01-01")
    (version.path / "config.json").write_text('{"family": "ridge", ', encoding="utf-8")
    with pytest.raises(InputError, match="config.json is not valid JSON") as caught:
        version.card()
    assert caught.value.where == str(version.path / "config.json")
    assert "alphaforge train" in str(caught.value)


@pytest.mark.parametrize(("folder", "command"), [(CV_BEST_MODEL, "alphaforge cv"),
                                                 ("tuning/study1/best_model", "alphaforge tune"),
                                                 ("tuning/study1/checkpoints/trial_3", "alphaforge tune")])
def test_a_damaged_checkpoint_card_names_the_command_that_rewrites_it(tmp_path, fitted, folder, command):
    saved = _checkpoint(tmp_path / folder, fitted)
    (saved / "config.json").write_bytes(b'{"target": "caf\xe9"}')
    with pytest.raises(InputError, match="config.json is not valid JSON: not UTF-8") as caught:
        load_path(saved)
    assert caught.value.where == str(saved / "config.json") and command in caught.value.fix


def test_nothing_trained_names_the_command_to_run(tmp_path):
    with pytest.raises(MissingInputError, match="no trained model") as caught:
        resolve_model(tmp_path)
    assert "alphaforge train --target" in str(caught.value)


def test_auto_detection_order(tmp_path, fitted):
    tuning = tmp_path / "tuning" / "study1" / "best_model"
    _checkpoint(tuning, fitted)
    assert resolve_model(tmp_path).source == "tuning"
    _checkpoint(tmp_path / CV_BEST_MODEL, fitted, "extended_cv")
    assert resolve_model(tmp_path).source == "extended_cv"
    _register(tmp_path, "old", fitted, "2024-01-01")
    newest = _register(tmp_path, "new", fitted, "2024-06-01")
    _register(tmp_path, "old", fitted, "2024-02-01")
    resolved = resolve_model(tmp_path)
    assert (resolved.source, resolved.path) == ("final", newest.path / "final")
    explicit = resolve_model(tmp_path, tuning)
    assert (explicit.source, explicit.path) == ("explicit", tuning)


def test_a_checkpoint_card_reads_like_a_registry_card(tmp_path, fitted):
    """Regression (issue 16): the tuning writer recorded ``"target": "fwd_ret_2"``, a registry version
    ``{"name": ...}``; predict and backtest read the object and crashed on a checkpoint."""
    resolved = resolve_model(_checkpoint(tmp_path / "tuning" / "study1" / "best_model", fitted).parents[2])
    assert resolved.card.target == TargetRef(name="fwd_ret_2", kind="fwd_ret", params={"horizon": 2})
    assert resolved.card.features == FEATURES and resolved.card.stage == "tuning"
    assert resolved.card.training_range.end == "2021-03-01T00:00:00+00:00"  # its rows: 60 days
    assert resolved.check_compatible(FEATURES, ["S0"]) == []


def test_newest_tuning_checkpoint_wins(tmp_path, fitted):
    for study, stamp in (("b", 2_000_000_000), ("a", 1_000_000_000)):
        folder = _checkpoint(tmp_path / "tuning" / study / "best_model", fitted)
        os.utime(folder / "model.json", (stamp, stamp))
    assert resolve_model(tmp_path).path == tmp_path / "tuning" / "b" / "best_model"


def test_a_meta_model_in_the_registry_is_never_what_predict_picks(tmp_path, fitted):
    model = _register(tmp_path, "m", fitted, "2024-01-01")
    meta = MetaModelCard(kind="meta", strategy={"name": "trend_baseline"}, recipe={"family": "logistic"},
                         label={"horizon": 5, "threshold": 0.02, "label_type": "binary_absolute"}, features=["a"],
                         trained_until="2024-06-01", created="2024-07-01",
                         training_range={"start": "2024-01-01", "end": "2024-06-01"})
    version = ModelRegistry(tmp_path / "models").create("trend_baseline", lambda f: meta.save(f / "config.json"))
    assert resolve_model(tmp_path).path == model.path / "final"
    with pytest.raises(InputError, match="meta-model") as caught:
        load_path(version.path.parent)
    assert "--meta-model-path" in caught.value.fix


def test_explicit_paths_accept_version_and_name_folders(tmp_path, fitted):
    version = _register(tmp_path, "m", fitted, "2024-01-01")
    assert load_path(version.path).path == version.path / "final"
    assert load_path(tmp_path / "models" / "m").path == version.path / "final"
    with pytest.raises(InputError, match="no model here"):
        load_path(tmp_path)


def test_compatibility_is_checked_against_the_card(tmp_path, fitted):
    _register(tmp_path, "m", fitted, "2024-01-01", scope="per_symbol")
    resolved = resolve_model(tmp_path)
    assert resolved.check_compatible(FEATURES, ["S0"]) == []
    with pytest.raises(InputError, match="missing: c"):
        resolved.check_compatible(["a", "b"], ["S0"])
    with pytest.raises(InputError, match="not seen in training: Z"):
        resolved.check_compatible(FEATURES, ["Z"])
    _register(tmp_path, "m", fitted, "2024-02-01", scope="cross_sectional")
    with pytest.warns(UnseenSymbolWarning):
        resolve_model(tmp_path).check_compatible(FEATURES, ["Z"])
