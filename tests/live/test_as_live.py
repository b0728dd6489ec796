"""The as-live walk-forward trades exactly what the live loop would have: replaying the loop bar
by bar over recorded history (retraining with train's code on the history cut at each retrain)
gives the walk-forward's scores, novelty flags and signals, row for row."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alphaforge.artifacts import ModelCard
from alphaforge.live import RetrainSchedule, SignalLog
from alphaforge.pipeline.as_live import retrain_segments, run_as_live_walk_forward
from alphaforge.pipeline.train import train
from tests.live.conftest import FAMILY, TRAIN_END

KEY = ["symbol", "timestamp"]


def _replay_and_backtest(project, iterations: int, family: str = FAMILY) -> pd.DataFrame:
    project.live(max_iterations=iterations)
    live = SignalLog(project.path / "live" / "live").read()
    features = ModelCard.load(project.path / "models" / f"fwd_ret_5-{family}" / "v1" / "config.json").features
    summary = run_as_live_walk_forward(project.workspace, project.config, features=features)
    backtest = pd.read_parquet(project.path / summary["files"][0])
    both = live.merge(backtest, on=KEY, suffixes=("_live", "_backtest"))
    assert len(both) == len(live)  # the replay stops before the bars without a label (not in the walk-forward)
    both.attrs["segments"] = summary["segments"]
    return both


@pytest.mark.parametrize("retrain_every", ["", pytest.param("6", marks=pytest.mark.slow)])
def test_the_replayed_live_loop_gets_the_as_live_backtests_signals_exactly(project, retrain_every):
    project = project(retrain_every=retrain_every, start="2020-01-15T00:30:00Z")
    gate = project.path / "models" / "fwd_ret_5-gradient_boosting" / "v1" / "novelty" / "gate.json"
    threshold = 0.6  # low enough that some rows are novel, to compare the gate's verdicts too
    document = json.loads(gate.read_text())
    document["threshold"] = threshold
    gate.write_text(json.dumps(document))
    project = project.with_config(novelty={"threshold": threshold})  # retrains fit their gates with it
    both = _replay_and_backtest(project, 20)
    assert both["novel_live"].any() and (~both["novel_live"]).any()
    np.testing.assert_array_equal(both["score_live"].to_numpy(), both["score_backtest"].to_numpy())
    np.testing.assert_array_equal(both["novelty_live"].to_numpy(), both["novelty_backtest"].to_numpy())
    np.testing.assert_array_equal(both["signal_live"].to_numpy(), both["signal_backtest"].to_numpy())
    assert (both["blocked_live"] == both["blocked_backtest"]).all()
    versions = both.groupby("segment")["model"].agg(set).tolist()
    retrains = 3 if retrain_every else 0
    assert versions == [{f"fwd_ret_5-gradient_boosting/v{n}"} for n in range(1, retrains + 2)]


def test_retrains_that_continue_the_model_they_replace_replay_exactly_too(lightgbm_project):
    """LightGBM retrains add [live] continue_rounds to the running model, from scratch every
    full_refit_every-th time, in the loop (continuing the version it loaded from disk) and in the
    as-live walk-forward (continuing the model in memory) alike."""
    project = lightgbm_project(retrain_every="6", continue_rounds=5, full_refit_every=3, start="2020-01-15T00:30:00Z")
    both = _replay_and_backtest(project, 20, "lightgbm")
    np.testing.assert_array_equal(both["score_live"].to_numpy(), both["score_backtest"].to_numpy())
    np.testing.assert_array_equal(both["signal_live"].to_numpy(), both["signal_backtest"].to_numpy())
    assert [segment["continued"] for segment in both.attrs["segments"][:5]] == [False, True, True, False, True]
    cards = [ModelCard.load(project.path / "models" / "fwd_ret_5-lightgbm" / f"v{n}" / "config.json")
             for n in range(2, 5)]
    assert [card.provenance["continuations"] for card in cards] == [1, 2, 0]
    trees = [(project.path / "models" / "fwd_ret_5-lightgbm" / f"v{n}" / "final" / "booster.txt").read_text()
             .count("\nTree=") for n in range(1, 5)]
    assert trees[1:3] == [trees[0] + 5, trees[0] + 10] and trees[3] != trees[0] + 15


@pytest.mark.slow
def test_a_rolling_window_and_the_rolling_rule_replay_exactly_too(project):
    project = project(retrain_every="8h", window="rolling", window_length="150h")
    project = project.with_config(backtest={"rule": "rolling", "window": 10, "min_periods": 3,
                                            "direction": "long_short"})
    first = ModelCard.load(project.path / "models" / "fwd_ret_5-gradient_boosting" / "v1" / "config.json")
    train(project.workspace, config=project.config, features=list(first.features), exclude=[],
          since=pd.Timestamp(TRAIN_END) - pd.Timedelta("150h"))  # the loop starts on a rolling-window model too
    both = _replay_and_backtest(project, 20)
    np.testing.assert_array_equal(both["score_live"].to_numpy(), both["score_backtest"].to_numpy())
    np.testing.assert_array_equal(both["signal_live"].to_numpy(), both["signal_backtest"].to_numpy())
    assert set(both["signal_live"]) == {-1, 0, 1}


def test_segments_follow_the_live_count_of_bars():
    grid = pd.date_range("2024-01-01", periods=12, freq="h", tz="UTC").as_unit("ns").asi8
    assert retrain_segments(grid, 2, RetrainSchedule.parse("4")) == [(2, 6, 1), (6, 10, 5), (10, 12, 9)]
    assert retrain_segments(grid, 2, RetrainSchedule.parse("3h")) == [(2, 5, 1), (5, 8, 4), (8, 11, 7), (11, 12, 10)]
    assert retrain_segments(grid, 2, RetrainSchedule.parse("")) == [(2, 12, 1)]


def test_backtest_as_live_trades_the_loops_signals(project, cli):
    project = project(retrain_every="48")
    project.save_config()
    result = cli("-w", project.path, "backtest", "--as-live", "--no-track", "--json", "--name", "as_live")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["source"] == "as-live walk-forward" and summary["retrains"] == 3
    assert summary["schedule"] == "every 48 bars"
    signals = pd.read_parquet(project.path / "cv" / "as_live" / "fwd_ret_5-gradient_boosting" / "predictions.parquet")
    trades = pd.read_csv(project.path / "backtests" / "as_live" / "trades.csv")
    assert len(trades) and signals["signal"].abs().sum() > 0
