"""The pipeline: notes -> entries -> match -> render -> files. The one place stages meet.

``build`` makes the section; ``compile_preview``, ``sync``, ``make_zip`` and ``lint_notes``
take it (or the notes) on to the next stage. Each returns data; none prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .errors import BuildError, OutputEditedError, OutputWriteError
from .infra import files
from .infra.jobs import ForkedJob, Later, can_fork
from .model import BibRecord, BuildResult, Entry, Match, Problem, Source
from .pipeline_cache import (
    BuildState,
    cache_folder,
    cited_bib,
    known_words,
    load_index,
    match_entries,
    read_notes,
    rendered_section,
    shown_paths,
    start_bib_parse,
)
from .pipeline_findings import (
    alias_findings,
    empty_selection,
    group_findings,
    match_findings,
    select_entries,
    twice_findings,
)

if TYPE_CHECKING:
    from .bib import BibIndex
    from .infra.cache import CacheFolder
    from .overleaf import SyncResult
    from .tex import CompileResult

Progress = Callable[[str], None]


def build(
    config: Config,
    *,
    paths: Sequence[str] | None = None,
    bibs: Sequence[str] | None = None,
    write: bool = False,
    force: bool = False,
    state: BuildState | None = None,
    progress: Progress | None = None,
    allow_empty: bool = False,
    render: bool = True,
) -> BuildResult:
    """Run the whole pipeline for ``config`` and return the section, its bib and findings.

    ``paths``/``bibs`` override the configured notes and bibliographies. The result holds
    the section (``tex``), the cited-only bib (``bib``), the packages the section needs,
    the matches and the problems. Files are written only with ``write``: then the section
    and the bib go atomically to the configured outputs unless the build has errors (the
    previous files stay as they were), and an output edited by hand raises
    ``OutputEditedError`` unless ``force``. ``state`` keeps parses between builds (watch);
    ``progress`` is called with the name of each step. A selection of no papers is an
    error (nothing is written, so a good section is never replaced by an empty one) unless
    ``allow_empty``. With ``render=False`` the build stops after matching (what ``relwork
    check`` shows): no section, no bib, no tone check, nothing written; ``tex`` and ``bib``
    stay empty.
    """
    import gc

    # the bib index is hundreds of thousands of objects without cycles: a collection
    # during the build scans them all (~0.1 s a time); collect after, if ever
    gc_was_enabled = gc.isenabled()
    gc.disable()
    jobs: list[Later[Any] | ForkedJob[Any]] = []  # steps running beside the build
    try:
        return _build(config, paths=paths, bibs=bibs, write=write and render, force=force,
                      state=state, progress=progress, allow_empty=allow_empty,
                      render=render, jobs=jobs)
    finally:
        for job in jobs:  # one whose result was not needed (a failed build) is stopped
            job.wait()
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
    allow_empty: bool = False,
    render: bool = True,
    jobs: list[Any] | None = None,
) -> BuildResult:
    jobs = jobs if jobs is not None else []
    # section and lint only when rendering (check stops before); match only when an
    # entry needs matching
    from . import bib, notes

    say = progress or (lambda _msg: None)
    result = BuildResult()
    cache = cache_folder(config)  # notes about cache files it ignored go to the result

    background = start_bib_parse(config, bibs, state)  # a large new bib: on a second core
    if background is not None:
        jobs.append(background)
    say("reading notes")
    note_files, problems = notes.collect_note_files(config, paths)
    result.problems += problems
    result.notes_read = shown_paths(note_files, config, state)
    parsed = read_notes(note_files, result.notes_read, config, state, cache)
    result.problems += parsed.problems
    result.problems += parsed.dropped  # info: private text left out, shown with -v
    result.entries = select_entries(parsed.entries, config)
    result.problems += group_findings(parsed.entries, config)
    if not result.entries and not allow_empty:
        result.problems.append(empty_selection(config, paths, result.notes_read,
                                                len(parsed.entries)))

    say("loading bibliography")
    index, problems = load_index(config, bibs, state, lookup=False, cache=cache,
                                 background=background)
    result.problems += problems
    result.problems += index.problems
    if any(p.severity == "error" for p in problems + index.problems):
        result.problems += cache.notices
        return result  # without the bibliography every paper would be "unmatched": noise

    result.problems += alias_findings(config, index)
    result.problems += bib.prefer_problems(index, config.prefer, config.where("prefer"))

    # the tone check needs the entries and the bib's words only: it runs beside matching
    # and rendering (an Obsidian link changes an entry's text: then after linking)
    # (or, when papers are looked up online, with the words of the papers found)
    checked: Later[list[Problem]] | ForkedJob[list[Problem]] | None = None
    if render and config.lint_enabled and not (config.lookup and write) \
            and not any("[[" in e.body for e in result.entries):
        checked = _start_tone_check(config, index, cache, state, result.entries,
                                    parsed.texts, jobs)
    say("matching")
    matches, problems = match_entries(result.entries, index, config, state, cache)
    if config.lookup and write:  # a build that writes nothing (check) asks no service
        index, matches, problems = _lookup_missing(config, bibs, state, index, matches,
                                                   problems, result, say, cache)
    result.problems += problems
    stubs: list[BibRecord] = []
    if config.stubs:
        from . import match

        for m in matches:
            if m.status == "unmatched" and not m.not_in_bib:
                stub = match.make_stub(m.entry)
                m.key, m.method, m.status = stub.key, "stub", "matched"
                m.reason = "no bib entry: citing a generated stub marked as missing"
                result.problems.append(Problem(
                    "warning", f"'{m.entry.title}' is cited through a placeholder entry "
                    f"@misc{{{stub.key}}} (--stubs)", m.entry.source,
                    "add the real entry to your .bib before you submit", "stub"))
                if all(s.key != stub.key for s in stubs):  # one @misc per paper
                    stubs.append(stub)
    if any("[[" in m.entry.body for m in matches):  # Obsidian links between notes
        matches, problems = notes.link_matches(matches, index.records, result.notes_read)
        result.problems += problems
        result.entries = [m.entry for m in matches]
    result.matches = matches
    result.problems += match_findings(matches)
    result.problems += twice_findings(matches)
    if not render:  # check: the matches are the output
        result.problems += cache.notices
        return result

    say("rendering")
    if checked is None and config.lint_enabled:  # after the links and the look-up
        checked = _start_tone_check(config, index, cache, state, result.entries,
                                    parsed.texts, jobs)
    rendered = rendered_section(matches, index, config, result.notes_read, stubs, cache, state)
    result.problems += rendered.problems
    result.line_map = rendered.line_map
    result.cited_keys = rendered.keys
    bib_text, problems, specials = cited_bib(index, result.cited_keys, stubs, config, cache,
                                             state)
    result.problems += problems
    result.problems += specials

    if checked is not None:
        result.problems += checked.result()

    result.tex = _with_mark(rendered.text)
    result.bib = (
        f"% {files.GENERATED_MARK}: the cited entries of "
        f"{', '.join(index.files) or 'no bibliography'}, copied verbatim"
        f"{_DROPPED if any(p.code == 'bib-dropped-fields' for p in problems) else ''}."
        f"\n\n{bib_text}"
    )
    result.packages = list(rendered.packages)
    result.problems += cache.notices
    if write and not result.errors:
        tex_path = config.resolve(config.output_tex)
        bib_path = config.resolve(config.output_bib)
        try:
            files.write_outputs(config.root, {tex_path: result.tex, bib_path: result.bib},
                                force=force, display=config.display)
        except (OutputEditedError, OutputWriteError) as exc:
            exc.result = result  # the caller can still report what was built
            raise
        result.outputs = [config.display(tex_path), config.display(bib_path)]
    return result


_DROPPED = " without the fields named in bib_drop_fields"


def _with_mark(text: str) -> str:
    if files.GENERATED_MARK in text[:400]:
        return text
    return f"% {files.GENERATED_MARK}\n{text}"


def compile_preview(
    config: Config, result: BuildResult, *, bibs: Sequence[str] | None = None,
    png: bool = False, verbose: bool = False, progress: Progress | None = None,
) -> CompileResult:
    """Compile a preview PDF (and with ``png`` page images) of the section that
    ``build(config, write=True)`` wrote, mapping LaTeX diagnostics to note lines through
    ``result``. Problems are returned in the result; ``CompileError`` when the TeX tools
    are missing or the outputs cannot be used."""
    from .tex import compile_preview as run_latexmk

    tex_path = config.resolve(config.output_tex)
    index, _ = load_index(config, bibs)  # the same bibliography the build used
    return run_latexmk(
        tex_path, config.resolve(config.output_bib), out_dir=tex_path.parent,
        cite=config.cite, document=config.document, engine=config.engine,
        line_map=result.line_map, bib_index=index, timeout=config.compile_timeout, png=png,
        verbose=verbose, progress=progress, packages=[p.name for p in result.packages],
    )


def _exportable(config: Config, result: BuildResult | None, *, force: bool,
                progress: Progress | None) -> BuildResult:
    """``result``, or a fresh written build; ``BuildError`` when it has errors."""
    if result is None:
        result = build(config, write=True, force=force, progress=progress)
    if result.errors:
        raise BuildError("the build has errors; nothing was exported",
                         hint="fix the errors above and run again")
    return result


def sync(
    config: Config, result: BuildResult | None = None, *, dry_run: bool = False,
    overwrite: bool = False, force: bool = False, progress: Progress | None = None,
) -> SyncResult:
    """Push the section and its bib into the Overleaf project (git bridge) of ``config``.

    ``result`` is a build to push; without it the project is built (and written) first,
    ``force`` overwriting local outputs edited by hand. ``overwrite`` replaces managed
    files edited on Overleaf; ``dry_run`` only computes the diff. Raises ``ConfigError``
    for bad Overleaf paths, ``BuildError`` when the build has errors, ``SyncError`` when
    Overleaf refuses."""
    from . import overleaf

    overleaf.check_paths(config)  # a bad project path is found before building
    result = _exportable(config, result, force=force, progress=progress)
    return overleaf.sync(config, section_text=result.tex, bib_text=result.bib,
                         notes=result.notes_read, dry_run=dry_run, overwrite=overwrite,
                         progress=progress)


def make_zip(config: Config, result: BuildResult | None = None, *,
             force: bool = False) -> Path:
    """Write the Overleaf upload zip for ``result`` (built and written first when None)
    and return its path; errors as for ``sync``."""
    from . import overleaf

    overleaf.check_paths(config)
    result = _exportable(config, result, force=force, progress=None)
    return overleaf.make_zip(config, section_text=result.tex, bib_text=result.bib,
                             cite=config.cite, packages=[p.name for p in result.packages])


@dataclass
class LintReport:
    """What ``lint_notes`` found: the entries the section would contain, the problems met
    finding the note files and reading them, and the lint findings (``info``: notices)."""

    entries: list[Entry]
    file_problems: list[Problem]
    note_problems: list[Problem]
    findings: list[Problem]


def _start_tone_check(config: Config, index: BibIndex, cache: CacheFolder,
                      state: BuildState | None, entries: list[Entry],
                      texts: dict[str, Any], jobs: list[Any]
                      ) -> Later[list[Problem]] | ForkedJob[list[Problem]]:
    """The tone check of ``entries``: started now in a second process where one can be
    forked and it has every file to check (a first CLI build: what it works out is kept
    in its cache files), else run when its result is asked for (watch keeps its memory
    between builds in this process; a build after an edit checks a few files)."""
    from . import lint

    known = known_words(index, cache)  # here: a note about its cache file is this build's
    memory = None
    if state is not None:  # watch: what the check worked out is kept between builds
        memory = state.lint_memory = state.lint_memory or lint.LintMemory()
    words_key = index.content_key or None

    def check() -> list[Problem]:
        return lint.lint_entries(entries, config, known_words=known, texts=texts,
                                 memory=memory, words_key=words_key)

    job: Later[list[Problem]] | ForkedJob[list[Problem]]
    # a process when the check has much to do (no earlier findings kept): starting one
    # costs a build after an edit more than the few files it checks take
    if state is None and can_fork() and not lint.has_kept_results(config.root):
        from .infra.cache import Codec

        codec = Codec((Problem, Source))
        job = ForkedJob(check, codec.dumps, lambda data: _problems(codec, data))
    else:
        job = Later(check)
    jobs.append(job)
    return job


def _problems(codec: Any, data: bytes) -> list[Problem] | None:
    """The problems a tone check in a second process sent, or None if that is not what
    came (then the check runs here)."""
    from .infra.cache import CacheIgnored

    try:
        value = codec.loads(data)
    except CacheIgnored:
        return None
    if type(value) is list and all(isinstance(p, Problem) for p in value):
        return value
    return None


def lint_notes(config: Config, paths: Sequence[str] | None = None) -> LintReport:
    """Lint the text of the entries the section would contain (notes of ``paths``, or of
    the config), accepting the words of the bibliography."""
    from . import lint, notes

    files, problems = notes.collect_note_files(config, paths)
    parsed = notes.read_notes(files, config)
    cache = cache_folder(config)
    index, _ = load_index(config, cache=cache, lookup=False)
    selected = select_entries(parsed.entries, config)
    found = lint.lint_entries(selected, config, known_words=known_words(index, cache),
                              texts=parsed.texts)
    return LintReport(selected, problems + cache.notices, parsed.problems, found)


def _lookup_missing(
    config: Config, bibs: Sequence[str] | None, state: BuildState | None, index: BibIndex,
    matches: list[Match], problems: list[Problem], result: BuildResult, say: Progress,
    cache: CacheFolder,
) -> tuple[BibIndex, list[Match], list[Problem]]:
    """Look the unmatched papers up online (``build --lookup``); when something was written
    to lookup.bib, read the bibliography again and match again, then cite each paper found
    under the key the lookup gave it. Returns the index, matches and match problems to use."""
    from . import lookup

    missing = [m.entry for m in matches if m.status == "unmatched" and not m.not_in_bib]
    requests = _lookup_requests(missing, [m.entry for m in matches if not m.not_in_bib],
                                index, config)
    if not requests:
        return index, matches, problems
    run = lookup.lookup_requests(
        requests, index, config, accept_review=config.accept_review,
        progress=lambda n, total, what: say(f"looking up paper {n} of {total}: {what}"))
    result.lookups = run.outcomes
    result.problems += run.problems
    if run.written:
        index, _ = load_index(config, bibs, state, lookup=False, cache=cache)  # with lookup.bib
        matches, problems = match_entries(result.entries, index, config, state, cache)
    # the outcomes of the identifier citations follow: they cite through the re-read bib
    outcomes = {id(entry): o for entry, o in zip(missing, run.outcomes, strict=False)}
    for m in matches:
        found = outcomes.get(id(m.entry))
        if (found is None or m.cited or found.key is None or found.key not in index.records
                or found.status not in ("found", "in-bib")):
            continue
        m.key, m.status, m.score, m.candidates = found.key, "matched", 100.0, []
        m.method = "doi" if found.kind == "doi" else "arxiv" if found.kind == "arxiv" \
            else "title"
        m.reason = f"found online: {found.reason}"
    return index, matches, problems


def lookup_papers(config: Config, paths: Sequence[str] | None = None,
                  bibs: Sequence[str] | None = None, *, progress: Progress | None = None,
                  on_paper: Callable[[int, int, str], None] | None = None,
                  ) -> tuple[list[Entry], Any, list[Problem]]:
    """``relwork lookup``: the entries of the notes that match nothing in the bibliography,
    looked up online and written to lookup.bib. Returns the entries selected, the
    ``lookup.LookupRun`` and the problems met reading notes and bib."""
    from . import lookup, notes

    say = progress or (lambda _msg: None)
    say("reading notes")
    note_files, problems = notes.collect_note_files(config, paths)
    parsed = notes.read_notes(note_files, config)
    problems += parsed.problems
    entries = select_entries(parsed.entries, config)
    say("loading bibliography")
    cache = cache_folder(config)
    index, found = load_index(config, bibs, cache=cache)
    problems += found + index.problems + cache.notices
    if any(p.severity == "error" for p in found + index.problems):
        return entries, lookup.LookupRun(), problems
    say("matching")
    matches, _ = match_entries(entries, index, config, None, cache)
    missing = [m.entry for m in matches if m.status == "unmatched" and not m.not_in_bib]
    requests = _lookup_requests(missing, [m.entry for m in matches if not m.not_in_bib],
                                index, config)
    run = lookup.lookup_requests(requests, index, config, accept_review=config.accept_review,
                                 progress=on_paper)
    return entries, run, problems


def _lookup_requests(missing: Sequence[Entry], entries: Sequence[Entry], index: BibIndex,
                     config: Config) -> list[Any]:
    """What to look up online: each of the ``missing`` entries, then each ``[@doi:...]`` or
    ``[@arxiv:...]`` citation of ``entries`` that no bib entry carries (once)."""
    from . import bib, lookup

    requests = [lookup.request_for(entry) for entry in missing]
    citations = bib.missing_identifiers(entries, index, config.prefer)
    return requests + lookup.identifier_requests(citations, requests)
