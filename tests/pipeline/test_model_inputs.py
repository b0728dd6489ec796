"""What the model stages of `alphaforge run` train on: the tuned configuration when there is one, and
never a feature the truncation test flagged."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alphaforge.data.datasets import synthesize
from alphaforge.features import REGISTRY, register
from alphaforge.pipeline.runner import run_pipeline
from alphaforge.tracking import NullTracker
from alphaforge.workspace import Workspace
from tests.conftest import configure

STAGES = ["features", "leakage_check", "walk_forward", "train"]


@pytest.fixture
def planted(tmp_path) -> Workspace:
    workspace = Workspace.create(tmp_path / "ws")
    synthesize(workspace, symbols=6, bars=1200, freq="1h", seed=4, mode="planted", lookback=6, horizon=1, ic=0.1)
    configure(workspace, data={"dataset": "synth", "macro": ""}, features={"include": ["px_ret_*"]},
              models={"target": "fwd_ret_1"}, validation={"n_splits": 2})
    return workspace


def _run(workspace: Workspace) -> dict:
    return run_pipeline(workspace, NullTracker(), only=STAGES)


def test_the_tuned_configuration_flows_into_walk_forward_and_train(planted):
    tuned = planted.root / "analysis" / "best_config.json"
    tuned.parent.mkdir()
    tuned.write_text(json.dumps({"family": "lightgbm", "target": "fwd_ret_1",
                                 "params": {"n_estimators": 120, "num_leaves": 4, "learning_rate": 0.1}}))
    result = _run(planted)
    walk, train = result["summaries"]["walk_forward"], result["summaries"]["train"]
    assert any("tuned lightgbm parameters of best_config.json" in n for n in walk["notices"])
    assert all(fold["rounds"] <= 120 for fold in walk["folds"])
    config = json.loads((planted.root / "models" / "fwd_ret_1-lightgbm" / "v1" / "config.json").read_text())
    assert config["params"]["num_leaves"] == 4 and train["best_iteration"] <= 120
    tuned.write_text(json.dumps({"family": "lightgbm", "target": "fwd_ret_1", "params": {"num_leaves": 5}}))
    statuses = {row["stage"]: row["status"] for row in _run(planted)["stages"]}
    assert statuses == {"features": "cached", "leakage_check": "cached", "walk_forward": "ran", "train": "ran"}


def test_a_tuned_configuration_for_another_target_is_not_used(planted):
    tuned = planted.root / "analysis" / "best_config.json"
    tuned.parent.mkdir()
    tuned.write_text(json.dumps({"family": "lightgbm", "target": "fwd_ret_5", "params": {"num_leaves": 4}}))
    walk = _run(planted)["summaries"]["walk_forward"]
    assert walk["target"] == "fwd_ret_1" and any("not used" in n for n in walk["notices"])


def _peek(close: np.ndarray) -> np.ndarray:
    """The next bar's return: known only after t (a leak)."""
    return pd.Series(close).shift(-1).to_numpy() / close - 1.0


@pytest.fixture
def leaky(planted):
    register(_peek, name="px_peek_next", lookback=0, description="the next bar's return (leaks)")
    configure(planted, features={"include": ["px_ret_*", "px_peek_next"]})
    yield planted
    REGISTRY.remove("px_peek_next")


def test_a_plain_run_never_trains_on_a_flagged_feature(leaky):
    result = _run(leaky)
    flagged = result["summaries"]["leakage_check"]["excluded"]
    assert flagged == ["px_peek_next"]
    config = json.loads((leaky.root / "models" / "fwd_ret_1-lightgbm" / "v1" / "config.json").read_text())
    assert not [f for f in config["features"] if "peek" in f] and config["features"]
    model_ic = result["summaries"]["walk_forward"]["evaluation"]["model"]["ic"]["mean"]
    assert model_ic < 0.5  # a model on the leak would score close to 1


def test_a_kill_after_registering_the_model_does_not_register_it_twice(planted):
    """Regression (issue 20): a kill after the version rename but before stages/train.json
    registered a duplicate version on resume."""
    _run(planted)
    (planted.root / "stages" / "train.json").unlink()  # killed before the manifest was written
    resumed = _run(planted)
    versions = sorted(p.name for p in (planted.root / "models" / "fwd_ret_1-lightgbm").iterdir())
    assert versions == ["v1"] and resumed["summaries"]["train"]["version"] == "v1"
    assert {row["stage"]: row["status"] for row in resumed["stages"]}["train"] == "ran"


def test_a_truncated_walk_forward_file_is_recomputed_by_backtest(planted):
    """Regression (issue 20): a truncated cv/walk_forward/*/predictions.parquet ended `backtest` in
    pyarrow's ArrowInvalid."""
    from alphaforge.pipeline.backtest import backtest

    run_pipeline(planted, NullTracker(), only=["features", "leakage_check", "walk_forward"])
    predictions = planted.root / "cv" / "walk_forward" / "fwd_ret_1-lightgbm" / "predictions.parquet"
    predictions.write_bytes(predictions.read_bytes()[:100])
    summary = backtest(planted)
    assert summary["source"] == "walk-forward refits" and len(pd.read_parquet(predictions)) > 0


def test_force_refresh_trains_a_new_version_even_with_the_same_key(planted):
    """Regression: the reuse of a version registered by the same stage key (kept for kills) also
    caught `run --force-refresh`, which then trained nothing."""
    _run(planted)
    forced = run_pipeline(planted, NullTracker(), only=STAGES, force=True)
    versions = sorted(p.name for p in (planted.root / "models" / "fwd_ret_1-lightgbm").iterdir())
    assert versions == ["v1", "v2"] and forced["summaries"]["train"]["version"] == "v2"
