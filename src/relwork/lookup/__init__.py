"""Online lookup of papers missing from the bibliography.

``http`` talks to a service politely (one connection, rate limit, retries, ``Retry-After``)
through the response ``cache``; ``crossref``, ``arxiv``, ``dblp`` and ``semanticscholar``
read each service's documented format into a ``Paper``; ``decide`` accepts a title result
only when it is surely the note's paper; ``finder`` looks one paper up (``find_paper``),
``run`` many entries (``lookup_entries``) and ``[@doi:...]``/``[@arxiv:...]`` citations
(``identifier_requests``), ``keys`` and ``bibfile`` write ``lookup.bib``.
"""

from __future__ import annotations

from .finder import Found, find_paper
from .http import ServiceError
from .paper import Paper
from .run import (
    LookupRequest,
    LookupRun,
    count_outcomes,
    identifier_requests,
    lookup_entries,
    lookup_one,
    lookup_requests,
    request_for,
)
from .session import ENDPOINTS, Session, Settings, settings_from_config

__all__ = [
    "ENDPOINTS", "Found", "LookupRequest", "LookupRun", "Paper", "ServiceError", "Session",
    "Settings", "count_outcomes", "find_paper", "identifier_requests", "lookup_entries",
    "lookup_one", "lookup_requests", "request_for", "settings_from_config",
]
