"""What builds keep and reuse: the bib index, note parses, match outcomes and rendered
fragments, in a ``BuildState`` (watch) and in ``.relwork/cache`` (every build)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .model import Entry, Match, Problem

if TYPE_CHECKING:
    from .bib import BibIndex
    from .notes import NotesResult


@dataclass
class BuildState:
    """What a long-running process (watch) keeps between builds: the loaded bib index."""

    index: BibIndex | None = None
    bib_stamp: tuple[Any, ...] = ()
    #: last content and parse of each note file (see notes.read_notes)
    notes_cache: dict[Any, Any] = field(default_factory=dict)
    #: id(entry) -> (entry, its match outcome, its problems) for the index and settings in
    #: match_key: an entry of an unchanged note file is the same object, matched once
    match_cache: dict[Any, tuple[Any, ...]] = field(default_factory=dict)
    match_key: tuple[Any, ...] = ()
    #: absolute note path -> how it is shown ("" -> the folder it was shown from)
    shown: dict[str, str] = field(default_factory=dict)


def _bib_stamp(paths: Sequence[Path]) -> tuple[Any, ...]:
    stamp: list[tuple[str, int | None, int | None]] = []
    for p in paths:
        try:
            st = p.stat()
            stamp.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((str(p), None, None))
    return tuple(stamp)


def load_index(
    config: Config, bibs: Sequence[str] | None = None, state: BuildState | None = None,
    *, lookup: bool = True,
) -> tuple[BibIndex, list[Problem]]:
    """The bib index for ``config`` (re-used from ``state`` while the bib files are unchanged).

    With ``lookup`` the matching tables are attached now; else ``_attach_lookup`` must run
    before matching (a build whose matches all come from the cache does not need them)."""
    from . import bib

    bib_files, problems = bib.collect_bib_files(config, bibs)
    bib_files = with_lookup_bib(config, bib_files)
    stamp = _bib_stamp(bib_files)
    if state is not None and state.index is not None and state.bib_stamp == stamp:
        if lookup:
            _attach_lookup(config, state.index)
        return state.index, problems
    index = bib.load_bib(bib_files, config)
    _attach_derived(config, index, lookup=lookup)
    if state is not None:
        state.index, state.bib_stamp = index, stamp
    return index, problems


def with_lookup_bib(config: Config, bib_files: Sequence[Path]) -> list[Path]:
    """``bib_files`` with ``lookup.bib`` (relwork's file of papers found online) last, when
    it exists: read after the user's files, even from inside a bib folder they name."""
    path = config.resolve(config.lookup_bib)
    if not path.is_file():
        return list(bib_files)
    target = path.resolve()
    return [p for p in bib_files if p.resolve() != target] + [path]


def _attach_derived(config: Config, index: BibIndex, *, lookup: bool = True) -> None:
    """Matching tables and spell-check words of ``index``: from the cache when they were
    made from the same bib content, else made now and cached (a large bib takes ~0.3 s)."""
    from . import bib

    if lookup:
        _attach_lookup(config, index)
    words = bib.read_derived(config, index, "known-words")
    if isinstance(words, set):
        index.derived["known-words"] = words
    else:
        bib.write_derived(config, index, "known-words", known_words(index))


def _attach_lookup(config: Config, index: BibIndex) -> None:
    """The matching tables of ``index`` (see _attach_derived), once per index."""
    import dataclasses

    from . import bib, match

    if isinstance(index.derived.get("match-lookup"), match.Lookup):
        return
    look = bib.read_derived(config, index, "match-lookup")
    if (isinstance(look, match.Lookup) and look.size == len(index.records)
            and look.keys == list(index.records)):
        look.records = [index.records[k] for k in look.keys]
        index.derived["match-lookup"] = look
    else:
        look = match.lookup_for(index)
        bib.write_derived(config, index, "match-lookup", dataclasses.replace(look, records=[]))


def shown_paths(paths: Sequence[Path], config: Config, state: BuildState | None) -> list[str]:
    """``config.display`` of each (absolute) path; remembered in ``state`` per current
    folder, the only other thing the result depends on."""
    if state is None:
        return [config.display(p) for p in paths]
    import os

    cwd = os.getcwd()
    memo = state.shown
    if memo.get("") != cwd:
        memo.clear()
        memo[""] = cwd
    out = []
    for p in paths:
        name = str(p)
        shown = memo.get(name)
        if shown is None:
            shown = memo[name] = config.display(p)
        out.append(shown)
    return out


def read_notes(note_files: Sequence[Path], shown: Sequence[str], config: Config,
                state: BuildState | None) -> NotesResult:
    """notes.read_notes with its per-file cache (content -> parse) kept in ``state`` and in
    ``.relwork/cache/notes.pickle``, so only files whose bytes changed are parsed again.
    The file is keyed by relwork's version and code; a damaged or stale one is ignored."""
    from . import bib, notes

    if state is not None and state.notes_cache:
        return notes.read_notes(note_files, config, cache=state.notes_cache, shown_paths=shown)
    file = bib.cache_dir(config) / "notes.pickle"
    key = bib.code_key()
    stored = bib.read_cache_file(file, key)
    cache: dict[Any, Any] = stored if isinstance(stored, dict) else {}
    before = dict(cache)
    parsed = notes.read_notes(note_files, config, cache=cache, shown_paths=shown)
    names = set(shown)
    kept = {slot: value for slot, value in cache.items()
            if isinstance(slot, tuple) and slot and slot[0] in names}
    if kept.keys() != before.keys() or any(before[s] is not v for s, v in kept.items()):
        bib.write_cache_file(file, key, kept)
    if state is not None:
        state.notes_cache = kept
    return parsed


def match_entries(entries: Sequence[Entry], index: BibIndex, config: Config,
           state: BuildState | None) -> tuple[list[Match], list[Problem]]:
    """match.match_entries, with each entry's outcome remembered: in ``state`` (watch: an
    entry of an unchanged note is the same object) or in ``.relwork/cache/matches.pickle``
    (by the entry's full content, for the same relwork code, bib content, aliases and
    accept_review). Only entries not seen before are matched, and only then are the
    matching tables loaded."""
    from . import bib

    setting = (sorted(config.aliases.items()), config.accept_review, tuple(config.prefer),
               tuple(config.not_in_bib))
    if state is not None:
        if not state.match_key or state.match_key[0] is not index \
                or state.match_key[1:] != (setting,):
            state.match_cache, state.match_key = {}, (index, setting)
        memo: dict[Any, tuple[Any, ...]] = state.match_cache
        slots: list[Any] = [id(e) for e in entries]
        fresh = [e for e, s in zip(entries, slots, strict=True)
                 if s not in memo or memo[s][0] is not e]
    else:
        content = index.derived.get("content-key")
        if not content:
            _attach_lookup(config, index)
            from . import match

            return match.match_entries(entries, index, aliases=config.aliases,
                                       accept_review=config.accept_review,
                                       prefer=config.prefer, not_in_bib=config.not_in_bib)
        import hashlib

        key = hashlib.blake2b(repr((bib.code_key(), content, setting)).encode(),
                              digest_size=16).hexdigest()
        file = bib.cache_dir(config) / "matches.pickle"
        stored = bib.read_cache_file(file, key)
        memo = stored if isinstance(stored, dict) else {}
        slots = [repr(e) for e in entries]  # every field of the entry: its full content
        fresh = [e for e, s in zip(entries, slots, strict=True) if s not in memo]
    if fresh:
        from . import match

        _attach_lookup(config, index)
        for entry in fresh:
            # a matcher of its own, so the entry's problems are all its own (below, a
            # duplicate bib entry is reported once, for the first entry citing it, as
            # match_entries does)
            matcher = match.Matcher(index, config.aliases, prefer=config.prefer,
                                    not_in_bib=config.not_in_bib)
            found = matcher.match(entry, accept_review=config.accept_review)
            outcome = (found.key, found.method, found.score, found.status, found.candidates,
                       found.reason, found.acceptable, found.not_in_bib, found.broken,
                       found.missing_ids)
            slot = id(entry) if state is not None else repr(entry)
            memo[slot] = (entry if state is not None else None, outcome, matcher.problems)
    matches: list[Match] = []
    problems: list[Problem] = []
    reported: set[str] = set()
    for entry, slot in zip(entries, slots, strict=True):
        _, outcome, found_problems = memo[slot]
        matches.append(Match(entry, *outcome))
        for problem in found_problems:
            if problem.code == "match-duplicate":
                cited = problem.message.split(" ", 1)[0]
                if cited in reported:
                    continue
                reported.add(cited)
            problems.append(problem)
    used = {slot: memo[slot] for slot in slots}
    if state is not None:
        state.match_cache = used
    elif fresh or len(used) != len(memo):
        bib.write_cache_file(file, key, used)
    return matches, problems


def load_fragments(config: Config, index: BibIndex, stubs: Sequence[Any]
                    ) -> tuple[Path, str, frozenset[Any]] | None:
    """Seed render's fragment cache (note Markdown -> LaTeX, index.derived) from
    ``.relwork/cache``: valid for the same relwork code, bib content and stub keys, the
    inputs of a conversion besides the text, its place, engine and cite style (its key)."""
    from . import bib

    content = index.derived.get("content-key")
    if not content:
        return None
    import hashlib

    parts = [bib.code_key(), str(content), *sorted(str(s.key) for s in stubs)]
    key = hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()
    file = bib.cache_dir(config) / "render-fragments.pickle"
    stored = bib.read_cache_file(file, key)
    fragments = stored if isinstance(stored, dict) else {}
    index.derived["render-fragments"] = fragments
    index.derived["render-fragments-used"] = set()
    return file, key, frozenset(fragments)


def save_fragments(index: BibIndex, file: Path, key: str, loaded: frozenset[Any]) -> None:
    """Write the fragments this build used, when they differ from what was loaded."""
    from . import bib

    used = index.derived.get("render-fragments-used", set())
    if used == loaded:
        return
    fragments = index.derived.get("render-fragments", {})
    bib.write_cache_file(file, key, {s: fragments[s] for s in used if s in fragments})


def known_words(index: BibIndex) -> set[str]:
    """Words from bib titles and author names: words the spell check should accept (made
    once per index)."""
    words: set[str] | None = index.derived.get("known-words")
    if words is None:
        words = set()
        for record in index.records.values():
            words.update(w.casefold() for w in record.title.replace("-", " ").split())
            words.update(name.casefold() for name in record.authors)
        index.derived["known-words"] = words
    return words
