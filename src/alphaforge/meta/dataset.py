"""The meta dataset: one row per base-strategy signal, its features at signal time and its outcome.

Timing follows the backtest engine: a signal at bar ``t`` is traded at ``t``'s close, so the
entry price is close[t] and the trade's path is the closes of the symbol's next ``h`` bars
(``h`` = ``horizon``). Features are the shared ones (the one compute path) at (symbol, t),
known at ``t``. Returns are signed by the trade's side: r_k = side * (close[t+k] / close[t] - 1).
The label becomes known at ``t1``; purged splits read it.

The labels are the target registry's (:mod:`alphaforge.targets`), signed by the trade's side:
the registry labels bars, a trade is a bar plus a side, so the side-adjustment lives here. A
long signal's label is the registry target's on its bar; a short's is its mirror.

Label types (``threshold`` = ``success_threshold``, a fraction):

``binary_absolute``
    1 when r_h >= threshold, else 0: for a long, ``binary_abs_{h}_{threshold}``. ``t1`` is
    ``fwd_ret_{h}``'s.
``binary_outperformance``
    1 when side * (ret_h - benchmark_h) > 0, the benchmark being the equal-weight mean of the
    h-bar returns of every symbol with a bar at the signal's timestamp (at least two): for a
    long, ``binary_outperf_{h}_ew``, whose ``t1`` (the latest of those returns') it takes. The
    threshold is not used.
``multi_class``
    2 (win) when r_h >= threshold, 0 (loss) when r_h <= -threshold, 1 otherwise.
``triple_barrier``
    The first bar k <= h where r_k >= threshold (label 1, take profit) or r_k <= -threshold
    (label -1, stop loss) ends the trade; neither by bar h: label 0 at bar h. ``t1``, the exit
    price and the realised return are those of the exit bar.

Gaps follow the registry: ``h`` counts the symbol's own bars, so a gap in its bars makes the
trade span longer in time, and ``t1`` records it. (The meta dataset used to count bars of the
panel's common timeline and carry the last price over a symbol's gaps, so a label could end
on a bar the symbol did not trade, before its h-th own bar.) A signal on a bar where its
symbol has no price (before its first bar, or in a gap) has no entry price and no label:
nothing trades there, and the registry has no row to label.

The meta-model predicts *success*: the label equal to :data:`SUCCESS_LABEL` of its type.
Signals whose horizon runs past a symbol's last bar get no label (nor exit price, nor
realised return) and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.backtest._frames import Grid, close_grid
from alphaforge.backtest.strategies import Strategy
from alphaforge.choices import LABEL_TYPES
from alphaforge.errors import InputError
from alphaforge.meta.signals import entry_signals
from alphaforge.targets._core import (
    NO_POSITION,
    bar_keys,
    chunk_rows,
    first_crossing,
    forward_windows,
)
from alphaforge.targets.binary import EQUAL_WEIGHT, excess_return
from alphaforge.targets.forward import forward_return
from alphaforge.timestamps import to_utc

SUCCESS_LABEL = {"binary_absolute": 1, "binary_outperformance": 1, "multi_class": 2, "triple_barrier": 1}
OUTCOME_COLUMNS = ("label", "realized_return", "entry_price", "exit_price", "horizon_bars", "t1", "label_type",
                   "success_threshold", "strategy")
"""Columns of a meta dataset that are not features (besides ``symbol`` and ``timestamp``): the
outcome, and how it was labelled (so a dataset file describes itself)."""
KEY_COLUMNS = ("symbol", "timestamp")
_FREQ = re.compile(r"(\d+)\s*([A-Za-z]+)")
_FREQ_UNITS = {"s": "s", "min": "min", "m": "min", "h": "h", "d": "D", "w": "W"}


@dataclass(frozen=True)
class LabelSpec:
    """How a signal's outcome is labelled: horizon in bars, threshold, label type (module docstring)."""

    horizon: int = 10
    threshold: float = 0.02
    label_type: str = "binary_absolute"

    def __post_init__(self) -> None:
        if isinstance(self.horizon, bool) or not isinstance(self.horizon, (int, np.integer)) or self.horizon < 1:
            raise InputError(f"horizon={self.horizon!r} is not a whole number of bars >= 1",
                             where="--label-horizon-bars/--label-horizon-days", fix="pass e.g. 10")
        if not np.isfinite(self.threshold) or self.threshold < 0:
            raise InputError(f"success threshold {self.threshold!r} is not a fraction >= 0",
                             where="--success-threshold", fix="pass e.g. 0.02 for 2 %")
        if self.label_type not in LABEL_TYPES:
            raise InputError(f"unknown label type {self.label_type!r}", where="--label-type",
                             fix=f"use one of: {', '.join(LABEL_TYPES)}")


def horizon_in_bars(*, days: float | None, bars: int | None, freq: str) -> int:
    """The label horizon in bars: ``bars`` as given, or ``days`` at bar length ``freq`` (default 10 bars).

    >>> horizon_in_bars(days=2, bars=None, freq="1h"), horizon_in_bars(days=None, bars=None, freq="1d")
    (48, 10)
    """
    if days is not None and bars is not None:
        raise InputError("both --label-horizon-days and --label-horizon-bars given", where="label horizon",
                         fix="pass one of them")
    if bars is not None:
        return int(bars)
    if days is None:
        return LabelSpec().horizon
    return max(1, round(pd.Timedelta(days=days) / parse_freq(freq)))


def parse_freq(freq: str) -> pd.Timedelta:
    """A bar length such as ``1d``, ``1h``, ``5min``, ``1w`` as a Timedelta.

    >>> parse_freq("1d"), parse_freq("15min")
    (Timedelta('1 days 00:00:00'), Timedelta('0 days 00:15:00'))
    """
    match = _FREQ.fullmatch(str(freq).strip())
    unit = _FREQ_UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None or int(match.group(1)) < 1:
        raise InputError(f"--freq {freq!r} is not a bar length", where="--freq", fix="pass e.g. 1d, 1h or 5min")
    return pd.Timedelta(int(match.group(1)), unit=unit)


def check_frequency(bars: pd.DataFrame, freq: str, dataset: str) -> None:
    """Refuse ``bars`` (of dataset ``dataset``) whose median spacing is not about ``freq``."""
    spacing = bars.groupby("symbol", observed=True)["timestamp"].diff().median()
    wanted = parse_freq(freq)
    if pd.notna(spacing) and not (wanted / 2 < spacing < wanted * 2):
        raise InputError(f"dataset '{dataset}' holds bars {spacing} apart, not {freq}",
                         where="--freq", fix="pass the dataset's frequency, or set data.dataset to a "
                                             f"{freq} dataset")


def _own_bars(grid: Grid) -> pd.DataFrame:
    """The grid's priced cells as long bars (symbol, timestamp, close), symbol by symbol: each
    symbol's own bars, the rows the target registry labels."""
    symbol_at, bar_at = np.nonzero(np.isfinite(grid.close))
    return pd.DataFrame({"symbol": grid.symbols.astype(str)[symbol_at], "timestamp": grid.timestamps[bar_at],
                         "close": grid.close[symbol_at, bar_at]})


def _signal_rows(grid: Grid, signals: pd.DataFrame) -> np.ndarray:
    """Each signal's row in :func:`_own_bars`, or NO_POSITION where its symbol has no price at its bar."""
    priced = np.isfinite(grid.close).ravel()
    row_of_cell = np.cumsum(priced) - 1
    column = grid.symbols.astype(str).get_indexer(signals["symbol"])
    cell = column * grid.close.shape[1] + signals["entry_bar"].to_numpy()
    return np.where(priced[cell], row_of_cell[cell], NO_POSITION)


def _first_touch(close: np.ndarray, rows: np.ndarray, side: np.ndarray, horizon: int,
                 threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Triple-barrier label and exit row of trades entered at ``rows`` of ``close`` (module docstring).

    Every row's horizon must lie within its symbol's bars: ``close`` holds all symbols one after
    another, so a window running past a symbol's end would read the next symbol's closes.
    """
    windows = forward_windows(close, horizon)
    label = np.zeros(len(rows))
    exit_row = rows + horizon
    for chunk in chunk_rows(np.arange(len(rows)), horizon):
        entry = rows[chunk]
        paths = side[chunk, None] * (windows[entry] / close[entry, None] - 1.0)
        first = first_crossing(np.abs(paths), np.full(len(chunk), threshold), above=True)
        touched = first != NO_POSITION
        label[chunk[touched]] = np.sign(paths[touched, first[touched]])
        exit_row[chunk[touched]] = entry[touched] + 1 + first[touched]
    return label, exit_row


def _spread(known: np.ndarray, values: np.ndarray, empty: object) -> np.ndarray:
    """An array as long as ``known`` holding ``values`` where it is true and ``empty`` elsewhere."""
    out = np.full(len(known), empty, dtype=values.dtype)
    out[known] = values
    return out


def label_signals(grid: Grid, signals: pd.DataFrame, spec: LabelSpec) -> pd.DataFrame:
    """Outcome columns (:data:`OUTCOME_COLUMNS` but ``strategy``) of each :func:`entry_signals` row
    on ``grid``; unlabelled rows have NaN ``label`` and NaT ``t1`` (module docstring)."""
    bars = _own_bars(grid)
    close = bars["close"].to_numpy()
    h = spec.horizon
    # the registry's value on the trade's bar, before the side: its forward or its excess return
    if spec.label_type == "binary_outperformance":
        reference = excess_return(bars, h, EQUAL_WEIGHT)
    else:
        reference = forward_return(bars, h)
    row = _signal_rows(grid, signals)
    on_bar = row != NO_POSITION
    known = on_bar.copy()
    known[on_bar] = np.isfinite(reference.values[row[on_bar]])
    rows, side = row[known], signals["side"].to_numpy(dtype="float64")[known]
    signed = side * reference.values[rows]
    t1, exit_row = reference.t1[rows], rows + h
    if spec.label_type == "binary_absolute":
        label = (signed >= spec.threshold).astype("float64")
    elif spec.label_type == "binary_outperformance":
        label = (signed > 0).astype("float64")
    elif spec.label_type == "multi_class":
        label = np.where(signed >= spec.threshold, 2.0, np.where(signed <= -spec.threshold, 0.0, 1.0))
    else:
        label, exit_row = _first_touch(close, rows, side, h, spec.threshold)
        t1 = bar_keys(bars).stamps[exit_row]
    return pd.DataFrame({
        "label": _spread(known, label, np.nan),
        "realized_return": _spread(known, side * (close[exit_row] / close[rows] - 1.0), np.nan),
        "entry_price": _spread(on_bar, close[row[on_bar]], np.nan),
        "exit_price": _spread(known, close[exit_row], np.nan),
        "horizon_bars": np.full(len(signals), h, dtype="int64"),
        "t1": pd.DatetimeIndex(_spread(known, t1, np.datetime64("NaT"))).tz_localize("UTC").as_unit(
            grid.timestamps.unit),
        "label_type": spec.label_type,
        "success_threshold": float(spec.threshold),
    })


def signal_table(bars: pd.DataFrame, strategy: Strategy, features: pd.DataFrame, spec: LabelSpec, *,
                 start: object = None, end: object = None) -> pd.DataFrame:
    """Every signal of ``strategy`` on ``bars`` in [start, end] with its features and outcome.

    Like :func:`build_meta_dataset` but signals whose label is not known yet (the horizon runs
    past the data) are kept with ``label`` and ``t1`` missing: they can still be scored.
    """
    grid = close_grid(bars)
    signals = entry_signals(strategy.target_weights(grid.close_frame()))
    return signal_table_from(grid, signals, strategy.name, features, spec, start=start, end=end)


def signal_table_from(grid: Grid, signals: pd.DataFrame, strategy_name: str, features: pd.DataFrame,
                      spec: LabelSpec, *, start: object = None, end: object = None) -> pd.DataFrame:
    """:func:`signal_table` from a close grid and the :func:`entry_signals` its strategy made there,
    for callers that already hold them (and need the weights again)."""
    if start is not None:
        signals = signals[signals["timestamp"] >= to_utc(start, "start")]
    if end is not None:
        signals = signals[signals["timestamp"] <= to_utc(end, "end")]
    outcome = label_signals(grid, signals, spec)
    frame = pd.concat([signals[["symbol", "timestamp", "side"]].reset_index(drop=True), outcome], axis=1)
    frame["strategy"] = strategy_name
    keyed = features.assign(symbol=features["symbol"].astype(str))
    merged = frame.merge(keyed, on=list(KEY_COLUMNS), how="left", validate="one_to_one")
    feature_names = [c for c in keyed.columns if c not in KEY_COLUMNS]
    ordered = ["symbol", "timestamp", "side", *feature_names, *OUTCOME_COLUMNS]
    return merged[ordered].sort_values(["timestamp", "symbol"], kind="stable").reset_index(drop=True)


def build_meta_dataset(bars: pd.DataFrame, strategy: Strategy, features: pd.DataFrame, spec: LabelSpec, *,
                       start: object = None, end: object = None) -> pd.DataFrame:
    """One row per labelled signal of ``strategy`` on ``bars`` with its features at signal time.

    ``features`` is a feature frame keyed by ``symbol``, ``timestamp`` (as the shared compute
    path returns it; group prefixes such as ``ta_``, ``px_`` are kept). The strategy sees
    every bar (its indicators warm up before ``start``); signals are kept when their bar lies
    in [start, end]. Columns: symbol, timestamp, side, the features, then
    :data:`OUTCOME_COLUMNS`. An empty result is an :class:`InputError`.
    """
    table = signal_table(bars, strategy, features, spec, start=start, end=end)
    labelled = table[table["label"].notna()].reset_index(drop=True)
    if labelled.empty:
        raise InputError(f"no labelled {strategy.name} signals in {start or 'the first bar'} .. "
                         f"{end or 'the last bar'} ({len(table)} signal(s) before labelling)",
                         where="meta dataset",
                         fix="widen the date range, add symbols, or shorten --label-horizon so labels fit the data")
    return labelled.assign(label=labelled["label"].astype("int64"))


def feature_columns(dataset: pd.DataFrame) -> list[str]:
    """The model inputs of a meta dataset: every column but the keys and outcomes (``side`` included)."""
    return [c for c in dataset.columns if c not in KEY_COLUMNS and c not in OUTCOME_COLUMNS]


def success(dataset: pd.DataFrame) -> np.ndarray:
    """1 where a row's label is its label type's success label, else 0."""
    positive = dataset["label_type"].map(SUCCESS_LABEL)
    if positive.isna().any():
        raise InputError(f"unknown label_type {sorted(set(dataset['label_type'][positive.isna()]))}",
                         where="meta dataset, column label_type", fix=f"use one of: {', '.join(LABEL_TYPES)}")
    return (dataset["label"].to_numpy() == positive.to_numpy()).astype("int64")
