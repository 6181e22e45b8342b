"""What the rules find in one text, kept in a LintMemory and in .relwork/cache across runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..infra.cache import CacheFolder, Codec, code_key
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
    analyses only notes whose text changed. Keyed by relwork's version and code; a stale
    file is replaced, an untrusted one ignored with a notice (``notices``)."""

    def __init__(self, root: Path, memory: LintMemory):
        self.memory = memory
        self.folder = CacheFolder(root / ".relwork" / "cache")
        self.path = self.folder.path / ANALYSIS_FILE
        self.key = code_key()
        self.codec = Codec((Analysis, Finding))
        memory.analyses_used.clear()
        self.loaded: frozenset[tuple[str, int, str]] = frozenset()
        known = memory.analysis_files.get(self.path)
        if known is not None and known[0] == self.key:  # read before (watch): in memory
            self.loaded = known[1]
            return
        stored = self.folder.read(ANALYSIS_FILE, "lint-analysis", self.key, self.codec,
                                  _analyses_shape)
        if stored:
            for slot, value in stored.items():
                memory.analyses.setdefault(slot, value)
            self.loaded = frozenset(stored)
        memory.analysis_files[self.path] = (self.key, self.loaded)

    @property
    def notices(self) -> list[Problem]:
        """Notes about a cache file that was ignored (code ``cache-ignored``)."""
        return self.folder.notices

    def save(self) -> None:
        """Keep what this run used (a note removed is forgotten); write only on change."""
        memory = self.memory
        if memory.analyses_used == self.loaded:
            return
        kept = {slot: memory.analyses[slot] for slot in memory.analyses_used
                if slot in memory.analyses}
        self.folder.write(ANALYSIS_FILE, "lint-analysis", self.key, kept, self.codec)
        memory.analysis_files[self.path] = (self.key, frozenset(kept))


def _analyses_shape(value: object) -> bool:
    return isinstance(value, dict) and all(
        type(slot) is tuple and len(slot) == 3 and type(slot[0]) is str
        and type(slot[1]) is int and type(slot[2]) is str and isinstance(item, Analysis)
        and type(item.findings) is tuple and all(isinstance(f, Finding) for f in item.findings)
        and type(item.candidates) is tuple
        and all(type(c) is tuple and len(c) == 3 for c in item.candidates)
        for slot, item in value.items())
