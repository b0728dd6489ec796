"""The prediction dataset: the recent bars the live loop scores, kept in the raw store apart from
the training data (seed 002: years of training bars, the last few hundred hours for prediction).

Every iteration that brings new bars stores the dataset as a new immutable version (sha256 of
its content, the fingerprint each signal records); the previous versions stay on disk. A
version keeps, per symbol, the bars not yet signalled and ``keep`` bars before them: the
features' warm-up and the history `predict` shows, so an iteration reads and writes a few
hundred rows per symbol however long the loop has run.

What a poll may bring, and what happens to it:

- a bar after the symbol's last stored bar: stored, then scored;
- a bar already stored with the same values: ignored (feeds repeat themselves);
- a bar already stored with other values (the source revised it): the first served version is
  kept, as raw data is immutable and a signal was made from it; the revision is reported;
- a bar inside the stored span that was never stored (it arrived after later bars did): not
  stored, as later bars were already signalled from features computed without it; reported
  as late;
- a bar older than the kept span: ignored (a folder's old history, read again).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphaforge.data.rawstore import RawStore, RawVersion
from alphaforge.data.schema import validate_bars

KEY = ["symbol", "timestamp"]


@dataclass
class Merged:
    """The dataset after a poll, the rows added, and what was reported about the rest."""

    bars: pd.DataFrame
    added: int
    revised: list[dict[str, object]] = field(default_factory=list)
    late: list[dict[str, object]] = field(default_factory=list)
    gaps: list[dict[str, object]] = field(default_factory=list)


class PredictionData:
    """Dataset ``name`` of ``store``."""

    def __init__(self, store: RawStore, name: str) -> None:
        self.store, self.name = store, name

    def exists(self) -> bool:
        return self.name in self.store.names()

    def load(self) -> pd.DataFrame | None:
        return self.store.load(self.name) if self.exists() else None

    def version(self) -> RawVersion | None:
        return self.store.current(self.name) if self.exists() else None

    def merge(self, stored: pd.DataFrame | None, incoming: pd.DataFrame) -> Merged:
        """``incoming`` bars (validated here) merged into ``stored`` as the module docstring says."""
        if incoming is None or incoming.empty:
            return Merged(stored if stored is not None else pd.DataFrame(), 0)
        incoming, _ = validate_bars(incoming, f"live feed for {self.name}")
        if stored is None or stored.empty:
            return Merged(incoming, len(incoming))
        incoming = incoming.reindex(columns=stored.columns)
        span = stored.groupby("symbol")["timestamp"].agg(["min", "max"])
        first = incoming["symbol"].map(span["min"])
        incoming = incoming[first.isna() | (incoming["timestamp"] >= first)]
        both = incoming.merge(stored, on=KEY, how="left", suffixes=("", "_stored"), indicator=True)
        values = [c for c in stored.columns if c not in KEY]
        seen = (both["_merge"] == "both").to_numpy()
        differs = np.zeros(len(both), dtype=bool)
        for column in values:
            new, old = both[column].to_numpy(dtype="float64"), both[f"{column}_stored"].to_numpy(dtype="float64")
            differs |= ~((new == old) | (np.isnan(new) & np.isnan(old)))
        revised = both[seen & differs]
        last = both["symbol"].map(span["max"])
        fresh = ~seen & ~(last.notna() & (both["timestamp"] <= last)).to_numpy()
        late = both[~seen & ~fresh]
        added = incoming[fresh]
        merged = pd.concat([stored, added]).sort_values(KEY, kind="stable").reset_index(drop=True)
        return Merged(merged, len(added),
                      revised=[{"symbol": r["symbol"], "bar_time": r["timestamp"],
                                "detail": ", ".join(f"{c} {r[c + '_stored']:g} -> {r[c]:g}" for c in values
                                                    if not (r[c] == r[c + "_stored"]
                                                            or (pd.isna(r[c]) and pd.isna(r[c + "_stored"]))))}
                               for _, r in revised.iterrows()],
                      late=[{"symbol": r["symbol"], "bar_time": r["timestamp"],
                             "detail": "arrived after later bars were signalled; not stored"}
                            for _, r in late.iterrows()],
                      gaps=_gaps(stored, added))

    @staticmethod
    def trim(bars: pd.DataFrame, signalled: dict[str, pd.Timestamp], keep: int) -> pd.DataFrame:
        """Each symbol's bars after its last signalled one and the ``keep`` bars before them (the
        features' warm-up and the history shown)."""
        done = bars["symbol"].map(signalled)
        pending = (done.isna() | (bars["timestamp"] > done)).groupby(bars["symbol"]).transform("sum")
        from_end = bars.groupby("symbol").cumcount(ascending=False)
        return bars[from_end < pending + keep].reset_index(drop=True)

    def write(self, bars: pd.DataFrame) -> RawVersion:
        """Store ``bars`` as the dataset's current version (a no-op for content already stored)."""
        version, _ = self.store.write(self.name, bars, kind="bars", source=f"live prediction data {self.name}",
                                      replace=True)
        return version


def _gaps(stored: pd.DataFrame, added: pd.DataFrame) -> list[dict[str, object]]:
    """Symbols whose first new bar comes after its last stored bar by more than any spacing of its
    stored bars (and 1.5 of their median: weekends of daily bars are not gaps): the source skipped bars."""
    if added.empty:
        return []
    found = []
    for symbol, rows in added.groupby("symbol"):
        previous = stored.loc[stored["symbol"] == symbol, "timestamp"]
        if len(previous) < 2:
            continue
        spacing = previous.diff()
        step = spacing.median()
        jump = rows["timestamp"].min() - previous.max()
        if jump > max(1.5 * step, spacing.max()):
            found.append({"symbol": symbol, "bar_time": rows["timestamp"].min(),
                          "detail": f"{int(round(jump / step)) - 1} bars missing after {previous.max()}"})
    return found
