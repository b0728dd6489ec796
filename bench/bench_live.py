"""The live loop's cost: one iteration for 20 symbols, and the as-live walk-forward beside the
5-fold walk-forward.

1. **One live iteration** (append to the prediction dataset, features, scoring with the novelty
   gate, signal log; no network: the feed hands over the next bar of each symbol from memory,
   and the chart is off) for ``--symbols`` symbols, at two lengths of recorded history
   (``--history``, bars per symbol). The model trains on the same last ``--train-bars`` bars
   either way, so only the history's length differs. Printed per length: the median of
   ``--iterations`` steady-state iterations (wall and CPU seconds) against the 1 s goal, and
   the peak memory an iteration allocates (tracemalloc, numpy included) and the process's
   RSS, which should not grow with the history.
2. **As-live walk-forward** with a retrain every ``--retrain-every`` of bar time (default 30D,
   monthly) against the default 5-fold walk-forward, on the same synthetic panel
   (``--wf-symbols`` x ``--wf-bars`` hourly bars, default 10 x 3 000 so that it finishes in a few
   minutes on 2 busy cores; ``--wf-symbols 20 --wf-bars 50000`` is the issue's size). The
   as-live runs twice: as configured (retrains continue the model they replace, ``[live]
   continue_rounds``) and from scratch at every retrain (``continue_rounds = 0``; skip it with
   ``--skip-scratch`` at sizes where it would take an hour). Printed: seconds and fits of each,
   the ratio to the 5-fold walk-forward, and the out-of-sample mean per-timestamp rank IC (with
   its t) of each on the rows all of them scored, so the reuse's cost in quality is seen too.
   ``--planted-ic X`` plants a momentum signal of rank IC ``X`` against the 5-bar forward
   return (the default target) in a random walk, so each one's ability to find it shows.

Run: ``.venv/bin/python bench/bench_live.py [--symbols 20] [--history 3000 30000] [--iterations 10]
[--wf-symbols 10] [--wf-bars 3000] [--retrain-every 30D] [--planted-ic 0.05] [--skip-scratch]
[--skip-walk-forward] [--skip-live]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import ClassVar

import pandas as pd
from _timing import timed
from _workspace import configure, synthetic_workspace

from alphaforge.data.datasets import raw_store, synthesize
from alphaforge.live import Feed, FeedBatch, LiveLoop, RetrainSchedule
from alphaforge.pipeline.train import train


class MemoryFeed(Feed):
    """The next bar time of each symbol from a frame in memory (what a poll of an exchange returns)."""

    name: ClassVar[str] = "memory"

    def __init__(self, bars: pd.DataFrame, warmup_until: pd.Timestamp) -> None:
        self.bars, self.warmup_until = bars, warmup_until
        self.times = sorted(bars.loc[bars["timestamp"] > warmup_until, "timestamp"].unique())
        self.position = 0

    def fetch(self, last: dict[str, pd.Timestamp], *, warmup: int) -> FeedBatch:
        if not last:
            return FeedBatch(self.bars[self.bars["timestamp"] <= self.warmup_until].groupby("symbol").tail(warmup + 1))
        now = self.times[self.position]
        self.position += 1
        return FeedBatch(self.bars[self.bars["timestamp"] == now])


def rss_mib() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def live_iteration(root: Path, symbols: int, history: int, train_bars: int, iterations: int) -> dict[str, float]:
    workspace = synthetic_workspace(root, live={"chart": False})
    synthesize(workspace, symbols=symbols, bars=history, freq="1h", seed=1)
    bars = raw_store(workspace).load("synth")
    times = sorted(bars["timestamp"].unique())
    end = times[-iterations - 6]
    configure(workspace, data={"start": str(times[-iterations - 6 - train_bars]), "end": str(end)},
              models={"min_rounds": 50, "early_stopping_rounds": 20})
    config = workspace.config()
    train(workspace, config=config, exclude=[])
    tail = bars.groupby("symbol").tail(2_000)  # what the exchange would serve: the recent bars only
    del bars
    loop = LiveLoop(workspace, config, MemoryFeed(tail, end), floor=end + pd.Timedelta(1, "ns"))
    loop.iterate()  # the first poll brings the warm-up
    walls, cpus, peaks = [], [], []
    for _ in range(iterations):
        wall, cpu = timed(loop.iterate)
        walls.append(wall)
        cpus.append(cpu)
    for _ in range(2):  # memory on its own: tracing allocations slows the iteration down
        tracemalloc.start()
        loop.iterate()
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "peak": max(peaks), "rss": rss_mib()}


def walk_forwards(root: Path, symbols: int, bars: int, every: str, scratch: bool,
                  planted_ic: float) -> dict[str, dict[str, float]]:
    """Seconds, fits and out-of-sample IC of the 5-fold and the as-live walk-forwards (continuing,
    and with ``scratch`` from scratch) on one synthetic panel."""
    from alphaforge.config import Config
    from alphaforge.matrix import training_matrix
    from alphaforge.pipeline.as_live import as_live_walk_forward
    from alphaforge.pipeline.walkforward import label_horizon, walk_forward
    from alphaforge.validation.factor import ic_statistics, timestamp_ic

    workspace = synthetic_workspace(root)
    planted = {"mode": "planted", "horizon": 5, "ic": planted_ic} if planted_ic else {}
    synthesize(workspace, symbols=symbols, bars=bars, freq="1h", seed=2, **planted)
    config: Config = workspace.config()
    matrix = training_matrix(workspace, config, config.models.target)
    grid = matrix.timestamps.unique().sort_values()
    start = grid[len(grid) // (config.validation.n_splits + 1)]  # where the 5-fold walk-forward's first test starts
    runs: dict[str, dict] = {}

    def as_live(settings: Config) -> pd.DataFrame:
        result = as_live_walk_forward(matrix, settings, family=settings.models.family, start=start,
                                      schedule=RetrainSchedule.parse(every))
        result.predictions.attrs["fits"] = len(result.segments)
        return result.predictions

    variants = {"5-fold walk-forward": lambda: walk_forward(matrix, config, family=config.models.family).predictions,
                f"as-live every {every}, continuing": lambda: as_live(config)}
    if scratch:
        from_scratch = config.model_copy(update={"live": config.live.model_copy(update={"continue_rounds": 0})})
        variants[f"as-live every {every}, from scratch"] = lambda: as_live(from_scratch)
    for name, run in variants.items():
        started = time.perf_counter()
        predictions = run()
        runs[name] = {"seconds": time.perf_counter() - started, "fits": predictions.attrs.get("fits", 5),
                      "rows": predictions[["symbol", "timestamp", "score", "label"]]}
    common = None
    for got in runs.values():
        keys = got["rows"][["symbol", "timestamp"]]
        common = keys if common is None else common.merge(keys)
    horizon = label_horizon(matrix)
    for got in runs.values():
        ic = timestamp_ic(got.pop("rows").merge(common))
        got.update({key: ic_statistics(ic, horizon)[key] for key in ("mean", "t_stat")})
    return {"rows": len(matrix.y), **runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--history", type=int, nargs=2, default=[3_000, 30_000])
    parser.add_argument("--train-bars", type=int, default=1_000)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--wf-symbols", type=int, default=10)
    parser.add_argument("--wf-bars", type=int, default=3_000)
    parser.add_argument("--retrain-every", default="30D")
    parser.add_argument("--planted-ic", type=float, default=0.0)
    parser.add_argument("--skip-scratch", action="store_true")
    parser.add_argument("--skip-live", action="store_true")
    parser.add_argument("--skip-walk-forward", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_live-") as scratch:
        if not args.skip_live:
            print(f"One live iteration, {args.symbols} symbols (median of {args.iterations}; goal <= 1 s)")
            for history in args.history:
                got = live_iteration(Path(scratch) / f"live{history}", args.symbols, history, args.train_bars,
                                     args.iterations)
                print(f"  history {history:>6} bars: {got['wall']:.3f} s wall, {got['cpu']:.3f} s CPU, "
                      f"peak {got['peak']:.1f} MiB allocated, RSS {got['rss']:.0f} MiB")
        if not args.skip_walk_forward:
            started = time.perf_counter()
            got = walk_forwards(Path(scratch) / "wf", args.wf_symbols, args.wf_bars, args.retrain_every,
                                not args.skip_scratch, args.planted_ic)
            rows = got.pop("rows")
            market = f"planted IC {args.planted_ic}" if args.planted_ic else "realistic market"
            print(f"Walk-forwards, {args.wf_symbols} x {args.wf_bars} hourly bars ({rows} rows, {market})")
            five = next(iter(got.values()))["seconds"]
            for name, run in got.items():
                print(f"  {name:<34} {run['seconds']:7.1f} s {run['fits']:3d} fits {run['seconds'] / five:5.2f}x"
                      f"  IC {run['mean']:.4f} (t {run['t_stat']:.2f})")
            print(f"  total {time.perf_counter() - started:.0f} s; IC on the {rows} rows' common scored part")
    print(f"load: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
