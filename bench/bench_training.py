"""Training-stage overhead: AlphaForge's best + final training vs bare ``lightgbm.train`` calls.

Both sides get the same 1 M x 80 float64 matrix (a panel of 500 symbols x 2 000 times, a
weak planted signal, 5 % NaN), the same time-ordered split (last 20 % of the times validate;
overlapping labels purged), the same LightGBM parameters and the same work:

- bare: ``lightgbm.train`` with early stopping on the validation rows, then ``lightgbm.train``
  on every row with the best iteration count;
- ours: :func:`alphaforge.models.training.train_best_and_final` (DataFrame in, split, both
  fits, and the train/validation/in-sample metrics it reports).

Each side runs in a fresh subprocess (``--repeat N``: N runs per side, interleaved, the
fastest kept: the machine may be shared). The data is generated first; then the peak-RSS
watermark is reset (``/proc/self/clear_refs``) so the peak memory reported is what training
itself added on top of the data. Printed: seconds, peak MiB above the data, and ratios
ours / bare (goal: time <= 1.1x, memory <= 1.3x).

Run: ``.venv/bin/python bench/bench_training.py [--rows 1000000] [--features 80] [--rounds 200] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd

N_SYMBOLS = 500
HORIZON_DAYS = 5
VALIDATION_FRACTION = 0.2
EARLY_STOPPING = 20


def make_data(rows: int, features: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, pd.DatetimeIndex,
                                                                   pd.DatetimeIndex]:
    """A time-major panel: X (DataFrame over one float64 block), y, timestamps, label times."""
    rng = np.random.default_rng(seed)
    n_times = rows // N_SYMBOLS
    values = rng.standard_normal((n_times * N_SYMBOLS, features))
    values[rng.random(values.shape) < 0.05] = np.nan
    y = 0.05 * np.nan_to_num(values[:, 0]) - 0.03 * np.nan_to_num(values[:, 1]) + rng.standard_normal(len(values))
    times = pd.date_range("2000-01-01", periods=n_times, freq="D", tz="UTC").repeat(N_SYMBOLS)
    symbols = np.tile([f"S{i:03d}" for i in range(N_SYMBOLS)], n_times)
    index = pd.MultiIndex.from_arrays([symbols, times], names=["symbol", "timestamp"])
    X = pd.DataFrame(values, columns=[f"f{j:02d}" for j in range(features)], index=index, copy=False)
    return X, y, times, times + pd.Timedelta(days=HORIZON_DAYS)


def _params(rounds: int) -> dict:
    return {"n_estimators": rounds, "learning_rate": 0.1, "num_leaves": 63, "min_data_in_leaf": 200}


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmHWM: peak, VmRSS: current)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def run_ours(X: pd.DataFrame, y: np.ndarray, times: pd.DatetimeIndex, t1: pd.DatetimeIndex, rounds: int) -> int:
    from alphaforge.models.training import train_best_and_final

    outcome = train_best_and_final(X, y, timestamps=times, t1=t1, family="lightgbm", task="regression",
                                   params=_params(rounds), seed=0, device="cpu",
                                   validation_fraction=VALIDATION_FRACTION, early_stopping_rounds=EARLY_STOPPING)
    return int(outcome.best.best_iteration_)


def run_bare(X: pd.DataFrame, y: np.ndarray, times: pd.DatetimeIndex, t1: pd.DatetimeIndex, rounds: int) -> int:
    import lightgbm as lgb

    from alphaforge.models import make_model
    from alphaforge.models.training import time_split

    split = time_split(times, t1, VALIDATION_FRACTION)
    model = make_model("lightgbm", task="regression", params=_params(rounds), seed=0, device="cpu")
    model.device_ = "cpu"
    params, rounds = model.lightgbm_params()  # the exact dict our side passes to lightgbm.train
    matrix = X.to_numpy()
    train = lgb.Dataset(matrix[split.train], label=y[split.train])
    valid = lgb.Dataset(matrix[split.validation], label=y[split.validation], reference=train)
    best = lgb.train(params, train, num_boost_round=rounds, valid_sets=[valid],
                     callbacks=[lgb.early_stopping(EARLY_STOPPING, first_metric_only=True, verbose=False)])
    lgb.train(params, lgb.Dataset(matrix, label=y), num_boost_round=best.best_iteration)
    return int(best.best_iteration)


def measure(side: str, rows: int, features: int, rounds: int) -> dict:
    """Generate the data, reset the peak-RSS watermark, train one side; seconds and MiB above the data."""
    X, y, times, t1 = make_data(rows, features)
    import lightgbm  # noqa: F401  (library load outside the measurement, on both sides)

    import alphaforge.models.training  # noqa: F401

    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    baseline = _status_kib("VmRSS")
    start = time.perf_counter()
    best_iteration = (run_ours if side == "ours" else run_bare)(X, y, times, t1, rounds)
    seconds = time.perf_counter() - start
    return {"side": side, "seconds": seconds, "peak_mib": (_status_kib("VmHWM") - baseline) / 1024,
            "data_mib": baseline / 1024, "best_iteration": best_iteration}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=200, help="boosting rounds at most (early stopping)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side, interleaved; the fastest is kept")
    parser.add_argument("--side", choices=["ours", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(measure(args.side, args.rows, args.features, args.rounds)))
        return
    results: dict[str, dict] = {}
    for _ in range(args.repeat):
        for side in ("bare", "ours"):
            output = subprocess.run([sys.executable, __file__, "--side", side, "--rows", str(args.rows),
                                     "--features", str(args.features), "--rounds", str(args.rounds)],
                                    capture_output=True, text=True, check=True).stdout
            run = json.loads(output.strip().splitlines()[-1])
            if side not in results or run["seconds"] < results[side]["seconds"]:
                results[side] = run
    print(f"training stage, {args.rows:,} rows x {args.features} features, <= {args.rounds} rounds "
          f"(data itself: {results['bare']['data_mib']:.0f} MiB resident)")
    for side in ("bare", "ours"):
        r = results[side]
        label = "bare lightgbm.train x2" if side == "bare" else "alphaforge train_best_and_final"
        print(f"  {label:<34} {r['seconds']:8.2f} s   peak +{r['peak_mib']:7.0f} MiB   "
              f"best iteration {r['best_iteration']}")
    time_ratio = results["ours"]["seconds"] / results["bare"]["seconds"]
    memory_ratio = results["ours"]["peak_mib"] / results["bare"]["peak_mib"]
    print(f"  ratio ours/bare: time {time_ratio:.2f}x (goal <= 1.1x), peak memory {memory_ratio:.2f}x "
          "(goal <= 1.3x)")


if __name__ == "__main__":
    main()
