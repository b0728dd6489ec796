"""Probability of backtest overfitting (PBO) by combinatorially symmetric cross-validation.

Bailey, Borwein, López de Prado & Zhu (2017). The T x N matrix of per-period returns of N
configurations is cut into S contiguous blocks of rows; for each of the C(S, S/2) ways to
choose half of the blocks as in-sample, the configuration with the best in-sample metric is
ranked among all N on the other half. With its out-of-sample rank r in 1..N (1 = worst, ties
averaged), w = r / (N + 1) and the logit l = log(w / (1 - w)). PBO is the share of
combinations with l <= 0: the in-sample winner did no better than the median out of sample.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from alphaforge.errors import InputError


def column_sharpe(returns: np.ndarray) -> np.ndarray:
    """Per-period Sharpe ratio of each column (ddof=1); 0 for a constant column."""
    spread = returns.std(axis=0, ddof=1)
    return np.divide(returns.mean(axis=0), spread, out=np.zeros(returns.shape[1]), where=spread > 0)


@dataclass(frozen=True)
class PBOResult:
    """PBO and the logit of the in-sample winner's out-of-sample rank, per combination."""

    pbo: float
    logits: np.ndarray


def probability_of_backtest_overfitting(returns: object, n_blocks: int = 16,
                                        metric: Callable[[np.ndarray], np.ndarray] = column_sharpe) -> PBOResult:
    """PBO of choosing the best of the configurations in ``returns`` (T x N) by ``metric``.

    ``metric`` maps a block of rows to one score per column (higher is better).
    """
    matrix = np.asarray(returns, dtype="float64")
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise InputError(f"returns must be a 2-D array with >= 2 configurations, got shape {matrix.shape}",
                         where="returns", fix="one column of per-period returns per configuration tried")
    if n_blocks < 2 or n_blocks % 2 or matrix.shape[0] < 2 * n_blocks:
        raise InputError(f"n_blocks={n_blocks} for {matrix.shape[0]} rows", where="n_blocks",
                         fix="use an even n_blocks with at least 2 rows per block")
    blocks = np.array_split(np.arange(matrix.shape[0]), n_blocks)
    n_configs = matrix.shape[1]
    logits = []
    for chosen in itertools.combinations(range(n_blocks), n_blocks // 2):
        inside = np.zeros(matrix.shape[0], dtype=bool)
        inside[np.concatenate([blocks[b] for b in chosen])] = True
        best = int(np.argmax(metric(matrix[inside])))
        rank = stats.rankdata(metric(matrix[~inside]))[best]
        omega = rank / (n_configs + 1)
        logits.append(np.log(omega / (1 - omega)))
    logit_array = np.asarray(logits)
    return PBOResult(float(np.mean(logit_array <= 0)), logit_array)
