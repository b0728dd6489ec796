"""Macro series from FRED's graph CSV endpoint (no API key needed), as canonical macro rows.

``GET {base_url}/graph/fredgraph.csv?id=VIXCLS&cosd=2021-01-01&coed=2021-12-31`` answers::

    observation_date,VIXCLS
    2021-01-04,26.97
    2021-01-18,.

The first column is the observation date (older files call it ``DATE``), the second the value;
``.`` marks a missing observation (e.g. a holiday) and is dropped. Each observation is stamped at
00:00 UTC of its date; when a value becomes known is the macro join's publication lag, not ours.
Useful series: VIXCLS (VIX close), DTWEXBGS (broad dollar index), DGS10 (10-year Treasury yield).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextlib import nullcontext

import pandas as pd

from alphaforge.data.download._dates import DateLike, download_window, resolve_now
from alphaforge.data.download._frames import finish_macro
from alphaforge.data.download._http import HttpClient, HttpStatusError
from alphaforge.data.download._names import as_name_list
from alphaforge.errors import InputError

FRED_BASE_URL = "https://fred.stlouisfed.org"
FRED_CSV_PATH = "/graph/fredgraph.csv"
MISSING_VALUE = "."


def download_fred(
    series_ids: str | Iterable[str],
    start: DateLike,
    end: DateLike | None = None,
    *,
    base_url: str = FRED_BASE_URL,
    client: HttpClient | None = None,
) -> pd.DataFrame:
    """Download FRED series as macro rows (``series``, ``timestamp``, ``value``) dated in ``[start, end]``.

    ``series`` is the FRED id, upper-cased (FRED ids are case-insensitive). ``end`` defaults to now.

    >>> macro = download_fred(["VIXCLS", "DGS10"], "2021-01-01")  # doctest: +SKIP
    >>> macro.columns.tolist()  # doctest: +SKIP
    ['series', 'timestamp', 'value']
    """
    ids = list(dict.fromkeys(name.upper() for name in as_name_list(series_ids, "series", "VIXCLS")))
    first, last = download_window(start, end, resolve_now(None))
    url = base_url.rstrip("/") + FRED_CSV_PATH
    with nullcontext(client) if client is not None else HttpClient() as http:
        pieces = [_download_series(http, url, series, first, last) for series in ids]
    return finish_macro(pieces, source=f"FRED CSV from {base_url}")


def _download_series(http: HttpClient, url: str, series: str, first: pd.Timestamp,
                     last: pd.Timestamp) -> pd.DataFrame:
    """One series' observations dated within ``[first, last]``."""
    params = {"id": series, "cosd": first.strftime("%Y-%m-%d"), "coed": last.strftime("%Y-%m-%d")}
    try:
        text = http.get(url, params).text
    except HttpStatusError as exc:
        raise InputError(f"FRED has no series {series!r} (HTTP {exc.status})", where=f"series {series}",
                         fix="check the id on fred.stlouisfed.org, e.g. VIXCLS, DTWEXBGS, DGS10") from None
    observations = _parse_csv(text, series, url)
    dates = observations["timestamp"]
    return observations[(dates >= first.normalize()) & (dates <= last)]


def _parse_csv(text: str, series: str, url: str) -> pd.DataFrame:
    """The CSV body as macro rows; a body that is not this series' CSV is an InputError."""
    header = text.lstrip("\ufeff").split("\n", 1)[0].strip().split(",")
    if len(header) != 2 or header[1].strip().upper() != series:
        raise InputError(f"FRED did not return a CSV for series {series!r}; it starts {text[:80]!r}",
                         where=url, fix="check the series id on fred.stlouisfed.org and the FRED base URL")
    table = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    try:
        dates = pd.to_datetime(table.iloc[:, 0], format="%Y-%m-%d", utc=True)
    except ValueError as exc:
        raise InputError(f"unreadable observation date in FRED series {series!r}: {exc}", where=url,
                         fix="check the FRED base URL serves fredgraph.csv (dates like 2021-01-04)") from None
    values = table.iloc[:, 1].str.strip()
    return pd.DataFrame({"series": series, "timestamp": dates, "value": values.where(values != MISSING_VALUE)})
