"""Downloaders against a local HTTP server that answers in the real APIs' formats.

The server (127.0.0.1, ephemeral port, one thread per request) serves the recorded-format
payloads in ``fixtures/``: Binance klines sliced by ``startTime``/``endTime``/``limit`` like the
real endpoint, FRED graph CSVs and Yahoo chart JSON. Tests queue faults (a status, headers, a
delay) that the next requests answer with, and read back every request the server saw. The
client's sleep is recorded instead of slept, so every test takes well under a second or two.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pandas as pd
import pytest

from alphaforge.data.download import (
    HttpClient,
    RetryPolicy,
    download_binance,
    download_fred,
    download_yahoo,
)
from alphaforge.data.schema import BAR_COLUMNS, MACRO_COLUMNS, TIMESTAMP_DTYPE
from alphaforge.errors import AlphaForgeError, InputError

FIXTURES = Path(__file__).parent / "fixtures"
HOUR_MS = 3_600_000
FIRST_OPEN = pd.Timestamp("2021-01-01T00:00Z")
N_CANDLES = 30  # per fixture pair: opens 2021-01-01 00:00 .. 2021-01-02 05:00
ALL_CANDLES_END = FIRST_OPEN + pd.Timedelta(hours=N_CANDLES)


@dataclass
class Fault:
    """What the server answers one request with instead of the normal response."""

    status: int | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass
class Recorded:
    """One request the server received: its raw path, decoded query and User-Agent."""

    path: str
    query: dict[str, str]
    user_agent: str


class FakeMarket:
    """Server state: queued faults, requests seen, and the payloads behind each endpoint."""

    def __init__(self) -> None:
        self.faults: deque[Fault] = deque()
        self.requests: list[Recorded] = []
        self.honour_end_time = True  # False: answer like a mirror that ignores endTime
        self.klines = {pair: json.loads((FIXTURES / f"binance_klines_{pair}_1h.json").read_text())
                       for pair in ("BTCUSDT", "ETHUSDT")}

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, str, str]:
        """Status, content type and body for a request, the way the real services answer."""
        if path == "/api/v3/klines":
            return self._klines(query)
        if path == "/graph/fredgraph.csv":
            csv = FIXTURES / f"fred_{query.get('id', '')}.csv"
            return (200, "text/csv", csv.read_text()) if csv.is_file() else (404, "text/html", "<h1>Not Found</h1>")
        if path.startswith("/v8/finance/chart/"):
            chart = FIXTURES / f"yahoo_chart_{unquote(path.rsplit('/', 1)[1])}.json"
            found = chart.is_file()
            text = (chart if found else FIXTURES / "yahoo_chart_not_found.json").read_text()
            return (200 if found else 404), "application/json", text
        return 404, "text/plain", "no such endpoint"

    def _klines(self, query: dict[str, str]) -> tuple[int, str, str]:
        rows = self.klines.get(query.get("symbol", ""))
        if rows is None:
            return 400, "application/json", (FIXTURES / "binance_error_invalid_symbol.json").read_text()
        start = int(query.get("startTime", 0))
        end = int(query.get("endTime", 2**62)) if self.honour_end_time else 2**62
        limit = min(int(query.get("limit", 500)), 1000)
        page = [row for row in rows if start <= row[0] <= end][:limit]
        return 200, "application/json", json.dumps(page)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        market = self.server.market
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        market.requests.append(Recorded(parts.path, query, self.headers.get("User-Agent", "")))
        fault = market.faults.popleft() if market.faults else None
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status:
            status, content_type, body, headers = fault.status, "application/json", fault.body, fault.headers
        else:
            (status, content_type, body), headers = market.answer(parts.path, query), {}
        payload = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and hung up
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (keep test output quiet)
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    market: FakeMarket


@pytest.fixture
def fake_market() -> Iterator[tuple[FakeMarket, str]]:
    """A fake market server on an ephemeral local port, and its base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.market = FakeMarket()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server.market, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the client asked for (recorded, not slept)."""
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[HttpClient]:
    """A client with a short timeout, 3 retries and deterministic backoff (0.05 s * 2**n)."""
    policy = RetryPolicy(timeout=0.5, max_retries=3, backoff_base=0.1, max_retry_after=60)
    with HttpClient(policy=policy, sleep=sleeps.append, random=lambda: 0.0) as http:
        yield http


def _fixture_candle(pair: str, index: int) -> list:
    return json.loads((FIXTURES / f"binance_klines_{pair}_1h.json").read_text())[index]


# --- Binance: paging, bar-end stamps, open candles, resume ------------------------------------


@pytest.mark.network
@pytest.mark.parametrize(("page_size", "n_requests"), [(7, 5), (10, 3), (1000, 1)])
def test_binance_pages_through_every_candle_once(fake_market, client, page_size, n_requests):
    market, url = fake_market
    bars = download_binance(["BTCUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client,
                            page_size=page_size)
    assert len(bars) == N_CANDLES
    assert bars["timestamp"].is_unique and bars["timestamp"].is_monotonic_increasing
    assert len(market.requests) == n_requests
    first_ms = FIRST_OPEN.value // 1_000_000
    last_opens = [first_ms + (k * page_size - 1) * HOUR_MS for k in range(1, n_requests)]
    assert [int(r.query["startTime"]) for r in market.requests] == [first_ms] + [t + 1 for t in last_opens]
    assert {r.query["limit"] for r in market.requests} == {str(page_size)}


@pytest.mark.network
def test_binance_stamps_bars_at_their_end_in_the_canonical_schema(fake_market, client):
    market, url = fake_market
    bars = download_binance("btcusdt", "1h", "2021-01-01", "2021-01-01T03:00Z", base_url=url, client=client)
    assert bars.columns.tolist() == list(BAR_COLUMNS)
    assert str(bars["timestamp"].dtype) == TIMESTAMP_DTYPE
    assert bars["symbol"].tolist() == ["BTCUSDT"] * 3
    assert bars["timestamp"].tolist() == [FIRST_OPEN + pd.Timedelta(hours=h) for h in (1, 2, 3)]
    first = _fixture_candle("BTCUSDT", 0)
    assert bars.iloc[0][["open", "high", "low", "close", "volume"]].tolist() == [float(v) for v in first[1:6]]
    assert market.requests[0].user_agent.startswith("alphaforge/")  # Yahoo throttles the requests default


@pytest.mark.network
def test_binance_drops_the_candle_still_open_at_now(fake_market, client):
    market, url = fake_market
    now = pd.Timestamp("2021-01-02T05:30Z")  # the candle opened 05:00 closes 05:59:59.999
    bars = download_binance(["BTCUSDT"], "1h", "2021-01-01", base_url=url, client=client, now=now)
    assert len(bars) == N_CANDLES - 1
    assert bars["timestamp"].max() == pd.Timestamp("2021-01-02T05:00Z")
    assert int(market.requests[-1].query["endTime"]) == (now - pd.Timedelta(hours=1)).value // 1_000_000


@pytest.mark.network
def test_binance_drops_the_open_candle_even_when_the_server_ignores_end_time(fake_market, client):
    market, url = fake_market
    market.honour_end_time = False
    bars = download_binance(["BTCUSDT"], "1h", "2021-01-01", base_url=url, client=client,
                            now=pd.Timestamp("2021-01-02T05:30Z"))
    assert bars["timestamp"].max() == pd.Timestamp("2021-01-02T05:00Z")
    assert len(bars) == N_CANDLES - 1


@pytest.mark.network
@pytest.mark.parametrize("stored_end", ["2021-01-01T10:00Z", "2021-01-01T10:30Z"])
def test_binance_resume_returns_only_strictly_newer_bars(fake_market, client, stored_end):
    _, url = fake_market
    full = download_binance(["BTCUSDT", "ETHUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client)
    stored = full[full["timestamp"] <= pd.Timestamp(stored_end)]
    new = download_binance(["BTCUSDT", "ETHUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client,
                           resume_from={"BTCUSDT": pd.Timestamp(stored_end)})
    btc = new[new["symbol"] == "BTCUSDT"]
    assert btc["timestamp"].min() == pd.Timestamp("2021-01-01T11:00Z")
    assert (new["symbol"] == "ETHUSDT").sum() == N_CANDLES  # no stored end for ETH: from start
    appended = pd.concat([stored[stored["symbol"] == "BTCUSDT"], btc], ignore_index=True)
    pd.testing.assert_frame_equal(appended, full[full["symbol"] == "BTCUSDT"].reset_index(drop=True))


@pytest.mark.network
def test_binance_up_to_date_store_gets_an_empty_canonical_frame(fake_market, client):
    market, url = fake_market
    bars = download_binance(["BTCUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client,
                            resume_from={"BTCUSDT": ALL_CANDLES_END})
    assert bars.empty and bars.columns.tolist() == list(BAR_COLUMNS)
    assert str(bars["timestamp"].dtype) == TIMESTAMP_DTYPE
    assert market.requests == []


@pytest.mark.network
def test_binance_reports_progress_per_pair(fake_market, client):
    _, url = fake_market
    calls: list[tuple[str, float, int]] = []
    download_binance(["BTCUSDT", "ETHUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client,
                     page_size=10, progress=lambda pair, fraction, rows: calls.append((pair, fraction, rows)))
    for pair in ("BTCUSDT", "ETHUSDT"):
        mine = [(fraction, rows) for name, fraction, rows in calls if name == pair]
        assert [rows for _, rows in mine] == [10, 20, 30, 30]
        fractions = [fraction for fraction, _ in mine]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0 < fractions[0] < 1


@pytest.mark.network
def test_binance_invalid_symbol_is_an_input_error_naming_the_pair(fake_market, client, sleeps):
    _, url = fake_market
    with pytest.raises(InputError) as caught:
        download_binance(["BTCUSDT", "NOPEUSDT"], "1h", "2021-01-01", "2021-01-02", base_url=url, client=client)
    assert caught.value.where == "pair NOPEUSDT"
    assert "Invalid symbol." in caught.value.message and "-1121" in caught.value.message
    assert caught.value.exit_code == 2 and sleeps == []  # not retried


# --- Retries, backoff and rate limits ------------------------------------------------------


@pytest.mark.network
@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_is_retried_after_backoff(fake_market, client, sleeps, status):
    market, url = fake_market
    market.faults.append(Fault(status=status, body='{"code":-1000,"msg":"An unknown error occurred."}'))
    bars = download_binance(["BTCUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client)
    assert len(bars) == N_CANDLES
    assert sleeps == [0.05]
    assert len(market.requests) == 2


@pytest.mark.network
def test_timeout_is_retried(fake_market, client, sleeps):
    market, url = fake_market
    market.faults.append(Fault(delay=0.8))  # longer than the client's 0.5 s timeout
    started = time.monotonic()
    bars = download_binance(["BTCUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client)
    assert len(bars) == N_CANDLES
    assert sleeps == [0.05]
    assert time.monotonic() - started < 2.0


@pytest.mark.network
@pytest.mark.parametrize("status", [429, 418])
def test_rate_limit_waits_exactly_retry_after(fake_market, client, sleeps, status):
    market, url = fake_market
    body = (FIXTURES / "binance_error_rate_limit.json").read_text()
    market.faults.append(Fault(status=status, headers={"Retry-After": "7"}, body=body))
    bars = download_binance(["BTCUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client)
    assert len(bars) == N_CANDLES
    assert sleeps == [7.0]


@pytest.mark.network
def test_rate_limit_longer_than_the_policy_stops_with_when_to_retry(fake_market, client, sleeps):
    market, url = fake_market
    market.faults.append(Fault(status=418, headers={"Retry-After": "7200"}, body="{}"))
    with pytest.raises(AlphaForgeError) as caught:
        download_binance(["BTCUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client)
    assert "7200" in caught.value.fix
    assert sleeps == []


@pytest.mark.network
def test_retries_exhausted_names_the_url_and_the_remedy(fake_market, client, sleeps):
    market, url = fake_market
    market.faults.extend(Fault(status=503, body="Service Unavailable") for _ in range(10))
    with pytest.raises(AlphaForgeError) as caught:
        download_binance(["BTCUSDT"], "1h", "2021-01-01", ALL_CANDLES_END, base_url=url, client=client)
    assert not isinstance(caught.value, InputError)
    assert caught.value.where == f"{url}/api/v3/klines"
    assert "4 attempts" in caught.value.message and "HTTP 503" in caught.value.message
    assert "run the same command again" in caught.value.fix
    assert len(market.requests) == 4
    assert sleeps == [0.05, 0.1, 0.2]  # exponential, no pointless wait after the last attempt


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    policy = RetryPolicy(backoff_base=1.0, backoff_max=10.0)
    assert [policy.backoff(n, lambda: 0.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert [policy.backoff(n, lambda: 0.999) for n in range(6)] == pytest.approx([1, 2, 4, 8, 10, 10], rel=1e-3)


@pytest.mark.network
def test_connection_refused_is_retried_then_reported(sleeps):
    probe = _Server(("127.0.0.1", 0), _Handler)
    port = probe.server_address[1]
    probe.server_close()  # nothing listens on this port now
    policy = RetryPolicy(timeout=0.5, max_retries=2, backoff_base=0.1)
    with HttpClient(policy=policy, sleep=sleeps.append, random=lambda: 0.0) as http, \
            pytest.raises(AlphaForgeError, match="ConnectionError"):
        download_binance(["BTCUSDT"], "1h", "2021-01-01", "2021-01-02", base_url=f"http://127.0.0.1:{port}",
                         client=http)
    assert sleeps == [0.05, 0.1]


@pytest.mark.network
@pytest.mark.parametrize(("download", "body", "error", "message_part"), [
    (lambda url, http: download_binance("BTCUSDT", "1h", "2021-01-01", "2021-01-02", base_url=url, client=http),
     "<html>proxy login</html>", AlphaForgeError, "expected JSON"),
    (lambda url, http: download_binance("BTCUSDT", "1h", "2021-01-01", "2021-01-02", base_url=url, client=http),
     '{"symbol": "BTCUSDT"}', AlphaForgeError, "unexpected klines response"),
    (lambda url, http: download_fred("VIXCLS", "2021-01-01", "2021-02-01", base_url=url, client=http),
     "<!DOCTYPE html><html>Error</html>", InputError, "did not return a CSV"),
    (lambda url, http: download_yahoo("SPY", "2021-01-01", "2021-02-01", base_url=url, client=http),
     '{"finance": {"result": null}}', AlphaForgeError, "unexpected chart response"),
])
def test_a_body_of_the_wrong_shape_is_a_clear_error_naming_the_url(fake_market, client, download, body, error,
                                                                   message_part):
    market, url = fake_market
    market.faults.append(Fault(status=200, body=body))
    with pytest.raises(error) as caught:
        download(url, client)
    assert message_part in caught.value.message
    assert caught.value.where.startswith(url)
    assert "base URL" in caught.value.fix


# --- Input checks (no request is made) ------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "where", "fix_part"), [
    ({"pairs": ["BTC/USDT"]}, "pairs", "BTCUSDT"),
    ({"pairs": []}, "pairs", "BTCUSDT"),
    ({"interval": "1M"}, "interval", "1h"),
    ({"interval": "60m"}, "interval", "1h"),
    ({"start": "yesterday-ish"}, "start", "ISO-8601"),
    ({"start": "2021-02-01", "end": "2021-01-01"}, "end", "--end"),
    ({"page_size": 5000}, "page_size", "1000"),
    ({"base_url": "api.binance.com"}, "api.binance.com/api/v3/klines", "http"),
])
def test_binance_bad_input_is_an_input_error(kwargs, where, fix_part):
    arguments = {"pairs": ["BTCUSDT"], "interval": "1h", "start": "2021-01-01", "end": "2021-01-02"} | kwargs
    with pytest.raises(InputError) as caught:
        download_binance(**arguments)
    assert caught.value.where == where
    assert fix_part in caught.value.fix


# --- Macro: FRED CSV and Yahoo chart JSON --------------------------------------------------


@pytest.mark.network
def test_fred_series_become_macro_rows_at_midnight_utc(fake_market, client):
    market, url = fake_market
    macro = download_fred(["VIXCLS", "dgs10"], "2021-01-05", "2021-01-19", base_url=url, client=client)
    assert macro.columns.tolist() == list(MACRO_COLUMNS)
    assert str(macro["timestamp"].dtype) == TIMESTAMP_DTYPE
    vix = macro[macro["series"] == "VIXCLS"]
    dates = pd.bdate_range("2021-01-05", "2021-01-19", tz="UTC")
    assert vix["timestamp"].tolist() == [d for d in dates if d != pd.Timestamp("2021-01-18", tz="UTC")]  # '.' dropped
    assert vix["value"].iloc[0] == 25.34 and vix["value"].iloc[-1] == 23.24
    assert (macro["series"] == "DGS10").sum() == len(vix)  # the older DATE,DGS10 header reads the same
    assert [r.query for r in market.requests] == [
        {"id": "VIXCLS", "cosd": "2021-01-05", "coed": "2021-01-19"},
        {"id": "DGS10", "cosd": "2021-01-05", "coed": "2021-01-19"},
    ]


@pytest.mark.network
def test_fred_unknown_series_is_an_input_error_naming_it(fake_market, client):
    _, url = fake_market
    with pytest.raises(InputError) as caught:
        download_fred("NOSUCHSERIES", "2021-01-01", "2021-02-01", base_url=url, client=client)
    assert caught.value.where == "series NOSUCHSERIES"


@pytest.mark.network
def test_yahoo_daily_closes_skip_nulls_and_todays_session(fake_market, client):
    _, url = fake_market
    now = pd.Timestamp("2021-01-11T18:00Z")  # 13:00 in New York: the 2021-01-11 session is still trading
    macro = download_yahoo("SPY", "2021-01-01", base_url=url, client=client, now=now)
    assert macro["series"].unique().tolist() == ["SPY"]
    assert macro["timestamp"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2021-01-04 00:00", "2021-01-05 00:00", "2021-01-06 00:00", "2021-01-08 00:00"]  # 01-07 close is null
    assert macro["value"].tolist() == pytest.approx([368.79, 371.33, 373.55, 381.26], abs=0.005)


@pytest.mark.network
def test_yahoo_unknown_symbol_is_an_input_error_and_the_symbol_is_url_quoted(fake_market, client):
    market, url = fake_market
    with pytest.raises(InputError) as caught:
        download_yahoo(["^NOPE"], "2021-01-01", "2021-02-01", base_url=url, client=client)
    assert caught.value.where == "symbol ^NOPE"
    assert "No data found" in caught.value.message
    assert market.requests[0].path == "/v8/finance/chart/%5ENOPE"


# --- The CLI: download into the raw store, then resume --------------------------------------


@pytest.mark.network
def test_cli_download_stores_and_resumes_without_duplicates(fake_market, workspace, cli):
    market, url = fake_market
    workspace.config_path.write_text(workspace.config_path.read_text().replace(
        'binance_url = "https://api.binance.com"', f'binance_url = "{url}"'))
    first = cli("-w", workspace.root, "data", "download", "binance", "--pairs", "BTCUSDT", "ETHUSDT",
                "--start", "2021-01-01", "--end", "2021-01-01T10:00Z", "--json")
    assert first.code == 0, first.stderr
    assert json.loads(first.stdout)["rows"] == 20
    market.requests.clear()
    second = cli("-w", workspace.root, "data", "download", "binance", "--pairs", "BTCUSDT", "ETHUSDT",
                 "--start", "2021-01-01", "--end", ALL_CANDLES_END.isoformat(), "--json")
    assert second.code == 0, second.stderr
    payload = json.loads(second.stdout)
    assert payload["rows"] == 2 * N_CANDLES and payload["version"].startswith("v2-")
    first_ms = FIRST_OPEN.value // 1_000_000
    # resumes just after the last stored candle (opened 09:00): nothing stored is fetched again
    assert {int(r.query["startTime"]) - first_ms for r in market.requests} == {9 * HOUR_MS + 1}
