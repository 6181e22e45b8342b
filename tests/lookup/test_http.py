"""A good citizen: Retry-After honoured, bounded retries, timeouts, Crossref's rate headers,
one connection per service, the response cache (age limit, offline), mailto and API key."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fake_services import FakeServices, Scripted
from lookup_helpers import session_for

from relwork.lookup import ServiceError, Session, Settings, dblp, semanticscholar
from relwork.lookup.cache import ResponseCache

TITLE = "Score-based Generative Modeling in Latent Space"
TOO_MANY = '{"message": "Too Many Requests. Please wait and try again."}'


def test_429_waits_as_retry_after_says_then_answers(services: FakeServices,
                                                    tmp_path: Path) -> None:
    services.script("dblp", Scripted(429, TOO_MANY, {"Retry-After": "7",
                                                      "Content-Type": "application/json"}))
    waits: list[float] = []
    papers = dblp.search(session_for(services, tmp_path, waits=waits).client("dblp"), TITLE)
    assert len(papers) == 2
    assert 7.0 in waits
    assert services.count("dblp") == 2


def test_retry_after_longer_than_max_wait_gives_up_at_once(services: FakeServices,
                                                          tmp_path: Path) -> None:
    services.script("semanticscholar", Scripted(429, TOO_MANY, {"Retry-After": "3600"}))
    client = session_for(services, tmp_path).client("semanticscholar")
    with pytest.raises(ServiceError) as caught:
        semanticscholar.match(client, TITLE)
    assert caught.value.kind == "rate" and "3600" in caught.value.message
    assert services.count("semanticscholar") == 1


def test_5xx_is_retried_a_bounded_number_of_times(services: FakeServices,
                                                 tmp_path: Path) -> None:
    page = "<html><body><h1>503 Service Unavailable</h1></body></html>"
    services.script("dblp", Scripted(503, page, {"Content-Type": "text/html"}, times=10))
    waits: list[float] = []
    client = session_for(services, tmp_path, retries=2, waits=waits).client("dblp")
    with pytest.raises(ServiceError) as caught:
        dblp.search(client, TITLE)
    assert caught.value.kind == "http" and "503" in caught.value.message
    assert services.count("dblp") == 3  # one try and two retries
    assert waits == [0.5, 1.0]  # exponential backoff


def test_slow_answer_is_a_timeout(services: FakeServices, tmp_path: Path) -> None:
    services.script("dblp", Scripted(0, "", delay=1.0, times=5))
    client = session_for(services, tmp_path, timeout=0.2, retries=1).client("dblp")
    started = time.monotonic()
    with pytest.raises(ServiceError) as caught:
        dblp.search(client, TITLE)
    assert caught.value.kind == "network" and "timeout" in caught.value.message
    assert time.monotonic() - started < 3


def test_crossref_rate_headers_space_the_requests(services: FakeServices,
                                                  tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("crossref")
    assert client.interval == 0  # the test's setting
    client.get("/works", {"query.bibliographic": "a"})
    assert client.interval == 1 / 50  # x-rate-limit-limit 50 per x-rate-limit-interval 1s


def test_one_connection_per_service(services: FakeServices, tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("dblp")
    dblp.search(client, TITLE)
    first = client._conn
    dblp.search(client, "Latent Space Oddity")
    assert first is not None and client._conn is first


def test_cache_answers_a_rerun_without_requests(services: FakeServices,
                                                tmp_path: Path) -> None:
    dblp.search(session_for(services, tmp_path).client("dblp"), TITLE)
    again = session_for(services, tmp_path)
    assert len(dblp.search(again.client("dblp"), TITLE)) == 2
    assert services.count() == 1 and again.cache_hits == 1 and again.requests == 0
    stored = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert set(stored[0]) == {"url", "accept", "status", "content_type", "body", "fetched"}


def test_cache_age_limit(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, max_age=60)
    cache.put("http://x/a", "application/json", 200, "application/json", "{}")
    assert cache.get("http://x/a", "application/json") is not None
    assert cache.get("http://x/a", "application/json", now=time.time() + 61) is None
    assert cache.get("http://x/a", "text/plain") is None  # another Accept: another answer


def test_offline_uses_the_cache_only(services: FakeServices, tmp_path: Path) -> None:
    offline = session_for(services, tmp_path, offline=True).client("dblp")
    with pytest.raises(ServiceError) as caught:
        dblp.search(offline, TITLE)
    assert caught.value.kind == "offline" and services.count() == 0
    dblp.search(session_for(services, tmp_path).client("dblp"), TITLE)
    assert len(dblp.search(offline, TITLE)) == 2 and services.count() == 1


def test_mailto_user_agent_and_api_key_are_sent(services: FakeServices,
                                                tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, endpoints=services.endpoints,
                        intervals=dict.fromkeys(services.endpoints, 0.0),
                        mailto="someone@example.org", s2_key="k-123")
    session = Session(settings)
    session.client("crossref").get("/works", {"query.bibliographic": "x"})
    semanticscholar.match(session.client("semanticscholar"), TITLE)
    (crossref_path, s2_path) = [path for _, path in services.requests]
    assert "mailto=someone%40example.org" in crossref_path
    assert "mailto:someone@example.org" in services.headers[0]["user-agent"]
    assert services.headers[1]["x-api-key"] == "k-123"
    assert "mailto" not in s2_path


def test_unreachable_service_is_a_network_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(cache_dir=tmp_path, endpoints={"dblp": f"http://127.0.0.1:{port}"},
                        intervals={"dblp": 0.0}, retries=1, backoff=0.01)
    client = Session(settings, sleep=lambda _s: None).client("dblp")
    with pytest.raises(ServiceError) as caught:
        dblp.search(client, TITLE)
    assert caught.value.kind == "network" and f"127.0.0.1:{port}" in caught.value.message


def test_a_kept_alive_connection_closed_by_the_service_is_reopened(
        services: FakeServices, tmp_path: Path) -> None:
    services.script("dblp", Scripted(0, "", drop=True))  # a normal answer, then it hangs up
    waits: list[float] = []
    client = session_for(services, tmp_path, waits=waits).client("dblp")
    dblp.search(client, TITLE)
    time.sleep(0.05)
    assert len(dblp.search(client, "Latent Space Oddity")) == 2
    assert waits == [] and services.count("dblp") == 2  # no backoff, no lost request
