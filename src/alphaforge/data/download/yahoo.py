"""Daily closes of market series (SPY, ^VIX, DX-Y.NYB, ...) from Yahoo's chart API, as macro rows.

``GET {base_url}/v8/finance/chart/SPY?period1=<unix s>&period2=<unix s>&interval=1d`` answers::

    {"chart": {"result": [{"meta": {"symbol": "SPY", "exchangeTimezoneName": "America/New_York", ...},
                           "timestamp": [1609770600, ...],
                           "indicators": {"quote": [{"close": [368.79, ...], "open": [...], ...}]}}],
               "error": null}}

A timestamp is the session's start; its date in the exchange's time zone is the observation date,
stamped at 00:00 UTC like every macro series (the macro join applies the publication lag).
``null`` closes (no trade) are dropped, and so is today's session, which may still be trading.
An unknown symbol answers HTTP 404 with ``"error": {"code": "Not Found", "description": ...}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any
from urllib.parse import quote

import pandas as pd

from alphaforge.data.download._dates import DateLike, download_window, resolve_now
from alphaforge.data.download._frames import finish_macro
from alphaforge.data.download._http import HttpClient, HttpStatusError
from alphaforge.data.download._names import as_name_list
from alphaforge.errors import AlphaForgeError, InputError

YAHOO_BASE_URL = "https://query1.finance.yahoo.com"
CHART_PATH = "/v8/finance/chart/{symbol}"


def download_yahoo(
    symbols: str | Iterable[str],
    start: DateLike,
    end: DateLike | None = None,
    *,
    base_url: str = YAHOO_BASE_URL,
    client: HttpClient | None = None,
    now: DateLike | None = None,
) -> pd.DataFrame:
    """Download daily closes as macro rows (``series`` = the Yahoo symbol) dated in ``[start, end]``.

    Only completed sessions are returned: one dated today (exchange time, by ``now``) is left out.

    >>> macro = download_yahoo(["SPY", "^VIX", "DX-Y.NYB"], "2021-01-01")  # doctest: +SKIP
    >>> sorted(macro["series"].unique())  # doctest: +SKIP
    ['DX-Y.NYB', 'SPY', '^VIX']
    """
    names = as_name_list(symbols, "symbols", "SPY")
    clock = resolve_now(now)
    first, last = download_window(start, end, clock)
    with nullcontext(client) if client is not None else HttpClient() as http:
        pieces = [_download_symbol(http, base_url, symbol, first, last, clock) for symbol in names]
    return finish_macro(pieces, source=f"Yahoo chart API at {base_url}")


def _download_symbol(http: HttpClient, base_url: str, symbol: str, first: pd.Timestamp, last: pd.Timestamp,
                     clock: pd.Timestamp) -> pd.DataFrame:
    """One symbol's completed daily closes dated within ``[first, last]``."""
    url = base_url.rstrip("/") + CHART_PATH.format(symbol=quote(symbol, safe=""))
    params = {"period1": int(first.timestamp()), "period2": int(last.timestamp()), "interval": "1d"}
    try:
        body = http.get_json(url, params)
    except HttpStatusError as exc:
        raise InputError(f"Yahoo has no data for {symbol!r}: {_error_description(exc.body)}",
                         where=f"symbol {symbol}",
                         fix="check the symbol on finance.yahoo.com (indices start with ^, e.g. ^VIX)") from None
    starts, closes, zone = _daily_closes(body, url)
    local_dates = starts.dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
    today = clock.tz_convert(zone).tz_localize(None).normalize()
    dates = local_dates.dt.tz_localize("UTC")
    keep = (local_dates < today) & (dates >= first.normalize()) & (dates <= last)
    return pd.DataFrame({"series": symbol, "timestamp": dates[keep], "value": closes[keep]})


def _daily_closes(body: Any, url: str) -> tuple[pd.Series, pd.Series, str]:
    """Session starts (UTC), closes (NaN where null) and the exchange time zone from a chart body."""
    try:
        result = body["chart"]["result"][0]
        zone = result["meta"].get("exchangeTimezoneName", "UTC")
        stamps = result.get("timestamp") or []
        closes = result["indicators"]["quote"][0]["close"] if stamps else []
    except (KeyError, IndexError, TypeError, AttributeError):
        raise AlphaForgeError(f"unexpected chart response: {str(body)[:120]}", where=url,
                              fix="check the Yahoo base URL in alphaforge.toml") from None
    if len(closes) != len(stamps):
        raise AlphaForgeError(f"chart response has {len(stamps)} timestamps but {len(closes)} closes",
                              where=url, fix="download again; if it persists, report the symbol")
    starts = pd.to_datetime(pd.Series(stamps, dtype="int64"), unit="s", utc=True)
    return starts, pd.Series(closes, dtype="float64"), zone


def _error_description(text: str) -> str:
    """The ``chart.error.description`` of an error body, else the start of the body."""
    try:
        return str(json.loads(text)["chart"]["error"]["description"])
    except (ValueError, KeyError, TypeError):
        return text[:200]
