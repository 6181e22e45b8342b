"""Tone check: flag note text that reads as notes, not as a paper.

Input: entries (their Markdown ``body``) and the config; output: ``Problem`` warnings, one
per finding, each naming the phrase and its exact line in the note file (``body_line`` plus
the offset, mapped through the file because the notes stage drops private lines).

Rules (code ``lint-<rule>``): ``first-person`` (I, me, my; "we" is normal in papers),
``contraction`` (don't, it's, dont'), ``slang`` (gonna, stuff, pretty much), ``question``
(a sentence ending in "?"), ``lowercase`` (a sentence inside a paragraph starting in
lowercase), ``spelling`` (words hunspell does not know), ``long-sentence``.

Silencing: ``lint: false`` (or a list of rules) in a note's front matter,
``<!-- relwork: no-lint -->`` (optionally followed by rule names) in the body, and
``<!-- relwork: ignore-line -->`` at the end of a line. Code, math, URLs, citations and
LaTeX commands are never checked.

The modules: ``check`` (the entry points), ``rules`` (the tone rules), ``sentences``
(masking and sentence splitting), ``spelling`` and ``hunspell`` (the spelling rule and
the spell checker), ``analysis`` (per-text findings, cached), ``notefile`` (a note file as
written: silencing markers and line mapping), ``config_check`` (lint settings), ``memory``
(what a run, or a watch session, remembers).
"""

from .check import lint_entries, lint_text
from .config_check import check_config
from .hunspell import SUGGEST_LIMIT, spell_checker, suggestions, unknown_words
from .memory import LintMemory
from .results import has_kept_results
from .rules import RULES
from .spelling import TECH_WORDS, words_from_titles

__all__ = [
    "has_kept_results",
    "RULES",
    "SUGGEST_LIMIT",
    "TECH_WORDS",
    "LintMemory",
    "check_config",
    "lint_entries",
    "lint_text",
    "spell_checker",
    "suggestions",
    "unknown_words",
    "words_from_titles",
]
