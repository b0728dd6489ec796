"""`alphaforge train-plan` and `tune-workers`: options reach the executor, missing inputs name the command."""

from __future__ import annotations

import json

import pytest

from tests.executors.plan_workspace import make_plan_workspace


def test_train_plan_without_a_plan_names_the_command_to_run(cli, workspace):
    result = cli("--workspace", workspace.root, "train-plan")
    assert result.code == 2 and "alphaforge plan" in result.stderr


def test_an_unknown_executor_is_a_usage_error(cli, workspace):
    result = cli("--workspace", workspace.root, "tune-workers", "--executor", "rya")
    assert result.code == 2 and "did you mean 'ray'" in result.stderr


@pytest.mark.slow
def test_train_plan_trains_every_job_and_reports_json(cli, tmp_path):
    workspace = make_plan_workspace(tmp_path / "ws")
    result = cli("--workspace", workspace.root, "train-plan", "--workers", "1", "--json")
    report = json.loads(result.stdout)
    assert result.code == 0, result.stderr
    assert report["executor"] == {"executor": "local", "workers": 1} and report["failed"] == 0
    assert [row["model"] for row in report["tasks"]] == ["cs_fwd_ret_1-ridge", "ss_fwd_ret_1_SYN00-ridge",
                                                         "ss_fwd_ret_1_SYN01-ridge"]


@pytest.mark.slow
def test_tune_workers_fill_one_study_from_two_processes(cli, tmp_path):
    workspace = make_plan_workspace(tmp_path / "ws")
    text = workspace.config_path.read_text()
    for old, new in (("random_trials = 10", "random_trials = 3"), ("bayes_trials = 20", "bayes_trials = 2"),
                     ("fine_trials = 10", "fine_trials = 0"), ("n_splits = 4", "n_splits = 2")):
        assert old in text, old
        text = text.replace(old, new)
    workspace.config_path.write_text(text)
    result = cli("--workspace", workspace.root, "tune-workers", "--family", "ridge", "--target", "fwd_ret_1",
                 "--workers", "2", "--json")
    summary = json.loads(result.stdout)
    assert result.code == 0, result.stderr
    assert [w["ok"] for w in summary["workers"]] == [True, True]
    random, bayes = summary["phases"]["random"], summary["phases"]["bayes"]
    assert 3 <= random["complete"] + random["pruned"] <= 4 and 2 <= bayes["complete"] + bayes["pruned"] <= 3
    assert random["running"] == bayes["running"] == 0
