"""Spot klines (candles) from Binance's public REST API, as canonical bars.

``GET {base_url}/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=..&endTime=..&limit=1000``
answers an array of arrays, one per candle::

    [1609459200000, "28923.63", "29031.34", "28690.17", "28995.13", "2311.81", 1609462799999, ...]
     open time ms   open        high        low         close       volume     close time ms

Binance stamps a candle with its *open* time; AlphaForge stamps a bar with its *end* (the time
its values are known), so a bar's timestamp is open time + interval. Only complete candles are
kept: the candle still forming at ``now`` is dropped, and will be fetched by the next run.
A page holds at most 1,000 candles; the downloader pages by moving ``startTime`` past the last
open time received.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass

import pandas as pd

from alphaforge.data.download._dates import DateLike, download_window, resolve_now, to_milliseconds, to_utc
from alphaforge.data.download._frames import finish_bars
from alphaforge.data.download._http import HttpClient, HttpStatusError
from alphaforge.data.download._names import as_name_list
from alphaforge.data.schema import VALUE_COLUMNS
from alphaforge.errors import AlphaForgeError, InputError

BINANCE_BASE_URL = "https://api.binance.com"
KLINES_PATH = "/api/v3/klines"
MAX_PAGE_SIZE = 1000
INVALID_SYMBOL_CODE = -1121

# Fixed-length Binance intervals. "1M" (calendar month) is left out: its length varies, so
# "open time + interval" has no single answer; download "1d" and resample instead.
INTERVALS: dict[str, pd.Timedelta] = {
    name: pd.Timedelta(length)
    for name, length in (
        ("1s", "1s"), ("1m", "1min"), ("3m", "3min"), ("5m", "5min"), ("15m", "15min"), ("30m", "30min"),
        ("1h", "1h"), ("2h", "2h"), ("4h", "4h"), ("6h", "6h"), ("8h", "8h"), ("12h", "12h"),
        ("1d", "1D"), ("3d", "3D"), ("1w", "7D"),
    )
}

Progress = Callable[[str, float, int], None]
"""Called as ``progress(pair, fraction_done, rows_so_far)`` after each page and once per pair at 1.0."""


@dataclass(frozen=True)
class _Request:
    """One pair's download: the endpoint, the open times (epoch ms, both inclusive) and the interval length."""

    client: HttpClient
    url: str
    pair: str
    interval: str
    first_open_ms: int
    last_open_ms: int
    page_size: int
    step_ms: int


def interval_length(interval: str) -> pd.Timedelta:
    """The length of a Binance interval name such as ``"1h"``; InputError for unknown names."""
    if interval not in INTERVALS:
        hint = " (monthly candles are not supported: download 1d and resample)" if interval == "1M" else ""
        raise InputError(f"interval {interval!r} is not a supported Binance interval{hint}", where="interval",
                         fix=f"use one of {', '.join(INTERVALS)}")
    return INTERVALS[interval]


def normalise_pairs(pairs: str | Iterable[str]) -> list[str]:
    """Upper-case, de-duplicated pair symbols; rejects separators with a 'did you mean'."""
    symbols = list(dict.fromkeys(name.upper() for name in as_name_list(pairs, "pairs", "BTCUSDT")))
    for symbol in symbols:
        if not re.fullmatch(r"[A-Z0-9]{2,30}", symbol):
            suggestion = re.sub(r"[^A-Z0-9]", "", symbol) or "BTCUSDT"
            raise InputError(f"pair {symbol!r} is not a Binance symbol", where="pairs",
                             fix=f"write pairs without separators, e.g. {suggestion}")
    return symbols


def download_binance(
    pairs: str | Iterable[str],
    interval: str,
    start: DateLike,
    end: DateLike | None = None,
    *,
    base_url: str = BINANCE_BASE_URL,
    resume_from: Mapping[str, DateLike] | None = None,
    client: HttpClient | None = None,
    progress: Progress | None = None,
    now: DateLike | None = None,
    page_size: int = MAX_PAGE_SIZE,
) -> pd.DataFrame:
    """Download complete spot candles for ``pairs`` as canonical bars stamped at the bar end.

    Bars cover ``[start, end]``: each bar opens at or after ``start`` and ends at or before
    ``end`` (default: ``now``, the current UTC time). ``resume_from`` maps a pair to the end of
    its last stored bar; only strictly newer bars are returned for it, so appending the result
    never duplicates a bar. Returns an empty frame when there is nothing new.

    >>> bars = download_binance(["BTCUSDT"], "1h", "2021-01-01", "2021-01-02")  # doctest: +SKIP
    >>> bars.columns.tolist()  # doctest: +SKIP
    ['symbol', 'timestamp', 'open', 'high', 'low', 'close', 'volume']
    """
    step = interval_length(interval)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page_size {page_size} is out of range", where="page_size",
                         fix=f"use 1 to {MAX_PAGE_SIZE}")
    symbols = normalise_pairs(pairs)
    clock = resolve_now(now)
    first, last = download_window(start, end, clock)
    resumed = {key.strip().upper(): to_utc(value, f"resume_from[{key}]")
               for key, value in (resume_from or {}).items()}
    url = base_url.rstrip("/") + KLINES_PATH
    step_ms = int(step / pd.Timedelta(milliseconds=1))
    # A complete bar has ended by `now`, so its open time is at most min(end, now) - interval.
    last_open_ms = to_milliseconds(min(last, clock)) - step_ms
    pieces = []
    with nullcontext(client) if client is not None else HttpClient() as http:
        for pair in symbols:
            first_open_ms = to_milliseconds(first)
            if pair in resumed:  # a bar is newer than the stored end when it opens after end - interval
                first_open_ms = max(first_open_ms, to_milliseconds(resumed[pair]) - step_ms + 1)
            request = _Request(http, url, pair, interval, first_open_ms, last_open_ms, page_size, step_ms)
            pieces.append(_klines_to_bars(request, _download_klines(request, progress)))
    return finish_bars(pieces, source=f"binance {interval} klines from {base_url}")


def _download_klines(request: _Request, progress: Progress | None) -> list[list]:
    """All candles whose open time lies in the request's range, page by page."""
    rows: list[list] = []
    cursor = request.first_open_ms
    span = request.last_open_ms - request.first_open_ms + 1
    while cursor <= request.last_open_ms:
        page = _fetch_page(request, cursor)
        if not page:
            break
        rows.extend(page)
        last_open = int(page[-1][0])
        if last_open < cursor:
            raise AlphaForgeError(f"the server returned candles opening before the requested startTime {cursor}",
                                  where=request.url, fix="check the Binance base URL in alphaforge.toml")
        cursor = last_open + 1
        if progress is not None:
            progress(request.pair, min(1.0, (cursor - request.first_open_ms) / span), len(rows))
        if len(page) < request.page_size:
            break
    if progress is not None:
        progress(request.pair, 1.0, len(rows))
    return rows


def _fetch_page(request: _Request, cursor: int) -> list[list]:
    """One klines page starting at open time ``cursor``; Binance error bodies become InputError."""
    params = {"symbol": request.pair, "interval": request.interval, "startTime": cursor,
              "endTime": request.last_open_ms, "limit": request.page_size}
    try:
        page = request.client.get_json(request.url, params)
    except HttpStatusError as exc:
        raise _rejection(request.pair, exc) from None
    if not isinstance(page, list) or not all(isinstance(row, list) and len(row) >= 7 for row in page):
        raise AlphaForgeError(f"unexpected klines response for {request.pair}: {str(page)[:120]}",
                              where=request.url, fix="check the Binance base URL in alphaforge.toml")
    return page


def _rejection(pair: str, exc: HttpStatusError) -> InputError:
    """Translate Binance's ``{"code": -1121, "msg": "Invalid symbol."}`` error body."""
    try:
        body = json.loads(exc.body)
        code, message = body["code"], body["msg"]
    except (ValueError, TypeError, KeyError):
        code, message = None, exc.body[:200]
    if code == INVALID_SYMBOL_CODE:
        fix = "check the pair is listed on Binance spot and spelled like BTCUSDT (base then quote asset)"
    else:
        fix = "check --interval and the --start/--end dates"
    return InputError(f"Binance rejected {pair}: {message} (HTTP {exc.status}, code {code})",
                      where=f"pair {pair}", fix=fix)


def _klines_to_bars(request: _Request, rows: list[list]) -> pd.DataFrame:
    """Canonical bars from raw klines: end-of-bar stamps, floats, only the requested open times."""
    raw = pd.DataFrame([row[:6] for row in rows], columns=["open_time", *VALUE_COLUMNS])
    open_ms = raw["open_time"].astype("int64")
    keep = ((open_ms >= request.first_open_ms) & (open_ms <= request.last_open_ms)).to_numpy()
    raw, open_ms = raw[keep], open_ms[keep]
    return pd.DataFrame({
        "symbol": request.pair,
        "timestamp": pd.to_datetime(open_ms + request.step_ms, unit="ms", utc=True),
        **{column: raw[column].astype("float64") for column in VALUE_COLUMNS},
    })
