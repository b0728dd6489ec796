"""The signal log of a live loop: ``live/<name>/`` in the workspace.

::

    signals.parquet/part-000001.parquet ...   one part per iteration that signalled bars
                                              (``pd.read_parquet("signals.parquet")`` reads them all)
    signals.csv                               the same rows, appended (for people and spreadsheets)
    events.csv                                what else happened: gaps, late and revised bars, a
                                              source that was down, retrains, expiry, drift
    state.json                                the commit record (:class:`~alphaforge.artifacts.LiveState`)

An iteration writes its part, appends to the two CSVs, then saves ``state.json``: that last
atomic write commits it. Opening the log after a kill undoes whatever an uncommitted iteration
left (parts numbered after the state's, CSV bytes past its lengths), so the iteration is redone
whole: no signal is lost or written twice.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from alphaforge.artifacts import LiveState
from alphaforge.workspace import atomic_write_parquet

COLUMNS = ["symbol", "timestamp", "score", "signal", "novel", "novelty", "blocked", "model", "data_sha256",
           "iteration"]
"""Signal log columns: the bar (its end time), the model's score, the signal (+1/-1/0), the
novelty gate's verdict and score, why a row got no signal (``novel``, ``model_expired``; "" when
it did), the model version that scored it, the prediction dataset version it was computed
from (content sha256) and the iteration."""
EVENT_COLUMNS = ["time", "iteration", "kind", "symbol", "bar_time", "detail"]
PARTS = "signals.parquet"
CSV = "signals.csv"
EVENTS = "events.csv"
STATE = "state.json"


class SignalLog:
    """The log in ``folder`` (``live/<name>``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.parts = self.folder / PARTS
        self.csv = self.folder / CSV
        self.events = self.folder / EVENTS
        self.state_path = self.folder / STATE

    def open(self) -> LiveState | None:
        """The committed state (None for a new loop), after undoing an uncommitted iteration."""
        state = LiveState.load(self.state_path) if self.state_path.is_file() else None
        committed = state.parts if state else 0
        if self.parts.is_dir():
            for part in self.parts.glob("part-*.parquet"):
                if int(part.stem.split("-")[1]) > committed:
                    part.unlink()
        for path, length in ((self.csv, state.csv_bytes if state else 0),
                             (self.events, state.events_bytes if state else 0)):
            if path.is_file() and path.stat().st_size > length:
                with open(path, "r+b") as handle:
                    handle.truncate(length)
        return state

    def commit(self, state: LiveState, rows: pd.DataFrame, events: list[dict[str, object]]) -> LiveState:
        """Append ``rows`` and ``events`` and save the new ``state`` (its counters updated here)."""
        parts = state.parts
        if len(rows):
            parts += 1
            rows = rows[COLUMNS]
            atomic_write_parquet(self.parts / f"part-{parts:06d}.parquet", rows)
            _append_csv(self.csv, rows)
        if events:
            _append_csv(self.events, pd.DataFrame(events).reindex(columns=EVENT_COLUMNS))
        state = state.model_copy(update={
            "parts": parts, "rows": state.rows + len(rows), "csv_bytes": _size(self.csv),
            "events_bytes": _size(self.events)})
        state.save(self.state_path)
        return state

    def read(self) -> pd.DataFrame:
        """Every committed row, in order (an empty frame with the columns before the first)."""
        files = sorted(self.parts.glob("part-*.parquet")) if self.parts.is_dir() else []
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files \
            else pd.DataFrame(columns=COLUMNS)

    def tail(self, since: pd.Timestamp) -> pd.DataFrame:
        """The committed rows of bars at or after ``since``, reading parts newest first only until
        one starts before it (what the chart shows, without reading the whole log)."""
        files = sorted(self.parts.glob("part-*.parquet"), reverse=True) if self.parts.is_dir() else []
        frames = []
        for file in files:
            frame = pd.read_parquet(file)
            frames.append(frame)
            if frame["timestamp"].min() < since:
                break
        if not frames:
            return pd.DataFrame(columns=COLUMNS)
        rows = pd.concat(frames[::-1], ignore_index=True)
        return rows[rows["timestamp"] >= since].reset_index(drop=True)

    def read_events(self) -> pd.DataFrame:
        # a restart cuts the file back to its committed length, which may be nothing at all
        return pd.read_csv(self.events) if _size(self.events) else pd.DataFrame(columns=EVENT_COLUMNS)


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


def _append_csv(path: Path, frame: pd.DataFrame) -> None:
    """Append ``frame`` to the CSV ``path`` (with the header when the file is new), flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = _size(path) == 0
    with open(path, "a", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, index=False, header=header)
        handle.flush()
        os.fsync(handle.fileno())
