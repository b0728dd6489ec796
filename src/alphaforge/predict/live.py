"""Live-style prediction: the most recent bars through the shared feature path, then the model.

Features are computed by :func:`alphaforge.features.compute_features` in prediction mode
(values from a cut-off on, reading only the warm-up they need) — the same code that built the
training table, so a value for (symbol, t) is identical in both. This module never imports
targets: training-only code cannot reach prediction.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphaforge.config import Config
from alphaforge.data.datasets import load_aligned_macro, load_bars
from alphaforge.errors import InputError
from alphaforge.features import Feature, compute_features, features_for_columns
from alphaforge.models.registry import ResolvedModel
from alphaforge.predict.scores import model_scores
from alphaforge.predict.signals import long_sides, rule_from_config
from alphaforge.workspace import Workspace


@dataclass
class Prediction:
    """Scored rows (symbol, timestamp, score, signal, close), the bars they cover, the rule the
    signals followed (``auto`` resolved) and what was noticed on the way."""

    frame: pd.DataFrame
    prices: pd.DataFrame
    rule: str
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RecentWindow:
    """Which bars `predict` reports: from ``starts[symbol]`` on, scoring from ``since`` on."""

    starts: pd.Series
    since: pd.Timestamp
    notices: list[str]


def _model_features(columns: Sequence[str]) -> list[Feature]:
    """The registered features producing a model's columns; an unknown one names the model's config."""
    try:
        return features_for_columns(columns)
    except InputError as error:
        raise InputError(f"the model uses a feature no registered feature produces ({error.message})",
                         where="model config.json: features",
                         fix="register that feature (see docs/features.md) or retrain the model") from None


def recent_window(history: pd.DataFrame, symbols: Sequence[str], *, bars: int, hours: float | None = None,
                  lookback: int = 0) -> RecentWindow:
    """Each symbol's last ``bars`` bars (or those within ``hours`` of its last bar), counted back
    from that symbol's own last bar, so a symbol whose data ends early still gets its window.

    Scoring starts ``lookback`` bars earlier than the earliest window (the past scores the rolling
    rule reads). ``history`` is sorted by (symbol, timestamp); notices name the symbols with
    fewer bars than asked.

    >>> times = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    >>> history = pd.DataFrame({"symbol": ["A"] * 4 + ["B"] * 2, "timestamp": [*times, *times[:2]]})
    >>> window = recent_window(history, ["A", "B"], bars=3)
    >>> window.starts.dt.day.to_dict(), window.notices
    ({'A': 2, 'B': 1}, ['B has 2 bars, fewer than the 3 asked'])
    """
    rows = history[history["symbol"].isin(symbols)]
    from_end = rows.groupby("symbol").cumcount(ascending=False)  # 0 at each symbol's last bar
    last = rows.groupby("symbol")["timestamp"].transform("max")
    shown = from_end < bars if hours is None else rows["timestamp"] >= last - pd.Timedelta(hours=hours)
    count = shown.groupby(rows["symbol"]).sum()
    scored = from_end < rows["symbol"].map(count) + lookback
    starts = rows["timestamp"][shown].groupby(rows["symbol"][shown]).min()
    notices = [f"{symbol} has no bars in the configured data range" for symbol in symbols
               if symbol not in starts.index]
    if hours is None:
        notices += [f"{symbol} has {n} bars, fewer than the {bars} asked" for symbol, n in count.items() if n < bars]
    else:
        span = rows.groupby("symbol")["timestamp"].agg(["min", "max"])
        short = span[span["min"] > span["max"] - pd.Timedelta(hours=hours)]
        notices += [f"{symbol} has bars only from {first}, less than the {hours:g} hours asked"
                    for symbol, first in short["min"].items()]
    since = rows["timestamp"][scored].min() if scored.any() else history["timestamp"].max()
    return RecentWindow(starts, since, notices)


def predict_recent(workspace: Workspace, model: ResolvedModel, *, symbols: Sequence[str] | None = None,
                   bars: int | None = None, hours: float | None = None, config: Config | None = None) -> Prediction:
    """Score the most recent ``bars`` bars (or ``hours``) of each of ``symbols`` with ``model``.

    The signals follow the configured rule (:func:`~alphaforge.predict.signals.rule_from_config`)
    as the backtest applies it, so they equal the backtest's positions on the same bars:
    cross-sectional rules rank across the model's whole training universe at each timestamp,
    and the rolling rule reads ``window`` scores from before the first predicted bar.
    """
    config = config or workspace.config()
    trained_on = list(model.card.symbols)
    wanted = list(symbols) if symbols else trained_on
    # cross-sectional features and rules rank across a universe: compute and score all of it
    universe = sorted(set(wanted) | set(trained_on)) or None
    history = load_bars(workspace, config, symbols=universe)
    if history.empty:
        raise InputError("no bars to predict on", where=f"dataset {config.data.dataset}",
                         fix="check --symbol and the data range in alphaforge.toml")
    wanted = wanted or sorted(history["symbol"].unique())
    macro = load_aligned_macro(workspace, history, config)
    names = list(model.card.features)
    rule = rule_from_config(config, model.model.task).resolve(pd.DatetimeIndex(history["timestamp"]).asi8)
    window = recent_window(history, wanted, bars=bars or config.predict.bars, hours=hours, lookback=rule.lookback)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        unseen = model.check_compatible(names, sorted(set(wanted)))
        frame = compute_features(history, macro, _model_features(names), since=window.since)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InputError(f"features the model needs could not be computed: {missing}",
                         where=f"dataset {config.data.dataset}",
                         fix="the data lacks their input columns (e.g. close-only data); predict on the data the "
                             "model was trained on")
    result = frame[["symbol", "timestamp"]].assign(score=model_scores(model.model, frame[names]))
    result["signal"] = np.nan_to_num(long_sides(result, "score", rule)).astype(np.int8)
    result = result[result["timestamp"] >= result["symbol"].map(window.starts)]  # NaT (other symbols): dropped
    prices = history[history["timestamp"] >= history["symbol"].map(window.starts)][["symbol", "timestamp", "close"]]
    if result.empty:
        raise InputError(f"no bars of {', '.join(wanted)} to predict", where=f"dataset {config.data.dataset}",
                         fix="check --symbol and the data range ([data] start/end) in alphaforge.toml")
    result = result.merge(prices, on=["symbol", "timestamp"], how="left")
    notices = [*dict.fromkeys(str(w.message) for w in caught), *window.notices]
    if unseen:
        notices.append(f"symbols not seen in training: {', '.join(unseen)}")
    return Prediction(result.reset_index(drop=True), prices.reset_index(drop=True), rule.rule, notices)
