"""The one path from bars to a target table: ``compute_targets``.

The table is keyed by ``symbol`` and ``timestamp`` (the bars' rows) with, per target, a column
named after it and a ``{name}__t1`` column: the time its label becomes known (UTC). Rows
without a label (horizon past the data, warm-up, non-event bars) hold NaN / NaT: never filled.
Use :func:`labelled_rows` for the rows one target can train on.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from alphaforge.errors import InputError
from alphaforge.targets._core import bar_keys, check_bars, shared_bar_keys
from alphaforge.targets.registry import TargetSpec, parse_target, parse_targets

T1_SUFFIX = "__t1"


def t1_column(name: str) -> str:
    """Column holding the label time of target ``name``."""
    return f"{name}{T1_SUFFIX}"


def key_frame(bars: pd.DataFrame) -> pd.DataFrame:
    """The target table's keys (symbol, timestamp) after checking the bars are canonical."""
    check_bars(bars)
    return bars[["symbol", "timestamp"]].reset_index(drop=True).astype({"symbol": str})


def check_events_use(specs: Sequence[TargetSpec], events: pd.DataFrame | None) -> None:
    """Refuse events that no target labels: they would be ignored without a word."""
    if events is not None and not any(spec.needs_events for spec in specs):
        raise InputError("events were given, but no target labels given events", where="targets",
                         fix="name a target with events 'given', e.g. tb_24_2.0_1.0_given or tb_5D_2.0_1.0_given")


def compute_target(bars: pd.DataFrame, spec: TargetSpec, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """One target as a frame: symbol, timestamp, ``name``, ``name__t1`` (``events`` for a given-events target)."""
    with shared_bar_keys():
        labels = spec.compute(bars, events)
        symbols = bar_keys(bars).symbols
    return pd.DataFrame({
        "symbol": symbols,
        "timestamp": bars["timestamp"].reset_index(drop=True),
        spec.name: labels.values,
        t1_column(spec.name): pd.DatetimeIndex(labels.t1).tz_localize("UTC"),
    })


def compute_targets(bars: pd.DataFrame, names: Sequence[str], *, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Targets ``names`` over canonical ``bars`` (sorted by symbol, timestamp).

    Names are parsed first, so a typo fails before any work; columns use canonical names.
    ``events`` (symbol, timestamp) are the bars that targets with events ``given`` label, e.g.
    ``compute_targets(bars, ["tb_5D_2.0_1.0_given"], events=frame)``.

    >>> bars = pd.DataFrame({"symbol": "A", "close": [10.0, 11.0, 12.1],
    ...     "timestamp": pd.date_range("2021-01-01", periods=3, freq="h", tz="UTC")})
    >>> compute_targets(bars, ["fwd_ret_1"])["fwd_ret_1"].round(3).tolist()
    [0.1, 0.1, nan]
    """
    specs = parse_targets(names)
    check_events_use(specs, events)
    with shared_bar_keys():  # the bars' symbols, slices and timestamps, worked out once for all targets
        frame = key_frame(bars)
        for spec in specs:
            frame = frame.join(compute_target(bars, spec, events).drop(columns=["symbol", "timestamp"]))
    return frame


def labelled_rows(targets: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows of a target table where ``name`` has a label: symbol, timestamp, label, t1."""
    column = parse_target(name).name
    rows = targets.loc[targets[column].notna(), ["symbol", "timestamp", column, t1_column(column)]]
    return rows.reset_index(drop=True)
