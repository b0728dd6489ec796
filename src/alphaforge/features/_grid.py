"""The timestamp × symbol grid on which cross-sectional features compare symbols."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    """Where each row sits in the timestamp × symbol table (built once per compute)."""

    time: np.ndarray
    symbol: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, timestamp: np.ndarray, symbol: np.ndarray) -> Grid:
        """Grid for rows with these int64 timestamps and integer symbol codes."""
        times, time = np.unique(timestamp, return_inverse=True)
        symbols, code = np.unique(symbol, return_inverse=True)
        return cls(time.ravel(), code.ravel(), (len(times), len(symbols)))

    def table(self, values: np.ndarray) -> np.ndarray:
        """Values as a timestamp × symbol table, NaN where a symbol has no row."""
        out = np.full(self.shape, np.nan)
        out[self.time, self.symbol] = values
        return out

    def rows(self, table: np.ndarray) -> np.ndarray:
        """A timestamp × symbol table read back one value per row."""
        return table[self.time, self.symbol]
