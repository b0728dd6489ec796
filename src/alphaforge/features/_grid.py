"""The timestamp × symbol grid on which cross-sectional features compare symbols."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's position among the distinct values in sorted order, and how many there are
    (``np.unique(values, return_inverse=True)``, in one pass when ``values`` never decrease)."""
    if len(values) and not (values[1:] < values[:-1]).any():
        new = np.empty(len(values), dtype=bool)
        new[0] = True
        np.not_equal(values[1:], values[:-1], out=new[1:])
        codes = np.cumsum(new, dtype=np.intp)
        codes -= 1
        return codes, int(codes[-1]) + 1
    distinct, codes = np.unique(values, return_inverse=True)
    return codes.ravel(), len(distinct)


def _shared_times(timestamp: np.ndarray, symbol: np.ndarray, n_symbols: int) -> np.ndarray | None:
    """Time codes of a dense symbol-major panel (every symbol has the same increasing
    timestamps, its rows together, symbols in order), found in O(rows); None for any other."""
    if n_symbols == 0 or len(timestamp) % n_symbols:
        return None
    length = len(timestamp) // n_symbols
    first = timestamp[:length]
    dense = (length == 0 or (first[1:] > first[:-1]).all()) \
        and np.array_equal(symbol, np.repeat(np.arange(n_symbols), length)) \
        and np.array_equal(timestamp.reshape(n_symbols, length), np.broadcast_to(first, (n_symbols, length)))
    return np.tile(np.arange(length), n_symbols) if dense else None


@dataclass(frozen=True)
class Grid:
    """Where each row sits in the timestamp × symbol table (built once per compute).

    Two layouts of the same table: :meth:`table` (timestamps × symbols, one row per
    timestamp) and :meth:`by_symbol` (symbols × timestamps, one row per symbol). When the rows
    are the whole table read symbol by symbol (every symbol at every timestamp, as a
    panel of equal histories is), the second is the values reshaped, without a scatter.
    """

    time: np.ndarray
    symbol: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, timestamp: np.ndarray, symbol: np.ndarray) -> Grid:
        """Grid for rows with these int64 timestamps and integer symbol codes."""
        code, n_symbols = _sorted_codes(np.asarray(symbol))
        time = _shared_times(np.asarray(timestamp), code, n_symbols)
        if time is not None:
            return cls(time, code, (len(time) // max(n_symbols, 1), n_symbols))
        time, n_times = _sorted_codes(np.asarray(timestamp))
        return cls(time, code, (n_times, n_symbols))

    @cached_property
    def _symbol_major(self) -> bool:
        """Whether the rows are every cell of the table, symbol by symbol, in time order."""
        n_times, n_symbols = self.shape
        return len(self.time) == n_times * n_symbols and np.array_equal(
            self.symbol * n_times + self.time, np.arange(len(self.time)))

    @cached_property
    def _cell(self) -> np.ndarray:
        """Each row's flat position in the timestamps × symbols table."""
        return self.time * self.shape[1] + self.symbol

    @cached_property
    def _cell_by_symbol(self) -> np.ndarray:
        """Each row's flat position in the symbols × timestamps table."""
        return self.symbol * self.shape[0] + self.time

    def table(self, values: np.ndarray) -> np.ndarray:
        """Values as a timestamp × symbol table (C order), NaN where a symbol has no row."""
        if self._symbol_major:
            return np.ascontiguousarray(np.reshape(values, self.shape[::-1]).T)
        out = np.full(self.shape[0] * self.shape[1], np.nan)
        out[self._cell] = values
        return out.reshape(self.shape)

    def rows(self, table: np.ndarray) -> np.ndarray:
        """A timestamp × symbol table read back one value per row."""
        if self._symbol_major:
            return np.ascontiguousarray(table.T).ravel()
        return table.ravel()[self._cell]

    def by_symbol(self, values: np.ndarray) -> np.ndarray:
        """Values as a symbol × timestamp table, NaN where a symbol has no row; a read-only view
        of ``values`` when the rows are the whole table symbol by symbol."""
        if self._symbol_major:
            view = np.reshape(values, self.shape[::-1]).view()
            view.flags.writeable = False
            return view
        out = np.full(self.shape[0] * self.shape[1], np.nan)
        out[self._cell_by_symbol] = values
        return out.reshape(self.shape[::-1])

    def rows_by_symbol(self, table: np.ndarray) -> np.ndarray:
        """A symbol × timestamp table read back one value per row."""
        if self._symbol_major:
            return table.ravel()
        return table.ravel()[self._cell_by_symbol]
