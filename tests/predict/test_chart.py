"""The prediction charts: markers where the position changes, every symbol reachable, titles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from alphaforge.artifacts import ModelCard, TargetRef
from alphaforge.models.registry import ResolvedModel
from alphaforge.errors import AlphaForgeError
from alphaforge.predict.chart import (
    PARALLEL_MIN_CHARTS,
    PER_PAGE,
    _Chart,
    _draw,
    _draw_all,
    model_title,
    position_changes,
    write_prediction_charts,
)

PNG = b"\x89PNG\r\n\x1a\n"


def frames(symbols: list[str], signals: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    times = pd.date_range("2024-01-01", periods=len(signals), freq="D", tz="UTC")
    predictions = pd.concat([pd.DataFrame({"symbol": s, "timestamp": times, "signal": signals,
                                           "score": np.linspace(-1, 1, len(signals)),
                                           "close": 100.0 + np.arange(len(signals))}) for s in symbols])
    return predictions[["symbol", "timestamp", "close"]], predictions.reset_index(drop=True)


def test_changes_are_entries_and_exits_per_symbol_in_time_order() -> None:
    times = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC")
    frame = pd.DataFrame({"symbol": ["A"] * 6 + ["B"] * 6, "timestamp": [*times, *times],
                          "signal": [0, 1, 1, 0, -1, -1, -1, -1, 1, 1, 1, 0]}).sample(frac=1.0, random_state=3)
    changes = position_changes(frame)
    assert list(zip(changes["symbol"], changes["timestamp"].dt.day, changes["signal"])) == [
        ("A", 2, 1), ("A", 4, 0), ("A", 5, -1),  # buy, flat, sell
        ("B", 1, -1), ("B", 3, 1), ("B", 6, 0),  # a first bar in a position counts as an entry
    ]


def test_a_held_position_is_one_marker_not_one_per_bar() -> None:
    prices, predictions = frames(["A"], [0, 1, 1, 1, 1, 1, 0, 0, -1, -1])
    figure = Figure()
    top, bottom = figure.subplots(2, 1)
    _draw("A", (prices, predictions, position_changes(predictions)), top, bottom)
    markers = {c.get_label(): len(c.get_offsets()) for c in top.collections}
    assert markers == {"buy": 1, "flat": 1, "sell": 1}


def test_every_symbol_gets_a_chart_and_the_overview_is_paged(tmp_path: Path) -> None:
    symbols = [f"S{i}" for i in range(PER_PAGE + 2)] + ["BTC/USDT"]
    prices, predictions = frames(symbols, [0, 1, 1, -1])
    stem = tmp_path / "predictions" / "latest"
    written = write_prediction_charts(prices, predictions, stem, title="m v1, target t")
    names = [f"{s}.png" for s in sorted(s.replace("/", "_") for s in symbols)]
    assert written == [stem.with_suffix(".png"), stem / "overview-2.png", *(stem / n for n in names)]
    assert all(path.read_bytes().startswith(PNG) for path in written)
    again = write_prediction_charts(*frames(["S0", "S1"], [1, 0]), stem, title="m v2, target t")
    assert again == [stem.with_suffix(".png"), stem / "S0.png", stem / "S1.png"]
    assert sorted(p.name for p in stem.iterdir()) == ["S0.png", "S1.png"]  # nothing stale from the first run
    assert write_prediction_charts(prices.iloc[:0], predictions.iloc[:0], stem, title="") == []


def test_titles_name_the_model_version_and_target_never_a_folder(tmp_path: Path) -> None:
    card = ModelCard(stage="tuning", created="2024-05-01T10:00:00+00:00", family="ridge", task="regression",
                     params={}, seed=0, target=TargetRef(name="fwd_ret_5"), features=["px_ret_1"], symbols=["A"],
                     scope="per_symbol", data_fingerprint="f")
    version = ResolvedModel(None, card, tmp_path / "models" / "fwd_ret_5-lightgbm" / "v3" / "final", "final")
    assert model_title(version) == "fwd_ret_5-lightgbm v3, target fwd_ret_5"
    checkpoint = ResolvedModel(None, card, tmp_path / "cv" / "best_model", "extended_cv")
    assert model_title(checkpoint) == "extended-CV model 2024-05-01, target fwd_ret_5"
    tuned = ResolvedModel(None, card, tmp_path / "tuning" / "study1" / "best_model", "tuning")
    assert model_title(tuned) == "tuning study1 model 2024-05-01, target fwd_ret_5"


def test_charts_drawn_by_worker_processes_are_the_same_files_byte_for_byte(tmp_path: Path) -> None:
    """Two processes draw a run's two dozen charts (matplotlib holds the GIL); the files do not change."""
    symbols = [f"S{i}" for i in range(PARALLEL_MIN_CHARTS)]
    prices, predictions = frames(symbols, [0, 1, 1, -1, 0, 1])
    heard: dict[str, list[tuple[str, int, int]]] = {"one": [], "two": []}
    serial = write_prediction_charts(prices, predictions, tmp_path / "one" / "latest", title="m v1, target t",
                                     progress=lambda what, done, total: heard["one"].append((what, done, total)))
    parallel = write_prediction_charts(prices, predictions, tmp_path / "two" / "latest", title="m v1, target t",
                                       workers=2,
                                       progress=lambda what, done, total: heard["two"].append((what, done, total)))
    assert len(serial) == len(parallel) >= PARALLEL_MIN_CHARTS
    # a line per chart drawn, from 0 (each worker's when it ends): what a stage of seconds shows
    assert heard["one"] == heard["two"] == [("prediction charts", done, len(serial)) for done in range(len(serial) + 1)]
    assert [p.relative_to(tmp_path / "two") for p in parallel] == [p.relative_to(tmp_path / "one") for p in serial]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(serial, parallel, strict=True))


def _symbol_charts(folder: Path) -> list[_Chart]:
    """One chart per symbol, enough of them for a worker, drawn into ``folder``."""
    prices, predictions = frames([f"S{i}" for i in range(PARALLEL_MIN_CHARTS)], [0, 1, 1, -1])
    return [_Chart(s, {s: (prices[prices["symbol"] == s], predictions[predictions["symbol"] == s],
                           predictions.iloc[:0])}, folder / f"{s}.png", "t") for s in predictions["symbol"].unique()]


def test_a_failing_chart_worker_fails_the_charts_with_its_error(tmp_path: Path) -> None:
    charts = _symbol_charts(tmp_path)
    (tmp_path / "S7.png").mkdir()  # a folder where the last chart, a worker's, goes
    with pytest.raises(AlphaForgeError, match=r"chart worker failed(.|\n)*IsADirectoryError"):
        _draw_all(charts, workers=2, drawn=None)
    assert (tmp_path / "S0.png").read_bytes().startswith(PNG)  # this process drew its share


def test_when_this_process_fails_its_share_the_workers_are_stopped(tmp_path: Path) -> None:
    charts = _symbol_charts(tmp_path)
    (tmp_path / "S0.png").mkdir()  # a folder where the first chart, this process's, goes
    with pytest.raises(IsADirectoryError):
        _draw_all(charts, workers=2, drawn=None)


def test_a_symbols_title_is_placed_without_measuring_its_tick_labels(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Matplotlib searches for room above an axes' top tick labels before it places a title where
    the labels' side is mixed, as on the price axes (their dates hidden, shared with the score
    axes): a layout of every tick label, 1.5 s of 8.4 s of the demo's charts profiled. There are none above
    the price, so the title is placed at the top of the axes, which draws the same bytes."""
    from matplotlib.axis import XAxis

    measured: list[int] = []
    tight_box = XAxis.get_tightbbox
    monkeypatch.setattr(XAxis, "get_tightbbox", lambda self, *a, **k: measured.append(1) or tight_box(self, *a, **k))
    written = write_prediction_charts(*frames(["A", "B"], [0, 1, 1, -1]), tmp_path / "latest", title="m v1, target t")
    assert written and measured == []


def test_times_reach_matplotlib_as_datetime64_and_draw_the_same_bytes(tmp_path: Path, plotted_times: list[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Zoned timestamps went through Python datetimes one by one in matplotlib; naive UTC
    ``datetime64`` values draw the same charts, byte for byte."""
    prices, predictions = frames(["A", "B"], [0, 1, 1, -1, 0])
    fast = write_prediction_charts(prices, predictions, tmp_path / "fast", title="m v1, target t")
    assert plotted_times and set(plotted_times) == {"M"}
    monkeypatch.setattr("alphaforge.predict.chart.naive_utc", lambda times: times)  # matplotlib's own conversion
    zoned = write_prediction_charts(prices, predictions, tmp_path / "zoned", title="m v1, target t")
    assert [p.read_bytes() for p in zoned] == [p.read_bytes() for p in fast]
