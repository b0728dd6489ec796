"""The checks every novelty and drift computation makes of the frames it is given.

Training frames are read one column at a time (a 1 M-row float32 matrix is not copied to float64
whole); prediction frames are small and read at once, in the training's column order. A training
column without a single finite value (a feature not yet computed anywhere in the window, which the
model cannot split on either) is left out of the gate and named in its notices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from alphaforge.cpus import map_on_cpus
from alphaforge.errors import InputError

T = TypeVar("T")
TRAINING = "the training rows of the novelty gate"


def _frame(frame: object, where: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"a pandas DataFrame of features expected, got {type(frame).__name__}", where=where,
                         fix="pass the feature columns as a DataFrame (e.g. the training matrix's X)")
    return frame


def _numeric(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    wrong = [str(c) for c in columns if not (pd.api.types.is_numeric_dtype(frame[c]) or
                                             pd.api.types.is_bool_dtype(frame[c]))]
    if wrong:
        raise InputError(f"non-numeric feature column(s) {wrong} ({frame[wrong[0]].dtype})", where=where,
                         fix="pass numeric features only: drop or encode these columns")


@dataclass(frozen=True)
class TrainingColumns:
    """The columns of a checked training frame a gate measures (names and positions, in order),
    and those it leaves out: without a single finite value, they have no scale and no bins."""

    names: list[str]
    positions: list[int]
    ignored: list[str]

    def each(self, training: pd.DataFrame, measure: Callable[[np.ndarray], T]) -> list[T]:
        """``measure`` of every measured column (float64), in order: :data:`COLUMNS_AT_ONCE` columns
        at a time (:func:`column_block`), one thread per usable CPU, as a column's statistics run
        in NumPy without the GIL (the 95 features of 1 M training rows took 4.8 s for the drift
        bins and 2.3 s for the scaling on one thread, reading one column at a time)."""
        values = frame_values(training)
        groups = [self.positions[at:at + COLUMNS_AT_ONCE] for at in range(0, len(self.positions), COLUMNS_AT_ONCE)]
        parts = map_on_cpus(lambda group: [measure(np.asarray(column, dtype=np.float64))
                                           for column in column_block(values, group)], groups)
        return [result for part in parts for result in part]


COLUMNS_AT_ONCE = 8
"""Training columns read together: 8 float32 values of a row-major matrix's row are read at once."""
ROWS_AT_ONCE = 1 << 13
"""Rows of a row-major matrix turned into columns at a time (a block the CPU's cache holds)."""


def frame_values(frame: pd.DataFrame) -> np.ndarray:
    """``frame``'s values as one array: the training matrix's own float32 rows (no copy), a
    copy in float64 for a frame of other or mixed types."""
    if len(set(frame.dtypes)) == 1 and frame.dtypes.iloc[0].kind == "f":
        return frame.to_numpy()
    return frame.to_numpy(dtype="float64")


def column_block(values: np.ndarray, positions: Sequence[int]) -> np.ndarray:
    """The columns at ``positions`` of ``values`` (:func:`frame_values`) as a block of their type
    (the matrix's float32: half the memory of float64 while several threads hold one), one
    column a row.

    The training matrix is row-major (a fold's rows are one block): reading one of its columns
    reads one value per row from all over it (10 ms a column at 1 M rows). Its rows are read a
    few thousand at a time instead, each row's values of ``positions`` together."""
    positions = list(positions)
    if not values.flags.c_contiguous:
        return np.ascontiguousarray(values[:, positions].T)
    block = np.empty((len(positions), len(values)), dtype=values.dtype)
    for start in range(0, len(values), ROWS_AT_ONCE):
        rows = slice(start, start + ROWS_AT_ONCE)
        block[:, rows] = values[rows][:, positions].T
    return block


def left_out_notices(ignored: Sequence[str]) -> list[str]:
    """A line naming the training columns a gate left out, when there are any."""
    if not ignored:
        return []
    shown = ", ".join(ignored[:5]) + (f" and {len(ignored) - 5} more" if len(ignored) > 5 else "")
    return [f"novelty gate: {len(ignored)} feature(s) without a value in the training rows are left out of its "
            f"distances and drift bins: {shown}"]


def check_training(training: object, *, where: str = TRAINING) -> TrainingColumns:
    """The columns of ``training`` a gate measures, refused when no gate can learn from it: not a
    frame, fewer than 2 rows, no column, a duplicate or non-numeric column, or no column with a
    finite value. A column without one (a feature the model could not use either) is left out."""
    frame = _frame(training, where)
    if frame.shape[1] == 0 or len(frame) < 2:
        raise InputError(f"{len(frame)} rows x {frame.shape[1]} feature columns: distances between training rows "
                         "need 2 rows and 1 column at least", where=where,
                         fix="fit the gate on the rows the model trained on (its training matrix)")
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        raise InputError(f"duplicate feature columns {sorted({n for n in names if names.count(n) > 1})}", where=where,
                         fix="give every feature column its own name")
    _numeric(frame, list(frame.columns), where)
    usable = _finite_columns(frame_values(frame)).tolist()
    if not any(usable):
        raise InputError(f"none of the {len(names)} feature columns has a finite value (all NaN or infinite): no "
                         "scale to standardise by", where=where,
                         fix="fit the gate on rows where the features are computed (past their warm-up)")
    return TrainingColumns([n for n, u in zip(names, usable, strict=True) if u], [i for i, u in enumerate(usable) if u],
                           [n for n, u in zip(names, usable, strict=True) if not u])


def _finite_columns(values: np.ndarray) -> np.ndarray:
    """Which columns of ``values`` (:func:`frame_values`) hold a finite value. The latest rows are
    looked at first: past every warm-up, nearly every column has one there, and only the columns
    without are searched in the other rows (at 1 M x 95, 0.3 s for the whole matrix against
    milliseconds)."""
    found = np.isfinite(values[-ROWS_AT_ONCE:]).any(axis=0)
    rest = np.flatnonzero(~found)
    if len(rest):
        found[rest] = np.isfinite(column_block(values[:-ROWS_AT_ONCE], rest)).any(axis=1)
    return found


def row_values(rows: object, features: Sequence[str], *, where: str) -> np.ndarray:
    """``rows``' values of ``features``, in that order, as float64 (rows x features); columns
    besides them are ignored, missing ones refused by name."""
    frame = _frame(rows, where)
    present = {str(c): c for c in frame.columns}
    missing = [name for name in features if name not in present]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise InputError(f"{len(missing)} of the {len(features)} features the gate was fitted on are missing: {shown}",
                         where=where, fix="compute the model's features (its card lists them) for these rows")
    columns = [present[name] for name in features]
    _numeric(frame, columns, where)
    return frame[columns].to_numpy(dtype="float64")
