"""Time to generate 20 symbols x 50 000 bars (1 M rows) in each synthetic mode.

The peer is a floor: bare numpy drawing i.i.d. Gaussian log returns and turning them into
closes, with no OHLC, volume or frame; the ratio shows what everything else costs.

    .venv/bin/python bench/bench_synthetic.py [--symbols 20] [--bars 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse

import numpy as np

from alphaforge.data.synthetic import MODES, SynthSpec, generate_bars
from _timing import best_seconds


def _floor(symbols: int, bars: int) -> np.ndarray:
    """Random-walk closes, one row per symbol: the least work any generator must do."""
    return 100.0 * np.exp(np.cumsum(np.random.default_rng(0).normal(0.0, 0.004, (symbols, bars)), axis=1))



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--bars", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = args.symbols * args.bars
    floor = best_seconds(lambda: _floor(args.symbols, args.bars), args.repeat)
    print(f"{args.symbols} symbols x {args.bars} bars = {rows:,} rows, best of {args.repeat}")
    print(f"{'floor (numpy closes only)':<28}{floor:8.3f} s  {rows / floor / 1e6:6.1f} M rows/s")
    for mode in MODES:
        spec = SynthSpec(symbols=args.symbols, bars=args.bars, freq="1h", seed=0, mode=mode)
        seconds = best_seconds(lambda spec=spec: generate_bars(spec), args.repeat)
        print(f"{mode:<28}{seconds:8.3f} s  {rows / seconds / 1e6:6.1f} M rows/s  {seconds / floor:5.1f}x floor")


if __name__ == "__main__":
    main()
