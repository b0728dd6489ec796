"""Cache keys are derived, never listed: a stage's code is what its code imports (lazily too), its
inputs include the resolved features and the libraries, and a run parses its configuration once."""

from __future__ import annotations

import pytest

import alphaforge.config
from alphaforge.data.datasets import synthesize
from alphaforge.features import REGISTRY, register
from alphaforge.pipeline import runner
from alphaforge.pipeline.runner import pipeline_stages, run_pipeline
from alphaforge.stages import code_files, stage_key
from alphaforge.tracking import NullTracker
from alphaforge.workspace import Workspace
from tests.conftest import configure


def _relative(files) -> set[str]:
    return {str(p).split("src/alphaforge/", 1)[-1] for p in files}


def test_the_walk_forward_code_covers_purging_data_and_store_and_features_does_not_cover_models_training():
    """Regression: the walk_forward key hashed 27 listed files, none in validation/, data/ or store/."""
    walk = _relative(code_files([runner._walk_forward_stage]))
    assert {"validation/_walk_forward.py", "validation/_base.py", "data/datasets.py", "store/matrix.py",
            "models/_lightgbm.py", "pipeline/walkforward.py"} <= walk
    features = _relative(code_files([runner._features_stage]))
    assert "features/momentum.py" in features and "validation/_walk_forward.py" not in features
    assert "models/_lightgbm.py" not in features or "pipeline/walkforward.py" not in features


def test_a_module_imported_only_inside_a_function_counts():
    """pipeline.train imports selection.auto (the truncation verdict) inside train() only."""
    assert "selection/auto.py" in _relative(code_files([runner._train_stage]))
    assert "selection/auto.py" not in _relative(code_files([runner._report_stage]))


@pytest.fixture
def small(tmp_path) -> Workspace:
    workspace = Workspace.create(tmp_path / "ws")
    synthesize(workspace, symbols=4, bars=600, freq="1h", seed=2, mode="random_walk")
    configure(workspace, data={"dataset": "synth", "macro": ""}, features={"include": ["px_ret_*"]},
              validation={"n_splits": 2})
    return workspace


def _keys(workspace: Workspace) -> dict[str, str]:
    config = workspace.config()
    keys: dict[str, str] = {}
    for stage in pipeline_stages(workspace, config, NullTracker()):
        keys[stage.name] = stage_key(stage, stage.params(config), {r: keys[r] for r in stage.requires if r in keys})
    return keys


def test_registering_or_changing_a_user_feature_changes_the_keys_that_read_features(small):
    register(lambda close, *, n: close * 0 + n, name="user_level", params={"n": 1}, lookback=0,
             description="a user feature")
    configure(small, features={"include": ["px_ret_*", "user_level"]})
    try:
        before = _keys(small)
        REGISTRY.remove("user_level")
        register(lambda close, *, n: close * 0 + 2 * n, name="user_level", params={"n": 1}, lookback=0,
                 description="a user feature, edited")
        after = _keys(small)
    finally:
        REGISTRY.remove("user_level")
    assert all(before[name] != after[name] for name in ("features", "walk_forward", "train"))


def test_a_run_parses_its_configuration_once(small, monkeypatch):
    parses = []
    original = alphaforge.config.parse_config
    monkeypatch.setattr(alphaforge.config, "parse_config", lambda *a, **k: parses.append(1) or original(*a, **k))
    config = small.config()
    parses.clear()
    run_pipeline(small, NullTracker(), only=["features", "leakage_check", "walk_forward", "train", "predict"],
                 config=config)
    assert parses == []  # the stages read the object the run was given


def test_alphaforge_run_parses_alphaforge_toml_once(small, cli, monkeypatch):
    parses = []
    original = alphaforge.config.parse_config
    monkeypatch.setattr(alphaforge.config, "parse_config", lambda *a, **k: parses.append(1) or original(*a, **k))
    result = cli("-w", small.root, "run", "--no-track", "--only", "features", "--only", "leakage_check",
                 "--only", "walk_forward", "--only", "train", "--only", "predict", "--only", "backtest")
    assert result.code == 0, result.stderr
    assert len(parses) == 1


def test_a_change_to_purging_reruns_exactly_the_stages_that_run_it(small, monkeypatch):
    """Regression (issue 16): a fix to purging (validation/_walk_forward.py) left `alphaforge run` serving
    the old cached walk-forward: its key hashed a hand-written module list without validation/."""
    import pathlib

    import alphaforge.validation._walk_forward as purging

    before = _keys(small)
    edited = pathlib.Path(purging.__file__).resolve()
    read = pathlib.Path.read_bytes
    monkeypatch.setattr(pathlib.Path, "read_bytes",
                        lambda self: read(self) + b"\n# a fix" if self.resolve() == edited else read(self))
    after = _keys(small)
    changed = {name for name in before if before[name] != after[name]}
    assert {"walk_forward", "train", "predict", "backtest", "report"} <= changed
    assert "features" not in changed  # (the leakage check's selection code imports validation: it reruns too)
