"""Trailing-window kernels shared by the feature families.

Every kernel here computes the value at row ``t`` from rows ``t - k + 1 .. t`` only, with an
arithmetic order that does not depend on where the array starts. That is what makes a
feature value bit-identical whether it is computed over thirty years of history or over
the last few hundred bars (training/prediction parity). Two consequences:

* Rolling sums are never differences of a running cumulative sum: a cumulative sum carries
  rounding from every earlier row, so its value at ``t`` would depend on where the series
  began. They are built instead from power-of-two blocks ending at ``t`` (a block of 2m
  rows is two blocks of m), added in an order fixed by the window length alone:
  O(n log k) work, and the same bits wherever the array starts.
* Exponential moving averages are *truncated*: the weights ``(1 - alpha) ** j`` over the
  last ``K`` bars, renormalised to sum to one, with ``K`` chosen so that the weight the
  infinite recursion would put on older bars is below :data:`EMA_TAIL`. The value is then a
  finite-window function of the data, exact under truncation, and differs from the
  recursive EMA (TA-Lib's) by less than ``EMA_TAIL`` relative to the spread of the input.

Rows without a full window are NaN: a feature never reports a value it cannot reproduce.
"""

from __future__ import annotations

import math

import numpy as np

from alphaforge.features._memo import shared

EMA_TAIL = 1e-9
"""Weight mass an EMA truncation may drop; sets the window of every exponential average."""


def pad_front(values: np.ndarray, length: int) -> np.ndarray:
    """``values`` aligned to the end of an array of ``length`` rows, NaN in front."""
    out = np.full(length, np.nan)
    if len(values):
        out[length - len(values):] = values
    return out


def lag(x: np.ndarray, n: int) -> np.ndarray:
    """``x`` shifted ``n`` rows later (value at t is x[t - n]); NaN for the first ``n`` rows."""
    out = np.empty(len(x))
    out[: min(n, len(x))] = np.nan
    if n < len(x):
        out[n:] = x[: len(x) - n]
    return out


def with_lagged(ufunc: np.ufunc, x: np.ndarray, earlier: np.ndarray, n: int) -> np.ndarray:
    """``ufunc(x[t], earlier[t - n])``, NaN for the first ``n`` rows: ``ufunc(x, lag(earlier, n))``
    bit for bit, without making the lagged copy (``with_lagged(np.subtract, close, close, 1)`` is
    the bar's change)."""
    return _combine_older(ufunc, x, earlier, n)


def weighted_window(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_j weights[j] * x[t - j] over the last ``len(weights)`` rows (weights[0] on row t)."""
    k = len(weights)
    if len(x) < k:
        return np.full(len(x), np.nan)
    return pad_front(np.convolve(x, weights, mode="valid"), len(x))


def _combine_older(ufunc: np.ufunc, newer: np.ndarray, older: np.ndarray, rows: int,
                   factor: float = 1.0) -> np.ndarray:
    """A fresh array: ufunc(newer[t], factor * older[t - rows]), NaN for t < rows."""
    out = np.empty_like(newer)
    length = len(newer)
    out[: min(rows, length)] = np.nan
    if rows < length:
        lagged = older[: length - rows]
        if factor != 1.0:
            lagged = np.multiply(lagged, factor, out=out[rows:])
        ufunc(newer[rows:], lagged, out=out[rows:])
    return out


def decayed_sum(x: np.ndarray, n: int, decay: float = 1.0) -> np.ndarray:
    """sum_{j < n} decay**j * x[t - j]: the window sum (decay 1) or an exponential window.

    Blocks of 1, 2, 4, ... rows ending at t are doubled (block(t) + decay**m * block(t - m))
    and the blocks making up ``n`` are added from the most recent back: O(len(x) log n), and
    an arithmetic order that depends on ``n`` and ``decay`` only, never on the array's start.
    """
    block = np.asarray(x, dtype=np.float64)
    first = block
    total: np.ndarray | None = None
    size, offset, remaining = 1, 0, n
    while remaining:
        if remaining & 1:  # the first block taken is the most recent (offset 0), as it is
            total = block if total is None else _combine_older(np.add, total, block, offset, decay ** offset)
            offset += size
        remaining >>= 1
        if remaining:
            block = _combine_older(np.add, block, block, size, decay ** size)
            size *= 2
    if total is None:
        return np.full(len(block), np.nan)
    return total.copy() if total is first and np.may_share_memory(first, x) else total  # n = 1: never x itself


def rolling_sum(x: np.ndarray, n: int) -> np.ndarray:
    """Sum of the last ``n`` rows (NaN until ``n`` rows exist)."""
    return decayed_sum(x, n)


def rolling_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Mean of the last ``n`` rows."""
    return rolling_sum(x, n) / n


def rolling_mean_abs_deviation(x: np.ndarray, n: int, mean: np.ndarray | None = None) -> np.ndarray:
    """Mean of |x[t - j] - mean of the window| over the last ``n`` rows (as CCI uses);
    ``mean`` is ``rolling_mean(x, n)`` when the caller has it already."""
    mean = rolling_mean(x, n) if mean is None else mean
    total = np.abs(x - mean)  # NaN for the first n - 1 rows, which the lags below leave alone
    deviation = np.empty_like(total)
    for j in range(1, n):  # lag by lag, summed in a fixed order
        part = deviation[j:]
        np.subtract(x[:-j], mean[j:], out=part)
        total[j:] += np.abs(part, out=part)
    return total / n


def rolling_mean_std(x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (population) standard deviation of the last ``n`` rows, from window sums of x
    and x² (TA-Lib's formula; the variance is floored at 0)."""
    s1 = rolling_sum(x, n)
    mean = s1 / n
    variance = rolling_sum(x * x, n)  # a fresh array: the steps below work in place
    variance -= s1 * mean
    variance /= n
    np.copyto(variance, 0.0, where=variance < 0.0)
    return mean, np.sqrt(variance, out=variance)


def rolling_std(x: np.ndarray, n: int) -> np.ndarray:
    """Population standard deviation of the last ``n`` rows, as TA-Lib's STDDEV."""
    return rolling_mean_std(x, n)[1]


def _extreme(ufunc: np.ufunc, x: np.ndarray, n: int) -> np.ndarray:
    """``ufunc`` (maximum or minimum) over the last ``n`` rows, exact.

    Blocks of 1, 2, 4, ... rows are doubled up to the largest power of two p <= n; two
    overlapping p-blocks then cover the window (a max or min does not mind the overlap).
    """
    block = np.asarray(x, dtype=np.float64)
    size = 1
    while 2 * size <= n:
        block = _combine_older(ufunc, block, block, size)
        size *= 2
    return _combine_older(ufunc, block, block, n - size) if size < n else block.copy()


def rolling_max(x: np.ndarray, n: int) -> np.ndarray:
    """Maximum of the last ``n`` rows (exact; O(len(x) log n))."""
    return _extreme(np.maximum, x, n)


def rolling_min(x: np.ndarray, n: int) -> np.ndarray:
    """Minimum of the last ``n`` rows (exact; O(len(x) log n))."""
    return _extreme(np.minimum, x, n)


def ema_window(alpha: float) -> int:
    """Bars an EMA with smoothing ``alpha`` keeps: the recursion's weight on older bars < EMA_TAIL.

    The least such window is rounded up to a sum of at most two powers of two (280 → 288),
    which :func:`decayed_sum` assembles from the fewest blocks; the tail only gets lighter.
    """
    least = max(1, math.ceil(math.log(EMA_TAIL) / math.log(1.0 - alpha)))
    top = 1 << (least.bit_length() - 1)
    rest = least - top
    return least if rest == 0 else top + (1 << (rest - 1).bit_length())


def wilder_alpha(period: int) -> float:
    """Wilder's smoothing (RSI, ATR, ADX): alpha = 1 / period."""
    return 1.0 / period


def span_alpha(period: int) -> float:
    """The usual EMA span convention (MACD): alpha = 2 / (period + 1)."""
    return 2.0 / (period + 1)


def ema_sum(x: np.ndarray, alpha: float) -> np.ndarray:
    """:func:`ema` without its normalising constant, for ratios of averages where it cancels."""
    return decayed_sum(x, ema_window(alpha), 1.0 - alpha)


def ema(x: np.ndarray, alpha: float) -> np.ndarray:
    """Truncated exponential moving average; lookback ``ema_window(alpha) - 1`` rows."""
    return ema_normalised(ema_sum(x, alpha), alpha)


def ema_normalised(total: np.ndarray, alpha: float) -> np.ndarray:
    """:func:`ema` from its :func:`ema_sum` ``total``: the weights scaled to sum to one (in place
    when ``total`` is writeable, a shared result is left as it is)."""
    decay = 1.0 - alpha
    return np.multiply(total, alpha / (1.0 - decay ** ema_window(alpha)), out=total if total.flags.writeable else None)


def ema_lookback(alpha: float) -> int:
    """Rows before t that :func:`ema` reads."""
    return ema_window(alpha) - 1


def safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator with NaN (not inf, not a warning) where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = numerator / denominator
    zero = denominator == 0
    if zero.any():
        out[zero] = np.nan
    return out


def percent(fraction: np.ndarray) -> np.ndarray:
    """100 × ``fraction``, scaled in place (``fraction`` is a temporary its caller made)."""
    return np.multiply(fraction, 100.0, out=fraction)


@shared
def log_returns(close: np.ndarray) -> np.ndarray:
    """ln(close_t / close_{t-1}); NaN on the first row."""
    ratio = with_lagged(np.divide, close, close, 1)
    return np.log(ratio, out=ratio)


@shared
def log_prices(close: np.ndarray) -> np.ndarray:
    """ln(close), which momentum and the fractional differences read."""
    return np.log(close)
