"""The tone check's entry points: ``lint_text`` (one text) and ``lint_entries`` (entries)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence

from ..config import Config
from ..model import Entry, Problem, Source
from .analysis import AnalysisStore, analyse
from .config_check import check_config, disabled_rules
from .hunspell import SUGGEST_LIMIT, SpellStore, suggestions, unknown_words
from .memory import LintMemory
from .notefile import (
    IGNORE_LINE_RE,
    NO_LINT_RE,
    NoteFile,
    map_lines,
    read_note,
    region_end,
    setting_skips,
)
from .rules import RULES
from .spelling import accepted_words, remember_accepted, rule_spelling, words_from_titles


def lint_text(
    text: str,
    source: Source,
    config: Config,
    *,
    known_words: set[str] | frozenset[str] = frozenset(),
    skip_rules: Iterable[str] = (),
    line_numbers: Sequence[int] | None = None,
    ignored_lines: Iterable[int] = (),
    suggest_limit: int = SUGGEST_LIMIT,
    memory: LintMemory | None = None,
) -> list[Problem]:
    """Tone findings for one Markdown ``text`` whose first line is ``source``.

    Returns warnings with code ``lint-<rule>``, each at the note line of its phrase:
    ``line_numbers[i]`` is the file line of text line ``i`` (default: consecutive from
    ``source.line``). Findings on ``ignored_lines`` (file lines) or on lines of ``text``
    ending in the ignore-line marker are dropped. ``known_words`` (lowercase) and
    ``config.lint_ignore_words`` are accepted by the spell check; ``config.lint_disable``
    and ``skip_rules`` switch rules off. ``memory`` keeps analyses and hunspell's answers
    (a new one when None).
    """
    memory = memory if memory is not None else LintMemory()
    skip = disabled_rules(config) | {r.lower().removeprefix("lint-") for r in skip_rules}
    marker = NO_LINT_RE.search(text)
    if marker:
        named = {r.lower().removeprefix("lint-") for r in re.split(r"[\s,]+", marker.group(1))
                 if r}
        skip |= named if named else set(RULES)
    if skip >= set(RULES):
        return []
    lines = text.split("\n")

    def file_line(index: int) -> int:
        if line_numbers is not None and index < len(line_numbers):
            return line_numbers[index]
        return source.line + index if source.line else 0

    ignored = set(ignored_lines) | {file_line(i) for i, line in enumerate(lines)
                                    if IGNORE_LINE_RE.search(line)}
    analysis = analyse(text, config, memory)
    findings = [f for f in analysis.findings if f.rule not in skip]

    problems = []
    if "spelling" not in skip:
        flagged = {f.offset for f in findings if f.rule in ("contraction", "slang")}
        spelled, problem = rule_spelling(analysis, known_words, config, flagged,
                                          suggest_limit, memory)
        findings += spelled
        if problem is not None:
            problems.append(Problem(problem.severity, problem.message, source, problem.hint,
                                    problem.code))

    for f in sorted(findings, key=lambda f: (f.offset, f.rule)):
        line = file_line(text.count("\n", 0, f.offset))
        if line and line in ignored:
            continue
        where = Source(source.path, line)
        problems.append(Problem("warning", f.message, where, f.hint, f"lint-{f.rule}"))
    return problems


def lint_entries(
    entries: Sequence[Entry],
    config: Config,
    *,
    known_words: set[str] | frozenset[str] = frozenset(),
    texts: Mapping[str, tuple[str, tuple[int, int]]] | None = None,
    memory: LintMemory | None = None,
) -> list[Problem]:
    """Tone findings for the text of ``entries`` that reaches the section (their summaries).

    ``known_words``: lowercase words the spell check accepts (bib titles). Words of the
    entries' own titles are accepted too. Each entry's note file (``entry.source.path``,
    relative to the current folder) is read again for what the notes stage cuts out: the
    ``<!-- relwork: ... -->`` markers, file-wide front matter, and the exact line of every
    body line; ``texts`` (``NotesResult.texts``) saves reading a file the notes stage
    read and that has not changed since. ``lint: false`` (front matter of the note or of
    its file) skips a note; ``lint: [rule, ...]`` skips those rules. Returns warnings
    (``--strict`` makes them errors in the CLI); ``lint.enabled`` is the caller's call.
    ``memory`` keeps what was worked out for the next call (watch); a new one when None.
    Notes about cache files that were ignored come back as ``cache-ignored`` infos.
    """
    memory = memory if memory is not None else LintMemory()
    # the bib's words lower-cased once per bib (watch), then this run's titles and authors
    known = (accepted_words(known_words, config, memory)
             | words_from_titles((e.title for e in entries), memory))
    for e in entries:  # authors' names are written in the summaries too
        authors = e.meta.get("authors") or []
        known |= words_from_titles(authors if isinstance(authors, list) else [str(authors)],
                                   memory)
    # already lower-cased: accepted_words(known) is known
    remember_accepted(known, config, known, memory)
    problems: list[Problem] = check_config(config)
    analyses = AnalysisStore(config.root, memory)
    problems += analyses.notices
    texts = texts or {}
    if "spelling" not in disabled_rules(config):
        # verdicts kept across runs: hunspell is slow to start
        store = SpellStore(config.root, memory)
        problems += store.notices
        _prefetch_spelling(entries, known, config, memory)
        store.save()
    skipped_notice = False
    files: dict[str, NoteFile | None] = {}
    starts: dict[str, list[int]] = {}
    for entry in entries:
        starts.setdefault(entry.source.path, []).append(entry.source.line or entry.body_line)
    for entry in entries:
        path = entry.source.path
        text, body_line, body_lines = reaching_section(entry)
        if path not in files:
            files[path] = read_note(path, texts, memory)
        note = files[path]
        skip = setting_skips(entry.meta.get("lint", True))
        file_skip = setting_skips(note.lint) if note is not None else set()
        if skip is None or file_skip is None or not text.strip():
            continue
        skip |= file_skip
        source = Source(path, body_line)
        line_numbers: list[int] | None = None
        if len(body_lines) == text.count("\n") + 1:
            line_numbers = body_lines  # recorded by the notes stage
        ignored: set[int] = set()
        if note is not None and body_line:
            if line_numbers is None:
                line_numbers = map_lines(text, note, body_line)
            begin = entry.source.line or body_line
            end = region_end(note, max(line_numbers), begin, starts[path])
            region = "\n".join(note.lines[begin - 1:end - 1])
            marker = NO_LINT_RE.search(region)
            if marker:
                named = {r.lower().removeprefix("lint-")
                         for r in re.split(r"[\s,]+", marker.group(1)) if r}
                if not named:
                    continue
                skip |= named
            ignored = {n for n in range(begin, end) if IGNORE_LINE_RE.search(note.lines[n - 1])}
        found = lint_text(text, source, config, known_words=known, skip_rules=skip,
                          line_numbers=line_numbers, ignored_lines=ignored, suggest_limit=0,
                          memory=memory)
        for p in found:
            if p.severity == "info":  # the spell check is missing: say it once
                if skipped_notice:
                    continue
                skipped_notice = True
                p = Problem(p.severity, p.message, None, p.hint, p.code)
            problems.append(p)
    analyses.save()
    return problems


def reaching_section(entry: Entry) -> tuple[str, int, list[int]]:
    """The text of ``entry`` that reaches the section (its summary; the body of an entry
    without one), its first note line and the note line of each of its lines."""
    if entry.summary.strip():
        first = entry.summary_lines[0] if entry.summary_lines else entry.body_line
        return entry.summary, first, entry.summary_lines
    return entry.body, entry.body_line, entry.body_lines


def _prefetch_spelling(entries: Sequence[Entry], known: set[str], config: Config,
                       memory: LintMemory) -> None:
    """One hunspell run for all entries' words, and suggestions for the first
    ``SUGGEST_LIMIT`` unknown ones, instead of a run per entry."""
    words: list[str] = []
    for entry in entries:
        text = reaching_section(entry)[0]
        if text.strip():
            words += [w for _, w, low in analyse(text, config, memory).candidates
                      if low not in known]
    try:
        unknown = unknown_words(words, memory)
        suggestions([w for w in words if w in unknown], memory=memory)
    except (OSError, subprocess.SubprocessError):
        pass  # reported by the spelling rule, once
