"""Factor tear sheet benchmark on the synthetic 20 x 50 000-bar hourly panel (1 M rows).

Measured in one run and printed with a ratio to the usual way of writing it:

1. The whole tear sheet of a score against the 5-bar forward return (per-timestamp IC and its
   statistics, IC by year, quantile returns, long-short, turnover, IC decay at 1/5/10/20
   bars, pooled IC); best of ``--repeat`` runs.
2. The per-timestamp IC alone, ours against a pandas ``groupby(timestamp)`` applying
   ``scipy.stats.spearmanr`` to each timestamp (what alphalens' factor_information_coefficient
   does), on the first ``--peer-timestamps`` timestamps and scaled to the whole panel.
3. The baselines' scores on the prediction rows, and the best single feature among
   ``--features`` columns on the 1 M training rows (ranked on at most 5 000 timestamps).

Times are wall clock and this process's CPU time; on a shared machine the CPU time (and the
load average printed) says how much of the wall time was other work.

    .venv/bin/python bench/bench_tearsheet.py [--symbols 20] [--bars 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd
from scipy import stats

from alphaforge.data.synthetic import SynthSpec, generate_bars
from alphaforge.validation import baseline_frames, best_single_feature, tear_sheet, timestamp_ic
from _timing import best_timed, timed


def _predictions(bars: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows labelled by the 5-bar forward return, scored by the label plus noise, and the closes."""
    close = bars.pivot(index="timestamp", columns="symbol", values="close")
    forward = (close.shift(-5) / close - 1).rename_axis(index="timestamp", columns="symbol")
    rows = forward.stack().rename("label").reset_index()
    noise = np.random.default_rng(seed).normal(0.0, 5 * rows["label"].std(), len(rows))
    return rows.assign(score=rows["label"].fillna(0.0) + noise), close


def _groupby_ic(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("timestamp").apply(lambda g: stats.spearmanr(g["score"], g["label"],
                                                                      nan_policy="omit").statistic)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--bars", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-timestamps", type=int, default=2_000)
    parser.add_argument("--features", type=int, default=90)
    args = parser.parse_args()

    bars = generate_bars(SynthSpec(symbols=args.symbols, bars=args.bars, freq="1h", seed=0))
    predictions, close = _predictions(bars, seed=1)
    print(f"panel: {args.symbols} symbols x {args.bars} bars = {len(predictions):,} prediction rows")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    wall, cpu = best_timed(lambda: tear_sheet(predictions, close, horizon=5), args.repeat)
    print(f"\n1. whole tear sheet      {wall:7.2f} s wall {cpu:7.2f} s CPU")
    print(f"   {tear_sheet(predictions, close, horizon=5).summary_line()}")

    ours = best_timed(lambda: timestamp_ic(predictions), args.repeat)
    head = predictions[predictions["timestamp"] < predictions["timestamp"].unique()[args.peer_timestamps]]
    peer_wall, peer_cpu = timed(lambda: _groupby_ic(head))
    scale = predictions["timestamp"].nunique() / args.peer_timestamps
    print(f"\n2. per-timestamp IC      {ours[0]:7.2f} s wall {ours[1]:7.2f} s CPU")
    print(f"   groupby + spearmanr   {peer_wall * scale:7.2f} s wall {peer_cpu * scale:7.2f} s CPU"
          f"   ratio {peer_wall * scale / ours[0]:.0f}x")
    print(f"   (the peer timed on {args.peer_timestamps:,} timestamps, scaled to all)")

    baselines = timed(lambda: baseline_frames(predictions, close))
    features = pd.DataFrame(np.random.default_rng(2).normal(size=(len(predictions), args.features)),
                            columns=[f"f{i:02d}" for i in range(args.features)])
    labels, times = predictions["label"].to_numpy(), predictions["timestamp"].to_numpy()
    best = timed(lambda: best_single_feature(features, labels, times))
    print(f"\n3. baseline scores       {baselines[0]:7.2f} s wall {baselines[1]:7.2f} s CPU")
    print(f"   best of {args.features} features   {best[0]:7.2f} s wall {best[1]:7.2f} s CPU")


if __name__ == "__main__":
    main()
