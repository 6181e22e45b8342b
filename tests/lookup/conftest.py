"""The stand-in online services for the lookup tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_services import FakeServices


@pytest.fixture()
def services() -> Iterator[FakeServices]:
    """Crossref, arXiv, DBLP and Semantic Scholar answering on 127.0.0.1."""
    with FakeServices().running() as running:
        yield running
