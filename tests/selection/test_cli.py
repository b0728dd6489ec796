"""The one-command planning flow through the CLI: every file written, a second run all cache hits."""

from __future__ import annotations

import json
from collections.abc import Callable


from alphaforge.data.datasets import synthesize
from alphaforge.selection.plan import load_training_plan
from alphaforge.workspace import Workspace
from tests.selection.conftest import configure

PLAN_FILES = [
    "leakage/leakage_flags.json", "leakage/leakage_flags.md",
    "target_ranking/target_ranking.parquet", "target_ranking/target_ranking.md",
    "feature_selection/fwd_ret_1/selection.json", "feature_selection/fwd_ret_1/feature_importance.parquet",
    "feature_selection/fwd_ret_1/report.md",
    "routing_plan/routing_plan.json", "routing_plan/routing_plan.yaml", "routing_plan/routing_plan.md",
    "routing_plan/routing_candidates.parquet",
    "training_plan/master_training_plan.json", "training_plan/training_plan.json", "training_plan/training_plan.yaml",
    "training_plan/training_plan.md", "training_plan/by_target/fwd_ret_1.json", "training_plan/by_symbol/SYN00.json",
    "training_plan/by_type/cross_sectional.json", "training_plan/by_type/symbol_specific.json",
]


def run_json(cli: Callable, *args: str) -> dict:
    result = cli(*args, "--json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_plan_writes_every_file_and_a_second_run_is_all_cache_hits(
        planted_workspace: Workspace, cli: Callable, snapshot: Callable) -> None:
    root = str(planted_workspace.root)
    first = run_json(cli, "-w", root, "plan")
    assert [s["stage"] for s in first["stages"]][:2] == ["leakage_check", "target_ranking"]
    assert [s["status"] for s in first["stages"]] == ["ran"] * 5
    assert first["leakage"]["excluded"] == [] and first["leakage"]["checked"] > 10
    assert first["selected_targets"][0] == "fwd_ret_1"
    assert "px_ret_6" in first["features"]["fwd_ret_1"] and len(first["features"]["fwd_ret_1"]) == 5
    assert first["routes"]["fwd_ret_1"] == "cross_sectional"
    plans = planted_workspace.root / "plans"
    assert [f for f in PLAN_FILES if not (plans / f).is_file()] == []
    plan = load_training_plan(plans / "training_plan")
    assert plan["jobs"][0]["job_id"] == "cs_fwd_ret_1" and plan["jobs"][0]["features"] == first["features"]["fwd_ret_1"]
    before = snapshot(plans)

    second = run_json(cli, "-w", root, "plan")
    assert [s["status"] for s in second["stages"]] == ["cached"] * 5
    assert snapshot(plans) == before
    assert run_json(cli, "-w", root, "targets", "rank")["stages"][0]["status"] == "cached"

    configure(planted_workspace, top_k_features=3, n_splits=3, shuffles=1)
    third = run_json(cli, "-w", root, "plan")
    assert [s["status"] for s in third["stages"]] == ["cached", "cached", "ran", "ran", "ran"]
    assert len(third["features"]["fwd_ret_1"]) == 3


def test_features_select_for_one_named_target(planted_workspace: Workspace, cli: Callable) -> None:
    result = run_json(cli, "-w", str(planted_workspace.root), "features", "select", "--target", "fwd_ret_5")
    assert list(result["selections"]) == ["fwd_ret_5"]
    assert (planted_workspace.root / "plans" / "feature_selection" / "fwd_ret_5" / "report.md").is_file()


def test_features_select_without_a_ranking_ranks_first(planted_workspace: Workspace, cli: Callable) -> None:
    result = cli("-w", str(planted_workspace.root), "features", "select")
    assert result.code == 0, result.stderr
    assert "fwd_ret_1: 5 features" in result.stdout


def test_an_unknown_candidate_target_is_a_usage_error(planted_workspace: Workspace, cli: Callable) -> None:
    result = cli("-w", str(planted_workspace.root), "targets", "rank", "--targets", "fwd_rett_1")
    assert result.code == 2
    assert "unknown target 'fwd_rett_1'" in result.stderr


def test_on_a_random_walk_the_plan_has_no_job(workspace: Workspace, cli: Callable) -> None:
    synthesize(workspace, symbols=4, bars=1500, mode="random_walk", seed=9)
    configure(workspace, targets=["fwd_ret_1"], n_splits=3, shuffles=1)
    result = run_json(cli, "-w", str(workspace.root), "plan")
    assert result["selected_targets"] == [] and result["features"] == {} and result["routes"] == {}
    assert result["plan"]["summary"] == {"jobs": 0, "cross_sectional": 0, "symbol_specific": 0}
    plans = workspace.root / "plans"
    assert "no target beat the shuffled-label baseline" in (plans / "target_ranking" / "target_ranking.md").read_text()
    assert "No jobs" in (plans / "training_plan" / "training_plan.md").read_text()
    assert load_training_plan(plans / "training_plan")["jobs"] == []


def test_keeping_fewer_targets_rescores_and_reselects_nothing(planted_workspace: Workspace, cli: Callable,
                                                              monkeypatch) -> None:
    """Regression (issue 19): --top-n-targets 3 -> 2 reran the whole target ranking and feature selection."""
    from alphaforge.selection import ranking, selection  # the stages import these when they run

    root = str(planted_workspace.root)
    configure(planted_workspace, min_z=0.5)  # let several candidates pass, so the number kept matters
    run_json(cli, "-w", root, "plan", "--top-n-targets", "3")
    scored, selected = [], []
    score, select = ranking.score_target, selection.select_features
    monkeypatch.setattr(ranking, "score_target", lambda *a, **k: scored.append(1) or score(*a, **k))
    monkeypatch.setattr(selection, "select_features", lambda *a, **k: selected.append(a[2]) or select(*a, **k))
    fewer = run_json(cli, "-w", root, "plan", "--top-n-targets", "2")
    assert scored == [] and selected == []  # every score and every kept target's selection was cached
    assert len(fewer["selected_targets"]) <= 2
