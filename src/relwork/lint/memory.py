"""What the tone check remembers: analyses, hunspell's verdicts, title words, note files.

One ``LintMemory`` is made per run, or kept by a long-running process (watch) so that a
rebuild checks only what changed. Nothing of it lives at module level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model import Problem
    from .analysis import Analysis
    from .notefile import NoteFile

#: (text, sentence limit, private marker): what an analysis is cached by
AnalysisSlot = tuple[str, int, str]


@dataclass
class LintMemory:
    """The tone check's memos; each is bounded where a watch session could grow it."""

    #: the rules' findings per text and settings, and the slots this run used
    analyses: dict[AnalysisSlot, Analysis] = field(default_factory=dict)
    analyses_used: set[AnalysisSlot] = field(default_factory=set)
    #: cache file -> (key, its rows: slot digest -> analysis JSON), for the analysis
    #: files read or written
    analysis_files: dict[Path, tuple[str, dict[str, str]]] = field(default_factory=dict)
    #: word -> known (by hunspell, or as a compound of known words)
    spelling: dict[str, bool] = field(default_factory=dict)
    #: unknown word -> hunspell's suggestions
    suggestions: dict[str, list[str]] = field(default_factory=dict)
    #: spelling cache files read -> their key
    spell_files: dict[Path, str] = field(default_factory=dict)
    #: title -> its lower-cased words
    title_words: dict[str, frozenset[str]] = field(default_factory=dict)
    #: (id of words, id of config) -> (words, config, lower-cased accepted words)
    accepted: dict[tuple[int, int], tuple[Any, Any, set[str]]] = field(default_factory=dict)
    #: note file text -> what it says about linting
    notes: dict[str, NoteFile] = field(default_factory=dict)
    #: note file slot -> its entries' findings (lint.results), valid for results_key
    results: dict[str, list[list[Problem]]] = field(default_factory=dict)
    results_key: str = ""
    #: note path -> (its text, its entries, their first lines, the slot they make)
    file_slots: dict[str, tuple[str, tuple[Any, ...], list[int], str]] = field(
        default_factory=dict)
