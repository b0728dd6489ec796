"""The live loop against a local exchange emulator (the downloader tests' server on 127.0.0.1,
serving generated hourly candles as time advances): paging, 429 with Retry-After, a gap, a late
bar, a bar revised after it was first served, and an exchange that is down for a while.

Decisions the tests pin (see :mod:`alphaforge.live.prediction_data`): the raw store keeps the
first served version of a bar and logs a revision; a bar that arrives after later bars were
signalled is logged as late and not stored; a newest bar the exchange publishes late is
signalled on the next poll, not missed; a source that is down is logged and polled again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.data.datasets import raw_store, store_frame
from alphaforge.data.download import HttpClient, RetryPolicy
from alphaforge.live import BinanceFeed, SignalLog
from alphaforge.pipeline.live import live
from tests.data.test_download import Fault, fake_market  # noqa: F401  (the server fixture)

PAIRS = ["BTCUSDT", "ETHUSDT"]
OPEN = pd.Timestamp("2021-01-01T00:00Z")
HOUR_MS = 3_600_000
TRAINED = 400  # candles the model trains on; the loop starts after them


def _candles(pair: str, n: int, seed: int) -> list[list]:
    """Klines like Binance's: open time ms, OHLCV as strings, close time ms, then the rest."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    opened = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(opened, close) * (1 + rng.uniform(0, 0.005, n))
    low = np.minimum(opened, close) * (1 - rng.uniform(0, 0.005, n))
    volume = rng.uniform(10, 20, n)
    start = OPEN.value // 1_000_000
    return [[start + i * HOUR_MS, f"{opened[i]:.6f}", f"{high[i]:.6f}", f"{low[i]:.6f}", f"{close[i]:.6f}",
             f"{volume[i]:.6f}", start + (i + 1) * HOUR_MS - 1, "0", 1, "0", "0", "0"] for i in range(n)]


def _bars(rows: list[list], pair: str) -> pd.DataFrame:
    return pd.DataFrame({"symbol": pair, "timestamp": [pd.Timestamp(r[0] + HOUR_MS, unit="ms", tz="UTC") for r in rows],
                         **{c: [float(r[i]) for r in rows] for i, c in enumerate(("open", "high", "low", "close",
                                                                                  "volume"), 1)}})


@pytest.mark.network
def test_the_loop_rides_out_what_an_exchange_does(fake_market, tmp_path):  # noqa: F811
    market, url = fake_market
    history = {pair: _candles(pair, TRAINED + 20, seed) for seed, pair in enumerate(PAIRS)}
    project = af.init(tmp_path / "ws")
    store_frame(project.workspace, "binance_1h", pd.concat([_bars(history[p][:TRAINED], p) for p in PAIRS]),
                kind="bars", source="emulator")
    project = project.with_config(data={"dataset": "binance_1h", "macro": ""},
                                  models={"family": "gradient_boosting", "min_rounds": 20, "early_stopping_rounds": 10},
                                  live={"chart": False, "history_bars": 10}, novelty={"threshold": 100.0})
    project.save_config()
    project.train()
    sleeps: list[float] = []
    client = HttpClient(policy=RetryPolicy(timeout=2, max_retries=3, backoff_base=0.1, max_retry_after=60),
                        sleep=sleeps.append, random=lambda: 0.0)
    clock = {"hour": TRAINED}  # now: just after the candle opened at hour - 1 closed
    feed = BinanceFeed(PAIRS, "1h", url, client=client, page_size=100,
                       clock=lambda: OPEN + pd.Timedelta(hours=clock["hour"], minutes=5))

    def serve(pair: str, upto: int, skip: tuple[int, ...] = ()) -> None:
        market.klines[pair] = [row for i, row in enumerate(history[pair][:upto]) if i not in skip]

    def poll() -> dict:
        market.requests.clear()
        summary = live(project.workspace, config=project.config, feed=feed, max_iterations=1)
        clock["hour"] += 1
        return summary

    for pair in PAIRS:
        serve(pair, TRAINED)
    first = poll()  # the warm-up comes in pages of 100 candles
    assert first["rows"] == 2 and len(market.requests) >= 6
    assert first["signals"].keys() == set(PAIRS)

    serve("BTCUSDT", TRAINED + 1), serve("ETHUSDT", TRAINED + 1)
    market.faults.append(Fault(status=429, headers={"Retry-After": "7"}))
    assert poll()["rows"] == 2 and sleeps == [7.0]  # waited as asked, within the iteration

    serve("BTCUSDT", TRAINED + 1), serve("ETHUSDT", TRAINED + 2)  # BTC's newest candle is late
    assert poll()["reports"][0]["signals"].keys() == {"ETHUSDT"}
    serve("BTCUSDT", TRAINED + 3), serve("ETHUSDT", TRAINED + 3)
    late = poll()
    assert late["rows"] == 3  # BTC's late candle and its next one, ETH's next one

    gap = (TRAINED + 3,)  # ETH's candle of that hour is never published
    serve("BTCUSDT", TRAINED + 4), serve("ETHUSDT", TRAINED + 5, skip=gap)
    assert poll()["reports"][0]["signals"].keys() == {"BTCUSDT"}  # nothing complete from ETH this hour
    serve("BTCUSDT", TRAINED + 5), serve("ETHUSDT", TRAINED + 5, skip=gap)
    gapped = poll()
    assert gapped["rows"] == 2 and any("gap bar ETHUSDT" in n for n in gapped["notices"])

    revised = [*history["BTCUSDT"][TRAINED + 4]]
    first_close = float(revised[4])
    revised[4] = f"{first_close * 1.01:.6f}"  # served again (the poll's one-bar overlap) with another close
    history["BTCUSDT"][TRAINED + 4] = revised
    serve("BTCUSDT", TRAINED + 6), serve("ETHUSDT", TRAINED + 6, skip=gap)
    changed = poll()
    assert changed["rows"] == 2 and any("revised bar BTCUSDT" in n for n in changed["notices"])
    stored = raw_store(project.workspace).load("live_live")
    kept = stored[(stored["symbol"] == "BTCUSDT")
                  & (stored["timestamp"] == OPEN + pd.Timedelta(hours=TRAINED + 5))]["close"]
    assert kept.tolist() == [first_close]  # the raw store keeps the first served version

    market.faults.extend([Fault(status=503)] * 4)  # down: every retry of this poll fails
    down = poll()
    assert down["rows"] == 0 and down["reports"][0]["status"].startswith("source unavailable")
    serve("BTCUSDT", TRAINED + 8), serve("ETHUSDT", TRAINED + 8)
    assert poll()["rows"] == 4  # back: both hours it missed are signalled

    log = SignalLog(project.path / "live" / "live")
    rows = log.read()
    assert not rows.duplicated(["symbol", "timestamp"]).any()
    served = {pair: [OPEN + pd.Timedelta(hours=h + 1) for h in range(TRAINED - 1, TRAINED + 8)] for pair in PAIRS}
    served["ETHUSDT"].remove(OPEN + pd.Timedelta(hours=TRAINED + 4))  # the gap
    for pair in PAIRS:
        assert rows.loc[rows["symbol"] == pair, "timestamp"].tolist() == served[pair]
    kinds = log.read_events()["kind"].value_counts()
    assert {"gap", "revised", "source_down"} <= set(kinds.index)
