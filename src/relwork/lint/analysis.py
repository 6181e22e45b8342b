"""What the rules find in one text, kept in a LintMemory and in .relwork/cache across runs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..infra.cache import CacheFolder, CacheIgnored, Codec, code_key, read_payload
from ..model import Problem
from .memory import LintMemory
from .rules import (
    Finding,
    rule_contraction,
    rule_first_person,
    rule_long,
    rule_lowercase,
    rule_question,
    rule_slang,
)
from .sentences import find_sentences, mask
from .spelling import spell_candidates


@dataclass(frozen=True)
class Analysis:
    """What the rules find in one text, independent of the run: every non-spelling finding
    (all rules; callers drop the skipped ones) and the spell-check candidates."""

    findings: tuple[Finding, ...]
    candidates: tuple[tuple[int, str, str], ...]  # offset, word, word lower-cased


def analyse(text: str, config: Config, memory: LintMemory) -> Analysis:
    """The rules' findings and spell candidates for ``text`` (remembered in ``memory`` by
    text and settings)."""
    slot = (text, config.lint_max_sentence_words, config.private_marker)
    memory.analyses_used.add(slot)
    hit = memory.analyses.get(slot)
    if hit is not None:
        return hit
    masked = mask(text)
    sentences = find_sentences(masked)
    findings: list[Finding] = []
    for rule in (rule_first_person, rule_contraction, rule_slang, rule_lowercase):
        findings += rule(text, masked, sentences)
    findings += rule_question(text, masked, sentences, config.private_marker)
    findings += rule_long(text, masked, sentences, config.lint_max_sentence_words)
    result = Analysis(tuple(findings),
                       tuple((o, w, w.lower()) for o, w in spell_candidates(masked)))
    if len(memory.analyses) > 20000:  # bound memory in very long watch sessions
        memory.analyses.clear()
    memory.analyses[slot] = result
    return result


#: The cache file of the analyses, and what it holds (the kind in its header).
ANALYSIS_FILE = "lint-analysis.json"


class AnalysisStore:
    """The analyses of the last run in ``.relwork/cache/lint-analysis.json``, so a build
    analyses only notes whose text changed. Each analysis is a row of its own (the digest
    of its slot, its JSON), decoded only when a text needs it and copied as read when the
    file is written again. Keyed by relwork's version and code; a stale file is replaced,
    an untrusted one ignored with a notice (``notices``)."""

    def __init__(self, root: Path, memory: LintMemory):
        self.memory = memory
        self.folder = CacheFolder(root / ".relwork" / "cache")
        self.path = self.folder.path / ANALYSIS_FILE
        self.key = code_key()
        self.codec = Codec((Analysis, Finding))
        memory.analyses_used.clear()
        known = memory.analysis_files.get(self.path)
        if known is not None and known[0] == self.key:  # read before (watch): in memory
            self.rows = known[1]
        else:
            stored = self.folder.read(ANALYSIS_FILE, "lint-analysis", self.key, self.codec,
                                      _rows_shape)
            self.rows = dict(stored) if stored else {}
            memory.analysis_files[self.path] = (self.key, self.rows)
        self.loaded = frozenset(self.rows)

    def need(self, texts: Iterable[str], config: Config) -> None:
        """Decode the stored analyses of ``texts`` into the memory (``analyse`` finds them)."""
        memory = self.memory
        for text in texts:
            slot = (text, config.lint_max_sentence_words, config.private_marker)
            if slot in memory.analyses:
                continue
            row = self.rows.get(slot_digest(slot))
            if row is None:
                continue
            try:
                value = self.codec.loads(row.encode("utf-8"))
                if not _analyses_shape({slot: value}):
                    raise CacheIgnored("unexpected content")
            except CacheIgnored as exc:
                self.folder.ignored(self.path, str(exc))
                self.rows = {}  # nothing in a damaged file is trusted
                return
            memory.analyses[slot] = value

    @staticmethod
    def intact(root: Path, memory: LintMemory) -> bool:
        """Whether the analyses file of ``root`` is there for this code and undamaged (its
        header, size and checksum; read before in this process: trusted)."""
        path = root / ".relwork" / "cache" / ANALYSIS_FILE
        key = code_key()
        known = memory.analysis_files.get(path)
        if known is not None and known[0] == key:
            return True
        try:
            return read_payload(path, "lint-analysis", key) is not None
        except CacheIgnored:
            return False

    @property
    def notices(self) -> list[Problem]:
        """Notes about a cache file that was ignored (code ``cache-ignored``)."""
        return self.folder.notices

    def save(self) -> None:
        """Keep what this run used (a note removed is forgotten); write only on change."""
        memory = self.memory
        used = {slot_digest(slot): slot for slot in memory.analyses_used}
        if used.keys() == self.loaded:
            return
        rows: dict[str, str] = {}
        for digest, slot in used.items():
            row = self.rows.get(digest)
            if row is None:
                value = memory.analyses.get(slot)
                if value is None:
                    continue
                try:
                    row = self.codec.dumps(value).decode("utf-8")
                except (TypeError, ValueError, RecursionError):
                    continue
            rows[digest] = row
        self.folder.write(ANALYSIS_FILE, "lint-analysis", self.key,
                          [[d, r] for d, r in rows.items()], self.codec)
        memory.analysis_files[self.path] = (self.key, rows)


def slot_digest(slot: tuple[str, int, str]) -> str:
    """The name of an analysis slot (its text and settings) in the cache file."""
    return hashlib.blake2b(repr(slot).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def _rows_shape(value: object) -> bool:
    return isinstance(value, list) and all(
        type(row) is list and len(row) == 2 and type(row[0]) is str and type(row[1]) is str
        for row in value)


def _analyses_shape(value: object) -> bool:
    return isinstance(value, dict) and all(
        type(slot) is tuple and len(slot) == 3 and type(slot[0]) is str
        and type(slot[1]) is int and type(slot[2]) is str and isinstance(item, Analysis)
        and type(item.findings) is tuple and all(isinstance(f, Finding) for f in item.findings)
        and type(item.candidates) is tuple
        and all(type(c) is tuple and len(c) == 3 for c in item.candidates)
        for slot, item in value.items())
