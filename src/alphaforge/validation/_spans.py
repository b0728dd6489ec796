"""Label spans: when each sample's label starts (t0) and when it becomes known (t1).

Splitters and sample weights need the spans of the rows they are given. They travel with
the data as the ``groups`` argument of scikit-learn's protocol: ``split(X, y, groups=spans)``
with ``spans`` a :class:`LabelSpans` (or a pandas Series of t1 indexed by t0, de Prado's
layout), so ``cross_val_score(model, X, y, cv=splitter, groups=spans)`` works unchanged and X
holds only features. Rows of a multi-symbol panel may come in any order (e.g. by symbol, then
time): everything here works on the times, not on row positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphaforge.errors import InputError


def _as_int64_times(values: object, what: str) -> tuple[np.ndarray, bool]:
    """Times as int64 (nanoseconds for datetimes) and whether they were datetimes."""
    if isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None) if isinstance(values, pd.Series) \
            else values.tz_convert("UTC").tz_localize(None)
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.datetime64):
        array = array.astype("datetime64[ns]")
        if np.isnat(array).any():
            raise InputError(f"{what} has missing times (NaT)", where=f"label spans, {what}",
                             fix="drop the rows without a label before splitting (targets.labelled_rows)")
        return array.view("int64"), True
    if array.dtype == object and len(array) and isinstance(array[0], pd.Timestamp):
        return _as_int64_times(pd.DatetimeIndex(array), what)
    if not np.issubdtype(array.dtype, np.number):
        raise InputError(f"{what} must hold datetimes or numbers, got dtype {array.dtype}",
                         where=f"label spans, {what}", fix="pass timestamps (or bar numbers)")
    if not np.isfinite(array).all():
        raise InputError(f"{what} has missing values", where=f"label spans, {what}",
                         fix="drop the rows without a label before splitting (targets.labelled_rows)")
    return array.astype("int64"), False


@dataclass(frozen=True, eq=False)
class LabelSpans:
    """Per-sample label spans [t0, t1] (int64 times) and optional symbols.

    Build it with :meth:`from_arrays`, :meth:`from_frame` or :meth:`from_t1_series`.
    ``is_datetime`` says whether times are nanoseconds since the epoch (durations allowed).
    It has a length and supports ``spans[index]`` so scikit-learn can index it like ``groups``.
    """

    t0: np.ndarray
    t1: np.ndarray
    symbols: np.ndarray | None = None
    is_datetime: bool = False

    def __post_init__(self) -> None:
        if len(self.t0) != len(self.t1) or (self.symbols is not None and len(self.symbols) != len(self.t0)):
            raise InputError("t0, t1 and symbols differ in length", where="label spans",
                             fix="pass one t0, t1 (and symbol) per sample")
        backwards = np.flatnonzero(self.t1 < self.t0)
        if backwards.size:
            raise InputError(f"t1 is before t0 at sample {int(backwards[0])}", where="label spans",
                             fix="t1 is when the label becomes known, at or after the sample's time t0")

    @classmethod
    def from_arrays(cls, t0: object, t1: object, symbols: object = None) -> LabelSpans:
        """Spans from two time arrays (datetimes or numbers) and optional symbols."""
        start, start_is_dt = _as_int64_times(t0, "t0")
        end, end_is_dt = _as_int64_times(t1, "t1")
        if start_is_dt != end_is_dt:
            raise InputError("t0 and t1 mix datetimes and numbers", where="label spans",
                             fix="pass both as datetimes or both as numbers")
        names = None if symbols is None else np.asarray(symbols).astype(str)
        return cls(start, end, names, start_is_dt)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, t1: str, t0: str = "timestamp",
                   symbol: str | None = "symbol") -> LabelSpans:
        """Spans from a table's columns, e.g. a target table's ``timestamp`` and ``{name}__t1``."""
        missing = [c for c in (t0, t1, symbol) if c is not None and c not in frame.columns]
        if missing:
            raise InputError(f"missing column(s) {missing}", where="label spans",
                             fix=f"pass a frame with the columns {[c for c in (t0, t1, symbol) if c]}")
        return cls.from_arrays(frame[t0], frame[t1], None if symbol is None else frame[symbol])

    @classmethod
    def from_t1_series(cls, t1: pd.Series) -> LabelSpans:
        """Spans from a Series of t1 indexed by t0 (one symbol, or times shared by all)."""
        return cls.from_arrays(t1.index, t1)

    def __len__(self) -> int:
        return len(self.t0)

    def __getitem__(self, index: object) -> LabelSpans:
        return LabelSpans(self.t0[index], self.t1[index],
                          None if self.symbols is None else self.symbols[index], self.is_datetime)


def as_label_spans(groups: object, n_samples: int | None) -> LabelSpans:
    """The spans passed as ``groups``, checked against the number of samples (when X is given)."""
    if groups is None:
        raise InputError("no label spans: pass groups=LabelSpans(...) to split()", where="splitter",
                         fix="build them with LabelSpans.from_frame(targets, t1='<target>__t1') for the "
                             "same rows as X, so purging can see when each label is known")
    spans = groups if isinstance(groups, LabelSpans) else None
    if spans is None and isinstance(groups, pd.Series):
        spans = LabelSpans.from_t1_series(groups)
    if spans is None:
        raise InputError(f"groups must be LabelSpans or a t1 Series indexed by t0, got {type(groups).__name__}",
                         where="splitter", fix="wrap the spans: LabelSpans.from_arrays(t0, t1)")
    if n_samples is not None and len(spans) != n_samples:
        raise InputError(f"{len(spans)} label spans for {n_samples} samples", where="splitter",
                         fix="build the spans from the same rows as X")
    return spans
