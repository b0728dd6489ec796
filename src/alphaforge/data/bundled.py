"""Real market data shipped inside the package, so AlphaForge works offline on first run.

The sets live in ``alphaforge/data/bundled/`` as one Parquet file each, described by
``catalog.json`` (contents, ranges, provenance, licences) and a README. They are extracted
from PyPI wheels that carry real data by ``scripts/build_bundled_data.py``; nothing here
downloads anything.

Every set already satisfies the canonical schema (:func:`alphaforge.data.schema.validate_bars`
or :func:`~alphaforge.data.schema.validate_macro`): bar timestamps are bar *ends* in UTC
(daily US bars at the 16:00 New York close), macro timestamps are observation dates at
00:00 UTC. Macro series carry a recommended publication lag and maximum staleness for the
as-of join, because the observation date is not when a value became known.

>>> [s.name for s in list_bundled()]
['eurusd_1h', 'macro', 'sp500', 'us_ohlcv']
>>> load_bundled("sp500").columns.tolist()
['symbol', 'timestamp', 'close']
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, fields
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal

import pandas as pd

from alphaforge.data.schema import TIMESTAMP_DTYPE
from alphaforge.errors import AlphaForgeError, InputError

BUNDLED_PACKAGE = "alphaforge.data"
BUNDLED_FOLDER = "bundled"
CATALOG_FILE = "catalog.json"
CATALOG_FORMAT = 1

SetKind = Literal["bars", "macro"]


def _format_duration(duration: pd.Timedelta) -> str:
    """Whole days as ``"45D"`` (readable in the JSON), anything finer in ISO-8601."""
    if duration == pd.Timedelta(days=duration.days):
        return f"{duration.days}D"
    return duration.isoformat()


@dataclass(frozen=True)
class BundledSource:
    """One PyPI wheel a set was extracted from, and who originally published the data."""

    package: str
    version: str
    wheel: str
    wheel_sha256: str
    licence: str
    original_provider: str
    files: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BundledSource:
        return cls(**{**data, "files": tuple(data["files"])})

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "files": list(self.files)}


@dataclass(frozen=True)
class MacroSeries:
    """One macro series inside the ``macro`` set, with how to align it without look-ahead.

    ``publication_lag`` is added to the observation timestamp to get the time the value was
    public; ``max_staleness`` is how long after that a value may still be carried forward.
    """

    name: str
    description: str
    units: str
    frequency: str
    publication_lag: pd.Timedelta
    max_staleness: pd.Timedelta
    rows: int
    start: pd.Timestamp
    end: pd.Timestamp
    source: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MacroSeries:
        return cls(**{
            **data,
            "publication_lag": pd.Timedelta(data["publication_lag"]),
            "max_staleness": pd.Timedelta(data["max_staleness"]),
            "start": pd.Timestamp(data["start"]),
            "end": pd.Timestamp(data["end"]),
        })

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "publication_lag": _format_duration(self.publication_lag),
            "max_staleness": _format_duration(self.max_staleness),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


@dataclass(frozen=True)
class BundledSet:
    """A bundled data set as described by the catalog.

    ``symbols`` lists the instruments of a ``bars`` set; ``series`` the series of a ``macro``
    set. ``file_sha256`` fingerprints the Parquet file, so derived results can record exactly
    which data they were made from. ``notes`` say what the build changed (dropped rows,
    adjustments, unit conversions).
    """

    name: str
    kind: SetKind
    description: str
    frequency: str
    file: str
    file_sha256: str
    rows: int
    start: pd.Timestamp
    end: pd.Timestamp
    symbols: tuple[str, ...]
    series: tuple[MacroSeries, ...]
    sources: tuple[BundledSource, ...]
    notes: tuple[str, ...]

    @property
    def licence(self) -> str:
        """SPDX expression covering every source wheel of the set."""
        return " AND ".join(dict.fromkeys(source.licence for source in self.sources))

    @property
    def original_provider(self) -> str:
        """Who first published the data (the wheels only redistribute it)."""
        return "; ".join(dict.fromkeys(source.original_provider for source in self.sources))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BundledSet:
        expected = {f.name for f in fields(cls)}
        if set(data) != expected:
            raise AlphaForgeError(
                f"catalog entry has fields {sorted(data)}, expected {sorted(expected)}",
                where=f"{BUNDLED_PACKAGE}/{BUNDLED_FOLDER}/{CATALOG_FILE}",
                fix="reinstall alphaforge, or rebuild with scripts/build_bundled_data.py",
            )
        return cls(**{
            **data,
            "start": pd.Timestamp(data["start"]),
            "end": pd.Timestamp(data["end"]),
            "symbols": tuple(data["symbols"]),
            "series": tuple(MacroSeries.from_dict(s) for s in data["series"]),
            "sources": tuple(BundledSource.from_dict(s) for s in data["sources"]),
            "notes": tuple(data["notes"]),
        })

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "symbols": list(self.symbols),
            "series": [s.to_dict() for s in self.series],
            "sources": [s.to_dict() for s in self.sources],
            "notes": list(self.notes),
        }

    def get_series(self, name: str) -> MacroSeries:
        """The macro series called ``name``; :class:`InputError` with suggestions otherwise."""
        names = [s.name for s in self.series]
        if name not in names:
            raise _unknown_name_error("macro series", name, names, where=f"bundled set '{self.name}'")
        return self.series[names.index(name)]


def _unknown_name_error(what: str, name: str, available: list[str], *, where: str) -> InputError:
    close = difflib.get_close_matches(name, available, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return InputError(f"unknown {what} '{name}'{hint} available: {', '.join(available)}", where=where,
                      fix=f"use one of: {', '.join(available)}")


def _bundled_files() -> Traversable:
    return resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_FOLDER)


def list_bundled() -> list[BundledSet]:
    """Every bundled set, sorted by name, as described by ``catalog.json``.

    >>> sp500 = next(s for s in list_bundled() if s.name == "sp500")
    >>> (sp500.kind, sp500.frequency, len(sp500.symbols))
    ('bars', '1d', 21)
    """
    catalog = json.loads(_bundled_files().joinpath(CATALOG_FILE).read_text(encoding="utf-8"))
    if catalog.get("format") != CATALOG_FORMAT:
        raise AlphaForgeError(
            f"catalog format {catalog.get('format')!r} is not the supported {CATALOG_FORMAT}",
            where=f"{BUNDLED_PACKAGE}/{BUNDLED_FOLDER}/{CATALOG_FILE}",
            fix="reinstall alphaforge, or rebuild with scripts/build_bundled_data.py",
        )
    return sorted((BundledSet.from_dict(entry) for entry in catalog["sets"]), key=lambda s: s.name)


def get_bundled(name: str) -> BundledSet:
    """The catalog entry of the set ``name``; an unknown name raises :class:`InputError`.

    >>> get_bundled("macro").get_series("core_cpi").publication_lag
    Timedelta('60 days 00:00:00')
    """
    sets = list_bundled()
    names = [s.name for s in sets]
    if name not in names:
        raise _unknown_name_error("bundled data set", name, names, where="bundled data")
    return sets[names.index(name)]


def load_bundled(name: str | BundledSet) -> pd.DataFrame:
    """Load the bundled set ``name`` (or the catalog entry already looked up) as a canonical
    long frame (bars or macro).

    Bars come sorted by (symbol, timestamp) with a ``datetime64[ns, UTC]`` bar-end timestamp;
    macro comes as ``series``, ``timestamp``, ``value`` sorted by (series, timestamp).

    >>> bars = load_bundled("us_ohlcv")
    >>> sorted(bars["symbol"].unique())
    ['MSFT', 'NASDAQ', 'SP500']
    """
    entry = name if isinstance(name, BundledSet) else get_bundled(name)
    with resources.as_file(_bundled_files().joinpath(entry.file)) as path:
        frame = pd.read_parquet(path)
    frame["timestamp"] = frame["timestamp"].astype(TIMESTAMP_DTYPE)
    return frame
