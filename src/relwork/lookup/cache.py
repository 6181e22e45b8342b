"""The response cache of online lookups: one JSON file per request under
``.relwork/lookup/``, data only (URL, status, content type, body, when it was fetched),
reused while younger than the age limit, so a rerun asks no service again."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..infra.files import write_atomic


@dataclass(frozen=True)
class CachedAnswer:
    """A stored answer of a service: what a ``Response`` needs, and when it was fetched."""

    url: str
    status: int
    content_type: str
    body: str
    fetched: float


class ResponseCache:
    """Answers by request (URL and Accept header), in ``folder``, for ``max_age`` seconds."""

    def __init__(self, folder: Path, max_age: float) -> None:
        self.folder = folder
        self.max_age = max_age

    def _file(self, url: str, accept: str) -> Path:
        digest = hashlib.sha256(f"{accept}\n{url}".encode()).hexdigest()[:32]
        return self.folder / f"{digest}.json"

    def get(self, url: str, accept: str, *, now: float | None = None) -> CachedAnswer | None:
        """The stored answer to this request, or None when absent, damaged or too old."""
        try:
            data = json.loads(self._file(url, accept).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("url") != url or data.get("accept") != accept:
            return None
        try:
            answer = CachedAnswer(str(data["url"]), int(data["status"]),
                                  str(data["content_type"]), str(data["body"]),
                                  float(data["fetched"]))
        except (KeyError, TypeError, ValueError):
            return None
        if (now if now is not None else time.time()) - answer.fetched > self.max_age:
            return None
        return answer

    def put(self, url: str, accept: str, status: int, content_type: str, body: str) -> None:
        """Store an answer (atomically; a cache that cannot be written only costs time)."""
        data = {"url": url, "accept": accept, "status": status, "content_type": content_type,
                "body": body, "fetched": time.time()}
        try:
            write_atomic(self._file(url, accept), json.dumps(data, ensure_ascii=False))
        except OSError:
            pass
