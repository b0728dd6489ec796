"""The research core on synthetic markets: a planted signal is found at its strength, random walks
show no edge (and the auto-plan trains nothing), and the run says so itself."""

from __future__ import annotations

import json

import pytest

from alphaforge.data.datasets import synthesize
from alphaforge.errors import AlphaForgeError
from alphaforge.pipeline.runner import run_pipeline
from alphaforge.tracking import NullTracker
from alphaforge.workspace import Workspace
from tests.conftest import configure

PLANTED_IC = 0.1


def _market(root, *, mode: str, seed: int, symbols: int, bars: int, target: str, **settings) -> Workspace:
    """A workspace on one synthetic market, trained on a few feature families (keeps the fits quick)."""
    workspace = Workspace.create(root)
    spec = {"lookback": 6, "horizon": 1, "ic": PLANTED_IC} if mode == "planted" else {}
    synthesize(workspace, symbols=symbols, bars=bars, freq="1h", seed=seed, mode=mode, **spec)
    configure(workspace, data={"dataset": "synth", "macro": ""}, features={"include": ["px_ret_*", "px_rvol_*"]},
              models={"target": target}, validation={"n_splits": 3}, seed=seed, **settings)
    return workspace


def _walk_forward(workspace: Workspace) -> dict:
    result = run_pipeline(workspace, NullTracker(), only=["features", "leakage_check", "walk_forward"])
    return result["summaries"]["walk_forward"]


def _kinds(walk: dict) -> list[str]:
    return [v["kind"] for v in walk["evaluation"]["verdicts"]]


def test_a_planted_signal_is_found_and_called_an_edge(tmp_path):
    walk = _walk_forward(_market(tmp_path / "ws", mode="planted", seed=1, symbols=12, bars=2500, target="fwd_ret_1"))
    model = walk["evaluation"]["model"]["ic"]
    assert model["mean"] > 0.05 and model["t_stat"] > 3
    assert "edge" in _kinds(walk) and "degenerate" not in _kinds(walk)
    assert walk["panel"]["panel"] and all(f["rounds"] >= 100 for f in walk["folds"])  # [models] min_rounds


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2, 3])
def test_the_walk_forward_ic_is_within_a_hundredth_of_the_planted_ic(tmp_path, seed):
    walk = _walk_forward(_market(tmp_path / "ws", mode="planted", seed=seed, symbols=20, bars=12_000,
                                 target="fwd_ret_1"))
    assert abs(walk["evaluation"]["model"]["ic"]["mean"] - PLANTED_IC) <= 0.01


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_walks_show_no_edge_and_the_run_says_so(tmp_path, seed):
    walk = _walk_forward(_market(tmp_path / "ws", mode="random_walk", seed=seed, symbols=8, bars=1500,
                                 target="fwd_ret_5"))
    kinds = _kinds(walk)
    assert "edge" not in kinds and "no_edge" in kinds, walk["evaluation"]["verdicts"]
    saved = json.loads((tmp_path / "ws" / "cv" / "walk_forward" / "fwd_ret_5-lightgbm" / "folds.json").read_text())
    assert saved["evaluation"]["verdicts"] == walk["evaluation"]["verdicts"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [21, 22])
def test_auto_targets_on_random_walks_stops_with_an_empty_plan(tmp_path, seed):
    workspace = _market(tmp_path / "ws", mode="random_walk", seed=seed, symbols=6, bars=2000, target="fwd_ret_5",
                        selection={"max_rows": 6000})
    with pytest.raises(AlphaForgeError, match="the training plan has no job"):
        run_pipeline(workspace, NullTracker(), auto_targets=True)


@pytest.mark.slow
def test_auto_targets_walks_forward_and_backtests_the_model_it_planned(tmp_path):
    workspace = _market(tmp_path / "ws", mode="planted", seed=3, symbols=6, bars=3000, target="fwd_ret_5",
                        selection={"targets": ["fwd_ret_1", "fwd_ret_20"], "families": ["lightgbm"]})
    summaries = run_pipeline(workspace, NullTracker(), auto_targets=True)["summaries"]
    planned = summaries["training_plan"]
    first = json.loads((workspace.root / "plans" / "training_plan" / "master_training_plan.json").read_text())["jobs"][0]
    assert planned and first["target"] == "fwd_ret_1"  # the planted target, not [models] target
    assert summaries["walk_forward"]["target"] == summaries["backtest"]["target"] == first["target"]
