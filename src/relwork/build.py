"""The pipeline: notes -> entries -> match -> render -> files. The one place stages meet."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import files
from .config import Config
from .model import BibRecord, BuildResult, Entry, Match, Problem

if TYPE_CHECKING:
    from .bib import BibIndex
    from .notes import NotesResult

Progress = Callable[[str], None]


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


def _norm_group(name: str) -> str:
    return " ".join(name.strip().rstrip(":").split()).casefold()


def select_entries(entries: Sequence[Entry], config: Config) -> list[Entry]:
    """Apply ``include_groups`` / ``exclude_groups`` (case-insensitive, any level of the path)."""
    include = {_norm_group(g) for g in config.include_groups}
    exclude = {_norm_group(g) for g in config.exclude_groups}
    chosen = []
    for entry in entries:
        path = {_norm_group(g) for g in entry.group}
        path.update(_norm_group(t) for t in entry.meta.get("tags", []) or [])
        if exclude & path:
            continue
        if include and not include & path:
            continue
        chosen.append(entry)
    return chosen


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


def build(
    config: Config,
    *,
    paths: Sequence[str] | None = None,
    bibs: Sequence[str] | None = None,
    write: bool = True,
    force: bool = False,
    state: BuildState | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Run the whole pipeline for ``config``.

    ``paths``/``bibs`` override the configured notes and bibliographies. With ``write``,
    the section and the cited-only bib are written atomically unless the build has errors
    (then the previous files stay as they were). Problems are collected in the result; an
    output edited by hand raises ``OutputEditedError`` unless ``force``.
    """
    import gc

    # the bib index is hundreds of thousands of objects without cycles: a collection
    # during the build scans them all (~0.1 s a time); collect after, if ever
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(config, paths=paths, bibs=bibs, write=write, force=force, state=state,
                      progress=progress)
    finally:
        if gc_was_enabled:
            gc.enable()


def _build(
    config: Config,
    *,
    paths: Sequence[str] | None,
    bibs: Sequence[str] | None,
    write: bool,
    force: bool,
    state: BuildState | None,
    progress: Progress | None,
) -> BuildResult:
    from . import bib, lint, notes, section  # match: only when an entry needs matching

    say = progress or (lambda _msg: None)
    result = BuildResult()

    say("reading notes")
    note_files, problems = notes.collect_note_files(config, paths)
    result.problems += problems
    result.notes_read = _shown(note_files, config, state)
    parsed = _read_notes(note_files, result.notes_read, config, state)
    result.problems += parsed.problems
    result.entries = select_entries(parsed.entries, config)
    result.problems += _group_findings(parsed.entries, config)

    say("loading bibliography")
    index, problems = load_index(config, bibs, state, lookup=False)
    result.problems += problems
    result.problems += index.problems
    if any(p.severity == "error" for p in problems + index.problems):
        return result  # without the bibliography every paper would be "unmatched": noise

    result.problems += _alias_findings(config, index)

    say("matching")
    matches, problems = _match(result.entries, index, config, state)
    result.problems += problems
    stubs: list[BibRecord] = []
    if config.stubs:
        from . import match

        for m in matches:
            if m.status == "unmatched":
                stub = match.make_stub(m.entry)
                m.key, m.method, m.status = stub.key, "stub", "matched"
                m.reason = "no bib entry: citing a generated stub marked as missing"
                result.problems.append(Problem(
                    "warning", f"'{m.entry.title}' is cited through a placeholder entry "
                    f"@misc{{{stub.key}}} (--stubs)", m.entry.source,
                    "add the real entry to your .bib before you submit", "stub"))
                if all(s.key != stub.key for s in stubs):  # one @misc per paper
                    stubs.append(stub)
    result.matches = matches
    result.problems += _match_findings(matches)
    result.problems += _twice_findings(matches)

    say("rendering")
    # from the cache file when this index has none yet: every CLI build, watch's first
    saved = (_load_fragments(config, index, stubs)
             if "render-fragments" not in index.derived else None)
    rendered = section.render_section(matches, index, config, notes=result.notes_read)
    if saved is not None:
        _save_fragments(index, *saved)
    result.problems += rendered.problems
    result.line_map = rendered.line_map
    result.cited_keys = rendered.keys
    bib_text, problems = bib.cited_bib_text(index, result.cited_keys, stubs)
    result.problems += problems

    if config.lint_enabled:
        known = known_words(index)
        result.problems += lint.lint_entries(result.entries, config, known_words=known)

    if write and not result.errors:
        tex_path = config.resolve(config.output_tex)
        bib_path = config.resolve(config.output_bib)
        bib_header = (
            f"% {files.GENERATED_MARK}: the cited entries of "
            f"{', '.join(index.files) or 'no bibliography'}, copied verbatim.\n\n"
        )
        files.write_outputs(
            config.root,
            {tex_path: _with_mark(rendered.text), bib_path: bib_header + bib_text},
            force=force,
            display=config.display,
        )
        result.outputs = [config.display(tex_path), config.display(bib_path)]
    return result


def _shown(paths: Sequence[Path], config: Config, state: BuildState | None) -> list[str]:
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


def _read_notes(note_files: Sequence[Path], shown: Sequence[str], config: Config,
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


def _match(entries: Sequence[Entry], index: BibIndex, config: Config,
           state: BuildState | None) -> tuple[list[Match], list[Problem]]:
    """match.match_entries, with each entry's outcome remembered: in ``state`` (watch: an
    entry of an unchanged note is the same object) or in ``.relwork/cache/matches.pickle``
    (by the entry's full content, for the same relwork code, bib content, aliases and
    accept_review). Only entries not seen before are matched, and only then are the
    matching tables loaded."""
    from . import bib

    setting = (sorted(config.aliases.items()), config.accept_review)
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
                                       accept_review=config.accept_review)
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
            matcher = match.Matcher(index, config.aliases)
            found = matcher.match(entry, accept_review=config.accept_review)
            outcome = (found.key, found.method, found.score, found.status, found.candidates,
                       found.reason)
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


def _load_fragments(config: Config, index: BibIndex, stubs: Sequence[Any]
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


def _save_fragments(index: BibIndex, file: Path, key: str, loaded: frozenset[Any]) -> None:
    """Write the fragments this build used, when they differ from what was loaded."""
    from . import bib

    used = index.derived.get("render-fragments-used", set())
    if used == loaded:
        return
    fragments = index.derived.get("render-fragments", {})
    bib.write_cache_file(file, key, {s: fragments[s] for s in used if s in fragments})


def _with_mark(text: str) -> str:
    if files.GENERATED_MARK in text[:400]:
        return text
    return f"% {files.GENERATED_MARK}\n{text}"


def _group_findings(entries: Sequence[Entry], config: Config) -> list[Problem]:
    """A name in include_groups/exclude_groups that no note has: most likely a typo, and
    with exclude_groups the papers meant to stay out would go into the section."""
    import difflib

    known: dict[str, str] = {}
    for entry in entries:
        for name in (*entry.group, *(entry.meta.get("tags", []) or [])):
            known.setdefault(_norm_group(str(name)), str(name).strip().rstrip(":"))
    found = []
    for attr in ("include_groups", "exclude_groups"):
        for name in getattr(config, attr):
            if _norm_group(name) in known:
                continue
            close = difflib.get_close_matches(_norm_group(name), list(known), n=1)
            hint = (f"did you mean '{known[close[0]]}'?" if close
                    else f"the notes have: {', '.join(sorted(known.values())) or 'no groups'}")
            found.append(Problem(
                "warning", f"{attr.replace('_', ' ').rstrip('s')} '{name}' matches no group "
                "or tag in the notes", config.where(attr), hint, "group"))
    return found


def _twice_findings(matches: Sequence[Match]) -> list[Problem]:
    """One paper summarised in two places is written into the section twice."""
    first: dict[str, Match] = {}
    found = []
    for m in matches:
        if not m.cited or m.key is None:
            continue
        if m.key in first:
            found.append(Problem(
                "warning", f"{m.key} is summarised twice: here and at "
                f"{first[m.key].entry.source}; the section shows both",
                m.entry.source, "merge the two summaries or leave one group out", "twice"))
        else:
            first[m.key] = m
    return found


def _alias_findings(config: Config, index: BibIndex) -> list[Problem]:
    """An alias whose key is not in the bibliography, even if no note uses it yet."""
    import difflib

    found = []
    for name, key in config.aliases.items():
        if key not in index.records:
            close = difflib.get_close_matches(key, list(index.records), n=1)
            found.append(Problem(
                "warning", f"alias '{name}' points to '{key}', which is not in the bibliography",
                config.where("aliases"),
                f"did you mean '{close[0]}'?" if close else "fix the key under 'aliases'",
                "alias",
            ))
    return found


def _match_findings(matches: Sequence[Match]) -> list[Problem]:
    """One warning per entry that is not cited, saying why and what to do."""
    found = []
    for m in matches:
        if m.status == "review":
            # match.ACCEPT_REVIEW_NOTE: only then does --accept-review cite the paper
            acceptable = "--accept-review cites it" in m.reason
            found.append(Problem(
                "warning",
                f"'{m.entry.title}' probably is {m.key} ({m.method}, score {m.score:.0f}); "
                "not cited until accepted",
                m.entry.source,
                "add an alias in relwork.yaml, a [@key] in the note, or use --accept-review"
                if acceptable else f"if it is that paper, add [@{m.key}] to the heading or an "
                "alias in relwork.yaml ('relwork -v check' says why it was not accepted)",
                "review",
            ))
        elif m.status == "unmatched":
            best = ", ".join(c.key for c in m.candidates[:3]) or "none"
            found.append(Problem(
                "warning",
                f"'{m.entry.title}' has no entry in the bibliography (closest: {best}); "
                "left out of the section",
                m.entry.source,
                "add the paper to your .bib, add [@key] to the note's heading, an alias "
                "in relwork.yaml, or use --stubs",
                "unmatched",
            ))
    return found


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
