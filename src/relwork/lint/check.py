"""The tone check's entry points: ``lint_text`` (one text) and ``lint_entries`` (entries)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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
    note_file,
    note_text,
    region_end,
    setting_skips,
)
from .results import ResultStore, file_slot, run_key
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
    words_key: str | None = None,
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
    ``words_key`` names the content of ``known_words`` (the bib's content key): with it,
    each note file's findings are kept in ``.relwork/cache`` and only files whose text or
    entries changed are checked again.
    Notes about cache files that were ignored come back as ``cache-ignored`` infos.
    """
    memory = memory if memory is not None else LintMemory()
    # the bib's words lower-cased once per bib (watch), then this run's titles and authors
    extra = words_from_titles((e.title for e in entries), memory)
    for e in entries:  # authors' names are written in the summaries too
        authors = e.meta.get("authors") or []
        extra |= words_from_titles(authors if isinstance(authors, list) else [str(authors)],
                                   memory)
    known = accepted_words(known_words, config, memory) | extra
    # already lower-cased: accepted_words(known) is known
    remember_accepted(known, config, known, memory)
    problems: list[Problem] = check_config(config)
    texts = texts or {}
    spell = SpellStore(config.root, memory) if "spelling" not in disabled_rules(config) \
        else None
    by_file: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        by_file.setdefault(entry.source.path, []).append(i)
    results = None
    # without hunspell every run says so: nothing is kept
    if words_key is not None and (spell is None or spell.key):
        key = run_key(config, words_key, sorted(extra), spell.key if spell else "-")
        results = ResultStore(config.root, memory, key)
    run = _Run(entries, config, memory, texts or {}, by_file, known)
    todo = run.reuse(results)
    if todo:
        analyses = AnalysisStore(config.root, memory)
        analyses.need((reaching_section(entries[i])[0] for path, _, _ in todo
                       for i in by_file[path]), config)
        problems += analyses.notices
        for i in run.done:  # their analyses stay in the file
            memory.analyses_used.add((reaching_section(entries[i])[0],
                                      config.lint_max_sentence_words, config.private_marker))
        if spell is not None:
            # verdicts kept across runs: hunspell is slow to start
            problems += spell.notices
            _prefetch_spelling([entries[i] for path, _, _ in todo for i in by_file[path]],
                               known, config, memory)
            spell.save()
        run.check(todo, results)
        analyses.save()
    elif spell is not None:
        problems += spell.notices
    if results is not None:
        problems += results.notices
        results.save()
    skipped_notice = False
    for per_entry in run.found:
        for p in per_entry:
            if p.severity == "info":  # the spell check is missing: say it once
                if skipped_notice:
                    continue
                skipped_notice = True
                p = Problem(p.severity, p.message, None, p.hint, p.code)
            problems.append(p)
    return problems


@dataclass
class _Run:
    """One lint_entries call: the entries by note file, and their findings so far."""

    entries: Sequence[Entry]
    config: Config
    memory: LintMemory
    texts: Mapping[str, tuple[str, tuple[int, int]]]
    by_file: dict[str, list[int]]
    known: set[str]
    found: list[list[Problem]] = field(default_factory=list)
    done: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.found = [[] for _ in self.entries]
        self.starts = {path: [self.entries[i].source.line or self.entries[i].body_line
                              for i in idx] for path, idx in self.by_file.items()}

    def reuse(self, results: ResultStore | None) -> list[tuple[str, str | None, str | None]]:
        """Take each file's kept findings; the files left to check (path, text, slot)."""
        todo: list[tuple[str, str | None, str | None]] = []
        for path, idx in self.by_file.items():
            text = note_text(path, self.texts)
            slot = (_file_slot(path, text, [self.entries[i] for i in idx], self.starts[path],
                               self.memory)
                    if results is not None and text is not None else None)
            hit = results.get(slot) if results is not None and slot is not None else None
            if hit is not None and len(hit) == len(idx):
                for i, kept in zip(idx, hit, strict=True):
                    self.found[i] = kept
                self.done += idx
            else:
                todo.append((path, text, slot))
        if self.done and not AnalysisStore.intact(self.config.root, self.memory):
            # the analyses file is written again whole, as a build without kept findings does
            todo = [(path, note_text(path, self.texts), None) for path in self.by_file]
            self.done = []
        return todo

    def check(self, todo: list[tuple[str, str | None, str | None]],
              results: ResultStore | None) -> None:
        """Check the files of ``todo``; keep their findings in ``results`` when final."""
        entries, memory = self.entries, self.memory
        for path, text, slot in todo:
            idx = self.by_file[path]
            note = note_file(text, memory) if text is not None else None
            for i in idx:
                self.found[i] = _lint_entry(entries[i], note, self.starts[path], self.known,
                                            self.config, memory)
            # kept only when final: every suggestion asked for, hunspell answered
            if results is not None and slot is not None \
                    and not any(p.severity == "info" for i in idx for p in self.found[i]) \
                    and _suggested([entries[i] for i in idx], self.known, self.config, memory):
                results.put(slot, [self.found[i] for i in idx])


def _file_slot(path: str, text: str, entries: list[Entry], starts: list[int],
               memory: LintMemory) -> str:
    """``results.file_slot``, remembered while the file's text is the same and its entries
    the same objects (watch: an unchanged note keeps its parse)."""
    seen = memory.file_slots.get(path)
    if seen is not None and seen[0] == text and seen[2] == starts and len(seen[1]) == \
            len(entries) and all(a is b for a, b in zip(seen[1], entries, strict=True)):
        return seen[3]
    slot = file_slot(path, text, entries, starts)
    if len(memory.file_slots) > 20000:  # bound memory in very long watch sessions
        memory.file_slots.clear()
    memory.file_slots[path] = (text, tuple(entries), list(starts), slot)
    return slot


def _lint_entry(entry: Entry, note: NoteFile | None, starts: list[int], known: set[str],
                config: Config, memory: LintMemory) -> list[Problem]:
    """The findings of one entry whose note file says ``note``."""
    path = entry.source.path
    text, body_line, body_lines = reaching_section(entry)
    skip = setting_skips(entry.meta.get("lint", True))
    file_skip = setting_skips(note.lint) if note is not None else set()
    if skip is None or file_skip is None or not text.strip():
        return []
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
        end = region_end(note, max(line_numbers), begin, starts)
        region = "\n".join(note.lines[begin - 1:end - 1])
        marker = NO_LINT_RE.search(region)
        if marker:
            named = {r.lower().removeprefix("lint-")
                     for r in re.split(r"[\s,]+", marker.group(1)) if r}
            if not named:
                return []
            skip |= named
        ignored = {n for n in range(begin, end) if IGNORE_LINE_RE.search(note.lines[n - 1])}
    return lint_text(text, source, config, known_words=known, skip_rules=skip,
                     line_numbers=line_numbers, ignored_lines=ignored, suggest_limit=0,
                     memory=memory)


def _suggested(entries: Sequence[Entry], known: set[str], config: Config,
               memory: LintMemory) -> bool:
    """Whether every unknown word of ``entries`` has its suggestions: only then are their
    findings final (a later run asks hunspell for the suggestions still missing)."""
    for entry in entries:
        analysis = memory.analyses.get((reaching_section(entry)[0],
                                        config.lint_max_sentence_words, config.private_marker))
        if analysis is None:
            continue  # not analysed: skipped, or no text
        for _, word, low in analysis.candidates:
            if low not in known and memory.spelling.get(word) is False \
                    and word not in memory.suggestions:
                return False
    return True


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
