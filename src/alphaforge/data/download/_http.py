"""One small HTTP client for the downloaders: timeouts, retries with backoff, rate limits.

Public market-data APIs fail in a few well-known ways, and each needs a different answer:

- a timeout, a dropped connection or a 5xx is transient: wait with exponential backoff (plus
  jitter, so many clients do not retry in step) and try again;
- 429 (too many requests) and 418 (Binance: banned for ignoring 429s) say how long to wait in
  ``Retry-After`` (seconds): wait exactly that long, because retrying sooner extends a ban;
- any other 4xx is the caller's mistake (unknown symbol, bad parameter): retrying cannot help,
  so it is raised at once as :class:`HttpStatusError` for the downloader to translate.

After ``max_retries`` retries the client gives up with an :class:`AlphaForgeError` naming the
URL and what to do. ``sleep`` and ``random`` are injectable so tests never really wait.
"""

from __future__ import annotations

import logging
import random as _random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from alphaforge._version import __version__
from alphaforge.errors import AlphaForgeError, InputError

logger = logging.getLogger(__name__)

RATE_LIMIT_STATUSES = frozenset({418, 429})
USER_AGENT = f"alphaforge/{__version__} (+https://pypi.org/project/alphaforge)"

Params = Mapping[str, str | int]


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for a response and how often, and how long, to retry.

    The n-th retry (n = 0, 1, ...) waits ``min(backoff_max, backoff_base * 2**n)`` scaled by a
    random factor in [0.5, 1). A ``Retry-After`` longer than ``max_retry_after`` is not waited
    out: the client stops and tells the user when to try again.
    """

    timeout: float = 30.0
    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0

    def backoff(self, retry: int, random: Callable[[], float]) -> float:
        """Seconds to wait before retry number ``retry`` (0-based) when the server gave no hint."""
        ceiling = min(self.backoff_max, self.backoff_base * 2**retry)
        return ceiling * (0.5 + 0.5 * random())


class HttpStatusError(AlphaForgeError):
    """A response that retrying cannot fix (a 4xx other than 418/429); ``body`` holds its text."""

    def __init__(self, url: str, status: int, body: str) -> None:
        self.url = url
        self.status = status
        self.body = body
        super().__init__(f"HTTP {status}: {body[:200]}", where=url,
                         fix="check the symbol, dates and interval requested")


def _retry_after_seconds(response: requests.Response) -> float | None:
    """The ``Retry-After`` header as seconds, or None when absent or not a number."""
    value = response.headers.get("Retry-After")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return max(seconds, 0.0) if seconds is not None else None


class HttpClient:
    """GET with retries; one instance per download run, reusing its connections.

    >>> client = HttpClient(policy=RetryPolicy(max_retries=2))
    >>> client.policy.max_retries
    2
    """

    def __init__(
        self,
        *,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.policy = policy or RetryPolicy()
        if session is None:  # a caller's own session keeps its headers
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
        self.session = session
        self._sleep = sleep
        self._random = random

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(self, url: str, params: Params | None = None) -> requests.Response:
        """GET ``url`` and return a successful (2xx/3xx) response, retrying transient failures.

        Raises :class:`HttpStatusError` for a non-retryable 4xx, :class:`InputError` for a URL
        that cannot be requested at all, and :class:`AlphaForgeError` once retries run out.
        """
        problem = ""
        for retry in range(self.policy.max_retries + 1):
            if retry:
                logger.warning("%s: %s; retry %d of %d", url, problem, retry, self.policy.max_retries)
            try:
                response = self.session.get(url, params=params, timeout=self.policy.timeout)
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                self._wait(self.policy.backoff(retry, self._random), retry)
                continue
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                    requests.exceptions.InvalidSchema) as exc:
                raise InputError(f"cannot request this URL: {exc}", where=url,
                                 fix="check the base URL in alphaforge.toml (it must start with http:// or https://)"
                                 ) from None
            if response.status_code < 400:
                return response
            problem = f"HTTP {response.status_code}"
            if response.status_code in RATE_LIMIT_STATUSES:
                self._wait_rate_limit(url, response, retry)
            elif response.status_code >= 500:
                hint = _retry_after_seconds(response)
                self._wait(hint if hint is not None else self.policy.backoff(retry, self._random), retry)
            else:
                raise HttpStatusError(url, response.status_code, response.text)
        raise AlphaForgeError(
            f"gave up after {self.policy.max_retries + 1} attempts; last problem: {problem}",
            where=url,
            fix="check your network connection and the service's status page, then run the same command "
                "again (downloads resume from the last stored bar), or raise the retry limit in alphaforge.toml",
        )

    def get_json(self, url: str, params: Params | None = None) -> Any:
        """GET and decode JSON; a non-JSON body (e.g. a proxy's HTML page) is a clear error."""
        response = self.get(url, params)
        try:
            return response.json()
        except ValueError:
            raise AlphaForgeError(f"expected JSON, got {response.text[:120]!r}", where=url,
                                  fix="check the base URL in alphaforge.toml points at the API itself") from None

    def _wait_rate_limit(self, url: str, response: requests.Response, retry: int) -> None:
        """Wait as long as a 429/418 asks, or refuse when that is longer than the policy allows."""
        seconds = _retry_after_seconds(response)
        if seconds is None:
            seconds = self.policy.backoff(retry, self._random)
        if seconds > self.policy.max_retry_after:
            raise AlphaForgeError(
                f"rate limited (HTTP {response.status_code}); the server asks to wait {seconds:.0f} s",
                where=url,
                fix=f"wait {seconds:.0f} seconds before running the command again, and request fewer "
                    "symbols at once; repeated 429s lead to a longer ban (HTTP 418)",
            )
        self._wait(seconds, retry)

    def _wait(self, seconds: float, retry: int) -> None:
        """Sleep before the next attempt; pointless after the last one."""
        if retry < self.policy.max_retries:
            self._sleep(seconds)
