"""Hand-computed backtests: a few bars, one or two symbols, every number worked out on paper."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.backtest import ModelStrategy, run_backtest, simulate
from alphaforge.errors import InputError

TIMES = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")


def long_bars(prices: dict[str, list[float]]) -> pd.DataFrame:
    """Canonical close-only bars, one column of ``prices`` per symbol, on TIMES."""
    rows = [(symbol, TIMES[i], p) for symbol, series in prices.items() for i, p in enumerate(series) if not np.isnan(p)]
    return pd.DataFrame(rows, columns=["symbol", "timestamp", "close"])


def test_an_all_in_entry_buys_value_over_one_plus_fee_and_the_exit_sells_minus_fee() -> None:
    # 100 cash, 10 bps: buy 100 / 1.001 of the asset at 100, ride +10 % and -10 %, sell at 99.
    ledger = simulate(np.array([[100.0, 110.0, 99.0, 120.0]]), np.array([[1.0, 1.0, 0.0, 0.0]]),
                      fees_bps=10, initial_cash=100.0)
    entry = 100.0 / 1.001
    exit_ = entry * 0.99 * 0.999
    np.testing.assert_allclose(ledger.equity, [entry, entry * 1.1, exit_, exit_], rtol=1e-14)
    np.testing.assert_allclose(ledger.costs, [100.0 - entry, 0.0, entry * 0.99 * 0.001, 0.0], rtol=1e-12)
    np.testing.assert_allclose(ledger.traded, [entry, 0.0, entry * 0.99, 0.0], rtol=1e-14)


def test_a_signal_at_t_earns_the_return_after_t_not_into_t() -> None:
    # The price doubles into bar 1; a position taken at bar 1 must not see that, only 200 -> 220.
    ledger = simulate(np.array([[100.0, 200.0, 220.0, 220.0]]), np.array([[0.0, 1.0, 1.0, 1.0]]),
                      initial_cash=100.0)
    np.testing.assert_allclose(ledger.equity, [100.0, 100.0, 110.0, 110.0])


def test_a_short_gains_when_the_price_falls_and_pays_costs_both_ways() -> None:
    # Short the whole sub-account at 100 (fee 10 bps): equity 100 / 1.001, units -1/1.001.
    # At 90 it is worth 100/1.001 * (2 - 0.9); covering at 99 costs 99 * units * 1.001.
    ledger = simulate(np.array([[100.0, 90.0, 99.0]]), np.array([[-1.0, -1.0, 0.0]]), fees_bps=10, initial_cash=100.0)
    after_entry = 100.0 / 1.001
    units = -after_entry / 100.0
    cash = after_entry - units * 100.0
    np.testing.assert_allclose(ledger.equity, [after_entry, after_entry * 1.1, cash + units * 99.0 * 1.001],
                               rtol=1e-14)


def test_slippage_and_fees_compound_on_the_fill() -> None:
    ledger = simulate(np.array([[50.0, 50.0]]), np.array([[1.0, 0.0]]), fees_bps=20, slippage_bps=5,
                      initial_cash=1.0)
    entry = 1.0 / (1.002 * 1.0005)
    np.testing.assert_allclose(ledger.equity, [entry, entry * 0.998 * 0.9995], rtol=1e-14)


def test_half_weight_holds_units_and_drifts_between_changes() -> None:
    # 0.5 in the asset, no costs: 50 cash + 0.5 units; price 100 -> 200 -> 100.
    ledger = simulate(np.array([[100.0, 200.0, 100.0]]), np.array([[0.5, 0.5, 0.5]]), initial_cash=100.0)
    np.testing.assert_allclose(ledger.equity, [100.0, 150.0, 100.0])
    np.testing.assert_allclose(ledger.holdings[0], [50.0, 100.0, 50.0])


def test_the_shared_account_rebalances_every_bar() -> None:
    # Two symbols at 1/2 each, no costs: each bar earns the average return (constant mix).
    close = np.array([[100.0, 200.0, 100.0], [100.0, 100.0, 100.0]])
    ledger = simulate(close, np.full((2, 3), 0.5), accounts="shared", initial_cash=100.0)
    np.testing.assert_allclose(ledger.equity, [100.0, 150.0, 112.5])
    # ... and pays for trading back from drift: at bar 1 it sells 25 of A and buys 25 of B.
    costly = simulate(close, np.full((2, 3), 0.5), accounts="shared", fees_bps=100, initial_cash=100.0)
    entry = 100.0 / 1.01
    # After drift A holds entry and B entry/2 (equity 1.5 entry). Trading to x/2 each:
    # x = 1.5 entry - 0.01 (entry - x/2) - 0.01 (x/2 - entry/2); the x terms cancel.
    x = 1.5 * entry - 0.01 * entry + 0.005 * entry
    assert costly.equity[1] == pytest.approx(x, rel=1e-14)


def test_gaps_hold_the_position_and_late_symbols_start_flat() -> None:
    bars = long_bars({"A": [100.0, 110.0, 121.0, 133.1], "B": [np.nan, 50.0, np.nan, 60.0]})
    weights = pd.DataFrame({"A": 1.0, "B": 1.0}, index=TIMES)
    result = run_backtest(bars, weights, fees_bps=0, benchmark=None, initial_cash=200.0)
    # A: +10 % a bar from 100. B: flat until listed at bar 1, then 100 in B, held over its gap.
    np.testing.assert_allclose(result.equity, [200.0, 210.0, 221.0, 133.1 + 120.0])
    assert result.positions["B"].tolist() == [0.0, 1.0, 1.0, 1.0]


def test_buy_and_hold_benchmark_is_all_in_from_the_first_bar() -> None:
    bars = long_bars({"A": [100.0, 110.0, 99.0, 120.0]})
    result = run_backtest(bars, pd.DataFrame({"A": [0.0, 1.0, 1.0, 0.0]}, index=TIMES), fees_bps=10,
                          initial_cash=100.0)
    entry = 100.0 / 1.001
    np.testing.assert_allclose(result.benchmark_equity, [entry, entry * 1.1, entry * 0.99, entry * 1.2], rtol=1e-14)
    assert result.benchmark_metrics["n_trades"] == 1
    equal = run_backtest(bars, "trend_baseline", benchmark="equal_weight", initial_cash=100.0, fees_bps=10)
    np.testing.assert_allclose(equal.benchmark_equity, result.benchmark_equity, rtol=1e-14)  # one symbol: same


def test_start_and_end_bound_the_traded_range() -> None:
    bars = long_bars({"A": [100.0, 110.0, 99.0, 120.0]})
    result = run_backtest(bars, pd.DataFrame({"A": 1.0}, index=TIMES), fees_bps=0, initial_cash=100.0,
                          start=TIMES[1], end="2024-01-03")
    np.testing.assert_allclose(result.equity, [100.0, 90.0])
    assert result.settings["start"].startswith("2024-01-02")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"accounts": "shard"}, "did you mean 'shared'"),
    ({"benchmark": "buy_hold"}, "did you mean 'buy_and_hold'"),
    ({"fees_bps": -1.0}, "fees_bps=-1.0 is outside"),
    ({"start": "2030-01-01"}, "holds 0 bar(s)"),
    ({"end": "2024-13-45"}, "end '2024-13-45' is not a date"),
])
def test_bad_arguments_are_refused_with_the_fix(kwargs: dict, message: str) -> None:
    bars = long_bars({"A": [100.0, 110.0, 99.0, 120.0]})
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_backtest(bars, "trend_baseline", **kwargs)


def test_a_top_k_book_runs_in_one_shared_account() -> None:
    # Top-1 long-only: all equity in the best-scored symbol, switching at bar 1 (no costs).
    bars = long_bars({"A": [100.0, 110.0, 121.0, 121.0], "B": [10.0, 10.0, 5.0, 10.0]})
    predictions = pd.DataFrame({"symbol": ["A", "B"] * 4, "timestamp": TIMES.repeat(2),
                                "prediction": [0.9, 0.1, 0.1, 0.9, 0.9, 0.1, 0.9, 0.1]})
    result = run_backtest(bars, ModelStrategy(predictions, rule="top_k", k=1), fees_bps=0, initial_cash=100.0,
                          benchmark="equal_weight")
    assert result.settings["accounts"] == "shared"
    np.testing.assert_allclose(result.equity, [100.0, 110.0, 55.0, 55.0])  # A +10 %, then B -50 %
    assert result.trades["symbol"].tolist() == ["A", "A", "B"]
    # Equal weight, rebalanced: the mean return each bar: +5 %, (+10 % - 50 %) / 2, (0 % + 100 %) / 2.
    np.testing.assert_allclose(result.benchmark_equity, [100.0, 105.0, 84.0, 126.0], rtol=1e-12)


def test_leverage_beyond_the_cap_is_refused() -> None:
    bars = long_bars({"A": [100.0, 110.0, 99.0, 120.0], "B": [10.0, 11.0, 12.0, 13.0]})
    full = pd.DataFrame({"A": 1.0, "B": -1.0}, index=TIMES)
    assert run_backtest(bars, full).settings["accounts"] == "per_symbol"  # 1 per sub-account is fine
    with pytest.raises(InputError, match="gross exposure of the shared account reaches 2 at 2024-01-01"):
        run_backtest(bars, full, accounts="shared")
    run_backtest(bars, full, accounts="shared", max_leverage=2.0)
    with pytest.raises(InputError, match="weight of 'A' in its sub-account reaches 1.5"):
        run_backtest(bars, full.assign(A=[0.0, 0.0, 1.5, 0.0]))


def test_weights_must_match_the_bars() -> None:
    bars = long_bars({"AAPL": [100.0, 110.0, 99.0, 120.0]})
    with pytest.raises(InputError, match="did you mean 'AAPL'"):
        run_backtest(bars, pd.DataFrame({"AAPl": 1.0}, index=TIMES))
    with pytest.raises(InputError, match="without a bar"):
        run_backtest(bars, pd.DataFrame({"AAPL": 1.0}, index=TIMES + pd.Timedelta(hours=1)))
    with pytest.raises(InputError, match="did you mean 'trend_baseline'"):
        run_backtest(bars, "trend_basline")
    with pytest.raises(InputError, match="Strategy, a strategy name or a wide weight frame"):
        run_backtest(bars, [1, 0, 1])
    with pytest.raises(InputError, match="not time-zone aware"):
        run_backtest(bars.assign(timestamp=bars["timestamp"].dt.tz_localize(None)), "trend_baseline")
    with pytest.raises(InputError, match="repeat a \\(symbol, timestamp\\) pair"):
        run_backtest(pd.concat([bars, bars.iloc[:1]]), "trend_baseline")


def test_an_all_in_trade_returns_what_its_sub_account_made() -> None:
    bars = long_bars({"A": [100.0, 110.0, 99.0, 120.0], "B": [10.0, 10.0, 10.0, 10.0]})
    weights = pd.DataFrame({"A": [1.0, 1.0, 0.0, 0.0], "B": 0.0}, index=TIMES)
    result = run_backtest(bars, weights, fees_bps=10, initial_cash=200.0)
    trade = result.trades.iloc[0]
    assert (trade["symbol"], trade["side"], trade["bars_held"], trade["status"]) == ("A", "long", 2, "closed")
    assert (trade["entry_time"], trade["exit_time"]) == (TIMES[0], TIMES[2])
    assert trade["return"] == pytest.approx(99 * 0.999 / (100 * 1.001) - 1, rel=1e-12)
    assert trade["return"] == pytest.approx(result.equity.iloc[2] / 200.0 * 2 - 1 - 1, rel=1e-12)  # B kept its 100
    assert np.prod(1 + result.returns.to_numpy()) == pytest.approx(result.equity.iloc[-1] / 200.0, rel=1e-12)


def test_sub_account_values_add_up_to_the_equity() -> None:
    close = np.array([[100.0, 110.0, 99.0], [10.0, 9.0, 12.0]])
    ledger = simulate(close, np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 1.0]]), fees_bps=10, initial_cash=100.0)
    np.testing.assert_allclose(ledger.account_equity.sum(axis=0), ledger.equity, rtol=1e-15)
    assert ledger.account_equity[1, 0] == pytest.approx(50.0 / 1.0005)  # half in, fee on half: 50 / (1 + f/2)


def test_results_serialise_and_save_atomically(tmp_path: Path) -> None:
    bars = long_bars({"A": [100.0, 110.0, 99.0, 120.0]})
    predictions = pd.DataFrame({"symbol": "A", "timestamp": TIMES, "prediction": [1.0, -1.0, 1.0, 1.0]})
    strategy = ModelStrategy(predictions, rule="threshold", training_range=("2020-01-01", "2020-12-31"))
    result = run_backtest(bars, strategy)
    text = json.dumps(result.summary())
    assert "2020-12-31" in text and result.summary()["settings"]["strategy"] == "model"
    paths = result.save(tmp_path / "run")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted(p.name for p in paths.values())
    saved = pd.read_parquet(paths["equity"])
    assert list(saved.columns) == ["timestamp", "equity", "drawdown", "benchmark"]
    assert len(pd.read_parquet(paths["trades"])) == len(result.trades) == 2
