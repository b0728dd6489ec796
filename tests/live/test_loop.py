"""The live loop on a replay of synthetic bars: features computed incrementally equal the batch
computation bit for bit, every bar is signalled exactly once across restarts and kills, and a
SIGTERM stops it between iterations."""

from __future__ import annotations

import os
import signal

import numpy as np
import pandas as pd
import pytest

from alphaforge.artifacts import LiveState
from alphaforge.data.datasets import raw_store
from alphaforge.features import compute_features
from alphaforge.live import SignalLog
from alphaforge.live.loop import LiveLoop
from alphaforge.pipeline.live import make_feed
from tests.live.conftest import TRAIN_END, full_bars

KEY = ["symbol", "timestamp"]


def _log(project) -> pd.DataFrame:
    return SignalLog(project.path / "live" / "live").read()


def test_incremental_features_equal_the_batch_computation_bit_for_bit(project):
    project = project(drift_rows=10_000)
    feed, floor = make_feed(project.workspace, project.config, "replay", None, None)
    loop = LiveLoop(project.workspace, project.config, feed, floor=floor)
    summary = loop.run(max_iterations=40, poll=0)
    assert summary["iterations"] == 40 and summary["rows"] == 160
    live = pd.concat(list(loop._recent), ignore_index=True)
    scorer = loop._scorer
    bars = full_bars(project)
    bars = bars[bars["timestamp"] <= live["timestamp"].max()].reset_index(drop=True)
    batch = compute_features(bars, None, scorer.features)
    batch = live[KEY].merge(batch, on=KEY, how="left")[live.columns]
    pd.testing.assert_frame_equal(live, batch, check_exact=True)
    assert live["timestamp"].min() > pd.Timestamp(TRAIN_END)
    # only the bars kept (warm-up + history) are in the prediction dataset, not the replayed history
    stored = raw_store(project.workspace).load("live_live")
    assert stored.groupby("symbol").size().max() <= scorer.warmup + project.config.live.history_bars + 1


def test_the_signal_log_records_each_bar_once_with_model_and_data_fingerprint(project):
    project = project()
    summary = project.live(max_iterations=5)
    log = _log(project)
    assert len(log) == 20 == summary["log_rows"] and not log.duplicated(KEY).any()
    assert set(log["model"]) == {"fwd_ret_5-gradient_boosting/v1"}
    versions = {v["content_sha256"] for v in raw_store(project.workspace).manifest("live_live")["versions"]}
    assert set(log["data_sha256"]) <= versions and log["data_sha256"].nunique() == 5
    assert set(log["signal"]) <= {-1, 0, 1} and log["novelty"].notna().all()
    csv = pd.read_csv(project.path / "live" / "live" / "signals.csv")
    assert len(csv) == len(log) and (csv["score"].to_numpy() == log["score"].to_numpy()).all()


def test_runs_resumed_after_a_stop_or_a_kill_signal_every_bar_once(project, monkeypatch):
    straight = project()
    straight.live(max_iterations=11)  # the killed iteration's bar is stored: the next one signals two
    expected = _log(straight).drop(columns=["data_sha256", "iteration"])

    resumed = project()
    resumed.live(max_iterations=3)
    resumed.live(max_iterations=2)  # a restart: no duplicate, nothing missing
    saves = {"n": 0}
    original = LiveState.save

    def killed(self, path):  # the part and the CSV rows are written, the commit is not: a kill
        saves["n"] += 1
        if saves["n"] == 2:
            raise KeyboardInterrupt
        return original(self, path)

    monkeypatch.setattr(LiveState, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        resumed.live(max_iterations=3)
    monkeypatch.setattr(LiveState, "save", original)
    resumed.live(max_iterations=4)
    got = _log(resumed)
    assert not got.duplicated(KEY).any()
    pd.testing.assert_frame_equal(got.drop(columns=["data_sha256", "iteration"]), expected)
    csv = pd.read_csv(resumed.path / "live" / "live" / "signals.csv")
    assert len(csv) == len(expected) and not csv.duplicated(KEY).any()


def test_sigterm_stops_the_loop_after_the_iteration_in_progress(project):
    project = project()
    seen = []

    def on_iteration(report):
        seen.append(report.iteration)
        if report.iteration == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    summary = project.live(max_iterations=10, on_iteration=on_iteration)
    assert summary["stopped"] == "signal" and seen == [1, 2]
    assert len(_log(project)) == 8
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


def test_until_stops_at_a_bar_time_and_the_replay_at_its_end(project):
    project = project()
    summary = project.live(until="2020-01-15T05:00Z")
    assert summary["stopped"] == "until" and summary["last_bar"] == "2020-01-15T05:00:00+00:00"
    finished = project.live()
    assert finished["stopped"] == "replay finished"
    log = _log(project)
    assert log["timestamp"].max() == full_bars(project)["timestamp"].max()
    assert log["timestamp"].nunique() == (full_bars(project)["timestamp"] > pd.Timestamp(TRAIN_END)).sum() / 4


def test_novel_rows_get_no_signal_and_are_flagged(project):
    project = project()
    project = project.with_config(novelty={"threshold": 1e-6})  # gate saved with the model: threshold below
    from alphaforge.novelty import load_gate

    gate_file = project.path / "models" / "fwd_ret_5-gradient_boosting" / "v1" / "novelty" / "gate.json"
    import json

    document = json.loads(gate_file.read_text())
    document["threshold"] = 0.5
    gate_file.write_text(json.dumps(document))
    load_gate(gate_file.parent)  # still a valid gate
    project.live(max_iterations=6)
    log = _log(project)
    novel = log[log["novel"]]
    assert len(novel) and (novel["signal"] == 0).all() and (novel["blocked"] == "novel").all()
    assert (log.loc[~log["novel"], "blocked"] == "").all()
    assert np.all(novel["novelty"] > 0.5)


def test_a_folder_the_user_fills_is_polled_like_an_exchange(project):
    project = project(source="folder", folder="incoming")
    bars = full_bars(project)
    folder = project.path / "incoming"
    folder.mkdir()

    def drop(until: str) -> None:
        for symbol, rows in bars[bars["timestamp"] <= pd.Timestamp(until)].groupby("symbol"):
            rows.drop(columns="symbol").to_csv(folder / f"{symbol}.csv", index=False)

    drop("2020-01-15T03:00Z")
    first = project.live(once=True)
    assert first["rows"] == 4 and first["last_bar"] == "2020-01-15T03:00:00+00:00"  # the newest bar of each
    drop("2020-01-15T06:00Z")
    assert project.live(once=True)["rows"] == 12
    assert project.live(once=True)["rows"] == 0  # nothing new: nothing signalled twice
    assert len(_log(project)) == 16
