"""Executors on one training plan: local with 2 workers vs 1 (speed-up), Ray vs local (overhead).

The plan trains ``--families`` for one pooled job and one job per symbol of a synthetic
workspace (planted signal, daily bars). Feature caches are warmed by one untimed serial run,
so every timed run does the same work: read the training matrix, fit, save, register.

Timed, each as wall seconds of ``run_plan`` (pool start-up included, since a user pays it):

- local, 1 worker (serial, in this process);
- local, 2 workers (spawned processes);
- ray, 2 CPUs on a local runtime (when ``ray`` is installed); starting the runtime is printed
  apart, as it is paid once per session, not per plan.

Printed: seconds per run, speed-up local-2 / local-1 and overhead ray-2 / local-2, and the
same models check (validation metrics equal across executors). The figures depend on the
machine's free cores: run it on an idle machine with at least 2 cores.

Run: ``.venv/bin/python bench/bench_executors.py [--symbols 6] [--bars 500] [--families ridge] [--repeat 1]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alphaforge.executors import Executor, make_executor
from alphaforge.executors.training import run_plan
from alphaforge.selection import staged_jobs
from alphaforge.selection.plan import build_training_plan, plan_directory, write_training_plan
from alphaforge.workspace import Workspace

FEATURES = ["px_ret_1", "px_ret_6", "ta_rsi_14"]


def make_workspace(root: Path, symbols: int, bars: int, families: list[str]) -> Workspace:
    """A synthetic workspace with a plan of one pooled job and one job per symbol."""
    workspace = Workspace.create(root)
    text = workspace.config_path.read_text()
    for old, new in (('dataset = "sp500"', 'dataset = "synth"'), ('macro = "macro"', 'macro = ""'),
                     ('include = ["default"]', 'include = ["px", "ta_rsi_14", "cal"]')):
        text = text.replace(old, new)
    workspace.config_path.write_text(text)
    subprocess.run([sys.executable, "-m", "alphaforge", "--workspace", str(root), "data", "synth", "--symbols",
                    str(symbols), "--bars", str(bars), "--freq", "1d", "--mode", "planted"], check=True,
                   capture_output=True)
    names = [f"SYN{i:02d}" for i in range(symbols)]
    routes = {"fwd_ret_1": {"route": "both", "cross_sectional": {"symbols": names},
                            "symbol_specific": {"symbols": names}}}
    write_training_plan(build_training_plan(routes, {"fwd_ret_1": FEATURES}, families), plan_directory(workspace))
    return workspace


def timed_plan(workspace: Workspace, make: Callable[[], Executor]) -> tuple[float, dict]:
    """Seconds to create the executor, run the plan and close it; the report."""
    jobs = staged_jobs(json.loads((plan_directory(workspace) / "master_training_plan.json").read_text()))
    started = time.perf_counter()
    executor: Executor = make()
    try:
        report = run_plan(workspace, jobs, executor)
    finally:
        executor.close()
    seconds = time.perf_counter() - started
    if report["failed"]:
        raise SystemExit(f"{report['failed']} job(s) failed: {report['tasks']}")
    return seconds, report


def validation_metrics(report: dict) -> list[dict]:
    return [row["metrics"]["validation"] for row in report["tasks"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=6)
    parser.add_argument("--bars", type=int, default=500)
    parser.add_argument("--families", default="ridge")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per executor (fastest kept).")
    args = parser.parse_args()
    has_ray = importlib.util.find_spec("ray") is not None
    with tempfile.TemporaryDirectory(prefix="bench-executors-") as folder:
        workspace = make_workspace(Path(folder) / "ws", args.symbols, args.bars, args.families.split(","))
        tasks = len(timed_plan(workspace, lambda: make_executor("local", 1))[1]["tasks"])  # warms feature caches
        runs: dict[str, list[float]] = {"local-1": [], "local-2": [], "ray-2": []}
        reports = {}
        ray_start = None
        if has_ray:
            import ray

            started = time.perf_counter()
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
            ray_start = time.perf_counter() - started
        for _ in range(args.repeat):
            for label, name, workers in (("local-1", "local", 1), ("local-2", "local", 2), ("ray-2", "ray", 2)):
                if name == "ray" and not has_ray:
                    continue
                seconds, reports[label] = timed_plan(workspace, lambda n=name, w=workers: make_executor(n, w))
                runs[label].append(seconds)
        best = {label: min(times) for label, times in runs.items() if times}
        same = all(validation_metrics(r) == validation_metrics(reports["local-1"]) for r in reports.values())
        print(f"plan: {tasks} training tasks ({args.families}), {args.symbols} symbols x {args.bars} bars; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        for label, seconds in best.items():
            print(f"  {label:8s} {seconds:8.2f} s   ({seconds / tasks:.2f} s per task)")
        print(f"speed-up local 2 workers vs 1: {best['local-1'] / best['local-2']:.2f}x")
        if "ray-2" in best:
            print(f"ray overhead vs local (2 workers each): {best['ray-2'] / best['local-2']:.2f}x "
                  f"(+{best['ray-2'] - best['local-2']:.2f} s); ray runtime start, once: {ray_start:.1f} s")
        else:
            print("ray: not installed (pip install 'alphaforge[distributed]'), not measured")
        print(f"same models on every executor: {same}")


if __name__ == "__main__":
    main()
