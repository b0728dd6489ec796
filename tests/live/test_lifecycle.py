"""Model lifecycle in the live loop: retrains on schedule and on drift through train's code,
each new version named in the signal log from the next bar on; an expired model warned about or
refused."""

from __future__ import annotations

import json

import pandas as pd

from alphaforge.artifacts import ModelCard
from alphaforge.live import SignalLog


def _log(project) -> tuple[pd.DataFrame, pd.DataFrame]:
    log = SignalLog(project.path / "live" / "live")
    return log.read(), log.read_events()


def test_a_retrain_every_n_bars_is_a_new_version_used_from_the_next_bar(project):
    project = project(retrain_every="6")
    summary = project.live(max_iterations=14, track=True)
    assert summary["retrained"] == ["fwd_ret_5-gradient_boosting/v2", "fwd_ret_5-gradient_boosting/v3"]
    log, events = _log(project)
    times = sorted(log["timestamp"].unique())
    by_time = log.groupby("timestamp")["model"].agg(set)
    assert [by_time[t] for t in times] == [{"fwd_ret_5-gradient_boosting/v1"}] * 6 + [{"fwd_ret_5-gradient_boosting/v2"}] * 6 + \
        [{"fwd_ret_5-gradient_boosting/v3"}] * 2
    retrains = events[events["kind"] == "retrain"]
    assert list(pd.to_datetime(retrains["bar_time"])) == [times[5], times[11]]
    card = ModelCard.load(project.path / "models" / "fwd_ret_5-gradient_boosting" / "v2" / "config.json")
    assert pd.Timestamp(card.training_range.end) <= times[5]  # trained on labels known by its bar
    assert card.provenance["live"] == "live" and card.features == \
        ModelCard.load(project.path / "models" / "fwd_ret_5-gradient_boosting" / "v1" / "config.json").features
    assert (project.path / "mlruns.db").is_file()  # tracked: the retrains are MLflow runs of train


def test_a_bar_time_schedule_retrains_once_the_span_has_passed(project):
    project = project(retrain_every="4h")
    summary = project.live(max_iterations=9)
    assert summary["retrained"] == ["fwd_ret_5-gradient_boosting/v2", "fwd_ret_5-gradient_boosting/v3"]
    _, events = _log(project)
    assert list(events.loc[events["kind"] == "retrain", "bar_time"]) == ["2020-01-15T04:00:00+00:00",
                                                                         "2020-01-15T08:00:00+00:00"]


def test_an_expired_model_is_refused_or_warned_about(project):
    refused = project(max_model_age="8h", on_expired="refuse")
    refused.live(max_iterations=6)
    log, events = _log(refused)
    expired = log["blocked"] == "model_expired"
    assert expired.any() and (log.loc[expired, "signal"] == 0).all()
    # its last training row is 6 bars before the first bar (fwd_ret_5): fresh for 3 bars, then expired
    assert list(expired.groupby(log["timestamp"]).all()) == [False] * 3 + [True] * 3
    assert "model_expired" in set(events["kind"])

    warned = project(max_model_age="8h", on_expired="warn")
    warned.live(max_iterations=6)
    log, events = _log(warned)
    assert (log["blocked"] != "model_expired").all() and "model_expired" in set(events["kind"])


def test_too_many_novel_rows_retrain_on_drift(project):
    project = project(retrain_on_drift=True, drift_rows=8, drift_share=0.5)
    gate = project.path / "models" / "fwd_ret_5-gradient_boosting" / "v1" / "novelty" / "gate.json"
    document = json.loads(gate.read_text())
    document["threshold"] = 1e-9  # every row is novel to v1
    gate.write_text(json.dumps(document))
    summary = project.live(max_iterations=3)
    assert summary["retrained"] == ["fwd_ret_5-gradient_boosting/v2"]
    _, events = _log(project)
    assert events.loc[events["kind"] == "retrain", "detail"].str.startswith("drift (100% of recent rows novel)").all()
    assert summary["drift"]["novel_share"] is not None


def test_a_background_retrain_never_holds_up_predictions(project):
    """Issue 18: retrain "without blocking predictions". While the retrain runs, every bar is still
    signalled by the current model; the new version takes over once registered, never before."""
    import threading
    import time

    from alphaforge.live import LiveLoop
    from alphaforge.pipeline.live import make_feed, retrainer
    from alphaforge.tracking import NullTracker

    project = project(retrain_every="3")
    workspace, config = project.workspace, project.config
    feed, floor = make_feed(workspace, config, "replay", None, None)
    release, done = threading.Event(), threading.Event()
    train = retrainer(workspace, config, NullTracker(), "live")

    def slow(model, now):
        assert release.wait(120)  # training "takes" until three more bars were signalled
        try:
            return train(model, now)
        finally:
            done.set()

    loop = LiveLoop(workspace, config, feed, retrain=slow, floor=floor, background=True)
    reports = []

    def seen(report) -> None:
        reports.append(report)
        if report.iteration == 6:
            release.set()
        if report.iteration == 7:  # let the training end before the next bar
            assert done.wait(120)
            time.sleep(0.5)

    summary = loop.run(max_iterations=10, poll=0, on_iteration=seen)
    assert [r.status for r in reports[:6]] == ["signalled"] * 6  # no iteration waited for the training
    log, events = _log(project)
    assert list(events["kind"]).index("retrain_started") < list(events["kind"]).index("retrain")
    started = pd.Timestamp(events.loc[events["kind"] == "retrain_started", "bar_time"].iloc[0])
    times = sorted(log["timestamp"].unique())
    assert started == times[2]  # due after 3 bars
    first_v2 = log.loc[log["model"] == "fwd_ret_5-gradient_boosting/v2", "timestamp"].min()
    assert times[5] < first_v2 <= times[7]  # v1 kept signalling while v2 trained, v2 took over once done
    assert (log.loc[log["timestamp"] < first_v2, "model"] == "fwd_ret_5-gradient_boosting/v1").all()
    assert summary["retrained"][0] == "fwd_ret_5-gradient_boosting/v2"


def test_the_live_report_shows_the_model_signals_drift_and_events(project):
    """Issue 18: the drift report is in the live output and in the report a person reads."""
    project = project(retrain_every="3")
    summary = project.live(max_iterations=4)
    report = project.path / "live" / "live" / "report.html"
    assert "live/live/report.html" in summary["files"] and report.is_file()
    text = report.read_text()
    for seen in ("Where the loop stands", "Latest signals", "Drift: what the loop scored", "Recent events",
                 summary["model"], "retrain"):
        assert seen in text, seen
    assert text.count("data:image/png;base64") >= 1  # the drift chart
