"""The one compute path: feature values for given bars (and aligned macro), in training or
prediction mode.

Training mode (``since=None``) returns a value for every bar. Prediction mode returns the
values from ``since`` on and, per symbol, reads only the rows it needs: the ``since`` rows
plus the largest lookback of the requested features before them. Every feature is a
finite-window function of the past (see :mod:`alphaforge.features.windows`), so both modes
give bit-identical values at the same (symbol, t); the property tests check exactly that.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.cpus import map_on_cpus, usable_cpus
from alphaforge.errors import AlphaForgeError, InputError
from alphaforge.features._grid import Grid
from alphaforge.heap import keep_freed_arrays
from alphaforge.features._memo import shared_intermediates
from alphaforge.features.registry import MACRO_INPUT, REGISTRY, Feature, FeatureRegistry
from alphaforge.features.sets import FeatureSpec, resolve_features


THREADED_BLOCK_ROWS = 16_000
"""Rows a symbol's block must average (warm-up included) for the symbols to share one thread per
CPU. Measured on 2 CPUs, the default set over 20 symbols: 1 408 rows a symbol (a prediction's
warm-up and 256 bars) took 1.7-2.6x as long on two threads as on one, 6 000-12 000 rows 1.0-1.5x,
16 000 rows 0.91-0.95x, 20 000-50 000 rows 0.77-0.83x: below that, each NumPy call is too short
to run while the other thread holds the GIL."""
JOINED_ROWS = 100_000
"""Rows the threads' work is cut into when the symbols are computed whole: consecutive symbols
are joined into one run of about this many rows and each kernel is called once per run, not
once per symbol. Each NumPy call passes the GIL to the other thread and back, so fewer, longer
calls share two CPUs better; far longer ones leave the CPU cache. Measured on 2 CPUs, the 17
indicators TA-Lib also has over 1 M rows: blocks of 50 000 rows 106 ms, 100 000 rows 85 ms,
200 000 rows 89 ms, 500 000 rows 123 ms (TA-Lib's functions on the same threads: 86 ms)."""


class FeatureSkipWarning(UserWarning):
    """One notice listing the requested features skipped because their input columns are missing."""


@dataclass(frozen=True)
class _Block:
    """One symbol's rows: compute on ``start:stop`` (positions in the bars), keep ``first:stop``."""

    start: int
    first: int
    stop: int


def required_columns(feature: Feature, registry: FeatureRegistry | None = None) -> tuple[str, ...]:
    """Bar columns a feature needs (a cross-sectional feature needs its base's; macro needs none)."""
    registry = REGISTRY if registry is None else registry
    if feature.kind == "cross_sectional":
        return required_columns(registry.get(feature.base), registry)
    return tuple(c for c in feature.inputs if c != MACRO_INPUT)


def warmup_rows(features: Sequence[Feature]) -> int:
    """Rows before ``since`` that prediction mode reads per symbol: the largest lookback."""
    return max((f.lookback for f in features), default=0)


def output_columns(features: Sequence[Feature], macro_series: Sequence[str]) -> list[str]:
    """Column names produced for ``features``: macro templates expand to ``<template>_<series>``."""
    names: list[str] = []
    for feature in features:
        if feature.kind == "macro":
            names.extend(f"{feature.name}_{series}" for series in macro_series)
        else:
            names.append(feature.name)
    return names


def as_features(features: FeatureSpec | Sequence[Feature], registry: FeatureRegistry) -> list[Feature]:
    """A spec resolved in ``registry``, or a list of :class:`Feature` taken as it is."""
    if isinstance(features, (list, tuple)) and features and all(isinstance(f, Feature) for f in features):
        return list(features)
    return resolve_features(features, registry)  # type: ignore[arg-type]


def _symbol_codes(symbols: pd.Series) -> np.ndarray:
    """Each row's symbol as a code in order of first appearance (``pd.factorize``'s codes),
    from one comparison of neighbouring rows when each symbol's rows come together, as in
    canonical bars (hashing a million strings costs several times more)."""
    values = symbols.array
    if len(values) > 1 and symbols.dtype != object and not symbols.hasnans:
        starts = np.flatnonzero(np.asarray(values[1:] != values[:-1], dtype=bool)) + 1
        firsts = values.take(np.concatenate(([0], starts)))
        if len(set(firsts)) == len(firsts):  # no symbol comes back after another one
            return np.repeat(np.arange(len(firsts), dtype=np.intp), np.diff(starts, prepend=0, append=len(values)))
    return pd.factorize(symbols)[0]


def _check_bars(bars: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Symbol codes and int64 UTC timestamps; bars must be grouped by symbol and time-ordered."""
    missing = [c for c in ("symbol", "timestamp", "close") if c not in bars.columns]
    if missing:
        raise InputError(f"bars lack column(s) {missing}", where="bars",
                         fix="pass canonical bars (alphaforge.data.schema.validate_bars)")
    if len(bars) == 0:
        raise InputError("no bars", where="bars", fix="check the symbol and date filters keep some rows")
    codes = _symbol_codes(bars["symbol"])
    timestamps = pd.DatetimeIndex(bars["timestamp"])
    if timestamps.tz is None:
        raise InputError("timestamps have no time zone", where="bars, column 'timestamp'",
                         fix="pass canonical bars with UTC timestamps (validate_bars)")
    ns = timestamps.as_unit("ns").asi8
    same_symbol = codes[1:] == codes[:-1]
    disorder = (codes[1:] < codes[:-1]) | (same_symbol & (ns[1:] <= ns[:-1]))
    if disorder.any():
        row = int(np.flatnonzero(disorder)[0]) + 1
        raise InputError("bars are not sorted by (symbol, timestamp) without duplicates",
                         where=f"bars, row {row} (symbol={bars['symbol'].iloc[row]})",
                         fix="pass bars through alphaforge.data.schema.validate_bars first")
    return codes, ns


def check_macro(macro: pd.DataFrame | None, n_rows: int) -> list[str]:
    """Series names of an aligned macro frame (none for ``None``); a long or misaligned frame is refused."""
    if macro is None:
        return []
    if {"series", "value"} <= set(macro.columns):
        raise InputError("macro is a long table (series, timestamp, value), not aligned to the bars", where="macro",
                         fix="align it first: alphaforge.data.macro.align_macro(bars, macro, ...)")
    if len(macro) != n_rows:
        raise InputError(f"aligned macro has {len(macro)} rows but the bars have {n_rows}", where="macro",
                         fix="pass the frame align_macro returns for these same bars")
    return [str(c) for c in macro.columns]


def _blocks(codes: np.ndarray, ns: np.ndarray, since_ns: int | None, lookback: int) -> list[_Block]:
    edges = np.concatenate(([0], np.flatnonzero(codes[1:] != codes[:-1]) + 1, [len(codes)]))
    blocks = []
    for start, stop in zip(edges[:-1].tolist(), edges[1:].tolist()):
        if since_ns is None:
            blocks.append(_Block(start, start, stop))
            continue
        first = start + int(np.searchsorted(ns[start:stop], since_ns, side="left"))
        if first < stop:
            blocks.append(_Block(max(start, first - lookback), first, stop))
    return blocks


def _joined(blocks: list[_Block], threads: int) -> list[list[_Block]]:
    """Consecutive whole symbol blocks in runs of at least :data:`JOINED_ROWS` rows (less when
    that would leave a thread without a run); the last run takes what is left."""
    target = min(JOINED_ROWS, -(-sum(b.stop - b.start for b in blocks) // threads))
    runs: list[list[_Block]] = [[]]
    for block in blocks:
        if runs[-1] and runs[-1][-1].stop - runs[-1][0].start >= target:  # a run's blocks are consecutive
            runs.append([])
        runs[-1].append(block)
    return runs


def _since_ns(since: object) -> int | None:
    if since is None:
        return None
    try:
        stamp = pd.Timestamp(since)
    except (TypeError, ValueError) as exc:
        raise InputError(f"unreadable time {since!r}: {exc}", where="since",
                         fix="use an ISO-8601 time such as 2024-01-01T00:00Z") from None
    stamp = stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")
    return int(stamp.as_unit("ns").value)


def _checked(feature: Feature, values: object, length: int) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (length,):
        raise AlphaForgeError(f"returned shape {array.shape}, expected ({length},)", where=f"feature {feature.name}",
                              fix="a feature returns one value per input row (NaN during warm-up)")
    return array


def _start(block: _Block, feature: Feature) -> int:
    """First row a feature reads in a block: its own warm-up before the kept rows."""
    return max(block.start, block.first - feature.lookback)


class _Slices:
    """One array object per (column, start) in a block, so shared helpers recognise their inputs."""

    def __init__(self, block: _Block) -> None:
        self.block = block
        self._cache: dict[tuple[str, int], np.ndarray] = {}

    def of(self, inputs: dict[str, np.ndarray], column: str, feature: Feature) -> np.ndarray:
        start = _start(self.block, feature)
        key = (column, start)
        if key not in self._cache:
            self._cache[key] = inputs[column][start:self.block.stop]
        return self._cache[key]


def _block_values(feature: Feature, block: _Block, inputs: dict[str, np.ndarray]) -> np.ndarray:
    """One feature on its slices of one symbol's block; the kept rows returned."""
    start = _start(block, feature)
    return _checked(feature, feature.compute(**inputs), block.stop - start)[block.first - start:]


def available_features(features: Sequence[Feature], columns: Sequence[str], macro_series: Sequence[str],
                       registry: FeatureRegistry | None = None) -> tuple[list[Feature], dict[str, list[str]]]:
    """Split ``features`` into those computable from ``columns`` (+ macro) and those skipped, with what each lacks."""
    present = set(columns) | {"timestamp"}
    usable: list[Feature] = []
    skipped: dict[str, list[str]] = {}
    for feature in features:
        need = [c for c in required_columns(feature, registry) if c not in present]
        if feature.kind == "macro" and not macro_series:
            need.append("macro series")
        if need:
            skipped[feature.name] = need
        else:
            usable.append(feature)
    return usable, skipped


def skip_notice(skipped: dict[str, list[str]]) -> str:
    """The one notice listing skipped features, grouped by what they lack."""
    by_need: dict[str, list[str]] = {}
    for name, need in skipped.items():
        by_need.setdefault(", ".join(need), []).append(name)
    parts = [f"{', '.join(names)} (need {need})" for need, names in by_need.items()]
    return f"skipped {len(skipped)} feature(s) whose inputs are missing: " + "; ".join(parts)


def split_features(bars: pd.DataFrame, macro: pd.DataFrame | None, features: Sequence[Feature],
                   registry: FeatureRegistry | None = None) -> tuple[list[str], list[Feature], dict[str, list[str]]]:
    """The aligned macro's series (:func:`check_macro`), then ``features`` split into those
    computable from ``bars`` (+ macro) and those skipped, with what each lacks."""
    series = check_macro(macro, len(bars))
    usable, skipped = available_features(features, list(bars.columns), series, registry)
    return series, usable, skipped


def warn_skipped(skipped: dict[str, list[str]], stacklevel: int = 2) -> None:
    """The one :class:`FeatureSkipWarning` for ``skipped`` features, if any; ``stacklevel`` is
    counted from the function calling this one (2: its caller's line)."""
    if skipped:
        warnings.warn(skip_notice(skipped), FeatureSkipWarning, stacklevel=stacklevel + 1)


def compute_features(bars: pd.DataFrame, macro: pd.DataFrame | None = None,
                     features: FeatureSpec | Sequence[Feature] = None, since: object = None, *,
                     registry: FeatureRegistry | None = None) -> pd.DataFrame:
    """Feature values keyed by (symbol, timestamp): every bar, or from ``since`` on.

    ``bars`` are canonical bars sorted by (symbol, timestamp); a feature may also read any
    other numeric column they carry, by naming it as a parameter. ``macro`` is the aligned wide
    frame (one column per series, one row per bar row, as ``align_macro`` returns).
    ``features`` is a spec (names, groups, patterns; see :mod:`alphaforge.features.sets`) or a
    list of :class:`Feature`. ``since`` (a time; naive means UTC) selects prediction mode.
    Features whose input columns are missing are skipped with one :class:`FeatureSkipWarning`.

    >>> bars = pd.DataFrame({"symbol": "A", "close": [10.0, 11.0, 12.1],
    ...     "timestamp": pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC")})
    >>> compute_features(bars, features="px_ret_1", since="2024-01-01T02:00")["px_ret_1"].round(6).tolist()
    [0.1]
    """
    registry = REGISTRY if registry is None else registry
    keep_freed_arrays()  # each symbol's temporaries reuse the last one's memory (see alphaforge.heap)
    selected = as_features(features, registry)
    codes, ns = _check_bars(bars)
    series, usable, skipped = split_features(bars, macro, selected, registry)
    warn_skipped(skipped)

    per_symbol = [f for f in usable if f.kind == "symbol"]
    cross = [f for f in usable if f.kind == "cross_sectional"]
    templates = [f for f in usable if f.kind == "macro"]
    bases = {f.base: registry.get(f.base) for f in cross if f.base not in {g.name for g in per_symbol}}
    blocks = _blocks(codes, ns, _since_ns(since), warmup_rows([*usable, *bases.values()]))

    names = output_columns(usable, series)
    column = {name: j for j, name in enumerate(names)}
    n_out = sum(b.stop - b.first for b in blocks)
    matrix = np.empty((n_out, len(names)), order="F")  # every cell is written below
    # a base feature that is no output is kept in the column of the last cross-sectional feature
    # reading it, which the others read before that one overwrites it: no table of bases beside
    # the output (95 ranked features at 1 M rows: 725 MB more at the peak)
    column.update({f.base: column[f.name] for f in cross if f.base in bases})
    needed = {c for f in [*per_symbol, *bases.values()] for c in f.inputs} - {"timestamp"}
    inputs = {c: bars[c].to_numpy(dtype=np.float64) for c in needed}
    inputs["timestamp"] = ns
    macro_values = {s: macro[s].to_numpy(dtype=np.float64) for s in series} if series else {}
    whole = n_out == len(bars)  # every bar kept, in order (training mode): no row selection

    def fill(block: _Block, window: slice) -> None:
        """One symbol's rows of every per-symbol feature, written into their rows of the outputs."""
        with shared_intermediates():  # features of this block share helpers' results (same input slices)
            slices = _Slices(block)
            for feature in [*per_symbol, *bases.values()]:
                values = _block_values(feature, block, {c: slices.of(inputs, c, feature) for c in feature.inputs})
                matrix[window, column[feature.name]] = values
            for feature in templates:
                for name, values in macro_values.items():
                    matrix[window, column[f"{feature.name}_{name}"]] = _block_values(
                        feature, block, {MACRO_INPUT: values[_start(block, feature):block.stop]})

    # each symbol's rows on one thread per usable CPU when its blocks are long: the kernels are NumPy
    # calls on whole blocks, which run without the GIL, and a block writes only its own rows, so the
    # values are the same bits in any order
    threaded = sum(b.stop - b.start for b in blocks) >= THREADED_BLOCK_ROWS * len(blocks)
    if whole and threaded and usable_cpus() > 1:
        # every kernel once per run of symbols (JOINED_ROWS): a row whose window lies in its own
        # symbol gets the same bits from the joined rows (each feature reads its lookback alone,
        # in a fixed order: the contract tests), and a symbol's first rows, whose windows would
        # reach into the symbol before it, are computed again from that symbol's rows alone
        warmup = warmup_rows([*per_symbol, *bases.values(), *templates])

        def fill_run(run: list[_Block]) -> None:
            fill(_Block(run[0].start, run[0].start, run[-1].stop), slice(run[0].start, run[-1].stop))
            for block in run[1:] if warmup else []:
                head = min(block.start + warmup, block.stop)
                fill(_Block(block.start, block.start, head), slice(block.start, head))

        map_on_cpus(fill_run, _joined(blocks, usable_cpus()))
    else:
        ends = np.cumsum([b.stop - b.first for b in blocks]).tolist()
        map_on_cpus(lambda job: fill(*job), [(b, slice(end - (b.stop - b.first), end))
                                             for b, end in zip(blocks, ends)], threaded=threaded)

    rows = None if whole else np.concatenate([np.arange(b.first, b.stop) for b in blocks] or [np.empty(0, int)])
    grid = (Grid.of(ns, codes) if rows is None else Grid.of(ns[rows], codes[rows])) if cross else None
    for feature in cross:
        matrix[:, column[feature.name]] = _checked(feature, feature.func(matrix[:, column[feature.base]], grid), n_out)

    frame = pd.DataFrame(matrix, columns=names, copy=False)
    if rows is None:  # every bar: the bars' own key columns, shared copy-on-write
        frame.insert(0, "symbol", bars["symbol"].reset_index(drop=True))
        stamps = bars["timestamp"]
        frame.insert(1, "timestamp", stamps.reset_index(drop=True) if isinstance(stamps.dtype, pd.DatetimeTZDtype)
                     else pd.DatetimeIndex(stamps))
    else:
        frame.insert(0, "symbol", bars["symbol"].array.take(rows))
        frame.insert(1, "timestamp", pd.DatetimeIndex(bars["timestamp"])[rows])
    return frame
