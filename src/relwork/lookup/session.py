"""The lookup settings read from the config and the environment, and a ``Session``: one
polite client per service sharing one response cache, with request counts."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..config import Config
from ..infra.files import STATE_DIR
from .cache import ResponseCache
from .http import Policy, ServiceClient
from .semanticscholar import KEY_ENV

ENDPOINTS = {"crossref": "https://api.crossref.org", "arxiv": "https://export.arxiv.org",
             "dblp": "https://dblp.org", "semanticscholar": "https://api.semanticscholar.org"}
#: seconds between two requests: arXiv asks for 3; Crossref's headers may ask for more
INTERVALS = {"crossref": 0.1, "arxiv": 3.0, "dblp": 1.0, "semanticscholar": 1.0}


@dataclass
class Settings:
    """Everything a lookup needs to know, independent of the config file."""

    cache_dir: Path
    endpoints: dict[str, str] = field(default_factory=lambda: dict(ENDPOINTS))
    order: list[str] = field(default_factory=lambda: ["dblp", "crossref", "semanticscholar"])
    intervals: dict[str, float] = field(default_factory=lambda: dict(INTERVALS))
    mailto: str = ""
    max_age: float = 30 * 86400.0
    timeout: float = 20.0
    max_wait: float = 120.0
    retries: int = 3
    backoff: float = 2.0
    offline: bool = False
    s2_key: str = ""


def settings_from_config(config: Config, environ: Mapping[str, str] | None = None) -> Settings:
    """``Settings`` from the ``lookup.*`` options (validated by the config) and the
    Semantic Scholar key in ``SEMANTIC_SCHOLAR_API_KEY``."""
    env = os.environ if environ is None else environ
    intervals = dict(INTERVALS)
    intervals.update({k: float(v) for k, v in config.lookup_intervals.items()})
    return Settings(
        cache_dir=config.resolve(Path(STATE_DIR) / "lookup"),
        endpoints={**ENDPOINTS, **config.lookup_endpoints},
        order=list(config.lookup_order), intervals=intervals, mailto=config.lookup_mailto,
        max_age=config.lookup_max_age_days * 86400.0, timeout=float(config.lookup_timeout),
        max_wait=float(config.lookup_max_wait), offline=config.lookup_offline,
        s2_key=env.get(KEY_ENV, "").strip())


class Session:
    """One client per service (made when first needed), one cache, counts of requests."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                 on_request: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.cache = ResponseCache(settings.cache_dir, settings.max_age)
        self.sleep = sleep
        self.on_request = on_request
        self._clients: dict[str, ServiceClient] = {}

    def client(self, name: str) -> ServiceClient:
        if name not in self._clients:
            s = self.settings
            agent = f"relwork/{__version__}" + (f" (mailto:{s.mailto})" if s.mailto else "")
            headers = {"User-Agent": agent}
            params = {}
            if name == "crossref" and s.mailto:
                params["mailto"] = s.mailto
            if name == "semanticscholar" and s.s2_key:
                headers["x-api-key"] = s.s2_key
            policy = Policy(name, s.endpoints[name], interval=s.intervals.get(name, 1.0),
                            timeout=s.timeout, retries=s.retries, backoff=s.backoff,
                            max_wait=s.max_wait, headers=headers, params=params)
            self._clients[name] = ServiceClient(policy, cache=self.cache, offline=s.offline,
                                                sleep=self.sleep, on_request=self.on_request)
        return self._clients[name]

    @property
    def requests(self) -> int:
        return sum(c.requests for c in self._clients.values())

    @property
    def cache_hits(self) -> int:
        return sum(c.cache_hits for c in self._clients.values())

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
