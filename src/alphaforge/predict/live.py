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

import pandas as pd

from alphaforge.config import Config
from alphaforge.data.datasets import load_aligned_macro, load_bars
from alphaforge.errors import InputError
from alphaforge.features import REGISTRY, Feature, compute_features
from alphaforge.models.registry import ResolvedModel
from alphaforge.predict.scores import model_scores, signals
from alphaforge.workspace import Workspace


@dataclass
class Prediction:
    """Scored rows (symbol, timestamp, score, signal, close) and what was noticed on the way."""

    frame: pd.DataFrame
    prices: pd.DataFrame
    notices: list[str] = field(default_factory=list)


def features_for_columns(columns: Sequence[str], macro_series: Sequence[str]) -> list[Feature]:
    """The registered features whose outputs are ``columns`` (macro templates end in ``_<series>``)."""
    chosen: dict[str, Feature] = {}
    for column in columns:
        if column in REGISTRY.names():
            chosen.setdefault(column, REGISTRY.get(column))
            continue
        for series in macro_series:
            base = column.removesuffix(f"_{series}")
            if base != column and base in REGISTRY.names() and REGISTRY.get(base).kind == "macro":
                chosen.setdefault(base, REGISTRY.get(base))
                break
        else:
            raise InputError(f"the model uses feature {column!r}, which no registered feature produces",
                             where="model config.json: features",
                             fix="register that feature (see docs/features.md) or retrain the model")
    return list(chosen.values())


def cutoff(timestamps: pd.Series, *, bars: int | None, hours: float | None) -> pd.Timestamp:
    """First timestamp to score: the last ``bars`` distinct bar times, or the last ``hours``."""
    if hours is not None:
        return timestamps.max() - pd.Timedelta(hours=hours)
    distinct = pd.DatetimeIndex(timestamps.unique()).sort_values()
    return distinct[max(0, len(distinct) - int(bars or 1))]


def predict_recent(workspace: Workspace, model: ResolvedModel, *, symbols: Sequence[str] | None = None,
                   bars: int | None = None, hours: float | None = None, config: Config | None = None) -> Prediction:
    """Score the most recent ``bars`` bars (or ``hours``) of ``symbols`` with ``model``."""
    config = config or workspace.config()
    trained_on = list(model.config.get("symbols", []))
    wanted = list(symbols) if symbols else trained_on
    # cross-sectional features rank across a universe: compute over the training universe too
    universe = sorted(set(wanted) | set(trained_on)) or None
    history = load_bars(workspace, config, symbols=universe)
    if history.empty:
        raise InputError("no bars to predict on", where=f"dataset {config.data.dataset}",
                         fix="check --symbol and the data range in alphaforge.toml")
    macro = load_aligned_macro(workspace, history, config)
    names = list(model.config["features"])
    since = cutoff(history["timestamp"], bars=bars or config.predict.bars, hours=hours)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        unseen = model.check_compatible(names, sorted(set(wanted) or set(history["symbol"].unique())))
        frame = compute_features(history, macro, features_for_columns(names, list(macro.columns) if macro is not None
                                                                       else []), since=since)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InputError(f"features the model needs could not be computed: {missing}",
                         where=f"dataset {config.data.dataset}",
                         fix="the data lacks their input columns (e.g. close-only data); predict on the data the "
                             "model was trained on")
    if wanted:
        frame = frame[frame["symbol"].isin(wanted)].reset_index(drop=True)
        history = history[history["symbol"].isin(wanted)]
    scores = model_scores(model.model, frame[names])
    task = model.model.task
    result = frame[["symbol", "timestamp"]].copy()
    result["score"] = scores
    result["signal"] = signals(scores, task, config.predict.band)
    prices = history[history["timestamp"] >= since][["symbol", "timestamp", "close"]]
    result = result.merge(prices, on=["symbol", "timestamp"], how="left")
    notices = list(dict.fromkeys(str(w.message) for w in caught))
    if unseen:
        notices.append(f"symbols not seen in training: {', '.join(unseen)}")
    return Prediction(result.reset_index(drop=True), prices.reset_index(drop=True), notices)
