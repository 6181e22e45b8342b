"""What builds keep and reuse: the bib index, note parses, match outcomes and rendered
fragments, in a ``BuildState`` (watch) and in ``.relwork/cache`` (every build)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .infra.cache import CacheFolder, Codec, code_key
from .model import Entry, Match, Problem, Source

if TYPE_CHECKING:
    from .bib import BibIndex
    from .infra.jobs import ForkedJob
    from .lint import LintMemory
    from .notes import NotesResult
    from .section import Rendered

#: The cache files of the build's stages (the bib's own are named by bib.cache).
NOTES_FILE = "notes.json"
MATCHES_FILE = "matches.json"
FRAGMENTS_FILE = "render-fragments.json"
SECTION_FILE = "section.json"
CITED_FILE = "cited-bib.json"


@dataclass
class BuildState:
    """What a long-running process (watch) keeps between builds: the loaded bib index."""

    index: BibIndex | None = None
    bib_stamp: tuple[Any, ...] = ()
    #: last content and parse of each note file (see notes.read_notes)
    notes_cache: dict[Any, Any] = field(default_factory=dict)
    #: match_slot(entry) -> its kept match outcome and problems, for the index and
    #: settings in match_key
    match_cache: dict[Any, tuple[Any, ...]] = field(default_factory=dict)
    match_key: tuple[Any, ...] = ()
    #: id(entry) -> (entry, its match_slot): an entry of an unchanged note file is the
    #: same object, whose slot is not worked out again
    match_slots: dict[int, tuple[Entry, str]] = field(default_factory=dict)
    #: absolute note path -> how it is shown ("" -> the folder it was shown from)
    shown: dict[str, str] = field(default_factory=dict)
    #: the tone check's analyses and hunspell's answers (made by the first build)
    lint_memory: LintMemory | None = None


def _bib_stamp(paths: Sequence[Path]) -> tuple[Any, ...]:
    stamp: list[tuple[str, int | None, int | None]] = []
    for p in paths:
        try:
            st = p.stat()
            stamp.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((str(p), None, None))
    return tuple(stamp)


def cache_folder(config: Config) -> CacheFolder:
    """The cache folder of ``config``'s project, for one build (it collects the notes
    about cache files it ignored: the caller reports them)."""
    return CacheFolder(config.root / ".relwork" / "cache", config.display)


def load_index(
    config: Config, bibs: Sequence[str] | None = None, state: BuildState | None = None,
    *, lookup: bool = True, cache: CacheFolder | None = None,
    background: ForkedJob[bool] | None = None,
) -> tuple[BibIndex, list[Problem]]:
    """The bib index for ``config`` (re-used from ``state`` while the bib files are unchanged).

    With ``lookup`` the matching tables are attached now; else ``_attach_lookup`` must run
    before matching (a build whose matches all come from the cache does not need them).
    Notes about ignored cache files go to ``cache`` (the index's own to its problems)."""
    from . import bib

    cache = cache if cache is not None else cache_folder(config)
    bib_files, problems = bib.collect_bib_files(config, bibs)
    bib_files = with_lookup_bib(config, bib_files)
    stamp = _bib_stamp(bib_files)
    if state is not None and state.index is not None and state.bib_stamp == stamp:
        if lookup:
            _attach_lookup(cache, state.index)
        return state.index, problems
    if background is not None:
        background.result()  # its parses are cached now (or load_bib makes them)
    index = bib.load_bib(bib_files, config)
    if lookup:
        _attach_lookup(cache, index)
    if state is not None:
        state.index, state.bib_stamp = index, stamp
    return index, problems


def start_bib_parse(config: Config, bibs: Sequence[str] | None,
                    state: BuildState | None) -> ForkedJob[bool] | None:
    """Start parsing a large, never parsed bibliography on a second core (see
    ``bib.background``) while the notes are read; ``load_index`` waits for it."""
    if state is not None:
        return None  # watch: the index is kept (and its file watcher runs threads: no fork)
    from . import bib
    from .bib import background

    bib_files, _ = bib.collect_bib_files(config, bibs)
    return background.start(with_lookup_bib(config, bib_files), config)


def with_lookup_bib(config: Config, bib_files: Sequence[Path]) -> list[Path]:
    """``bib_files`` with ``lookup.bib`` (relwork's file of papers found online) last, when
    it exists: read after the user's files, even from inside a bib folder they name."""
    path = config.resolve(config.lookup_bib)
    if not path.is_file():
        return list(bib_files)
    target = path.resolve()
    return [p for p in bib_files if p.resolve() != target] + [path]


def _word_set(data: Any) -> set[str] | None:
    """The known words from their cached list (a value that is not a word only never
    matches one)."""
    if type(data) is list:
        try:
            return set(data)
        except TypeError:  # a list or dict in it
            return None
    return None


def _attach_lookup(cache: CacheFolder, index: BibIndex) -> None:
    """The matching tables of ``index``: from the cache when they were made from the same
    bib content, else made now and cached (~0.5 s for a large bib); once per index."""
    from . import bib, match

    if isinstance(index.memo.lookup, match.Lookup):
        return
    records = list(index.records.values())
    look = bib.read_derived(cache, index, "match-lookup",
                            lambda data: match.lookup_from_data(data, records))
    if look is not None:
        index.memo.lookup = look
    else:
        look = match.lookup_for(index)
        bib.write_derived(cache, index, "match-lookup", match.lookup_data(look))


def shown_paths(paths: Sequence[Path], config: Config, state: BuildState | None) -> list[str]:
    """``config.display`` of each (absolute) path; remembered in ``state`` per current
    folder, the only other thing the result depends on."""
    import os

    if state is None:
        return _displayed(paths, config)
    cwd = os.getcwd()
    memo = state.shown
    if memo.get("") != cwd:
        memo.clear()
        memo[""] = cwd
    missing = [p for p in paths if str(p) not in memo]
    memo.update(zip(map(str, missing), _displayed(missing, config), strict=True))
    return [memo[str(p)] for p in paths]


def _displayed(paths: Sequence[Path], config: Config) -> list[str]:
    """``config.display`` of each path; one below the current folder, absolute and
    normalised (as the notes' paths are), is shown as its part below that folder without
    working it out again for each path."""
    import os

    head = os.path.join(os.getcwd(), "")
    if os.name != "posix" or head == os.sep:
        return [config.display(p) for p in paths]
    shown = []
    for p in paths:
        name = os.fspath(p)
        if name.startswith(head) and os.path.normpath(name) == name:
            shown.append(name[len(head):])
        else:
            shown.append(config.display(p))
    return shown


def read_notes(note_files: Sequence[Path], shown: Sequence[str], config: Config,
                state: BuildState | None, cache: CacheFolder) -> NotesResult:
    """notes.read_notes with its per-file cache (content digest -> parse) kept in ``state``
    and in ``.relwork/cache/notes.json``, so only files whose bytes changed are parsed
    again. The file is keyed by relwork's version and code; a stale one is replaced, an
    untrusted one ignored with a notice in ``cache``."""
    from . import notes
    from .notes import stored

    if state is not None and state.notes_cache:
        return notes.read_notes(note_files, config, cache=state.notes_cache, shown_paths=shown)
    key = code_key()
    found = stored.load_parses(cache, NOTES_FILE, key)
    memo: dict[Any, Any] = {slot: (digest, parsed) for slot, (digest, parsed, _) in found.items()}
    before = dict(memo)
    parsed = notes.read_notes(note_files, config, cache=memo, shown_paths=shown)
    names = set(shown)
    kept = {slot: value for slot, value in memo.items()
            if isinstance(slot, tuple) and slot and slot[0] in names}
    if kept.keys() != before.keys() or any(before[s] is not v for s, v in kept.items()):
        # the line of a parse read from the file is written back as it was: a build after
        # one edit encodes that note's parse only
        lines = {slot: found[slot][2] for slot, value in kept.items()
                 if before.get(slot) is value}
        stored.save_parses(cache, NOTES_FILE, key, kept, lines)
    if state is not None:
        state.notes_cache = kept
    return parsed


def match_entries(entries: Sequence[Entry], index: BibIndex, config: Config,
                  state: BuildState | None, cache: CacheFolder
                  ) -> tuple[list[Match], list[Problem]]:
    """match.match_entries, with each entry's outcome remembered: in ``state`` (watch) and
    in ``.relwork/cache/matches.json``, for the same relwork code, bib content, aliases,
    accept_review, prefer and not_in_bib. An outcome is keyed by what matching reads of
    the entry (``pipeline_matches.match_slot``), so editing a summary's text reuses it;
    the entry's own place (file and line) is put into its problems afresh. Only entries
    not seen before are matched, and only then are the matching tables loaded."""
    from . import pipeline_matches as kept

    setting = (sorted(config.aliases.items()), config.accept_review, tuple(config.prefer),
               tuple(config.not_in_bib))
    if state is not None:
        if not state.match_key or state.match_key[0] is not index \
                or state.match_key[1:] != (setting,):
            state.match_cache, state.match_key = {}, (index, setting)
            state.match_slots = {}
        memo: dict[Any, tuple[Any, ...]] = state.match_cache
        known = state.match_slots
        slots: list[str] = []
        for e in entries:  # an entry of an unchanged note file is the same object
            hit = known.get(id(e))
            slots.append(hit[1] if hit is not None and hit[0] is e else kept.match_slot(e))
        state.match_slots = {id(e): (e, s) for e, s in zip(entries, slots, strict=True)}
    else:
        content = index.content_key
        if not content:
            _attach_lookup(cache, index)
            from . import match

            return match.match_entries(entries, index, aliases=config.aliases,
                                       accept_review=config.accept_review,
                                       prefer=config.prefer, not_in_bib=config.not_in_bib)
        import hashlib

        key = hashlib.blake2b(repr((code_key(), content, setting)).encode(),
                              digest_size=16).hexdigest()
        memo = kept.load_outcomes(cache, MATCHES_FILE, key)
        slots = [kept.match_slot(e) for e in entries]
    fresh = {s: e for e, s in zip(entries, slots, strict=True) if s not in memo}
    if fresh:
        from . import match

        _attach_lookup(cache, index)
        for slot, entry in fresh.items():
            # a matcher of its own, so the entry's problems are all its own (below, a
            # duplicate bib entry is reported once, for the first entry citing it, as
            # match_entries does)
            matcher = match.Matcher(index, config.aliases, prefer=config.prefer,
                                    not_in_bib=config.not_in_bib)
            found = matcher.match(entry, accept_review=config.accept_review)
            memo[slot] = kept.kept_outcome(entry, found, matcher.problems)
    matches: list[Match] = []
    problems: list[Problem] = []
    reported: set[str] = set()
    for entry, slot in zip(entries, slots, strict=True):
        found, found_problems = kept.placed_outcome(entry, memo[slot])
        matches.append(found)
        for problem in found_problems:
            if problem.code == "match-duplicate":
                if problem.key in reported:
                    continue
                reported.add(problem.key)
            problems.append(problem)
    used = {slot: memo[slot] for slot in slots}
    if state is not None:
        state.match_cache = used
    elif fresh or len(used) != len(memo):
        kept.save_outcomes(cache, MATCHES_FILE, key, used)
    return matches, problems


def rendered_section(matches: Sequence[Match], index: BibIndex, config: Config,
                     notes: Sequence[str], stubs: Sequence[Any], cache: CacheFolder,
                     state: BuildState | None) -> Rendered:
    """section.render_section, kept in ``.relwork/cache/section.json`` for exactly its
    inputs: relwork's code (with the built-in templates and the template engine), the
    settings, the bib content, every match with its summary, the notes listed and the
    user's template files. A build whose edit reaches no summary (a private section, a
    TODO line) takes the section from there. Watch renders (its own caches are in memory)."""
    from . import section

    key = _section_key(matches, index, config, notes) if state is None else ""
    codec = _section_codec()
    if key:
        hit = cache.read(SECTION_FILE, "section", key, codec, _section_shape)
        if hit is not None:
            return hit
    # from the cache file when this index has none yet: every CLI build, watch's first
    saved = (load_fragments(config, index, stubs, cache)
             if index.memo.fragments is None else None)
    rendered = section.render_section(matches, index, config, notes=notes)
    if saved is not None:
        save_fragments(index, cache, *saved)
    if key:
        cache.write(SECTION_FILE, "section", key, rendered, codec)
    return rendered


def cited_bib(index: BibIndex, keys: Sequence[str], stubs: Sequence[Any], config: Config,
              cache: CacheFolder, state: BuildState | None
              ) -> tuple[str, list[Problem], list[Problem]]:
    """The cited-only bib text with its problems (bib.cited_bib_text) and the raw TeX
    specials of the cited entries (bib.specials), kept in ``.relwork/cache/cited-bib.json``
    for the same code, bib content, cited keys, stubs and ``bib_drop_fields``: a build
    citing the same papers copies no entry again. Watch keeps its own (on the index)."""
    from . import bib
    from .bib.specials import cited_specials

    key = ""
    codec = Codec((Problem, Source))
    if state is None and index.content_key:
        import hashlib

        key = hashlib.blake2b(repr((code_key(), index.content_key, list(keys), list(stubs),
                                    list(config.bib_drop_fields))).encode(
                                        "utf-8", "surrogatepass"), digest_size=16).hexdigest()
        hit = cache.read(CITED_FILE, "cited-bib", key, codec, _cited_shape)
        if hit is not None:
            return hit[0], hit[1], hit[2]
    text, problems = bib.cited_bib_text(index, keys, stubs, config.bib_drop_fields)
    specials = cited_specials(index, keys)
    if key:
        cache.write(CITED_FILE, "cited-bib", key, [text, problems, specials], codec)
    return text, problems, specials


def _cited_shape(value: Any) -> bool:
    return (type(value) is list and len(value) == 3 and type(value[0]) is str
            and all(type(part) is list and all(isinstance(p, Problem) for p in part)
                    for part in value[1:]))


def _section_key(matches: Sequence[Match], index: BibIndex, config: Config,
                 notes: Sequence[str]) -> str:
    """The digest of everything a render reads ("" when the bib content is unknown)."""
    if not index.content_key:
        return ""
    import hashlib

    from .section import template_files

    digest = hashlib.blake2b(digest_size=16)
    for part in (code_key(), index.content_key, repr(config), repr(list(notes))):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    for m in matches:  # every field of the match and of its summary
        digest.update(repr(m).encode("utf-8", "surrogatepass") + b"\x00")
    for path in template_files(config):
        try:
            digest.update(f"{path}\x00".encode() + path.read_bytes() + b"\x00")
        except OSError:
            return ""
    return digest.hexdigest()


def _section_codec() -> Codec:
    from .model import Package
    from .section import Rendered

    return Codec((Rendered, Source, Problem, Package))


def _section_shape(value: Any) -> bool:
    from .model import Package
    from .section import Rendered

    return (isinstance(value, Rendered) and type(value.text) is str
            and type(value.line_map) is list
            and all(s is None or isinstance(s, Source) for s in value.line_map)
            and type(value.problems) is list
            and all(isinstance(p, Problem) for p in value.problems)
            and type(value.keys) is list and all(type(k) is str for k in value.keys)
            and type(value.packages) is list
            and all(isinstance(p, Package) for p in value.packages))


def load_fragments(config: Config, index: BibIndex, stubs: Sequence[Any], cache: CacheFolder
                   ) -> tuple[str, frozenset[Any]] | None:
    """Seed render's fragment cache (note Markdown -> LaTeX, ``index.memo``) from
    ``.relwork/cache``: valid for the same relwork code, bib content and stub keys, the
    inputs of a conversion besides the text, its place, engine and cite style (its key)."""
    content = index.content_key
    if not content:
        return None
    import hashlib

    parts = [code_key(), str(content), *sorted(str(s.key) for s in stubs)]
    key = hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()
    fragments = cache.read(FRAGMENTS_FILE, "render-fragments", key, _fragments_codec(),
                           _fragments_shape) or {}
    index.memo.fragments = fragments
    index.memo.fragments_used = set()
    return key, frozenset(fragments)


def save_fragments(index: BibIndex, cache: CacheFolder, key: str, loaded: frozenset[Any]
                   ) -> None:
    """Write the fragments this build used, when they differ from what was loaded."""
    used = index.memo.fragments_used
    if used == loaded:
        return
    fragments = index.memo.fragments or {}
    cache.write(FRAGMENTS_FILE, "render-fragments", key,
                {s: fragments[s] for s in used if s in fragments}, _fragments_codec())


def _fragments_codec() -> Codec:
    from .latex.escape import Latex
    from .latex.markdown import LatexText

    return Codec((Latex, LatexText, Source, Problem))


def _fragments_shape(value: Any) -> bool:
    from .latex.markdown import LatexText

    return isinstance(value, dict) and all(
        type(slot) is tuple and len(slot) >= 4 and type(slot[0]) is str
        and isinstance(slot[1], Source) and type(item) is tuple and len(item) == 2
        and isinstance(item[0], LatexText) and isinstance(item[0].text, str)
        and type(item[1]) is list and all(type(call) is tuple for call in item[1])
        for slot, item in value.items())


def known_words(index: BibIndex, cache: CacheFolder | None = None) -> set[str]:
    """Words from bib titles and author names: words the spell check should accept (made
    once per index, kept in ``cache`` for the same bib content: ~0.3 s for a large bib)."""
    words = index.memo.known_words
    if words is None and cache is not None:
        from . import bib

        words = bib.read_derived(cache, index, "known-words", _word_set)
    if words is None:
        words = set()
        for record in index.records.values():
            words.update(w.casefold() for w in record.title.replace("-", " ").split())
            words.update(name.casefold() for name in record.authors)
        if cache is not None:
            from . import bib

            bib.write_derived(cache, index, "known-words", sorted(words))
    index.memo.known_words = words
    return words
