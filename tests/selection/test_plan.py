"""The training plan: schema, mirrors, views, loading errors and the CPU-then-GPU order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from alphaforge.artifacts import TrainingPlanFile
from alphaforge.artifacts.plans import PlanJob
from alphaforge.errors import InputError, MissingInputError
from alphaforge.selection.plan import (
    MASTER_FILENAME,
    build_training_plan,
    find_training_plan,
    load_training_plan,
    plan_directory,
    planned_targets,
    staged_jobs,
    write_training_plan,
)
from alphaforge.workspace import Workspace

ROUTES = {
    "fwd_ret_1": {"route": "cross_sectional", "reason": "pooled wins",
                  "cross_sectional": {"symbols": ["A", "B", "C"]}, "symbol_specific": {"symbols": []}},
    "tb_10_1.0_1.0": {"route": "both", "reason": "B gains",
                      "cross_sectional": {"symbols": ["A", "B", "C"]}, "symbol_specific": {"symbols": ["B"]}},
    "binary_abs_5_0.02": {"route": "symbol_specific", "reason": "all gain",
                          "cross_sectional": {"symbols": []}, "symbol_specific": {"symbols": ["A", "C"]}},
}
FEATURES = {"fwd_ret_1": ["px_ret_1", "px_ret_6"], "tb_10_1.0_1.0": ["px_rvol_24"], "binary_abs_5_0.02": ["vol_z_24"]}


@pytest.fixture
def plan() -> dict[str, Any]:
    return build_training_plan(ROUTES, FEATURES, ["lightgbm", "lstm", "xgboost"], ["lstm"],
                               created_from={"inputs": "abc"})


def test_jobs_follow_the_routes(plan: dict[str, Any]) -> None:
    assert plan["schema"] == TrainingPlanFile.schema_id() == "alphaforge.training_plan/1"
    assert [j["job_id"] for j in plan["jobs"]] == [
        "cs_fwd_ret_1", "cs_tb_10_1.0_1.0", "ss_tb_10_1.0_1.0_B", "ss_binary_abs_5_0.02_A",
        "ss_binary_abs_5_0.02_C"]
    assert all(list(job) == list(PlanJob.model_fields) for job in plan["jobs"])
    assert plan["summary"] == {"jobs": 5, "cross_sectional": 2, "symbol_specific": 3}
    job = plan["jobs"][2]
    assert job["symbols"] == ["B"] and job["features"] == ["px_rvol_24"] and job["training_type"] == "symbol_specific"
    assert job["stages"] == {"cpu": ["lightgbm", "xgboost"], "gpu": ["lstm"]}
    assert planned_targets(plan) == list(ROUTES)


def test_every_file_is_written_and_the_mirrors_agree(plan: dict[str, Any], tmp_path: Path) -> None:
    write_training_plan(plan, tmp_path)
    master = json.loads((tmp_path / MASTER_FILENAME).read_text())
    assert master == plan == json.loads((tmp_path / "training_plan.json").read_text())
    assert yaml.safe_load((tmp_path / "training_plan.yaml").read_text()) == plan
    assert "| cs_fwd_ret_1 | fwd_ret_1 | cross_sectional | 3: A, B, C | 2 |" in (tmp_path / "training_plan.md").read_text()
    by_symbol = json.loads((tmp_path / "by_symbol" / "B.json").read_text())
    assert [j["job_id"] for j in by_symbol["jobs"]] == ["cs_fwd_ret_1", "cs_tb_10_1.0_1.0", "ss_tb_10_1.0_1.0_B"]
    assert sorted(p.name for p in (tmp_path / "by_target").iterdir()) == sorted(f"{t}.json" for t in ROUTES)
    by_type = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "by_type").iterdir()}
    assert [len(v["jobs"]) for k, v in sorted(by_type.items())] == [2, 3]


def test_rewriting_a_smaller_plan_removes_stale_views(plan: dict[str, Any], tmp_path: Path) -> None:
    write_training_plan(plan, tmp_path)
    smaller = build_training_plan({"fwd_ret_1": ROUTES["fwd_ret_1"]}, FEATURES, ["lightgbm"])
    write_training_plan(smaller, tmp_path)
    assert [p.name for p in (tmp_path / "by_target").iterdir()] == ["fwd_ret_1.json"]
    assert load_training_plan(tmp_path) == smaller


def test_staged_jobs_run_every_cpu_family_before_any_gpu_family(plan: dict[str, Any]) -> None:
    work = staged_jobs(plan)
    stages = [w.stage for w in work]
    assert stages == ["cpu"] * 5 + ["gpu"] * 5
    assert [w.device for w in work[:1] + work[-1:]] == ["cpu", "cuda"]
    assert work[0].families == ["lightgbm", "xgboost"] and work[-1].families == ["lstm"]
    only_gbm = staged_jobs(plan, families=["lightgbm"])
    assert {w.stage for w in only_gbm} == {"cpu"} and all(w.families == ["lightgbm"] for w in only_gbm)


def test_a_jobs_model_families_decide_what_it_trains(plan: dict[str, Any]) -> None:
    """Editing a job's model_families in the plan file drops or adds a family (stages only say where)."""
    plan["jobs"][0]["model_families"] = ["xgboost", "ridge"]  # lightgbm and lstm dropped, ridge added
    first = [w for w in staged_jobs(plan) if w.job_id == plan["jobs"][0]["job_id"]]
    assert [(w.stage, w.families) for w in first] == [("cpu", ["xgboost", "ridge"])]
    plan["jobs"][0]["model_families"] = ["ridge", "lstm"]
    assert [(w.stage, w.families) for w in staged_jobs(plan) if w.job_id == "cs_fwd_ret_1"] == [
        ("cpu", ["ridge"]), ("gpu", ["lstm"])]
    plan["jobs"][0]["model_families"] = ["ridgee"]
    with pytest.raises(InputError, match="did you mean 'ridge'"):
        staged_jobs(plan)


def test_symbols_keep_only_their_jobs_and_symbols(plan: dict[str, Any]) -> None:
    work = staged_jobs(plan, families=["lightgbm"], symbols=["B"])
    assert [(w.job_id, w.symbols) for w in work] == [("cs_fwd_ret_1", ["B"]), ("cs_tb_10_1.0_1.0", ["B"]),
                                                     ("ss_tb_10_1.0_1.0_B", ["B"])]
    with pytest.raises(InputError, match="no job of the training plan trains symbol\\(s\\) Z") as error:
        staged_jobs(plan, symbols=["B", "Z"])
    assert "A, B, C" in error.value.fix


def test_the_plan_is_found_in_the_workspace_or_a_given_folder(plan: dict[str, Any], workspace: Workspace,
                                                              tmp_path: Path) -> None:
    assert find_training_plan(workspace) is None
    write_training_plan(plan, plan_directory(workspace))
    assert find_training_plan(workspace) == plan
    with pytest.raises(MissingInputError, match="no training plan here"):
        find_training_plan(workspace, tmp_path / "elsewhere")


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"schema": "other", "jobs": []}), "not a training plan"),
    (json.dumps({"schema": "alphaforge.training_plan/1", "targets": [], "model_families": {}, "summary": {},
                 "jobs": [{"job_id": "x"}]}), "records no jobs.0.target"),
    (json.dumps({"schema": "alphaforge.training_plan/2", "jobs": []}), "schema version 2"),
])
def test_a_bad_plan_file_is_refused_with_its_path(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / MASTER_FILENAME).write_text(content)
    with pytest.raises(InputError, match=message) as error:
        load_training_plan(tmp_path)
    assert error.value.where == str(tmp_path / MASTER_FILENAME)


def test_an_unknown_family_is_refused_with_a_suggestion() -> None:
    with pytest.raises(InputError, match="lightgbm"):
        build_training_plan(ROUTES, FEATURES, ["lightgmb"])
