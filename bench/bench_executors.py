"""Executors on one training plan: local with 2 workers vs 1 (speed-up), Ray vs local (overhead).

The plan trains ``--families`` for one pooled job and one job per symbol of a synthetic
workspace (planted signal, daily bars). Feature caches are warmed by one untimed serial run,
so every timed run does the same work: read the training matrix, fit, save, register.

Each executor starts its workers (each imports the training pipeline: "workers ready"), fits
8 random forests on an in-memory matrix (pure compute, no disk: what the executor itself can
scale), then runs the plan twice on them: cold (each worker's first fit, plot and save also load their
libraries) and warm (the steady state of a long session). Wall seconds of ``run_plan``:

- local, 1 worker (serial, in this process, already warm from the untimed run);
- local, 2 workers (spawned processes);
- ray, 2 CPUs on a local runtime (when ``ray`` is installed; starting the runtime is printed
  apart).

Printed: seconds per run, speed-up local-2 / local-1 and overhead ray-2 / local-2 (warm, and
cold with the start-up), registry retries (a job that found the workspace lock taken trains
again), and the same-models check (validation metrics equal across executors). The figures depend on the
machine's free cores: run it on an idle machine with at least 2 cores.

Run: ``.venv/bin/python bench/bench_executors.py [--symbols 4] [--bars 2500] [--families random_forest] [--repeat 1]``
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
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from alphaforge.executors import Executor, make_executor
from alphaforge.pipeline.plan_training import run_plan
from alphaforge.selection import staged_jobs
from alphaforge.selection.plan import (
    build_training_plan,
    plan_directory,
    write_training_plan,
)
from alphaforge.workspace import Workspace
from _workspace import synthetic_workspace

FEATURES = ["px_ret_1", "px_ret_6", "ta_rsi_14"]
COMPUTE_TASKS = 8


def make_workspace(root: Path, symbols: int, bars: int, families: list[str]) -> Workspace:
    """A synthetic workspace with a plan of one pooled job and one job per symbol."""
    workspace = synthetic_workspace(root, features={"include": ["px", "ta_rsi_14", "cal"]})
    subprocess.run([sys.executable, "-m", "alphaforge", "--workspace", str(root), "data", "synth", "--symbols",
                    str(symbols), "--bars", str(bars), "--freq", "1d", "--mode", "planted"], check=True,
                   capture_output=True)
    names = [f"SYN{i:02d}" for i in range(symbols)]
    routes = {"fwd_ret_1": {"route": "both", "cross_sectional": {"symbols": names},
                            "symbol_specific": {"symbols": names}}}
    write_training_plan(build_training_plan(routes, {"fwd_ret_1": FEATURES}, families), plan_directory(workspace))
    return workspace


def load_pipeline(_: object) -> int:
    """Import what a training task needs (a worker's one-off start-up cost); the worker's pid."""
    import alphaforge.pipeline.train  # noqa: F401

    return os.getpid()


def fit_forest(seed: int) -> float:
    """Fit a random forest on a fixed synthetic matrix (pure compute, no disk); a checksum of its output."""
    from alphaforge.models import make_model

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.standard_normal((3000, 20)), columns=[f"f{i}" for i in range(20)])
    y = X["f0"].to_numpy() + rng.standard_normal(3000)
    model = make_model("random_forest", task="regression", params={"n_estimators": 100}, seed=seed)
    model.fit(X, y)
    return float(model.predict(X).sum())


def timed_plan(workspace: Workspace, make: Callable[[], Executor]) -> tuple[float, float, float, float, dict]:
    """Seconds to start the workers (each imports the pipeline), to fit ``COMPUTE_TASKS`` forests (pure
    compute), to run the plan the first time (cold: each worker's first fit, plot and save load their
    libraries) and a second time (warm: the steady state of a long session); the warm run's report."""
    jobs = staged_jobs(json.loads((plan_directory(workspace) / "master_training_plan.json").read_text()))
    marks = [time.perf_counter()]
    reports = []
    with make() as executor:
        executor.map(load_pipeline, range(executor.workers))
        marks.append(time.perf_counter())
        executor.map(fit_forest, range(COMPUTE_TASKS))
        marks.append(time.perf_counter())
        for _ in range(2):
            reports.append(run_plan(workspace, jobs, executor))
            marks.append(time.perf_counter())
    if any(report["failed"] for report in reports):
        raise SystemExit(f"job(s) failed: {reports}")
    start, compute, cold, warm = (later - earlier for earlier, later in pairwise(marks))
    return start, compute, cold, warm, reports[-1]


def validation_metrics(report: dict) -> list[dict]:
    return [row["metrics"]["validation"] for row in report["tasks"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=4)
    parser.add_argument("--bars", type=int, default=2500)
    parser.add_argument("--families", default="random_forest")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per executor (fastest kept).")
    args = parser.parse_args()
    has_ray = importlib.util.find_spec("ray") is not None
    with tempfile.TemporaryDirectory(prefix="bench-executors-") as folder:
        workspace = make_workspace(Path(folder) / "ws", args.symbols, args.bars, args.families.split(","))
        tasks = len(timed_plan(workspace, lambda: make_executor("local", 1))[4]["tasks"])  # warms feature caches
        runs: dict[str, list[tuple[float, float, float, float]]] = {"local-1": [], "local-2": [], "ray-2": []}
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
                *seconds, reports[label] = timed_plan(workspace, lambda n=name, w=workers: make_executor(n, w))
                runs[label].append(tuple(seconds))
        best = {label: min(times, key=lambda t: t[3]) for label, times in runs.items() if times}
        same = all(validation_metrics(r) == validation_metrics(reports["local-1"]) for r in reports.values())
        retries = {label: sum(row["attempts"] - 1 for row in r["tasks"]) for label, r in reports.items()}
        print(f"plan: {tasks} training tasks ({args.families}), {args.symbols} symbols x {args.bars} bars; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        for label, (start, compute, cold, warm) in best.items():
            print(f"  {label:8s} warm plan {warm:6.2f} s ({warm / tasks:.2f} s per task); cold plan {cold:6.2f} s; "
                  f"workers ready in {start:.2f} s; registry retries {retries[label]}; "
                  f"{COMPUTE_TASKS} forest fits {compute:.2f} s")
        warm = {label: times[3] for label, times in best.items()}
        cold = {label: times[0] + times[2] for label, times in best.items()}
        compute = {label: times[1] for label, times in best.items()}
        print(f"speed-up local 2 workers vs 1: plan warm {warm['local-1'] / warm['local-2']:.2f}x, "
              f"plan cold incl. start-up {cold['local-1'] / cold['local-2']:.2f}x, "
              f"pure compute {compute['local-1'] / compute['local-2']:.2f}x")
        if "ray-2" in best:
            print(f"ray overhead vs local (2 workers each): plan warm {warm['ray-2'] / warm['local-2']:.2f}x "
                  f"({warm['ray-2'] - warm['local-2']:+.2f} s), cold {cold['ray-2'] / cold['local-2']:.2f}x, "
                  f"pure compute {compute['ray-2'] / compute['local-2']:.2f}x; "
                  f"ray runtime start, once: {ray_start:.1f} s")
        else:
            print("ray: not installed (pip install 'alphaforge[distributed]'), not measured")
        print(f"same models on every executor: {same}")


if __name__ == "__main__":
    main()
