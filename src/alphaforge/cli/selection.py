"""`alphaforge targets rank`, `alphaforge features select` and `alphaforge plan`.

Importing this module registers ``rank`` on the targets app and ``select`` on the features
app; the root app registers :func:`plan`. Each is a thin call of
:mod:`alphaforge.selection.auto`, under the workspace lock, imported when the command runs:
`features list/build` and `targets list/build` load this module too and must not pay for it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from alphaforge.cli import features as features_cli
from alphaforge.cli import targets as targets_cli
from alphaforge.cli._common import JsonOption, emit, open_workspace, print_table, split_list, stdout

TopN = Annotated[int | None, typer.Option("--top-n", "--top-n-targets", min=1,
                                          help="Targets to keep (default: selection.top_n_targets).")]
Force = Annotated[bool, typer.Option("--force-refresh", help="Recompute every step, ignoring the cache.")]
RANKING_COLUMNS = ["rank", "target", "task", "skill", "baseline_skill", "z", "selected"]


def _render_stages(stages: list[dict[str, Any]]) -> None:
    print_table("Stages", stages, ["stage", "status", "seconds"])


def _render_ranking(rows: list[dict[str, Any]], selected: list[str]) -> None:
    print_table("Target ranking (skill: Spearman IC or 2*AUC-1; z: edge over the shuffled-label baseline)",
                rows, RANKING_COLUMNS)
    stdout.print(f"Selected: {', '.join(selected)}" if selected else
                 "Selected: none - no target beat the shuffled-label baseline.")


def _render_flags(flagged: list[dict[str, Any]]) -> None:
    if flagged:
        print_table("Flagged for leakage (excluded)", flagged, ["feature", "check", "value", "reason"])


@targets_cli.app.command("rank")
def rank(
    ctx: typer.Context,
    top_n: TopN = None,
    targets: Annotated[str | None, typer.Option(
        "--targets", help="Comma-separated candidates (default: selection.targets in the config).")] = None,
    force: Force = False,
    as_json: JsonOption = False,
) -> None:
    """Score every candidate target out of sample against a shuffled-label baseline; keep the top N."""
    from alphaforge.selection.auto import run_selection_stages

    workspace = open_workspace(ctx)
    candidates = split_list(targets)
    with workspace.lock("targets rank"):
        result = run_selection_stages(workspace, None, top_n, until="target_ranking", candidates=candidates,
                                      force=force)
    output = {"stages": result["stages"], "ranking": result["target_ranking"]["ranking"],
              "selected": result["target_ranking"]["selected"],
              "outputs": "plans/target_ranking/target_ranking.{parquet,md}"}

    def render(r: dict[str, Any]) -> None:
        _render_ranking(r["ranking"], r["selected"])

    emit(output, as_json, render)


@features_cli.app.command("select")
def select(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Option(
        "--target", "-t", help="One target (default: the targets the ranking selected).")] = None,
    top_n: TopN = None,
    force: Force = False,
    as_json: JsonOption = False,
) -> None:
    """Per target: out-of-sample importance, correlation clusters, leakage flags with reasons."""
    from alphaforge.selection.auto import run_selection_stages, select_for_target

    workspace = open_workspace(ctx)
    with workspace.lock("features select"):
        if target:
            one = select_for_target(workspace, None, target)
            output = {"selections": {one["target"]: {"selected": one["selected"], "flagged": one["flagged"]}}}
        else:
            result = run_selection_stages(workspace, None, top_n, until="feature_selection", force=force)
            chosen = result["feature_selection"]
            output = {"stages": result["stages"],
                      "selections": {t: {"selected": f, "flagged": chosen["flagged"][t]}
                                     for t, f in chosen["features"].items()}}

    def render(r: dict[str, Any]) -> None:
        if not r["selections"]:
            stdout.print("No target selected by the ranking: nothing to select features for.")
        for name, picked in r["selections"].items():
            stdout.print(f"[bold]{name}[/bold]: {len(picked['selected'])} features: {', '.join(picked['selected'])}")
            _render_flags(picked["flagged"])
        stdout.print("Reports: plans/feature_selection/<target>/report.md")

    emit(output, as_json, render)


def plan(
    ctx: typer.Context,
    top_n: TopN = None,
    force: Force = False,
    as_json: JsonOption = False,
) -> None:
    """Rank targets, select features, route (pooled / per symbol) and write the training plan."""
    from alphaforge.selection.auto import auto_plan

    workspace = open_workspace(ctx)
    with workspace.lock("plan"):
        result = auto_plan(workspace, None, top_n, force=force)

    def render(r: dict[str, Any]) -> None:
        _render_stages(r["stages"])
        _render_ranking(r["ranking"], r["selected_targets"])
        print_table("Routes and features", [{"target": t, "route": r["routes"].get(t, "-"), "features": f,
                                             "flagged": r["flagged"].get(t, [])} for t, f in r["features"].items()],
                    ["target", "route", "features", "flagged"])
        summary = r["plan"]["summary"]
        stdout.print(f"Training plan: {summary['jobs']} job(s) ({summary['cross_sectional']} cross-sectional, "
                     f"{summary['symbol_specific']} symbol-specific) in {r['plan']['path']}")

    emit(result, as_json, render)
