"""Training-plan jobs on executors: the same models as serial, and a failing job does not stop the plan."""

from __future__ import annotations

import json

import pytest

from alphaforge.executors import make_executor
from alphaforge.pipeline.plan_training import REPORT_FILE, run_plan
from tests.executors.plan_workspace import make_plan_workspace, plan_jobs

pytestmark = pytest.mark.slow  # trains real models in worker processes


@pytest.fixture(scope="module")
def plan_workspace(tmp_path_factory):
    return make_plan_workspace(tmp_path_factory.mktemp("plan") / "ws")


def _metrics(report: dict) -> dict[str, dict]:
    return {row["model"]: row["metrics"] for row in report["tasks"] if row["ok"]}


def test_two_workers_train_the_same_models_as_serial_and_report_the_broken_job(plan_workspace, local_pool):
    serial = run_plan(plan_workspace, plan_jobs(plan_workspace, broken=True), make_executor("local", workers=1))
    heard = []
    parallel = run_plan(plan_workspace, plan_jobs(plan_workspace, broken=True), local_pool,
                        progress=lambda what, done, total: heard.append((what, done, total)))
    assert heard == [("training-plan jobs", done, 4) for done in range(5)]  # the broken job counts as ended
    assert [row["model"] for row in serial["tasks"]] == ["cs_fwd_ret_1-ridge", "broken-ridge",
                                                         "ss_fwd_ret_1_SYN00-ridge", "ss_fwd_ret_1_SYN01-ridge"]
    assert serial["failed"] == parallel["failed"] == 1
    assert _metrics(parallel) == _metrics(serial) and len(_metrics(serial)) == 3
    broken = parallel["tasks"][1]
    assert not broken["ok"] and "no_such_feature" in broken["error"] and "Traceback" in broken["traceback"]
    assert [row["version"] for row in parallel["tasks"] if row["ok"]] == ["v2", "v2", "v2"]
    saved = json.loads((plan_workspace.subdir("reports") / REPORT_FILE).read_text())
    assert saved["tasks"][1]["traceback"] == broken["traceback"]
