"""A small synthetic workspace with a training plan of quick (ridge) jobs, one of them broken on purpose."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alphaforge.selection import staged_jobs
from alphaforge.selection.plan import (
    StagedJob,
    build_training_plan,
    plan_directory,
    write_training_plan,
)
from alphaforge.workspace import Workspace

SYMBOLS = ["SYN00", "SYN01"]
FEATURES = ["px_ret_1", "px_ret_6", "ta_rsi_14"]


def make_plan_workspace(root: Path) -> Workspace:
    """2 planted-signal symbols x 300 daily bars, features px/rsi/cal; plan: 1 pooled + 2 per-symbol ridge jobs."""
    workspace = Workspace.create(root)
    text = workspace.config_path.read_text()
    for old, new in (('dataset = "sp500"', 'dataset = "synth"'), ('macro = "macro"', 'macro = ""'),
                     ('include = ["default"]', 'include = ["px", "ta_rsi_14", "cal"]')):
        assert old in text, old
        text = text.replace(old, new)
    workspace.config_path.write_text(text)
    subprocess.run([sys.executable, "-m", "alphaforge", "--workspace", str(root), "data", "synth", "--symbols", "2",
                    "--bars", "300", "--freq", "1d", "--mode", "planted"], check=True, capture_output=True, timeout=600)
    routes = {"fwd_ret_1": {"route": "both", "cross_sectional": {"symbols": SYMBOLS},
                            "symbol_specific": {"symbols": SYMBOLS}}}
    write_training_plan(build_training_plan(routes, {"fwd_ret_1": FEATURES}, ["ridge"]), plan_directory(workspace))
    return workspace


def plan_jobs(workspace: Workspace, *, broken: bool = False) -> list[StagedJob]:
    """The plan's jobs; with ``broken``, a second copy of the first job asks for a feature that does not exist."""
    from alphaforge.selection import load_training_plan

    jobs = staged_jobs(load_training_plan(plan_directory(workspace)))
    if broken:
        first = jobs[0]
        jobs.insert(1, StagedJob(first.stage, "broken", first.target, first.training_type, first.symbols,
                                 ["no_such_feature"], first.families))
    return jobs
