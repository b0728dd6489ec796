"""Backtest speed and agreement: AlphaForge vs vectorbt vs backtesting.py on one EMA crossover.

20 symbols x 50 000 hourly bars (``generate_bars(SynthSpec(symbols=20, bars=50_000))``),
long/flat on EMA(20) > EMA(50), 0.1 % fees, each symbol its own account (100 cash in the
peers, the same in ours). All three get the same signals, computed once, untimed.

- ours: :func:`alphaforge.backtest.simulate` on the (symbols, bars) matrices, the engine
  behind ``run_backtest`` (equity curve, holdings, traded value and costs per bar); also timed:
  the whole :func:`~alphaforge.backtest.run_backtest` (pivot, trade list, metrics, buy-and-hold
  benchmark) from long bars.
- plain numpy: about the least any engine can do here: one cumulative product of per-bar
  growth with entry/exit fee factors, final equity only (no holdings, trades or shorts).
- vectorbt ``Portfolio.from_signals(close, entries, exits, fees=0.001)`` + ``final_value()``,
  after one warm-up call (numba compiles on first use).
- backtesting.py (AGPL: a separately installed peer, never imported by AlphaForge): an
  event-driven loop per symbol, so it runs a few symbols and the time is scaled to 20.
  It buys whole units, so its equity is reported, not held to 1e-9.

Final equities must agree with vectorbt to 1e-9 relative (vectorbt's fee model: an entry
buys value / (1 + fee)). Peers that are not installed are skipped with a note.

    .venv/bin/python bench/bench_backtest.py [--symbols 20] [--bars 50000] [--repeat 10] [--bt-symbols 2]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
import warnings

import numpy as np
import pandas as pd

from alphaforge.backtest import TrendBaseline, run_backtest, simulate
from alphaforge.data.synthetic import SynthSpec, generate_bars
from _timing import best_seconds

FEE = 0.001
CASH = 100.0



def _plain_numpy(close: np.ndarray, long: np.ndarray) -> np.ndarray:
    """Final equity of all-in/flat accounts (symbols, bars): growth while long, fee factors
    at entries and exits, one cumulative product. Nothing else: no holdings, trades or shorts."""
    growth = np.ones_like(close)
    np.divide(close[:, 1:], close[:, :-1], out=growth[:, 1:], where=long[:, :-1])
    changed = np.diff(long, axis=1, prepend=False)  # True where long starts or stops
    growth[changed & long] /= 1.0 + FEE
    growth[changed & ~long] *= 1.0 - FEE
    return CASH * np.cumprod(growth, axis=1)[:, -1]


def _vectorbt(close: pd.DataFrame, entries: pd.DataFrame, repeat: int) -> tuple[float, np.ndarray] | None:
    try:
        import vectorbt as vbt
    except ImportError:
        print("vectorbt: not installed (pip install vectorbt), skipped")
        return None

    def run() -> pd.Series:
        return vbt.Portfolio.from_signals(close, entries, ~entries, fees=FEE, init_cash=CASH).final_value()

    vbt.Portfolio.from_signals(close.iloc[:100], entries.iloc[:100], ~entries.iloc[:100], fees=FEE)  # compile
    return best_seconds(run, repeat), run().to_numpy()


def _backtesting_py(bars: pd.DataFrame, long: np.ndarray, symbols: list[str]) -> tuple[float, np.ndarray] | None:
    try:
        import backtesting
    except ImportError:
        print("backtesting.py: not installed (pip install backtesting), skipped")
        return None

    class Signal(backtesting.Strategy):
        signal = None

        def init(self) -> None:
            self.held = self.I(lambda: self.signal, name="signal", plot=False)

        def next(self) -> None:
            if self.held[-1] and not self.position:
                self.buy()
            elif not self.held[-1] and self.position:
                self.position.close()

    finals, seconds = [], 0.0
    for row, symbol in enumerate(symbols):
        frame = bars[bars["symbol"] == symbol].set_index("timestamp")[["open", "high", "low", "close", "volume"]]
        frame.index = frame.index.tz_localize(None)
        frame.columns = ["Open", "High", "Low", "Close", "Volume"]
        test = backtesting.Backtest(frame, Signal, cash=CASH * 1e6, commission=FEE, trade_on_close=True,
                                    finalize_trades=True)
        began = time.perf_counter()
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):  # its progress bar
            warnings.simplefilter("ignore")
            stats = test.run(signal=long[row].astype(float))
        seconds += time.perf_counter() - began
        finals.append(stats["Equity Final [$]"] / 1e6)
    return seconds, np.array(finals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--bars", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--bt-symbols", type=int, default=2, help="symbols backtesting.py runs (time scaled up)")
    args = parser.parse_args()

    bars = generate_bars(SynthSpec(symbols=args.symbols, bars=args.bars))
    close = bars.pivot(index="timestamp", columns="symbol", values="close")
    weights = TrendBaseline(fast=20, slow=50).target_weights(close).fillna(0.0)
    entries = weights > 0
    close_matrix, weight_matrix = close.to_numpy().T, weights.to_numpy().T  # (symbols, bars) views
    long = weight_matrix > 0
    print(f"{args.symbols} symbols x {args.bars} bars, EMA(20/50) long/flat, {FEE:.1%} fees, "
          f"{int((np.diff(long.astype(int), axis=1) == 1).sum())} entries; best of {args.repeat}")

    ours = best_seconds(lambda: simulate(close_matrix, weight_matrix, fees_bps=FEE * 1e4,
                                          initial_cash=CASH * args.symbols), args.repeat)
    ledger = simulate(close_matrix, weight_matrix, fees_bps=FEE * 1e4, initial_cash=CASH * args.symbols)
    full = best_seconds(lambda: run_backtest(bars, weights, fees_bps=FEE * 1e4, initial_cash=CASH * args.symbols),
                         max(2, args.repeat // 3))
    plain = best_seconds(lambda: _plain_numpy(close_matrix, long), args.repeat)
    plain_final = _plain_numpy(close_matrix, long)
    ours_final = ledger.account_equity[:, -1]
    print(f"{'alphaforge simulate':<34}{ours * 1e3:9.1f} ms")
    print(f"{'alphaforge run_backtest (all)':<34}{full * 1e3:9.1f} ms   pivot, trades, metrics, benchmark")
    print(f"{'plain numpy (final equity only)':<34}{plain * 1e3:9.1f} ms   ours take {ours / plain:4.1f}x as long; "
          f"final equity max rel. diff {np.max(np.abs(ours_final / plain_final - 1)):.1e}")

    peer = _vectorbt(close, entries, max(3, args.repeat // 2))
    if peer is not None:
        seconds, finals = peer
        print(f"{'vectorbt from_signals':<34}{seconds * 1e3:9.1f} ms   ours {seconds / ours:5.1f}x faster; "
              f"final equity max rel. diff {np.max(np.abs(ours_final / finals - 1)):.1e}")
    subset = list(close.columns[: args.bt_symbols])
    peer = _backtesting_py(bars, long, subset)
    if peer is not None:
        seconds, finals = peer
        scaled = seconds * args.symbols / len(subset)
        print(f"{'backtesting.py (scaled to all)':<34}{scaled * 1e3:9.0f} ms   ours {scaled / ours:5.0f}x faster "
              f"({len(subset)} symbols run: {seconds:.1f} s); whole units: final equity max rel. diff "
              f"{np.max(np.abs(ours_final[: len(subset)] / finals - 1)):.1e}")


if __name__ == "__main__":
    main()
