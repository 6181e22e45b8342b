"""Template entries: one cited match as templates see it (``RenderEntry``), made by the
``EntryBuilder``, which converts note Markdown to LaTeX lazily, cites inline keys, records
problems, and tags every value with its note or bib line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..bib.works import resolve_cite_key
from ..config import Config
from ..ids import family_name, is_valid_key
from ..latex import Latex, LatexText, escape_latex, md_inline_to_latex, md_to_latex
from ..model import BibRecord, Entry, Match, Problem, Source
from ..notes.summary import first_sentence, sentence_ends
from .body import BodyViews, body_line_numbers, body_views, strip_label
from .citer import Citer
from .fields import bib_to_latex, bib_to_text, record_venue, short_venue
from .linetags import BIB_ENTRY, NOTE_ENTRY, NOTE_LINE, LineTags, capitalize


@dataclass
class RenderEntry:
    """One cited paper as templates see it (the ``entry`` of a loop). LaTeX fields are trusted."""

    key: str
    plural: bool
    year: int | None
    group: str
    source: str
    status: str
    method: str
    doi: str
    url: str
    tags: list[str]
    _texts: _EntryTexts = field(repr=False, compare=False)
    _latex: _EntryLatex = field(repr=False, compare=False)

    # Made when a template prints them (a template uses a few; a large section has
    # hundreds of entries): these delegate to _EntryLatex, which caches each value.
    title = property(lambda self: self._latex.title, doc="bib title (else the note's)")
    note_title = property(lambda self: self._latex.note_title, doc="the note's heading")
    authors = property(lambda self: self._latex.authors, doc="bib family names")
    names = property(lambda self: self._latex.names, doc="'Karras et al.'")
    venue = property(lambda self: self._latex.venue, doc="journal, booktitle, ...")
    venue_short = property(lambda self: self._latex.venue_short, doc="'CVPR' or the venue")
    citet = property(lambda self: self._latex.citet, doc="narrative citation")
    citep = property(lambda self: self._latex.citep, doc="parenthetical citation")
    cite = property(lambda self: self._latex.cite, doc="bare \\cite")

    # The note body is converted only when a template prints it (and so only then cited
    # and checked): these delegate to _EntryTexts, which caches each view.
    # The views below are of the entry's summary (cut to the configured budget); ``body``,
    # ``body_prose`` and ``body_points`` are of the whole note (private text left out).
    summary = property(lambda self: self._texts.summary, doc="the summary as written")
    prose = property(lambda self: self._texts.prose, doc="the summary as one paragraph")
    sentence = property(lambda self: self._texts.sentence, doc="prose, capitalised")
    text = property(lambda self: self._texts.text, doc="non-list paragraphs")
    text_before = property(lambda self: self._texts.text_before, doc="text before the list")
    text_after = property(lambda self: self._texts.text_after, doc="text after the list")
    points = property(lambda self: self._texts.points, doc="list items")
    key_idea = property(lambda self: self._texts.key_idea, doc="the summary's first sentence")
    continues = property(lambda self: self._texts.continues, doc="prose starts lower-case")
    body = property(lambda self: self._texts.full.summary, doc="the whole note as written")
    body_prose = property(lambda self: self._texts.full.prose, doc="the whole note as prose")
    body_points = property(lambda self: self._texts.full.points, doc="all the note's items")


@dataclass
class Group:
    """Papers under one heading; ``name`` is "" when the section is not grouped."""

    name: str
    entries: list[RenderEntry]
    #: the entries of papers not listed before (in this group or an earlier one): two notes
    #: about one paper are one paper in a list of titles
    papers: list[RenderEntry] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        """The keys of the group's entries, each once."""
        return list(dict.fromkeys(e.key for e in self.entries))


def is_cited(match: Match) -> bool:
    """Whether the section cites ``match``: matched, or a stub key from the note."""
    if match.key is None:
        return False
    if match.method == "stub":
        return True
    # accept_review is applied by the match stage, which upgrades only the reviews that are
    # safe to accept; what is still "review" is a conflict or a look-alike: never cited
    return match.status == "matched"


def stub_record(match: Match) -> BibRecord:
    """A record for a stub key that is not in the index: names, title, year from the note."""
    entry = match.entry
    authors = [family_name(str(a)) for a in entry.meta.get("authors", []) or []]
    year = entry.meta.get("year")
    return BibRecord(
        key=str(match.key), type="misc", fields={"title": entry.title}, source=entry.source,
        title=entry.title, authors=authors, year=year if isinstance(year, int) else None,
    )


#: First words after which a summary cannot continue "<Authors> ..." as a sentence.
_NOT_VERBS = frozenset(
    "a an the this that these those it its it's they their we our i my he she his her "
    "in on of for to with by from as at about into over under using via based paper "
    "work method approach model authors here there which who what how why when where "
    "not no some many most each every all both one two".split())


#: Verbs a summary starts with, in the form that follows "<Authors> ..." ("propose ...").
_BASE_VERBS = frozenset(
    "propose present introduce learn train use study show extend apply combine replace "
    "generate edit map search predict build design develop improve reduce analyse analyze "
    "describe formulate derive define demonstrate evaluate explore investigate leverage "
    "model estimate optimize optimise adapt augment encode decode compress distill "
    "revisit unify scale".split())
#: Words that follow a verb in -s ("learns an", "edits the"): determiners, pronouns,
#: prepositions and the like, not the verb of a noun subject ("transformers replace").
_VERB_OBJECTS = frozenset(
    "a an the its their his her this that these those to how what whether which new both "
    "each every some several multiple one two three from on with in into over up out away "
    "latent large small deep".split())


class EntryBuilder:
    """Turns matches into template entries, collecting problems and cited keys."""

    def __init__(self, config: Config, citer: Citer, tags: LineTags):
        self.config = config
        self.citer = citer
        self.tags = tags
        self.problems: list[Problem] = []
        self.keys: list[str] = []
        self.key_sources: dict[str, Source] = {}

    def use_key(self, key: str, source: Source) -> None:
        if key not in self.keys:
            self.keys.append(key)
        self.key_sources.setdefault(key, source)

    def inline_cite(self, source: Source) -> Callable[[list[str], str], str]:
        """The md_to_latex callback for one note: checks keys, reports, then cites."""

        def cite(keys: list[str], mode: str, prenote: str = "", postnote: str = "") -> str:
            good = []
            for key in keys:
                if self.citer.index is not None:  # [@doi:...], or a version of a work
                    resolved = resolve_cite_key(self.citer.index, key, self.config.prefer)
                    if resolved.identifier is not None and resolved.key is None:
                        self.problems.append(Problem(
                            "error", f"citation [@{key}] names an identifier that no bib "
                            "entry has", source, f"add the paper with {resolved.identifier.kind}"
                            f" = {{{resolved.identifier.value}}} to your .bib",
                            "render-identifier"))
                        continue
                    key = resolved.key or key
                if not is_valid_key(key):
                    self.problems.append(Problem(
                        "error", f"citation [@{key}] is not a valid BibTeX key", source,
                        "use letters, digits and _:.-+/ only", "render-key"))
                elif key not in self.citer.records:
                    self.problems.append(Problem(
                        "error", f"citation [@{key}] is not in the bibliography", source,
                        "add the entry to your .bib or fix the key", "render-inline"))
                else:
                    good.append(key)
            if not good:
                return escape_latex("[" + "; ".join("@" + k for k in keys) + "]",
                                    self.config.engine)
            for key in good:
                self.use_key(key, source)
            return self.citer.inline(good, mode, prenote, postnote)

        return cite

    def fragment(self, markdown: str, source: Source, cite: Callable[[list[str], str], str],
                 *, paragraph: bool, numbers: Sequence[int] = ()) -> tuple[Latex, str]:
        """Markdown block -> tagged LaTeX (and the untagged text); one paragraph if asked.

        ``numbers[k]`` is the note line of the block's line ``k`` (see body_line_numbers).
        """
        if not markdown.strip():
            return Latex(""), ""
        result = self._convert(markdown, source, cite)
        self.problems += result.problems
        lines = result.text.split("\n")
        sources: list[Source | None] = []
        for src in result.lines:
            k = src.line - source.line
            exact = numbers and src.path == source.path and 0 <= k < len(numbers)
            sources.append(Source(src.path, numbers[k]) if exact else src)
        if paragraph:
            kept = [(ln, sources[i] if i < len(sources) else None)
                    for i, ln in enumerate(lines) if ln.strip()]
            lines, sources = [ln for ln, _ in kept], [s for _, s in kept]
        while lines and not lines[-1].strip():
            lines.pop()
        plain = "\n".join(lines)
        return self.tags.mark(plain, sources, NOTE_LINE, source), plain

    def _convert(self, markdown: str, source: Source, cite: Callable[..., str] | None,
                 *, inline: bool = False) -> LatexText:
        """md_to_latex (md_inline_to_latex when ``inline``), remembered on the bib index:
        a rebuild converts only what changed.

        The conversion depends on the text, its place, the engine, the cite style and the
        index (all in the key); the citation calls are replayed on a hit so that their side
        effects (cited keys, problems) happen as on a fresh conversion.
        """
        convert = md_inline_to_latex if inline else md_to_latex
        macros = tuple(self.config.math_macros)  # the user's preamble macros, allowed in math
        store = getattr(self.citer.index, "memo", None)
        if store is None:
            return convert(markdown, source=source, engine=self.config.engine, cite=cite,
                           math_macros=macros)
        if store.fragments is None:
            store.fragments = {}
        cache = store.fragments
        slot: tuple[Any, ...] = (markdown, source, self.config.engine, self.citer.style)
        if macros:
            slot += (macros,)
        if inline:
            slot += ("inline",)
        store.fragments_used.add(slot)  # what a saved cache keeps
        hit = cache.get(slot)
        if hit is not None:
            for args in hit[1]:
                if cite is not None:
                    cite(*args)
            return hit[0]
        calls: list[tuple[Any, ...]] = []

        def recording(*args: Any) -> str:
            calls.append(args)
            return cite(*args)  # type: ignore[misc]

        result = convert(markdown, source=source, engine=self.config.engine,
                         cite=recording if cite is not None else None, math_macros=macros)
        if len(cache) > 20000:  # bound memory in very long watch sessions
            cache.clear()
        cache[slot] = (result, calls)
        return result

    def entry(self, match: Match, record: BibRecord, group: str) -> RenderEntry:
        entry = match.entry
        key = str(match.key)
        self.use_key(key, entry.source)
        year = record.year if record.year is not None else entry.meta.get("year")
        return RenderEntry(
            key=key,
            plural=len(record.authors) != 1,
            year=year if isinstance(year, int) else None,
            group=group,
            source=str(entry.source),
            status=match.status,
            method=match.method,
            doi=record.doi or "",
            url=record.fields.get("url", ""),
            tags=[str(t) for t in entry.meta.get("tags", []) or []],
            _texts=_EntryTexts(self, summary_entry(entry), full=entry),
            _latex=_EntryLatex(self, entry, key, record),
        )


class _EntryLatex:
    """The LaTeX of one entry's bib fields and citations, each made (and line-tagged) on
    first use."""

    def __init__(self, builder: EntryBuilder, entry: Entry, key: str, record: BibRecord):
        self.builder = builder
        self.entry = entry
        self.key = key
        self.record = record

    def _bib(self, raw: str) -> Latex:
        latex = bib_to_latex(raw, self.builder.config.engine)
        return self.builder.tags.mark(latex, [self.record.source], BIB_ENTRY, None)

    def _at_entry(self, latex: str) -> Latex:
        return self.builder.tags.mark(latex, [self.entry.source], NOTE_ENTRY, None)

    @cached_property
    def _note_title(self) -> LatexText:
        return self.builder._convert(self.entry.title, self.entry.source, None, inline=True)

    @cached_property
    def title(self) -> Latex:
        title_raw = self.record.fields.get("title") or self.record.title
        return self._bib(title_raw) if title_raw else self._at_entry(self._note_title.text)

    @cached_property
    def note_title(self) -> Latex:
        return self._at_entry(self._note_title.text)

    @cached_property
    def authors(self) -> list[Latex]:
        return [self._bib(a) for a in self.record.authors]

    @cached_property
    def names(self) -> Latex:
        return self._at_entry(self.builder.citer.names(self.key))

    @cached_property
    def _venue(self) -> str:
        return record_venue(self.record)

    @cached_property
    def venue(self) -> Latex:
        return self._bib(self._venue)

    @cached_property
    def venue_short(self) -> Latex:
        return self._bib(short_venue(bib_to_text(self._venue)))

    @cached_property
    def citet(self) -> Latex:
        return self._at_entry(self.builder.citer.narrative(self.key))

    @cached_property
    def citep(self) -> Latex:
        return self._at_entry(self.builder.citer.parenthetical(self.key))

    @cached_property
    def cite(self) -> Latex:
        return self._at_entry(self.builder.citer.cite(self.key))


#: A key idea longer than this many words is cut at its first ';' or ':' (a table cell).
KEY_IDEA_WORDS = 25


def main_clause(sentence: str) -> str:
    """A long sentence's part before its first '; ' or ': ' (outside math), as a sentence:
    the key idea of a table row stays short. Short sentences come back unchanged."""
    if len(sentence.split()) <= KEY_IDEA_WORDS:
        return sentence
    for m in re.finditer(r"[;:](?=\s)", sentence):
        head = sentence[: m.start()]
        if head.count("$") % 2 == 0 and len(head.split()) >= 8:
            return head.rstrip() + "."
    return sentence


def summary_entry(entry: Entry) -> Entry:
    """The entry with its summary as its body (the entry itself when it has no summary:
    one made by hand rather than by the notes stage)."""
    if not entry.summary.strip():
        return entry
    return Entry(entry.title, entry.source, entry.group, entry.ids, entry.meta,
                 body=entry.summary, body_line=entry.summary_lines[0] if entry.summary_lines
                 else entry.body_line, body_lines=list(entry.summary_lines))


class _EntryTexts:
    """The LaTeX views of one note body, each made (and its problems recorded) on first use."""

    def __init__(self, builder: EntryBuilder, entry: Entry, full: Entry | None = None):
        self.builder = builder
        self.entry = entry
        self._full = full
        self.numbers = body_line_numbers(entry)
        start = self.numbers[0] if self.numbers else entry.source.line
        self.body_src = Source(entry.source.path, start)
        self.cite = builder.inline_cite(self.body_src)

    def _block(self, markdown: str, *, paragraph: bool) -> tuple[Latex, str]:
        return self.builder.fragment(markdown, self.body_src, self.cite, paragraph=paragraph,
                                     numbers=self.numbers)

    @cached_property
    def views(self) -> BodyViews:
        # remembered on the bib index (as fragments are): a rebuild in watch makes the
        # views of changed entries only; the key holds everything body_views reads
        store = getattr(self.builder.citer.index, "memo", None)
        if store is None:
            return body_views(self.entry)
        entry = self.entry
        cache = store.body_views
        slot = (entry.body, entry.source, entry.body_line, tuple(entry.body_lines),
                tuple((p.source, p.label) for p in entry.points))
        views = cache.get(slot)
        if views is None:
            views = body_views(entry)
            if len(cache) > 20000:  # bound memory in very long watch sessions
                cache.clear()
            cache[slot] = views
        return views

    @cached_property
    def summary(self) -> Latex:
        return self._block(self.entry.body, paragraph=False)[0]

    @cached_property
    def _prose(self) -> tuple[Latex, str]:
        return self._block(self.views.prose, paragraph=True)

    @property
    def prose(self) -> Latex:
        return self._prose[0]

    @cached_property
    def sentence(self) -> Latex:
        return Latex(capitalize(self.prose))

    @cached_property
    def continues(self) -> bool:
        """The prose reads on from the authors' names ("learn an energy-based model"): it
        starts lower case with a word that can be a verb, not "this paper", "the", "it",
        or an -ing form ("modifying the latent space")."""
        words = self._prose[1].split(maxsplit=2)
        if not words or not words[0][:1].isalpha() or not words[0][:1].islower():
            return False
        first = words[0].rstrip(",.;:").lower()
        if first in _NOT_VERBS or first.endswith("ing") or not first.isalpha():
            return False
        if first in _BASE_VERBS:
            return True
        # "learns an energy-based model", "edits the latent space": a verb in -s followed
        # by what a verb takes; not "contrastive learning of ...", "transformers replace ..."
        second = words[1].lower().strip(",.;:") if len(words) > 1 else ""
        return first.endswith("s") and not first.endswith("ss") and second in _VERB_OBJECTS

    @cached_property
    def text(self) -> Latex:
        return self._block(self.views.text, paragraph=True)[0]

    @cached_property
    def text_before(self) -> Latex:
        return self._block(self.views.before, paragraph=True)[0]

    @cached_property
    def text_after(self) -> Latex:
        return self._block(self.views.after, paragraph=True)[0]

    @cached_property
    def points(self) -> list[Latex]:
        entry, builder = self.entry, self.builder
        found = [(p.text, p.source) for p in entry.points] or self.views.points
        labels = {p.source.line: p.label for p in entry.points}
        points = []
        for text_md, src in found:
            md = strip_label(text_md, labels.get(src.line))
            result = builder._convert(md, src, self.cite, inline=True)
            builder.problems += result.problems
            points.append(builder.tags.mark(result.text, [src], NOTE_LINE, src))
        return points

    @cached_property
    def full(self) -> _EntryTexts:
        """The views of the whole note (for custom templates)."""
        if self._full is None or self._full is self.entry:
            return self
        return _EntryTexts(self.builder, self._full)

    @cached_property
    def key_idea(self) -> Latex:
        """The first sentence of the summary (of its first point when it is a list)."""
        views = self.views
        first_point = views.points[0] if views.points and not views.before.strip() else None
        if first_point is not None:
            text_md, src = first_point
            md = main_clause(first_sentence(strip_label(text_md, None)))
            result = self.builder._convert(md, src, self.cite, inline=True)
            self.builder.problems += result.problems
            return self.builder.tags.mark(result.text, [src], NOTE_LINE, src)
        prose = views.prose
        ends = sentence_ends(prose)
        cut = prose[: ends[0]] if ends else prose
        short = main_clause(cut)
        if short == prose.rstrip():
            return self.prose
        return self._block(short, paragraph=True)[0]
