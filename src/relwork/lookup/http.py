"""HTTP for the online services: one connection per service, a minimum interval between
requests, timeouts, bounded retries that honour ``Retry-After`` (429) and back off on 5xx,
Crossref's ``x-rate-limit-*`` headers, and the response cache in front of it all."""

from __future__ import annotations

import email.utils
import http.client
import socket
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from .cache import ResponseCache

#: statuses worth asking again after a wait
_RETRY = frozenset({429, 500, 502, 503, 504})


class ServiceError(Exception):
    """A service could not answer: ``service`` named, ``kind`` one of network, http,
    format, rate, offline; the message says what happened in one line."""

    def __init__(self, service: str, kind: str, message: str) -> None:
        super().__init__(message)
        self.service = service
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Response:
    """An answer: status, content type, body text, and whether it came from the cache."""

    url: str
    status: int
    content_type: str
    body: str
    cached: bool = False

    def is_json(self) -> bool:
        return "json" in self.content_type

    def is_html(self) -> bool:
        head = self.body.lstrip()[:200].lower()
        return "html" in self.content_type or head.startswith(("<!doctype html", "<html"))


@dataclass
class Policy:
    """How to talk to one service: where, how often, how long to wait, how often to retry."""

    name: str
    base_url: str
    interval: float = 1.0
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 2.0
    max_wait: float = 120.0
    headers: dict[str, str] = field(default_factory=dict)
    #: query parameters added to every request (Crossref's mailto)
    params: dict[str, str] = field(default_factory=dict)


class ServiceClient:
    """GET requests to one service over one kept-alive connection, politely.

    ``sleep`` and ``clock`` are the waiting and timing functions (tests pass fast ones);
    ``on_request`` is called with the service name before each network request."""

    def __init__(self, policy: Policy, *, cache: ResponseCache | None = None,
                 offline: bool = False, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 on_request: Callable[[str], None] | None = None) -> None:
        self.policy = policy
        self.cache = cache
        self.offline = offline
        self.sleep = sleep
        self.clock = clock
        self.on_request = on_request
        self.requests = 0
        self.cache_hits = 0
        self._conn: http.client.HTTPConnection | None = None
        self._last = -1e9
        self._interval = policy.interval
        parts = urllib.parse.urlsplit(policy.base_url)
        self._scheme, self._host = parts.scheme, parts.netloc
        self._prefix = parts.path.rstrip("/")

    @property
    def interval(self) -> float:
        """Seconds kept between two requests: the policy's, or more if the service asks."""
        return self._interval

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        """The full URL of ``path`` with ``params`` (and the policy's own) as the query."""
        query = {**(params or {}), **self.policy.params}
        tail = f"?{urllib.parse.urlencode(query)}" if query else ""
        return f"{self._scheme}://{self._host}{self._prefix}{path}{tail}"

    def get(self, path: str, params: dict[str, str] | None = None, *,
            accept: str = "application/json") -> Response:
        """The answer to ``GET path?params``: from the cache when it has one, else from the
        service (cached when 200 or 404). Raises ``ServiceError`` when the service cannot
        be reached, keeps failing, asks for a longer wait than ``max_wait``, or offline."""
        url = self.url(path, params)
        if self.cache is not None:
            hit = self.cache.get(url, accept)
            if hit is not None:
                self.cache_hits += 1
                return Response(url, hit.status, hit.content_type, hit.body, cached=True)
        if self.offline:
            raise ServiceError(self.policy.name, "offline",
                               "offline, and no cached answer for this request")
        response = self._fetch(url, accept)
        if self.cache is not None and response.status in (200, 404):
            self.cache.put(url, accept, response.status, response.content_type, response.body)
        return response

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # ------------------------------------------------------------------ internals

    def _fetch(self, url: str, accept: str) -> Response:
        name = self.policy.name
        attempts = self.policy.retries + 1
        for attempt in range(attempts):
            self._wait_turn()
            try:
                status, headers, body = self._request(url, accept)
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt + 1 >= attempts:
                    raise ServiceError(name, "network", f"cannot reach {self._host}: "
                                       f"{_reason(exc)}") from None
                self.sleep(self.policy.backoff * 2 ** attempt)
                continue
            self._read_rate_headers(headers)
            content_type = headers.get("content-type", "")
            if status not in _RETRY:
                return Response(url, status, content_type, body)
            if attempt + 1 >= attempts:
                raise ServiceError(name, "rate" if status == 429 else "http",
                                   f"HTTP {status} after {attempts} attempts")
            wait = _retry_after(headers.get("retry-after", ""))
            if wait is None:
                wait = self.policy.backoff * 2 ** attempt
            if wait > self.policy.max_wait:
                raise ServiceError(name, "rate", f"HTTP {status}: asked to wait {wait:.0f} s, "
                                   f"more than lookup.max_wait ({self.policy.max_wait:.0f} s)")
            self.sleep(wait)
        raise ServiceError(name, "http", "no answer")  # not reached: the loop returns/raises

    def _wait_turn(self) -> None:
        gap = self.clock() - self._last
        if gap < self._interval:
            self.sleep(self._interval - gap)
        self._last = self.clock()

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = (http.client.HTTPSConnection if self._scheme == "https"
                   else http.client.HTTPConnection)
            self._conn = cls(self._host, timeout=self.policy.timeout)
        return self._conn

    def _request(self, url: str, accept: str) -> tuple[int, dict[str, str], str]:
        if self.on_request is not None:
            self.on_request(self.policy.name)
        parts = urllib.parse.urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        reused = self._conn is not None
        conn = self._connection()
        self.requests += 1
        try:
            conn.request("GET", target, headers={"Accept": accept, **self.policy.headers})
            reply = conn.getresponse()
        except (ConnectionError, http.client.RemoteDisconnected):
            if not reused:
                raise
            # the service closed the kept-alive connection meanwhile: a new one, at once
            self.close()
            conn = self._connection()
            conn.request("GET", target, headers={"Accept": accept, **self.policy.headers})
            reply = conn.getresponse()
        data = reply.read()
        headers = {k.lower(): v for k, v in reply.getheaders()}
        if headers.get("connection", "").lower() == "close":
            self.close()
        return reply.status, headers, data.decode("utf-8", errors="replace")

    def _read_rate_headers(self, headers: dict[str, str]) -> None:
        """Crossref: ``x-rate-limit-limit: 50`` per ``x-rate-limit-interval: 1s``."""
        limit, per = headers.get("x-rate-limit-limit"), headers.get("x-rate-limit-interval")
        if not limit or not per:
            return
        try:
            seconds = float(per.strip().rstrip("s")) / max(1, int(limit))
        except ValueError:
            return
        self._interval = max(self.policy.interval, seconds)


def _retry_after(value: str) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: seconds or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time (timeout)"
    return str(exc) or type(exc).__name__
