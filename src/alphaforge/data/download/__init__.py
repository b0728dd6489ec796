"""Downloaders for market data: Binance spot klines as bars; FRED and Yahoo series as macro rows.

Each downloader is a plain function returning a validated canonical frame, with its base URL a
keyword argument (defaults are the module constants below, which the config points at) and an
optional :class:`HttpClient` carrying the retry policy. Nothing here writes to disk: storing the
result, and resuming from it, is the raw store's job.
"""

from alphaforge.data.download._http import HttpClient, HttpStatusError, RetryPolicy
from alphaforge.data.download.binance import BINANCE_BASE_URL, INTERVALS, Progress, download_binance
from alphaforge.data.download.fred import FRED_BASE_URL, download_fred
from alphaforge.data.download.yahoo import YAHOO_BASE_URL, download_yahoo

__all__ = [
    "BINANCE_BASE_URL",
    "FRED_BASE_URL",
    "INTERVALS",
    "YAHOO_BASE_URL",
    "HttpClient",
    "HttpStatusError",
    "Progress",
    "RetryPolicy",
    "download_binance",
    "download_fred",
    "download_yahoo",
]
