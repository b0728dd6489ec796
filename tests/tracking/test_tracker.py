"""MLflow tracking: runs are created in a SQLite store and read back; a locked store never breaks a run."""

from __future__ import annotations

import sqlite3

import pytest

from alphaforge.errors import InputError, MissingInputError
from alphaforge.tracking import (
    STAGE_TAG,
    MlflowTracker,
    NullTracker,
    compare_runs,
    flatten,
    list_runs,
    parse_tags,
    show_run,
    store_locked,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One SQLite store for the module (creating MLflow's tables takes seconds)."""
    root = tmp_path_factory.mktemp("tracking")
    return f"sqlite:///{root / 'mlruns.db'}", root / "artifacts"


@pytest.fixture(scope="module")
def two_runs(store, tmp_path_factory):
    uri, artifacts = store
    folder = tmp_path_factory.mktemp("model")
    (folder / "config.json").write_text("{}")
    tracker = MlflowTracker(uri, "exp-a", artifact_root=artifacts, tags={"team": "research"})
    ids = []
    for rate, family in ((0.05, "lightgbm"), (0.1, "xgboost")):
        with tracker.run("train", run_name=f"train {family}") as run:
            run.log_params({"config": {"models": {"family": family}, "seed": 0}, "cli": {"rate": rate}})
            run.log_metrics({"validation.ic": rate * 2, "nan_is_skipped": float("nan")})
            run.set_tags({"data_fingerprint": "abc"})
            run.log_artifacts(folder, "model")
            ids.append(run.run_id)
    assert tracker.notices == []
    return uri, ids


def test_runs_are_read_back(two_runs):
    uri, ids = two_runs
    runs = list_runs(uri)
    assert [r["run_id"] for r in runs] == ids[::-1]
    assert runs[0]["stage"] == "train" and runs[0]["status"] == "FINISHED" and runs[0]["experiment"] == "exp-a"
    shown = show_run(uri, ids[0][:10])
    assert shown["params"]["config.models.family"] == "lightgbm" and shown["params"]["cli.rate"] == "0.05"
    assert shown["metrics"] == {"validation.ic": 0.1}
    assert shown["tags"]["team"] == "research" and shown["tags"]["data_fingerprint"] == "abc"
    assert shown["tags"][STAGE_TAG] == "train" and "version.numpy" in shown["tags"]
    assert shown["artifacts"] == ["model"]


def test_compare_marks_what_differs(two_runs):
    uri, ids = two_runs
    result = compare_runs(uri, ids)
    params = {row["key"]: row for row in result["params"]}
    assert params["config.models.family"]["values"] == ["lightgbm", "xgboost"]
    assert params["config.models.family"]["differs"] and not params["config.seed"]["differs"]
    assert result["metrics"][0]["values"] == [0.1, 0.2]


def test_unknown_runs_and_experiments_are_input_errors(two_runs):
    uri, _ = two_runs
    with pytest.raises(InputError, match="matches no run"):
        show_run(uri, "ffffffff")
    with pytest.raises(InputError, match="choose one of: Default, exp-a"):
        list_runs(uri, experiment="nope")
    with pytest.raises(InputError, match="at least two"):
        compare_runs(uri, ["x"])


def test_a_failing_stage_is_recorded_as_failed(store):
    uri, artifacts = store
    tracker = MlflowTracker(uri, "exp-fail", artifact_root=artifacts)
    with pytest.raises(RuntimeError), tracker.run("backtest") as run:
        raise RuntimeError("boom")
    assert show_run(uri, run.run_id)["status"] == "FAILED"


def test_a_locked_store_is_a_notice_not_an_error(store, two_runs):
    uri, artifacts = store
    holder = sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert store_locked(uri, timeout=0.05)
        tracker = MlflowTracker(uri, "exp-a", artifact_root=artifacts, lock_timeout=0.05)
        with tracker.run("train") as run:
            run.log_metrics({"x": 1.0})
        assert run.run_id is None
        assert tracker.notices and "locked" in tracker.notices[0]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not store_locked(uri)


def test_a_broken_store_is_a_notice_not_an_error(tmp_path):
    (tmp_path / "not-a-db").mkdir()
    tracker = MlflowTracker(f"sqlite:///{tmp_path / 'not-a-db'}", "x", artifact_root=tmp_path)
    with tracker.run("train") as run:
        run.log_params({"a": 1})
    assert run.run_id is None and "tracking stopped" in tracker.notices[0]


def test_a_corrupt_store_is_a_notice_for_a_run_and_a_clear_error_for_reading_it(tmp_path):
    """Issue 20: bytes that are no SQLite database in mlruns.db raised sqlite3.DatabaseError from the
    lock probe (breaking the tracked run) and sqlalchemy's DatabaseError from `experiments list`."""
    path = tmp_path / "mlruns.db"
    path.write_bytes(b"\x00garbage, not a database\n" * 200)
    uri = f"sqlite:///{path}"
    assert not store_locked(uri)
    tracker = MlflowTracker(uri, "x", artifact_root=tmp_path / "artifacts")
    with tracker.run("train") as run:
        run.log_metrics({"ic": 0.1})
    assert run.run_id is None and "tracking stopped" in tracker.notices[0]
    with pytest.raises(InputError, match="experiment store cannot be read") as info:
        list_runs(uri)
    assert info.value.where == str(path) and "move it aside" in info.value.fix


def test_experiments_list_on_a_corrupt_store_exits_2_naming_it(workspace, cli):
    (workspace.root / "mlruns.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    result = cli("-w", workspace.root, "experiments", "list")
    assert result.code == 2 and "mlruns.db" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("experiment", ["../../../x", "/abs/x", "..", "x" * 300])
def test_an_experiment_name_that_is_a_path_or_too_long_is_refused(tmp_path, experiment):
    """Issue 20: `--experiment-name ../../../x` put MLflow's artifacts outside the workspace."""
    with pytest.raises(InputError, match="not a plain folder name|the limit is 100"):
        MlflowTracker(f"sqlite:///{tmp_path / 'mlruns.db'}", experiment, artifact_root=tmp_path / "artifacts")
    assert list(tmp_path.iterdir()) == []


def test_null_tracker_writes_nothing(tmp_path):
    tracker = NullTracker()
    with tracker.run("train") as run:
        run.log_params({"a": 1})
        run.log_artifacts(tmp_path)
    assert run.run_id is None and tracker.notices == [] and list(tmp_path.iterdir()) == []


def test_reading_without_a_store_names_the_command(tmp_path):
    with pytest.raises(MissingInputError, match="alphaforge train"):
        list_runs(f"sqlite:///{tmp_path / 'mlruns.db'}")


def test_flatten_and_tags():
    assert flatten({"a": {"b": 1, "c": []}, "d": None}) == {"a.b": "1", "a.c": "[]", "d": "None"}
    assert parse_tags(["x=1", "y=two, z=3"]) == {"x": "1", "y": "two", "z": "3"}
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_tags(["novalue"])
