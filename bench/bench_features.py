"""Feature engine benchmark on the synthetic 20 x 50 000-bar hourly panel (1 M rows).

Measured side by side in one run and printed with ratios:

1. The indicators TA-Lib also has (RSI, MACD line/signal/histogram, Bollinger %b/width, NATR,
   ADX/±DI, stochastic %K/%D, Williams %R, CCI, MFI, ROC, OBV slope): our ``compute_features``
   against TA-Lib's C functions looping over the symbols into the same matrix, on one thread
   (the loop users write) and with the symbols shared among the same threads as ours (one per
   usable CPU; the goal's like-for-like peer). Best of ``--repeat`` runs. (Our exponential averages are truncated windows, for exact
   training/prediction parity; TA-Lib's are recursions. See tests/features/test_talib_agreement.py.)
2. The whole default set (with two aligned macro series): time, values (rows × columns) per
   second, the system time and page faults of one run (memory the kernel hands out afresh and
   zeroes: the output matrix, and any freed memory the allocator gave back), and peak traced
   memory (tracemalloc, in a separate run) against the size of the final float64 feature matrix.
3. Latest-bar prediction features for one symbol (the call a live predictor makes each bar):
   median in-process time, given the symbol's whole history or only the last warm-up rows.

Times are wall clock and this process's CPU time; on a shared machine the CPU time (and the
load average printed) says how much of the wall time was other work.

    .venv/bin/python bench/bench_features.py [--symbols 20] [--bars 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import statistics
import tracemalloc
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import talib

from alphaforge.cpus import usable_cpus
from alphaforge.data.synthetic import SynthSpec, generate_bars
from alphaforge.features import FeatureSkipWarning, compute_features, resolve_features, warmup_rows
from _timing import timed

SHARED = ["ta_rsi_14", "ta_macd_line", "ta_macd_signal", "ta_macd_hist", "ta_bb_pctb_20", "ta_bb_width_20",
          "ta_natr_14", "ta_adx_14", "ta_plus_di_14", "ta_minus_di_14", "ta_stoch_k_14", "ta_stoch_d_14",
          "ta_willr_14", "ta_cci_20", "ta_mfi_14", "px_ret_12", "ta_obv_slope_20"]


def _talib_matrix(bars: pd.DataFrame, threads: int = 1) -> np.ndarray:
    """The SHARED outputs with TA-Lib, symbol by symbol, into one float64 matrix; the symbols
    shared among ``threads`` threads as compute_features shares them (TA-Lib's functions, like
    our NumPy kernels, run without the GIL)."""
    columns = {c: bars[c].to_numpy(dtype=np.float64) for c in ("high", "low", "close", "volume")}
    codes, _ = pd.factorize(bars["symbol"])  # as compute_features finds its symbols
    edges = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    out = np.empty((len(bars), len(SHARED)), order="F")

    def fill(start: int, stop: int) -> None:
        h, l, c, v = (columns[k][start:stop] for k in ("high", "low", "close", "volume"))
        macd, signal, hist = talib.MACD(c, 12, 26, 9)
        upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0, 0)
        slow_k, slow_d = talib.STOCH(h, l, c, 14, 3, 0, 3, 0)
        values = [talib.RSI(c, 14), macd / c, signal / c, hist / c, (c - lower) / (upper - lower),
                  (upper - lower) / middle, talib.NATR(h, l, c, 14), talib.ADX(h, l, c, 14),
                  talib.PLUS_DI(h, l, c, 14), talib.MINUS_DI(h, l, c, 14), slow_k, slow_d, talib.WILLR(h, l, c, 14),
                  talib.CCI(h, l, c, 20), talib.MFI(h, l, c, v, 14), talib.ROC(c, 12),
                  talib.LINEARREG_SLOPE(talib.OBV(c, v), 20) / talib.SMA(v, 20)]
        for j, value in enumerate(values):
            out[start:stop, j] = value

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for done in [pool.submit(fill, start, stop) for start, stop in itertools.pairwise(edges.tolist())]:
            done.result()
    return out


def _best(runs: list[Callable[[], object]], repeat: int) -> list[tuple[float, float]]:
    """Fastest (wall, CPU) seconds of ``repeat`` runs of each, the runs interleaved so that other
    work on the machine disturbs each about equally."""
    times: list[list[tuple[float, float]]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, spent in zip(runs, times, strict=True):
            spent.append(timed(run))
    return [(min(w for w, _ in spent), min(c for _, c in spent)) for spent in times]


def _macro(bars: pd.DataFrame) -> pd.DataFrame:
    """Two random-walk macro series aligned row for row to the bars."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({"rate": 2.0 + np.cumsum(rng.normal(0, 0.01, len(bars))),
                         "vix": 15.0 + np.cumsum(rng.normal(0, 0.1, len(bars)))})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--bars", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", FeatureSkipWarning)
    bars = generate_bars(SynthSpec(symbols=args.symbols, bars=args.bars, freq="1h", seed=0))
    macro = _macro(bars)
    print(f"panel: {args.symbols} symbols x {args.bars} bars = {len(bars):,} rows")

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    threads = usable_cpus()
    alone, theirs, ours = _best([lambda: _talib_matrix(bars), lambda: _talib_matrix(bars, threads),
                                 lambda: compute_features(bars, features=SHARED)], args.repeat)
    print(f"\n1. indicators TA-Lib also has ({len(SHARED)} outputs)      wall        CPU")
    print(f"   TA-Lib, 1 thread    {alone[0] * 1e3:9.1f} ms {alone[1] * 1e3:9.1f} ms   (the usual loop over symbols)")
    print(f"   TA-Lib, {threads} thread(s) {theirs[0] * 1e3:9.1f} ms {theirs[1] * 1e3:9.1f} ms   (symbols shared as ours are)")
    print(f"   alphaforge          {ours[0] * 1e3:9.1f} ms {ours[1] * 1e3:9.1f} ms   ({threads} thread(s))")
    print(f"   ratio to TA-Lib on the same threads: {ours[0] / theirs[0]:.2f}x wall, {ours[1] / theirs[1]:.2f}x CPU "
          f"(goal <= 1.2x); to the 1-thread loop: {ours[0] / alone[0]:.2f}x wall")

    features = resolve_features("default")
    [(seconds, cpu_seconds)] = _best([lambda: compute_features(bars, macro, features)], args.repeat)
    before = resource.getrusage(resource.RUSAGE_SELF)
    compute_features(bars, macro, features)
    after = resource.getrusage(resource.RUSAGE_SELF)
    tracemalloc.start()  # numpy reports its allocations to tracemalloc
    frame = compute_features(bars, macro, features)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    values = len(frame) * (frame.shape[1] - 2)
    matrix = values * 8
    print(f"\n2. whole default set ({len(features)} features, {frame.shape[1] - 2} columns with 2 macro series)")
    print(f"   time                {seconds:9.2f} s wall, {cpu_seconds:.2f} s CPU  "
          f"({cpu_seconds / (frame.shape[1] - 2) * 1e3:.1f} ms CPU per column; TA-Lib above: "
          f"{theirs[1] / len(SHARED) * 1e3:.1f} ms per output)")
    print(f"   throughput          {values / seconds / 1e6:9.0f} M values/s wall, {values / cpu_seconds / 1e6:.0f} M "
          f"values/s CPU  ({values:,} values; goal >= 100 M values/s)")
    print(f"   system time, faults {after.ru_stime - before.ru_stime:9.2f} s, {after.ru_minflt - before.ru_minflt:,} page "
          f"faults in one run (the {matrix / 2**20:.0f} MiB output alone: ~{matrix / 2**21:.0f} with 2 MiB pages)")
    print(f"   peak traced memory  {peak / 2**20:9.0f} MiB  = {peak / matrix:.2f}x the final float64 matrix "
          f"({matrix / 2**20:.0f} MiB; goal <= 3x)")
    del frame

    symbol = bars[bars["symbol"] == bars["symbol"].iloc[0]].reset_index(drop=True)
    recent = symbol.iloc[-(warmup_rows(features) + 1):].reset_index(drop=True)
    last = symbol["timestamp"].iloc[-1]
    print(f"\n3. latest-bar prediction features, one symbol ({len(features)} features, xs_ ranks are NaN alone)")
    for label, history in ((f"whole history ({len(symbol):,} bars)", symbol),
                           (f"last {len(recent)} bars (the warm-up)", recent)):
        compute_features(history, features=features, since=last)
        runs = [timed(lambda h=history: compute_features(h, features=features, since=last)) for _ in range(50)]
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"   {label:32s} median {wall * 1e3:6.2f} ms wall, {cpu * 1e3:6.2f} ms CPU  (goal: median < 20 ms)")
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
