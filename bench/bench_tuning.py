"""Tuning speed: trials per minute with and without pruning, and 2 workers sharing one SQLite study.

Data: the bundled S&P 500 daily closes (a subset of symbols), its default feature set and the
target fwd_ret_5, thinned to ``--max-rows`` rows; LightGBM, 3 purged walk-forward folds per
trial, the three phases in the ratio 1:2:1. Every measurement uses a fresh study.

- pruning: the same trial budget with ``--pruner none`` and ``median`` in one process; a
  pruned trial stops after the fold where its running mean falls below the median of its
  peers, so pruning buys trials per minute and costs nothing once 5 trials have finished.
- parallel: the same budget run by 1 worker process, then by 2 worker processes on one
  SQLite storage (each adds the trials its phase is missing). Workers load the data first and
  start tuning together; rates are counted between the first trial's start and the last
  trial's end as recorded in the study, so start-up is not counted for either. The workers'
  total CPU time shows the cost of sharing: on a machine whose cores are already busy, a
  second worker has no core to run on and cannot help.

    .venv/bin/python bench/bench_tuning.py [--symbols 5] [--max-rows 6000] [--trials 16]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna
from _workspace import configure
from optuna.trial import TrialState

from alphaforge.config import Config
from alphaforge.data.datasets import import_bundled
from alphaforge.tuning import TuneSettings, load_tuning_data, tune
from alphaforge.workspace import Workspace


def make_workspace(root: Path, symbols: int) -> Workspace:
    """A workspace on the bundled sp500 closes, first ``symbols`` symbols, no macro."""
    workspace = Workspace.create(root)
    import_bundled(workspace, "sp500")
    import pandas as pd

    from alphaforge.data.bundled import load_bundled

    names = sorted(pd.unique(load_bundled("sp500")["symbol"]))[:symbols]
    configure(workspace, data={"macro": "", "symbols": names})
    return workspace


def settings(trials: int, pruner: str, storage: str) -> TuneSettings:
    quarter = trials // 4
    return TuneSettings.from_config(Config(), family="lightgbm", target="fwd_ret_5", random_trials=quarter,
                                    bayes_trials=trials - 2 * quarter, fine_trials=quarter, n_splits=3, embargo=5,
                                    pruner=pruner, storage=storage, checkpoints=0)


def rate(storage: str, name: str) -> tuple[int, int, float]:
    """(finished trials, pruned trials, trials per minute between the first start and the last end)."""
    study = optuna.load_study(study_name=name, storage=storage)
    done = [t for t in study.trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    start = min(t.datetime_start for t in done)
    end = max(t.datetime_complete for t in done)
    pruned = sum(t.state == TrialState.PRUNED for t in done)
    return len(done), pruned, len(done) / ((end - start).total_seconds() / 60)


def worker(root: str, trials: int, storage: str, max_rows: int, gate: Path) -> None:
    """One tuning process: load the data, say ready, wait for the common start, tune."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    workspace = Workspace(Path(root))
    data = load_tuning_data(workspace, workspace.config(), "fwd_ret_5", max_rows)
    (gate / f"ready.{os.getpid()}").touch()
    while not (gate / "go").exists():
        time.sleep(0.01)
    tune(workspace, data, settings(trials, "none", storage))


def run_workers(root: Path, n_workers: int, trials: int, storage: str, max_rows: int) -> tuple[float, float]:
    """Start ``n_workers`` processes; once all have loaded the data, let them tune together.

    Returns the wall seconds from the common start to the last worker's exit, and the CPU
    seconds the workers used in all (start-up included).
    """
    cpu_before = _children_cpu()
    gate = Path(tempfile.mkdtemp(prefix="gate.", dir=root))
    processes = [subprocess.Popen([sys.executable, __file__, "--worker", str(root), "--trials", str(trials),
                                   "--storage", storage, "--max-rows", str(max_rows), "--gate", str(gate)])
                 for _ in range(n_workers)]
    while len(list(gate.glob("ready.*"))) < n_workers:
        if any(p.poll() not in (None, 0) for p in processes):
            raise SystemExit("a worker failed while loading the data")
        time.sleep(0.05)
    started = time.perf_counter()
    (gate / "go").touch()
    if any(p.wait() != 0 for p in processes):
        raise SystemExit("a worker failed")
    return time.perf_counter() - started, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=5)
    parser.add_argument("--max-rows", type=int, default=6000)
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--worker")
    parser.add_argument("--storage")
    parser.add_argument("--gate", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.trials, args.storage, args.max_rows, args.gate)
        return
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    root = Path(tempfile.mkdtemp(prefix="bench_tuning."))
    try:
        workspace = make_workspace(root / "ws", args.symbols)
        data = load_tuning_data(workspace, workspace.config(), "fwd_ret_5", args.max_rows)
        print(f"data: {len(data.y)} rows x {len(data.features)} features, {len(data.symbols)} symbols; "
              f"{args.trials} trials of LightGBM, 3 folds; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        name = "fwd_ret_5__lightgbm"
        rates = {}
        for pruner in ("none", "median"):
            url = f"sqlite:///{root / f'{pruner}.db'}"
            tune(workspace, data, settings(args.trials, pruner, url))
            done, pruned, per_minute = rate(url, name)
            rates[pruner] = per_minute
            print(f"pruner {pruner:>6}: {done} trials ({pruned} pruned), {per_minute:.1f} trials/min")
        print(f"pruning speed-up: {rates['median'] / rates['none']:.2f}x")
        parallel = {}
        for n_workers in (1, 2):
            url = f"sqlite:///{root / f'workers{n_workers}.db'}"
            wall, cpu = run_workers(workspace.root, n_workers, args.trials, url, args.max_rows)
            done, _, per_minute = rate(url, name)
            parallel[n_workers] = per_minute
            print(f"{n_workers} worker(s) on one SQLite study: {done} trials, {per_minute:.1f} trials/min "
                  f"({wall:.0f} s from the common start; {cpu:.0f} CPU s in all, start-up included)")
        print(f"2 workers vs 1: {parallel[2] / parallel[1]:.2f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
