"""The feature cache: one Parquet file per feature, keyed by the data and the feature's code.

Layout under the directory passed in (the workspace gives ``data/features/``)::

    <data fingerprint[:16]>/keys.parquet                     symbol, timestamp of every row
    <data fingerprint[:16]>/<feature>-<fingerprint[:16]>.parquet   that feature's column(s)

The data fingerprint covers the bars, the aligned macro and ``since``; a feature's
fingerprint covers its name, kind, inputs, lookback, parameters, the source of its function
and of the module defining it, the shared window kernels, and the code version (a
cross-sectional feature's also covers its base's). So a second build is all hits, and
changing one feature's parameters recomputes that feature alone. Editing a family module's
code recomputes every feature that module defines: a function may call any helper in its
module, and hashing the module is the simple way not to miss one.

Every file carries its sha256 beside it (``<file>.sha256``, see
:func:`~alphaforge.workspace.write_checked_parquet`) and is verified when read: a changed,
truncated or unrecorded file is recomputed with a notice, never served. ``keys.parquet`` is
written before the feature files, so a kill at any point leaves files the next build either
reuses (keys and the features finished) or recomputes.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from alphaforge._version import __version__
from alphaforge.cpus import map_ahead, map_on_cpus
from alphaforge.errors import InputError
from alphaforge.features import windows
from alphaforge.features.compute import (
    as_features,
    compute_features,
    output_columns,
    split_features,
    warn_skipped,
)
from alphaforge.features.registry import REGISTRY, Feature, FeatureRegistry
from alphaforge.features.sets import FeatureSpec
from alphaforge.timestamps import to_utc
from alphaforge.workspace import read_checked_parquet, write_checked_parquet

FINGERPRINT_LENGTH = 16


def _sha256(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


_SOURCES: dict[object, tuple[tuple[int, int], str]] = {}
"""Each function's and module's source as last read, with its file's (size, modification time)."""


def _source(obj: object) -> str:
    """The source of a function or module, read again only when its file's size or modification
    time changed (the check :mod:`linecache`, which :mod:`inspect` reads through, makes too):
    a run fingerprints every configured feature, and one function or module serves many of them
    (finding a function's lines in its file took a tenth of a second of each cached run)."""
    code = getattr(obj, "__code__", None)
    stamp = _file_stamp(getattr(obj, "__file__", None) or (code.co_filename if code is not None else None))
    known = _SOURCES.get(obj)
    if stamp is not None and known is not None and known[0] == stamp:
        return known[1]
    try:
        text = inspect.getsource(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):  # defined interactively: fall back to the compiled code
        return repr((code.co_code, code.co_consts)) if code is not None else repr(obj)
    if stamp is not None:
        _SOURCES[obj] = (stamp, text)
    return text


def _file_stamp(path: str | None) -> tuple[int, int] | None:
    """(size, modification time) of the file at ``path``; None without one (defined interactively)."""
    if not path:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def feature_fingerprint(feature: Feature, code_version: str | None = None,
                        registry: FeatureRegistry | None = None) -> str:
    """sha256 of everything that decides a feature's values apart from the data.

    >>> from alphaforge.features import REGISTRY
    >>> feature_fingerprint(REGISTRY.get("ta_rsi_14")) == feature_fingerprint(REGISTRY.get("ta_rsi_14"))
    True
    """
    registry = REGISTRY if registry is None else registry
    module = sys.modules.get(feature.func.__module__)
    spec = json.dumps({"name": feature.name, "kind": feature.kind, "inputs": list(feature.inputs),
                       "lookback": feature.lookback, "params": dict(feature.params)}, sort_keys=True, default=str)
    base = feature_fingerprint(registry.get(feature.base), code_version, registry) if feature.base else ""
    return _sha256(spec, _source(feature.func), _source(module) if module else "", _source(windows),
                   code_version or __version__, base)


def data_fingerprint(bars: pd.DataFrame, macro: pd.DataFrame | None = None, since: object = None) -> str:
    """sha256 of the bar rows, the aligned macro and ``since``: what a cached feature was made from."""
    digest = hashlib.sha256()
    for frame in (bars, macro):
        if frame is not None:
            digest.update(",".join(map(str, frame.columns)).encode())
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(repr(None if since is None else str(pd.Timestamp(since))).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class FeatureBuild:
    """A build's result: the feature frame and which features came from the cache."""

    frame: pd.DataFrame
    hits: list[str]
    computed: list[str]
    skipped: dict[str, list[str]]
    data_fingerprint: str

    def to_dict(self) -> dict[str, object]:
        """JSON summary for ``features build --json`` (without the frame)."""
        return {"rows": len(self.frame), "columns": len(self.frame.columns) - 2, "hits": self.hits,
                "computed": self.computed, "skipped": self.skipped, "data_fingerprint": self.data_fingerprint}


@dataclass(frozen=True)
class FeatureLocation:
    """Where the cache keeps the files of a feature request on some data (see :meth:`FeatureCache.locate`).

    ``series`` are the aligned macro's series; ``usable`` the requested features computable
    from the data, ``skipped`` the others with what each lacks; ``data_key`` the data
    fingerprint; ``fingerprints`` and ``paths`` each usable feature's fingerprint and file;
    ``keys_path`` the file of the rows' (symbol, timestamp). Files may not exist yet.
    """

    series: list[str]
    usable: list[Feature]
    skipped: dict[str, list[str]]
    data_key: str
    fingerprints: dict[str, str]
    paths: dict[str, Path]
    keys_path: Path

    @property
    def columns(self) -> list[str]:
        """The feature columns :meth:`FeatureCache.build` returns for this request, in its order."""
        return output_columns(self.usable, self.series)


def _complete(path: Path, rows: int) -> bool:
    """Whether the cached file at ``path`` holds ``rows`` rows, from its Parquet footer; its bytes
    are checked against their sha256 when it is read. A file whose footer cannot be read is
    damaged: the notice is given now and it is recomputed with the missing ones."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return False
    try:
        return int(pq.read_metadata(path).num_rows) == rows
    except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError
        read_checked_parquet(path)  # None, with the CacheRepairWarning naming the file
        return False


class FeatureStream:
    """A build's rows (``symbol``, ``timestamp``) and, iterated, each usable feature's columns in
    order, as :meth:`FeatureCache.build` concatenates them: computed ones from memory, cached ones
    read when reached. A cached file found changed or unreadable on reading is recomputed then
    (with a :class:`~alphaforge.workspace.CacheRepairWarning`) and stored again. After the
    iteration ``hits`` and ``computed`` name the features read and computed."""

    def __init__(self, location: FeatureLocation, rows: pd.DataFrame, computed: pd.DataFrame | None,
                 missing: list[str], compute_one: Callable[[Feature], pd.DataFrame]) -> None:
        self.location, self.rows, self._computed, self._compute_one = location, rows, computed, compute_one
        self.hits: list[str] = []
        self.computed = list(missing)

    @property
    def columns(self) -> list[str]:
        """The feature columns, in order (without the keys)."""
        return self.location.columns

    def __iter__(self) -> Iterator[pd.DataFrame]:
        in_memory = set(self.computed) if self._computed is not None else set()
        cached = [f for f in self.location.usable if f.name not in in_memory]
        # the next cached file is read, checked and decoded while the caller uses this one (a matrix
        # of 96 features at 1 M rows: 2.5 -> 2.3 s warm, 4.4 -> 3.4 s cold); repairs stay on this thread, in order
        read = iter(map_ahead(lambda feature: read_checked_parquet(self.location.paths[feature.name]), cached))
        for feature in self.location.usable:
            columns = output_columns([feature], self.location.series)
            if feature.name in in_memory:
                yield self._computed[columns]
                continue
            path = self.location.paths[feature.name]
            frame = next(read)
            if frame is None or len(frame) != len(self.rows):
                frame = self._compute_one(feature)[columns]
                write_checked_parquet(path, frame)
                self.computed.append(feature.name)
            else:
                self.hits.append(feature.name)
            yield frame


class FeatureCache:
    """Feature values on disk under ``directory``, one Parquet file per feature."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, data_key: str, feature: Feature, fingerprint: str) -> Path:
        """Where one feature's columns for one data fingerprint live."""
        name = f"{feature.name}-{fingerprint[:FINGERPRINT_LENGTH]}.parquet"
        return self.directory / data_key[:FINGERPRINT_LENGTH] / name

    def locate(self, bars: pd.DataFrame, macro: pd.DataFrame | None = None,
               features: FeatureSpec | Sequence[Feature] = None, *, since: object = None,
               code_version: str | None = None, registry: FeatureRegistry | None = None) -> FeatureLocation:
        """Which requested features the data allows and where their cached files are (or would be).

        Same arguments as :meth:`build`; reads no feature file, warns about nothing and does not
        refuse an empty ``usable``: :meth:`build` does both.
        """
        registry = REGISTRY if registry is None else registry
        if since is not None:
            to_utc(since, "since")  # a time that is not one is refused before any work
        series, usable, skipped = split_features(bars, macro, as_features(features, registry), registry)
        data_key = data_fingerprint(bars, macro, since)
        fingerprints = {f.name: feature_fingerprint(f, code_version, registry) for f in usable}
        return FeatureLocation(series=series, usable=usable, skipped=skipped, data_key=data_key,
                               fingerprints=fingerprints,
                               paths={f.name: self.path(data_key, f, fingerprints[f.name]) for f in usable},
                               keys_path=self.directory / data_key[:FINGERPRINT_LENGTH] / "keys.parquet")

    def build(self, bars: pd.DataFrame, macro: pd.DataFrame | None = None,
              features: FeatureSpec | Sequence[Feature] = None, *, since: object = None,
              code_version: str | None = None, registry: FeatureRegistry | None = None) -> FeatureBuild:
        """Features for ``bars`` from the cache, computing (and storing) only those not there yet.

        Same arguments as :func:`~alphaforge.features.compute.compute_features`; the result
        frame is identical to what it returns.
        """
        stream = self.stream(bars, macro, features, since=since, code_version=code_version, registry=registry)
        frame = pd.concat([stream.rows, *stream], axis=1)
        return FeatureBuild(frame=frame, hits=stream.hits, computed=stream.computed,
                            skipped=stream.location.skipped, data_fingerprint=stream.location.data_key)

    def stream(self, bars: pd.DataFrame, macro: pd.DataFrame | None = None,
               features: FeatureSpec | Sequence[Feature] = None, *, since: object = None,
               code_version: str | None = None, registry: FeatureRegistry | None = None) -> FeatureStream:
        """What :meth:`build` returns, one feature at a time (see :class:`FeatureStream`): a caller that
        converts the values as it goes (the training matrix, in float32) never holds the whole
        float64 table. Features absent from the cache are computed and stored here, together."""
        registry = REGISTRY if registry is None else registry
        location = self.locate(bars, macro, features, since=since, code_version=code_version, registry=registry)
        warn_skipped(location.skipped)
        if not location.usable:
            raise InputError("none of the requested features can be computed from these bars", where="feature set",
                             fix="choose features whose inputs the data has (close-only data: px_, ta_rsi_*, cal_...)")
        keys = read_checked_parquet(location.keys_path)  # None: absent or broken, and every feature is recomputed
        missing = [f for f in location.usable if keys is None or not _complete(location.paths[f.name], len(keys))]
        computed = compute_features(bars, macro, missing, since=since, registry=registry) if missing else None
        rows = keys if computed is None else computed[["symbol", "timestamp"]]
        if rows is None or rows.empty:
            raise InputError("no bars to compute features for" + (f" at or after {since}" if since else ""),
                             where="since" if since else "bars",
                             fix=f"pass a time up to the data's last bar ({bars['timestamp'].max()})" if since
                             else "choose symbols and dates the dataset holds")
        if computed is not None:
            if keys is None:  # the keys first: a feature file is only ever found beside its finished keys
                write_checked_parquet(location.keys_path, rows)
            def store(feature: Feature) -> None:  # Parquet encoding and sha256 run without the GIL
                write_checked_parquet(location.paths[feature.name], computed[output_columns([feature], location.series)])

            map_on_cpus(store, missing)
        return FeatureStream(location, rows, computed, [f.name for f in missing],
                             lambda feature: compute_features(bars, macro, [feature], since=since, registry=registry))
