"""The registry's versions and the auto-detection order consumers rely on."""

from __future__ import annotations

import os

import pytest

from alphaforge.errors import InputError, MissingInputError
from alphaforge.models import UnseenSymbolWarning
from alphaforge.models.registry import (
    CV_BEST_MODEL,
    ModelRegistry,
    load_path,
    resolve_model,
    save_checkpoint,
)
from alphaforge.workspace import atomic_write_json
from tests.models.conftest import make_problem


@pytest.fixture
def fitted(build):
    problem = make_problem("regression", n_rows=120)
    return build("ridge", "regression").fit(problem.X, problem.y)


def _config(created: str, scope: str = "cross_sectional") -> dict:
    return {"created": created, "family": "ridge", "task": "regression", "target": {"name": "fwd_ret_5"},
            "features": ["a", "b", "c", "d"], "symbols": ["A", "B"], "scope": scope}


def _register(root, name, fitted, created, scope="cross_sectional"):
    def write(folder):
        fitted.save(folder / "best")
        fitted.save(folder / "final")
        atomic_write_json(folder / "config.json", _config(created, scope))
        atomic_write_json(folder / "training_results.json", {"metrics": {"validation": {"rmse": 1.0}}})

    return ModelRegistry(root / "models").create(name, write)


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
        version.config()
    assert caught.value.where == str(version.path / "config.json")
    assert "alphaforge train" in str(caught.value)


def test_nothing_trained_names_the_command_to_run(tmp_path):
    with pytest.raises(MissingInputError, match="no trained model") as caught:
        resolve_model(tmp_path)
    assert "alphaforge train --target" in str(caught.value)


def test_auto_detection_order(tmp_path, fitted):
    tuning = tmp_path / "tuning" / "study1" / "best_model"
    save_checkpoint(tuning, fitted, _config("2024-01-01"))
    assert resolve_model(tmp_path).source == "tuning"
    save_checkpoint(tmp_path / CV_BEST_MODEL, fitted, _config("2024-01-01"))
    assert resolve_model(tmp_path).source == "extended_cv"
    _register(tmp_path, "old", fitted, "2024-01-01")
    newest = _register(tmp_path, "new", fitted, "2024-06-01")
    _register(tmp_path, "old", fitted, "2024-02-01")
    resolved = resolve_model(tmp_path)
    assert (resolved.source, resolved.path) == ("final", newest.path / "final")
    explicit = resolve_model(tmp_path, tuning)
    assert (explicit.source, explicit.path) == ("explicit", tuning)


def test_newest_tuning_checkpoint_wins(tmp_path, fitted):
    for study, stamp in (("b", 2_000_000_000), ("a", 1_000_000_000)):
        folder = save_checkpoint(tmp_path / "tuning" / study / "best_model", fitted, _config("2024"))
        os.utime(folder / "model.json", (stamp, stamp))
    assert resolve_model(tmp_path).path == tmp_path / "tuning" / "b" / "best_model"


def test_explicit_paths_accept_version_and_name_folders(tmp_path, fitted):
    version = _register(tmp_path, "m", fitted, "2024-01-01")
    assert load_path(version.path).path == version.path / "final"
    assert load_path(tmp_path / "models" / "m").path == version.path / "final"
    with pytest.raises(InputError, match="no model here"):
        load_path(tmp_path)


def test_compatibility_is_checked_against_the_config(tmp_path, fitted):
    _register(tmp_path, "m", fitted, "2024-01-01", scope="per_symbol")
    resolved = resolve_model(tmp_path)
    assert resolved.check_compatible(["a", "b", "c", "d"], ["A"]) == []
    with pytest.raises(InputError, match="missing: d"):
        resolved.check_compatible(["a", "b", "c"], ["A"])
    with pytest.raises(InputError, match="not seen in training: Z"):
        resolved.check_compatible(["a", "b", "c", "d"], ["Z"])
    resolved.config["scope"] = "cross_sectional"
    with pytest.warns(UnseenSymbolWarning):
        resolved.check_compatible(["a", "b", "c", "d"], ["Z"])
