"""Counting the real parses of bib files (the rest come from the caches)."""

from __future__ import annotations

import pytest

from relwork.bib import load as bib_load
from relwork.bib.splitter import ParsedFile


class SplitCounter:
    """Wraps the real splitter and counts how often a file is really parsed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._split = bib_load.split_text
        monkeypatch.setattr(bib_load, "split_text", self)

    def __call__(self, text: str) -> ParsedFile:
        self.calls += 1
        return self._split(text)
