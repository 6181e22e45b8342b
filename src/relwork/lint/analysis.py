"""What the rules find in one text, cached in memory and in .relwork/cache across runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Config
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


#: (text, sentence limit, private marker) -> analysis, for this process (watch) and, through
#: AnalysisStore, across runs; the text is the key, so an edited note is analysed again.
_analysis_cache: dict[tuple[str, int, str], Analysis] = {}
_analysis_used: set[tuple[str, int, str]] = set()
#: cache file -> (key, slots it holds), for the files this process read or wrote
_analysis_files: dict[Path, tuple[str, frozenset[tuple[str, int, str]]]] = {}


def analyse(text: str, config: Config) -> Analysis:
    """The rules' findings and spell candidates for ``text`` (cached by text and settings)."""
    slot = (text, config.lint_max_sentence_words, config.private_marker)
    _analysis_used.add(slot)
    hit = _analysis_cache.get(slot)
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
    if len(_analysis_cache) > 20000:  # bound memory in very long watch sessions
        _analysis_cache.clear()
    _analysis_cache[slot] = result
    return result


class AnalysisStore:
    """The analyses of the last run in ``.relwork/cache/lint-analysis.pickle``, so a build
    analyses only notes whose text changed. Keyed by relwork's version and code; a damaged
    or stale file is ignored (bib's cache file format: magic, CRC, key)."""

    def __init__(self, root: Path):
        from ..bib import code_key, read_cache_file

        self.path = root / ".relwork" / "cache" / "lint-analysis.pickle"
        self.key = code_key()
        _analysis_used.clear()
        self.loaded: frozenset[tuple[str, int, str]] = frozenset()
        known = _analysis_files.get(self.path)
        if known is not None and known[0] == self.key:  # read before (watch): in memory
            self.loaded = known[1]
            return
        stored = read_cache_file(self.path, self.key)
        if isinstance(stored, dict):
            for slot, value in stored.items():
                if isinstance(value, Analysis):
                    _analysis_cache.setdefault(slot, value)
            self.loaded = frozenset(stored)
        _analysis_files[self.path] = (self.key, self.loaded)

    def save(self) -> None:
        """Keep what this run used (a note removed is forgotten); write only on change."""
        from ..bib import write_cache_file

        if _analysis_used == self.loaded:
            return
        kept = {slot: _analysis_cache[slot] for slot in _analysis_used if slot in _analysis_cache}
        write_cache_file(self.path, self.key, kept)
        _analysis_files[self.path] = (self.key, frozenset(kept))
