"""Live-style prediction: the most recent bars through the shared feature path, then the model.

Features are computed by :func:`alphaforge.features.compute_features` in prediction mode
(values from a cut-off on, reading only the warm-up they need) — the same code that built the
training table, so a value for (symbol, t) is identical in both. This module never imports
targets: training-only code cannot reach prediction.

Only the bars prediction uses are read, whatever the length of the history: each symbol's last
bars (to place the window), then from the window's first scored bar on with the features'
warm-up before it (:func:`~alphaforge.data.datasets.load_recent_bars`). The one number the
whole history decides, the panel size that resolves the ``auto`` signal rule, is computed once
per data version and remembered beside the data (:meth:`~alphaforge.data.rawstore.RawStore.remember`).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphaforge.config import Config
from alphaforge.data.datasets import (
    load_aligned_macro,
    load_bars,
    load_recent_bars,
    raw_store,
)
from alphaforge.errors import InputError
from alphaforge.features import (
    REGISTRY,
    Feature,
    compute_features,
    features_for_columns,
    warmup_rows,
)
from alphaforge.models.panel import cross_section_size
from alphaforge.models.registry import ResolvedModel
from alphaforge.predict.scores import model_scores
from alphaforge.predict.signals import SignalRule, long_sides, rule_from_config
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


def resolve_model_features(columns: Sequence[str]) -> list[Feature]:
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


def prediction_warmup(features: Sequence[Feature]) -> int:
    """Bars before the first scored bar that computing ``features`` reads per symbol: the largest
    lookback of the features and of the bases their cross-sectional ranks are taken of."""
    bases = [REGISTRY.get(f.base) for f in features if f.kind == "cross_sectional"]
    return warmup_rows([*features, *bases])


def _signal_rule(workspace: Workspace, config: Config, task: str, universe: list[str] | None) -> SignalRule:
    """The configured rule with ``auto`` resolved on the panel size of the whole history the
    prediction ranks across (``universe`` in the configured range), as it always was; that size
    is remembered per data version, so only the first prediction reads the history for it."""
    rule = rule_from_config(config, task)
    if rule.rule != "auto":
        return rule
    scope = {"symbols": universe or config.data.symbols or None, "start": config.data.start, "end": config.data.end}
    size = raw_store(workspace).remember(
        config.data.dataset, f"cross_section_size {json.dumps(scope, sort_keys=True)}",
        lambda: cross_section_size(pd.DatetimeIndex(load_bars(workspace, config, symbols=universe)["timestamp"]).asi8))
    return rule.resolved_for(size)


def predict_recent(workspace: Workspace, model: ResolvedModel, *, symbols: Sequence[str] | None = None,
                   bars: int | None = None, hours: float | None = None, config: Config | None = None) -> Prediction:
    """Score the most recent ``bars`` bars (or ``hours``) of each of ``symbols`` with ``model``.

    The signals follow the configured rule (:func:`~alphaforge.predict.signals.rule_from_config`)
    as the backtest applies it, so they equal the backtest's positions on the same bars:
    cross-sectional rules rank across the model's whole training universe at each timestamp,
    and the rolling rule reads ``window`` scores from before the first predicted bar. Only the
    bars this needs are read (see the module docstring).
    """
    config = config or workspace.config()
    trained_on = list(model.card.symbols)
    wanted = list(symbols) if symbols else trained_on
    # cross-sectional features and rules rank across a universe: compute and score all of it
    universe = sorted(set(wanted) | set(trained_on)) or None
    names = list(model.card.features)
    features = resolve_model_features(names)
    rule = _signal_rule(workspace, config, model.model.task, universe)
    bars = bars or config.predict.bars
    # each symbol's last bars: enough to place the window and the past scores the rule reads
    latest = load_recent_bars(workspace, config, symbols=universe, rows=bars + rule.lookback) if hours is None else \
        load_recent_bars(workspace, config, symbols=universe, span=pd.Timedelta(hours=hours),
                         rows=max(rule.lookback, 1))  # 1: the bar before tells a short history from a long one
    if latest.empty:
        raise InputError("no bars to predict on", where=f"dataset {config.data.dataset}",
                         fix="check --symbol and the data range in alphaforge.toml")
    wanted = wanted or sorted(latest["symbol"].unique())
    window = recent_window(latest, wanted, bars=bars, hours=hours, lookback=rule.lookback)
    history = load_recent_bars(workspace, config, symbols=universe, since=window.since,
                               rows=prediction_warmup(features))
    macro = load_aligned_macro(workspace, history, config, recent=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        unseen = model.check_compatible(names, sorted(set(wanted)))
        frame = compute_features(history, macro, features, since=window.since)
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
