"""What the prediction dataset does with what a poll brings, and the folder feed."""

from __future__ import annotations

import pandas as pd

from alphaforge.data.rawstore import RawStore
from alphaforge.live import FolderFeed, PredictionData

TIMES = pd.date_range("2024-01-01", periods=6, freq="h", tz="UTC")


def _bars(symbol: str, times, close: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame({"symbol": symbol, "timestamp": times, "open": close, "high": close, "low": close,
                         "close": close, "volume": 1.0})


def test_new_bars_are_added_repeats_ignored_revisions_and_late_bars_reported(tmp_path):
    data = PredictionData(RawStore(tmp_path), "live_test")
    stored = pd.concat([_bars("A", TIMES[[0, 1, 2, 4]]), _bars("B", TIMES[:3])], ignore_index=True)
    incoming = pd.concat([_bars("A", TIMES[[1]]),            # a repeat
                          _bars("A", TIMES[[2]], close=2.0),  # revised
                          _bars("A", TIMES[[3]]),            # late: A already has the bar after it
                          _bars("A", TIMES[[5]]),            # new
                          _bars("B", TIMES[[5]])], ignore_index=True)  # new, two bars after B's last: a gap
    merged = data.merge(stored, incoming)
    assert merged.added == 2
    assert [(r["symbol"], r["bar_time"]) for r in merged.revised] == [("A", TIMES[2])]
    assert "close 1 -> 2" in merged.revised[0]["detail"]
    assert [(r["symbol"], r["bar_time"]) for r in merged.late] == [("A", TIMES[3])]
    assert [(r["symbol"], r["bar_time"]) for r in merged.gaps] == [("B", TIMES[5])]
    a = merged.bars[merged.bars["symbol"] == "A"]
    assert a["timestamp"].tolist() == list(TIMES[[0, 1, 2, 4, 5]]) and a["close"].tolist() == [1.0] * 5

    kept = PredictionData.trim(merged.bars, {"A": TIMES[4], "B": TIMES[2]}, keep=2)
    assert kept.groupby("symbol")["timestamp"].apply(list).to_dict() == {
        "A": list(TIMES[[2, 4, 5]]), "B": list(TIMES[[1, 2, 5]])}
    version = data.write(kept)
    assert data.write(kept).version == version.version  # the same content is one version


def test_a_folder_feed_reads_what_the_user_drops_in(tmp_path):
    feed = FolderFeed(tmp_path / "incoming")
    assert feed.fetch({}, warmup=10).bars.empty  # no folder yet: no bars, not an error
    (tmp_path / "incoming").mkdir()
    _bars("A", TIMES[:3]).drop(columns="symbol").to_csv(tmp_path / "incoming" / "A.csv", index=False)
    batch = feed.fetch({}, warmup=10)
    assert batch.bars["symbol"].tolist() == ["A"] * 3
