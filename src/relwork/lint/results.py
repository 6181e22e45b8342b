"""The findings of each note file, kept in a LintMemory and in .relwork/cache across runs.

A build after one edit tone-checks the entries of the edited file only: every other
file's findings are reused while its text, its entries and everything the check depends
on (relwork's code, the lint settings, the accepted words, the dictionaries) are the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import Config
from ..infra.cache import CacheFolder, CacheIgnored, Codec, code_key
from ..model import Entry, Problem, Source
from .memory import LintMemory

#: The cache file of the findings per note file, and what it holds (the kind in its header).
RESULTS_FILE = "lint-results.json"

#: Per entry of a note file, in order: its findings.
FileFindings = list[list[Problem]]


def has_kept_results(root: Path) -> bool:
    """Whether an earlier run's findings are kept for the project at ``root`` (then a run
    checks only the files that changed: quick; else it checks every file)."""
    return (root / ".relwork" / "cache" / RESULTS_FILE).is_file()


def run_key(config: Config, words_key: str, words: Sequence[str], spell_key: str) -> str:
    """What every file's findings depend on besides the file: relwork's code, the lint
    settings, the accepted words (``words_key`` names the bib's, ``words`` are the rest)
    and the dictionaries (``spell_key``)."""
    parts = (code_key(), words_key, sorted(words), spell_key, sorted(config.lint_disable),
             sorted(config.lint_ignore_words), sorted(config.aliases),
             config.lint_max_sentence_words, config.private_marker)
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def file_slot(path: str, text: str, entries: Sequence[Entry], starts: Sequence[int]) -> str:
    """The slot of one note file's findings: its text and what the check reads of each of
    its entries (the text reaching the section, its lines, its lint setting)."""
    parts = [(e.source.path, e.source.line, e.summary, e.summary_lines, e.body, e.body_line,
              e.body_lines, repr(e.meta.get("lint", True))) for e in entries]
    blob = repr((path, list(starts), parts)).encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(blob, digest_size=16)
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class ResultStore:
    """The findings per note file of the last run, in ``.relwork/cache/lint-results.json``
    (read only when first asked for a file). Keyed by ``run_key``; a stale file is replaced,
    an untrusted one ignored with a notice (``notices``)."""

    def __init__(self, root: Path, memory: LintMemory, key: str):
        self.memory = memory
        self.key = key
        self.folder = CacheFolder(root / ".relwork" / "cache")
        self.codec = Codec((Problem, Source))
        self.stored: dict[str, str] | None = None  # slot -> its findings as JSON
        self.used: dict[str, FileFindings] = {}
        if memory.results_key != key:
            memory.results.clear()
            memory.results_key = key

    @property
    def notices(self) -> list[Problem]:
        """Notes about a cache file that was ignored (code ``cache-ignored``)."""
        return self.folder.notices

    def get(self, slot: str) -> FileFindings | None:
        """The findings kept for ``slot``, or None."""
        found = self.memory.results.get(slot)
        if found is None:
            if self.stored is None:
                self.stored = self._read()
            text = self.stored.get(slot)
            if text is not None:
                found = self._decode(text)
                if found is None:
                    self.stored = {}  # a damaged row: nothing in the file is trusted
        if found is not None:
            self.used[slot] = found
        return found

    def put(self, slot: str, found: FileFindings) -> None:
        self.used[slot] = found

    def save(self) -> None:
        """Keep the files of this run (a note removed is forgotten); write only on change."""
        memory = self.memory
        memory.results = dict(self.used)
        if self.stored is None:
            self.stored = self._read()
        if self.used.keys() == self.stored.keys():
            return
        rows = []
        for slot, found in self.used.items():
            text = self.stored.get(slot)
            if text is None:
                try:
                    text = self.codec.dumps(found).decode("utf-8")
                except (TypeError, ValueError, RecursionError):
                    continue
            rows.append([slot, text])
        self.folder.write(RESULTS_FILE, "lint-results", self.key, rows, self.codec)

    def _read(self) -> dict[str, str]:
        rows = self.folder.read(RESULTS_FILE, "lint-results", self.key, self.codec,
                                _rows_shape)
        return {slot: text for slot, text in rows} if rows else {}

    def _decode(self, text: str) -> FileFindings | None:
        try:
            value: Any = self.codec.loads(text.encode("utf-8"))
        except CacheIgnored:
            self.folder.ignored(self.folder.path / RESULTS_FILE, "damaged content")
            return None
        if type(value) is not list or not all(
                type(found) is list and all(isinstance(p, Problem) for p in found)
                for found in value):
            self.folder.ignored(self.folder.path / RESULTS_FILE, "unexpected content")
            return None
        return value


def _rows_shape(value: object) -> bool:
    return isinstance(value, list) and all(
        type(row) is list and len(row) == 2 and type(row[0]) is str and type(row[1]) is str
        for row in value)
