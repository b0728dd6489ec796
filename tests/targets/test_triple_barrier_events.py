"""Triple-barrier labels on user-given events and with a calendar vertical barrier: a
hand-computed six-bar case, agreement with the bar-count and every-bar forms, the errors, the
cache key and ``targets build --events``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.errors import InputError
from alphaforge.targets import TargetCache, build_targets, compute_targets, parse_target, t1_column
from alphaforge.targets.triple_barrier import triple_barrier

# Six hourly bars with a gap: 3h is followed by 6h.
HOURS = [0, 1, 2, 3, 6, 7]
CLOSE = [100.0, 102.0, 100.0, 101.0, 95.0, 96.0]


@pytest.fixture
def six_bars(bars_of: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    return bars_of(CLOSE, hours=HOURS)


@pytest.fixture
def events(hours: Callable[..., list[pd.Timestamp]]) -> pd.DataFrame:
    return pd.DataFrame({"symbol": ["A", "A"], "timestamp": hours(2, 3)})


def test_six_bars_by_hand(six_bars: pd.DataFrame, events: pd.DataFrame, hours: Callable) -> None:
    # sigma over 2 returns (ddof 1): at 2h from ln 1.02 and ln(100/102): 0.02801; at 3h from
    # ln(100/102) and ln 1.01: 0.02104.
    # 3h barrier, event 2h: t + 3h = 5h falls in the gap, so the path is bar 3h alone: +0.00995,
    #   inside +-0.02801, and the label is its sign at the last bar by 5h (t1 = 3h).
    # 3h barrier, event 3h: the path is bar 6h alone: ln(95/101) = -0.0612 <= -0.02104: -1 at 6h.
    # 5h barrier, event 2h: path 3h, 6h, 7h (3 bars, width 0.02801 * sqrt 3 = 0.04851):
    #   +0.00995, then ln 0.95 = -0.0513 touches the lower barrier: -1 at 6h.
    # 5h barrier, event 3h: t + 5h = 8h is after the last bar (7h): no label yet.
    names = ["tb_3h_1.0_1.0_given_sign_2", "tb_5h_1.0_1.0_given_sign_2"]
    out = compute_targets(six_bars, names, events=events)
    short, long = names
    np.testing.assert_array_equal(out[short], [np.nan, np.nan, 1.0, -1.0, np.nan, np.nan])
    assert out[t1_column(short)].iloc[2:4].tolist() == hours(3, 6)
    np.testing.assert_array_equal(out[long], [np.nan, np.nan, -1.0, np.nan, np.nan, np.nan])
    assert out[t1_column(long)].iloc[2] == hours(6)[0] and out[t1_column(long)].isna().sum() == 5


def test_the_notebook_call_takes_a_frame_and_any_duration(six_bars: pd.DataFrame, events: pd.DataFrame) -> None:
    by_text = triple_barrier(six_bars, "3h", 1.0, 1.0, events=events, vol_window=2)
    by_delta = triple_barrier(six_bars, pd.Timedelta(hours=3), 1.0, 1.0, events=events, vol_window=2)
    np.testing.assert_array_equal(by_text.values, by_delta.values)
    np.testing.assert_array_equal(by_text.t1, by_delta.t1)
    every_bar = triple_barrier(six_bars, "180min", 1.0, 1.0, vol_window=2)  # all bars are events
    np.testing.assert_array_equal(every_bar.values[2:4], by_text.values[2:4])


def test_a_duration_on_gapless_bars_is_the_bar_count(random_panel: Callable[..., pd.DataFrame]) -> None:
    pairs = [("tb_5_1.0_1.0", "tb_5h_1.0_1.0"), ("tb_5_2.0_0.5_cusumvol1.0", "tb_5h_2.0_0.5_cusumvol1.0")]
    out = compute_targets(random_panel(200), [name for pair in pairs for name in pair])
    for bars, hours in pairs:
        assert out[bars].notna().sum() > 100
        pd.testing.assert_series_equal(out[bars], out[hours], check_names=False)
        pd.testing.assert_series_equal(out[t1_column(bars)], out[t1_column(hours)], check_names=False)


def test_given_events_label_exactly_their_bars(random_panel: Callable[..., pd.DataFrame]) -> None:
    panel = random_panel(200)
    picked = panel.sample(60, random_state=0)
    # repeats, another row order, an event name and naive times (UTC) change nothing
    events = pd.concat([picked, picked.iloc[:5]])[["symbol", "timestamp"]].iloc[::-1].assign(event="x")
    events["timestamp"] = events["timestamp"].dt.tz_localize(None)
    out = compute_targets(panel, ["tb_5_1.0_1.0_given", "tb_5_1.0_1.0"], events=events)
    chosen = panel.index.isin(picked.index)
    given, every = out["tb_5_1.0_1.0_given"], out["tb_5_1.0_1.0"]
    assert given[~chosen].isna().all() and given[chosen].notna().sum() > 40
    pd.testing.assert_series_equal(given[chosen], every[chosen], check_names=False)


def test_an_event_off_every_bar_names_its_row(six_bars: pd.DataFrame, hours: Callable) -> None:
    events = pd.DataFrame({"symbol": ["A", "A", "A"], "timestamp": hours(2, 4, 6)})  # no bar at 4h
    with pytest.raises(InputError, match="events row 1") as caught:
        compute_targets(six_bars, ["tb_3h_1.0_1.0_given"], events=events)
    assert "falls on no bar" in str(caught.value)
    with pytest.raises(InputError, match="events row 0"):
        compute_targets(six_bars, ["tb_3h_1.0_1.0_given"],
                        events=pd.DataFrame({"symbol": ["B"], "timestamp": hours(2)}))


def test_events_and_given_targets_come_together(six_bars: pd.DataFrame, events: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="none were given"):
        compute_targets(six_bars, ["tb_3h_1.0_1.0_given"])
    with pytest.raises(InputError, match="no target labels given events"):
        compute_targets(six_bars, ["tb_3h_1.0_1.0"], events=events)
    with pytest.raises(InputError, match="events table itself"):
        triple_barrier(six_bars, 3, 1.0, 1.0, events="given")
    with pytest.raises(InputError, match="columns symbol, timestamp"):
        compute_targets(six_bars, ["tb_3h_1.0_1.0_given"], events=events.rename(columns={"timestamp": "time"}))


@pytest.mark.parametrize(("name", "canonical"), [
    ("tb_48h_2.0_1.0", "tb_2D_2.0_1.0"), ("tb_5d_2.0_1.0", "tb_5D_2.0_1.0"), ("tb_90min_2.0_1.0", "tb_90min_2.0_1.0"),
    ("tb_3600s_2.0_1.0_given", "tb_1h_2.0_1.0_given"), ("tb_24_2.0_1.0_given_zero", "tb_24_2.0_1.0_given_zero"),
])
def test_calendar_and_given_names_are_canonical(name: str, canonical: str) -> None:
    assert parse_target(name).name == canonical
    assert parse_target(canonical).name == canonical


@pytest.mark.parametrize("name", ["tb_5x_2.0_1.0", "tb_0h_2.0_1.0", "tb_0_2.0_1.0", "tb_1.5D_2.0_1.0",
                                  "tb_24_2.0_1.0_given1"])
def test_bad_horizons_and_event_names_say_the_forms(name: str) -> None:
    with pytest.raises(InputError, match="duration: 5D, 36h|event filter"):
        parse_target(name)


def test_the_cache_keys_on_the_events_content(tmp_path: Path, six_bars: pd.DataFrame, events: pd.DataFrame,
                                              hours: Callable) -> None:
    cache = TargetCache(tmp_path)
    name = "tb_3h_1.0_1.0_given_sign_2"
    first, report = build_targets(six_bars, [name], data_sha256="abc", cache=cache, events=events)
    assert report.misses == [name]
    same = events.iloc[::-1].assign(event="breakout")  # the same bars: the same labels
    again, report = build_targets(six_bars, [name], data_sha256="abc", cache=cache, events=same)
    assert report.hits == [name]
    pd.testing.assert_frame_equal(first, again)
    other, report = build_targets(six_bars, [name], data_sha256="abc", cache=cache,
                                  events=pd.DataFrame({"symbol": ["A"], "timestamp": hours(3)}))
    assert report.misses == [name] and other[name].notna().sum() == 1
    with pytest.raises(InputError, match="cached by the events' content"):
        cache.key("abc", parse_target(name))
