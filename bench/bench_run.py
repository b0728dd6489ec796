"""`alphaforge run` benchmark: each stage's time beside its floor, the whole run beside bare LightGBM.

The main job of seed 002 by default: 20 symbols x 50 000 hourly bars (1 M rows) of the
synthetic market, the default configuration. ``--demo`` runs the bundled demo instead.

1. ``alphaforge run`` in a fresh process, as a user types it: wall time per stage, the
   process's peak RSS and the peak of it and its fold workers together (their anonymous memory
   and the file-backed pages once, so the matrix they share counts once; read from counters that
   do not slow the run, see ``_timing.TreeMemory``). Goals (issue 17): the whole run <= 1.3x the floor,
   peak RSS <= 1.5 GB (main job); <= 15 s (demo).
2. The floor, measured in the same benchmark run: the same `run` again (forced) in a process
   where every LightGBM fit the pipeline makes is repeated bare right after it — ``lightgbm.train``
   on the same float32 rows, labels and weights, with the same parameters and exactly the rounds
   the pipeline's model trained, without validation scoring, callbacks or anything of ours,
   one after the other with every CPU (what a user's own loop over the folds does; this run
   keeps the folds in its process to time them, where step 1 may give them to workers).
   A stage's floor is the sum of those bare fits (stages that fit nothing have none). The same
   process also times the pipeline's own fits (validation scoring and early stopping included),
   each right before its bare twin, and the whole forced run's wall time less the bare fits:
   comparisons the other tenants of a shared machine disturb alike, where step 1 and the floor
   run minutes apart (the same command's time moves by a third within minutes on this machine).
3. The fully cached re-run (median of ``--repeat`` fresh processes). Goal: <= 1 s.
4. ``alphaforge predict`` of one symbol's last 256 bars (seed 002's call) in a fresh process,
   as a user types it: median and best wall time of ``--repeat``, its CPU time and the peak
   RSS; then how long after the answer its background process published the charts (each
   run waits for them, so one run's drawing never slows the next). Goal: <= 1 s and
   <= 200 MB whatever the size of the training data.

Run: ``.venv/bin/python bench/bench_run.py [--demo] [--repeat 3] [--workspace DIR]``;
``--predict-only --workspace DIR`` times only step 4 in a workspace that has a model.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYMBOLS, BARS = 20, 50_000
RSS_GOAL_MB, RATIO_GOAL, DEMO_GOAL_S, CACHED_GOAL_S = 1500, 1.3, 15.0, 1.0
PREDICT_GOAL_S, PREDICT_GOAL_MB = 1.0, 200


def _alphaforge(root: Path, *args: str) -> tuple[float, float, dict]:
    """(wall seconds, peak RSS in MB, the --json object) of one fresh `alphaforge` process."""
    seconds, _, rss, result = _timed(root, *args)
    return seconds, rss, result


def _timed(root: Path, *args: str, memory: list[float] | None = None) -> tuple[float, float, float, dict]:
    """(wall seconds, CPU seconds, peak RSS in MB, the --json object) of one fresh `alphaforge`
    process; ``memory`` gets the peak MB of the process and its workers together."""
    from _timing import TreeMemory

    command = [sys.executable, "-m", "alphaforge", "--workspace", str(root), *args]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with TreeMemory(process.pid) as tree:
        out = process.stdout.read() if process.stdout else ""
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {os.waitstatus_to_exitcode(status)})")
    if memory is not None:
        memory.append(tree.peak_mb)
    return (seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
            json.loads(out) if out.strip().startswith("{") else {})


def _floor_process(root: Path) -> None:
    """Run the forced `run` in this process with every LightGBM fit repeated bare; print the bare
    seconds per stage and the pipeline's own fit seconds (called as ``bench_run.py --floor-of ROOT``)."""
    import lightgbm as lgb

    from alphaforge.executors import make_executor
    from alphaforge.models._lightgbm import LightGBMModel
    from alphaforge.project import open as open_project

    floors: dict[str, float] = {}
    ours = {"fits": 0.0, "bare": 0.0}
    current = {"stage": ""}
    fit = LightGBMModel._fit

    def fit_then_bare(self, X, y, sample_weight, validation, frame):  # noqa: ANN001 - the patched hook
        started = time.perf_counter()
        fit(self, X, y, sample_weight, validation, frame)
        ours["fits"] += time.perf_counter() - started
        params, _ = self.lightgbm_params(len(X))
        started = time.perf_counter()
        lgb.train(params, lgb.Dataset(X, label=y, weight=sample_weight),
                  num_boost_round=self.booster_.current_iteration())
        bare = time.perf_counter() - started
        floors[current["stage"]] = floors.get(current["stage"], 0.0) + bare
        ours["bare"] += bare

    LightGBMModel._fit = fit_then_bare
    # a forced run reuses a model version its own stage key registered: without the registry the
    # train stage fits its best and final models again, so they are timed bare too
    shutil.rmtree(root / "models", ignore_errors=True)
    project = open_project(root)
    started = time.perf_counter()
    with make_executor("local", workers=1) as serial:  # the folds' fits in this process, where they are timed
        project.run(force=True, on_stage=lambda stage, status: current.update(stage=stage.name), executor=serial)
    ours["run"] = time.perf_counter() - started - ours["bare"]
    print(json.dumps({"floors": floors, "fits": ours}))


def _workspace(root: Path, demo: bool) -> str:
    """Create the benchmark's workspace (unless it exists); its description."""
    if not (root / "alphaforge.toml").exists():
        _alphaforge(root.parent, "init", str(root))
        if not demo:
            _alphaforge(root, "data", "synth", "--symbols", str(SYMBOLS), "--bars", str(BARS), "--freq", "1h",
                        "--use")
    return "bundled demo (sp500 daily)" if demo else f"synthetic {SYMBOLS} x {BARS:,} hourly bars"


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="the bundled demo instead of the 1 M-row main job")
    parser.add_argument("--repeat", type=int, default=3, help="cached re-runs timed (the median is printed)")
    parser.add_argument("--workspace", type=Path, help="use (or create) this workspace instead of a temporary one")
    parser.add_argument("--predict-only", action="store_true", help="time only predict, in --workspace")
    parser.add_argument("--floor-of", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_of:
        _floor_process(args.floor_of)
        return
    from _timing import compile_bytecode

    print(compile_bytecode())
    if args.predict_only:
        if args.workspace is None:
            parser.error("--predict-only times predict in an existing workspace: pass --workspace DIR")
        print(f"load before: {_load()}")
        _predict(args.workspace, args.repeat)
        print(f"load after: {_load()}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workspace or Path(tmp) / "ws"
        what = _workspace(root, args.demo)
        print(f"data: {what}; load before: {_load()}")
        tree: list[float] = []
        first, _, rss, result = _timed(root, "--quiet", "run", "--no-track", "--json", "--force-refresh", memory=tree)
        stages = {row["stage"]: row["seconds"] for row in result["stages"]}
        floor_run = subprocess.run([sys.executable, __file__, "--floor-of", str(root)], capture_output=True, text=True)
        if floor_run.returncode:
            raise SystemExit(f"the floor run failed:\n{floor_run.stderr[-3000:]}")
        measured = json.loads(floor_run.stdout.splitlines()[-1])
        floors, fits = measured["floors"], measured["fits"]
        cached = sorted(_alphaforge(root, "--quiet", "run", "--no-track", "--json")[0] for _ in range(args.repeat))
        _report(stages, floors, first, (rss, tree[0]), cached, args.demo)
        print(f"in one process, in turn: fits {fits['fits']:.3g} / {fits['bare']:.3g} s bare = "
              f"{fits['fits'] / fits['bare']:.2f}x; whole run (no startup) {fits['run']:.3g} s = "
              f"{fits['run'] / fits['bare']:.2f}x")
        _predict(root, args.repeat)
        print(f"load after: {_load()}")


def _report(stages: dict[str, float], floors: dict[str, float], first: float, rss: tuple[float, float],
            cached: list[float], demo: bool) -> None:
    print(f"{'stage':<16}{'seconds':>9}{'floor':>9}{'ratio':>8}")
    for name, seconds in stages.items():
        floor = floors.get(name, 0.0)
        beside = f"{floor:9.3g}{seconds / floor:8.2f}" if floor else f"{'-':>9}{'-':>8}"
        print(f"{name:<16}{seconds:9.3g}{beside}")
    floor_total = sum(floors.values())
    print(f"{'whole run':<16}{first:9.3g}{floor_total:9.3g}{first / floor_total:8.2f}  "
          f"(process wall, startup included; goal <= {RATIO_GOAL}x bare LightGBM)")
    if demo:
        print(f"demo run {first:.3g} s (goal <= {DEMO_GOAL_S:g} s idle)")
    else:
        print(f"peak RSS {rss[0]:,.0f} MB, largest process (goal <= {RSS_GOAL_MB:,} MB); "
              f"with its workers {rss[1]:,.0f} MB")
    median = cached[len(cached) // 2]
    print(f"cached re-run {median:.3g} s (median of {len(cached)}; goal <= {CACHED_GOAL_S:g} s)")


def _predict(root: Path, repeat: int) -> None:
    """Time `alphaforge predict` of one symbol's last 256 bars, then its background charts."""
    from alphaforge.data.datasets import raw_store
    from alphaforge.workspace import Workspace

    workspace = Workspace(root)
    config = workspace.config()
    symbol = sorted(raw_store(workspace).current(config.data.dataset).keys)[0]
    window = ["--bars", "256"]  # seed 002's last 256 hours on hourly data
    runs, charted = [], []
    for _ in range(repeat):
        runs.append(_timed(root, "--quiet", "predict", "--symbol", symbol, *window, "--json"))
        charted.append(_charts_drawn(runs[-1][3]))
    walls, cpus = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
    print(f"predict {symbol} {' '.join(window)}: {walls[len(runs) // 2]:.3g} s (median of {repeat}, best "
          f"{walls[0]:.3g} s; goal <= {PREDICT_GOAL_S:g} s), CPU {cpus[len(runs) // 2]:.3g} s")
    print(f"  peak RSS {max(r[2] for r in runs):,.0f} MB (goal <= {PREDICT_GOAL_MB} MB); charts "
          f"{sorted(charted)[len(charted) // 2]:.3g} s after the answer (median)")


def _charts_drawn(result: dict) -> float:
    """Seconds until every chart a background-chart predict named exists and its job folder is gone."""
    from alphaforge.predict.chart_job import job_folder

    started, stem = time.perf_counter(), Path(result["files"][0]).with_suffix("")
    while job_folder(stem).is_dir() or not all(Path(p).is_file() for p in result["charts"]):
        if time.perf_counter() - started > 120:
            raise SystemExit(f"the charts of {stem} were not drawn in 120 s (see {job_folder(stem)}/log.txt)")
        time.sleep(0.02)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
