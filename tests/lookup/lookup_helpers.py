"""Sessions pointed at the stand-in services, with waits recorded instead of slept."""

from __future__ import annotations

from pathlib import Path

from fake_services import FakeServices

from relwork.lookup import Session, Settings


def session_for(services: FakeServices, cache: Path, *, offline: bool = False,
                timeout: float = 5.0, retries: int = 2,
                order: tuple[str, ...] = ("dblp", "crossref", "semanticscholar"),
                waits: list[float] | None = None) -> Session:
    """A session on ``services`` with no interval between requests; every wait it would
    make is appended to ``waits`` (and slept for at most 10 ms)."""
    import time

    recorded = waits if waits is not None else []

    def sleep(seconds: float) -> None:
        recorded.append(seconds)
        time.sleep(min(seconds, 0.01))

    settings = Settings(cache_dir=cache, endpoints=services.endpoints, order=list(order),
                        intervals=dict.fromkeys(services.endpoints, 0.0), timeout=timeout,
                        retries=retries, backoff=0.5, max_wait=30.0, offline=offline)
    return Session(settings, sleep=sleep)
