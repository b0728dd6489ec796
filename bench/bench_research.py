"""Does the default model rank stocks? The default `alphaforge run` on the bundled S&P 500
stocks, scored like a quant scores a factor, beside the simplest factors on the same rows.

Each walk-forward prediction row (the out-of-sample scores `alphaforge run` writes to
``cv/walk_forward/``) is scored by the daily cross-sectional Spearman IC between the score at
t and the target's realised 5-bar forward return, over the 20 stocks (the index ``SP500``
excluded); the t-statistic uses every 5th day (non-overlapping labels). Beside it, on exactly
the same rows and days: 12-1 momentum (log close t-21 minus t-252) and 5-day reversal, and
the share of days on which all scores tie. Goal (issue 15): mean daily IC >= 0.03 and >=
momentum's, t >= 3, <= 1 % tied days, with any fold count (``--folds``).

Run: ``.venv/bin/python bench/bench_research.py [--folds 5] [--workspace DIR]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from alphaforge.data.datasets import load_bars
from alphaforge.validation import timestamp_ic
from alphaforge.validation.baselines import momentum, reversal
from alphaforge.workspace import Workspace
from _workspace import configure

INDEX = "SP500"
HORIZON = 5


def _alphaforge(root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "alphaforge", "--workspace", str(root), *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _statistics(frame: pd.DataFrame) -> dict[str, float]:
    ic = timestamp_ic(frame).dropna()
    every = ic.iloc[::HORIZON]
    tied = frame.groupby("timestamp")["score"].nunique() <= 1
    return {"ic": float(ic.mean()), "t": float(every.mean() / every.std(ddof=1) * np.sqrt(len(every))),
            "days": len(ic), "tied": float(tied.mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="[validation] n_splits of the walk-forward")
    parser.add_argument("--workspace", type=Path, help="reuse this workspace (its cache) instead of a fresh one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workspace or Path(tmp) / "ws"
        if not (root / "alphaforge.toml").exists():
            _alphaforge(root.parent, "init", str(root))
        workspace = Workspace(root)
        configure(workspace, validation={"n_splits": args.folds})
        _alphaforge(root, "data", "demo")
        seconds = _alphaforge(root, "run", "--no-track")
        config = workspace.config()
        folder = root / "cv" / "walk_forward" / f"{config.models.target}-{config.models.family}"
        predictions = pd.read_parquet(folder / "predictions.parquet")
        assert predictions["fold"].nunique() == args.folds, "the walk-forward predictions are not this run's"
        bars = load_bars(workspace, config)
    close = bars.pivot(index="timestamp", columns="symbol", values="close")
    rows = predictions[predictions["symbol"] != INDEX].reset_index(drop=True)
    systems = {"model": rows,
               "momentum 12-1": rows.assign(score=_at(momentum(close, 252, 21), rows)),
               "reversal 5d": rows.assign(score=_at(reversal(close, 5), rows))}
    figures = {name: _statistics(frame) for name, frame in systems.items()}
    start, end = rows["timestamp"].min().date(), rows["timestamp"].max().date()
    print(f"default run, {args.folds} walk-forward folds, {start} .. {end}, {rows['symbol'].nunique()} stocks "
          f"(the run took {seconds:.0f} s)")
    print(f"{'system':<16}{'mean IC':>9}{'t':>7}{'days':>7}{'tied days':>11}{'IC / momentum':>15}")
    for name, stats in figures.items():
        ratio = stats["ic"] / figures["momentum 12-1"]["ic"]
        print(f"{name:<16}{stats['ic']:>9.4f}{stats['t']:>7.2f}{stats['days']:>7}{stats['tied']:>10.1%}{ratio:>15.2f}")
    model = figures["model"]
    passed = (model["ic"] >= 0.03 and model["ic"] >= figures["momentum 12-1"]["ic"] and model["t"] >= 3
              and model["tied"] <= 0.01)
    print(f"goal (IC >= 0.03 and >= momentum, t >= 3, <= 1 % tied): {'met' if passed else 'NOT met'}")


def _at(factor: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """The factor's value at each row's (timestamp, symbol)."""
    stacked = factor.stack(future_stack=True)
    keys = pd.MultiIndex.from_arrays([rows["timestamp"], rows["symbol"]])
    return stacked.reindex(keys).to_numpy(dtype=np.float64)


if __name__ == "__main__":
    main()
