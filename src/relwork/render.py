"""Matches + bibliography -> the LaTeX Related Work section, through a Jinja2 template.

Templates use LaTeX-friendly delimiters (``((* block *))``, ``((( value )))``,
``((= comment =))``), run in a sandbox (they come from users' folders), and every printed
value is LaTeX-escaped unless it is trusted LaTeX (``latex.Latex`` or pylatex ``NoEscape``).
Each output line is mapped back to the note line it came from (``Rendered.line_map``).
"""

from __future__ import annotations

import difflib
import os
import re
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Protocol

from .config import Config
from .errors import TemplateError
from .ids import family_name, is_valid_key
from .latex import Latex, LatexText, escape_latex, md_inline_to_latex, md_to_latex
from .model import BibRecord, Entry, Match, Problem, Source
from .text import latex_to_text

#: Folder of the built-in templates shipped in the package.
BUILTIN_DIR = Path(__file__).parent / "templates"
SUFFIX = ".tex.j2"

#: cite style -> (narrative, parenthetical, bare) command; plain builds the narrative itself.
CITE_COMMANDS: dict[str, tuple[str, str, str]] = {
    "natbib": ("\\citet", "\\citep", "\\cite"),
    "biblatex": ("\\textcite", "\\parencite", "\\cite"),
    "plain": ("\\cite", "\\cite", "\\cite"),
}
CITE_PACKAGES: dict[str, tuple[str, ...]] = {
    "natbib": ("natbib",),
    "biblatex": ("biblatex",),
    "plain": (),
}
#: section level -> (heading command, command for group headings below it)
LEVELS: dict[str, tuple[str, str]] = {
    "section": ("\\section", "\\subsection"),
    "subsection": ("\\subsection", "\\subsubsection"),
    "subsubsection": ("\\subsubsection", "\\paragraph"),
    "none": ("", "\\subsection"),
}
LABEL_RE = re.compile(r"[A-Za-z0-9_:.\-+/]+")
OTHER_GROUP = "Other"


class IndexLike(Protocol):
    """What rendering needs from ``bib.BibIndex``: records by key."""

    @property
    def records(self) -> Mapping[str, BibRecord]: ...


@dataclass
class Rendered:
    """The section text, the note line behind each output line, and what went wrong.

    ``line_map[i]`` is the Source of output line ``i + 1`` (None for template boilerplate).
    ``keys`` lists every key cited (entries and inline ``[@key]``), in order of first use;
    ``packages`` the LaTeX packages the preamble must load for this output.
    """

    text: str
    line_map: list[Source | None]
    problems: list[Problem] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TemplateInfo:
    """A template found by name: built-in or from one of ``config.template_dirs``."""

    name: str
    description: str
    path: Path
    builtin: bool = True
    requires: tuple[str, ...] = ()


# --------------------------------------------------------------------------- template context


@dataclass
class SectionInfo:
    """The ``section`` variable: heading text, level, label and ready-made LaTeX."""

    title: str
    level: str
    label: Latex
    command: Latex
    heading: Latex
    group_command: Latex


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
    summary = property(lambda self: self._texts.summary, doc="the body as written")
    prose = property(lambda self: self._texts.prose, doc="the body as one paragraph")
    sentence = property(lambda self: self._texts.sentence, doc="prose, capitalised")
    text = property(lambda self: self._texts.text, doc="non-list paragraphs")
    text_before = property(lambda self: self._texts.text_before, doc="text before the list")
    text_after = property(lambda self: self._texts.text_after, doc="text after the list")
    points = property(lambda self: self._texts.points, doc="list items")
    key_idea = property(lambda self: self._texts.key_idea, doc="first point, or prose")
    continues = property(lambda self: self._texts.continues, doc="prose starts lower-case")


@dataclass
class Group:
    """Papers under one heading; ``name`` is "" when the section is not grouped."""

    name: str
    entries: list[RenderEntry]

    @property
    def keys(self) -> list[str]:
        return [e.key for e in self.entries]


# --------------------------------------------------------------------------- line tags

_TAG_RE = re.compile("\ue000([\ue010-\ue019]+)\ue001")
_STRAY_RE = re.compile("[\ue000-\ue01f]")
_TO_TAG_DIGITS = str.maketrans("0123456789", "".join(chr(0xE010 + d) for d in range(10)))
_FROM_TAG_DIGITS = {v: k for k, v in _TO_TAG_DIGITS.items()}
#: Tag priorities: a line with several tags maps to the most specific one.
NOTE_LINE, NOTE_ENTRY, BIB_ENTRY = 0, 1, 2


class _LineTags:
    """Invisible private-use markers that carry a Source through template rendering."""

    def __init__(self) -> None:
        self.sources: list[tuple[int, Source]] = []

    def tag(self, source: Source, priority: int) -> str:
        self.sources.append((priority, source))
        return f"\ue000{str(len(self.sources) - 1).translate(_TO_TAG_DIGITS)}\ue001"

    def mark(self, text: str, lines: Sequence[Source | None], priority: int,
             fallback: Source | None) -> Latex:
        """Prefix each non-blank line of ``text`` with the tag of its Source."""
        if _STRAY_RE.search(text):
            text = _STRAY_RE.sub("", text)
        if "\n" not in text:  # most values are one line (names, titles, citations)
            src = lines[0] if lines and lines[0] is not None else fallback
            return Latex(self.tag(src, priority) + text if src and text.strip() else text)
        out = []
        for i, line in enumerate(text.split("\n")):
            src = lines[i] if i < len(lines) and lines[i] is not None else fallback
            out.append(self.tag(src, priority) + line if line.strip() and src else line)
        return Latex("\n".join(out))

    def untag(self, text: str) -> tuple[list[str], list[Source | None]]:
        """Strip the tags; per line, the Source of its best tag (None when untagged)."""
        lines: list[str] = []
        sources: list[Source | None] = []
        for line in text.split("\n"):
            best: tuple[int, Source] | None = None
            for m in _TAG_RE.finditer(line):
                idx = int(m.group(1).translate(_FROM_TAG_DIGITS))
                cand = self.sources[idx]
                if best is None or cand[0] < best[0]:
                    best = cand
            lines.append(_STRAY_RE.sub("", _TAG_RE.sub("", line)).rstrip())
            sources.append(best[1] if best else None)
        return lines, sources


# --------------------------------------------------------------------------- BibTeX text


@lru_cache(maxsize=4096)
def bib_to_text(raw: str) -> str:
    """BibTeX field text (braces, accents, macros) -> plain Unicode on one line."""
    return " ".join(latex_to_text(raw).replace("\u00a0", " ").split())


@lru_cache(maxsize=4096)
def bib_to_latex(raw: str, engine: str = "pdflatex") -> Latex:
    """BibTeX field text -> LaTeX that is safe to print (decoded, then escaped)."""
    return Latex(escape_latex(bib_to_text(raw), engine))


def _sort_text(text: str) -> str:
    """Plain lower-case ASCII-ish text for sorting (accents dropped)."""
    decomposed = unicodedata.normalize("NFKD", bib_to_text(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --------------------------------------------------------------------------- citations


class Citer:
    """Citation LaTeX for one cite style (natbib, biblatex or plain) and one bibliography.

    ``narrative(keys)`` gives "Karras et al. (2019)"-style citations, ``parenthetical(keys)``
    bracketed ones, ``cite(keys)`` a bare \\cite; several keys share one command. For the
    plain style the narrative names come from the bib authors. ``inline`` is the callback
    for ``latex.md_to_latex(cite=...)``. Keys that are not BibTeX-safe raise ``ValueError``.
    """

    def __init__(self, style: str, index: IndexLike | None = None, *,
                 engine: str = "pdflatex", extra: Mapping[str, BibRecord] | None = None):
        if style not in CITE_COMMANDS:
            raise TemplateError(f"unknown cite style '{style}'",
                                hint=f"use one of: {', '.join(CITE_COMMANDS)}")
        self.style = style
        self.engine = engine
        self.index = index
        self.records: dict[str, BibRecord] = dict(index.records) if index is not None else {}
        self.records.update(extra or {})

    def _keys(self, keys: str | Iterable[str]) -> list[str]:
        items = [keys] if isinstance(keys, str) else list(keys)
        out: list[str] = []
        for key in items:
            key = str(key).strip()
            if not is_valid_key(key):
                raise ValueError(f"citation key {key!r} is not BibTeX-safe")
            if key not in out:
                out.append(key)
        if not out:
            raise ValueError("no citation key given")
        return out

    def _command(self, which: int, keys: list[str], prenote: str = "",
                 postnote: str = "") -> Latex:
        """``\\cmd[pre][post]{keys}``; notes are trusted LaTeX (escaped by the caller)."""
        command = CITE_COMMANDS[self.style][which]
        lead = ""
        if prenote and self.style == "plain":  # \cite has no prenote argument
            lead, prenote = f"{prenote} ", ""
        if prenote:
            command += f"[{prenote}][{postnote}]"
        elif postnote:
            command += f"[{postnote}]"
        return Latex(f"{lead}{command}{{{','.join(keys)}}}")

    def names(self, key: str) -> Latex:
        """'Karras', 'Karras and Laine' or 'Karras et al.' from the bib authors ('' if none)."""
        record = self.records.get(key)
        authors = [bib_to_latex(a, self.engine) for a in (record.authors if record else [])]
        authors = [a for a in authors if a]
        if not authors:
            return Latex("")
        if len(authors) == 1:
            return authors[0]
        if len(authors) == 2:
            return Latex(f"{authors[0]} and {authors[1]}")
        return Latex(f"{authors[0]} et al.")

    def narrative(self, keys: str | Iterable[str]) -> Latex:
        """Citation used as a sentence's subject: \\citet / \\textcite / 'Names~\\cite'."""
        found = self._keys(keys)
        return self._command(0, found) if self.style != "plain" else self._plain(found)

    def _plain(self, keys: list[str], postnote: str = "") -> Latex:
        """'Karras et al.~\\cite{a} and Vahdat et al.~\\cite{b}' (postnote on the last)."""
        parts = []
        for i, key in enumerate(keys):
            names = self.names(key)
            cite = self._command(0, [key], "", postnote if i == len(keys) - 1 else "")
            parts.append(f"{names}~{cite}" if names else cite)
        if len(parts) == 1:
            return Latex(parts[0])
        return Latex(", ".join(parts[:-1]) + " and " + parts[-1])

    def parenthetical(self, keys: str | Iterable[str]) -> Latex:
        """Citation in brackets: \\citep / \\parencite / \\cite, one command for all keys."""
        return self._command(1, self._keys(keys))

    def cite(self, keys: str | Iterable[str]) -> Latex:
        """A bare \\cite{...} for all keys."""
        return self._command(2, self._keys(keys))

    def inline(self, keys: list[str], mode: str, prenote: str = "", postnote: str = "") -> str:
        """Callback for ``md_to_latex``: mode "t" narrative, anything else parenthetical.

        ``prenote``/``postnote`` ("see", "p. 3") arrive escaped from ``md_to_latex``.
        """
        found = self._keys(keys)
        if mode != "t":
            return self._command(1, found, prenote, postnote)
        if self.style != "plain":
            return self._command(0, found, prenote, postnote)
        text = self._plain(found, postnote)
        return Latex(f"{prenote} {text}") if prenote else text


# --------------------------------------------------------------------------- templates


def _template_dirs(config: Config) -> list[Path]:
    return [config.resolve(d) for d in config.template_dirs]


def _read_header(path: Path) -> tuple[str, tuple[str, ...]]:
    """The ``description:`` and ``requires:`` comments at the top of a template."""
    description = ""
    requires: tuple[str, ...] = ()
    try:
        head = path.read_text(encoding="utf-8").splitlines()[:5]
    except (OSError, UnicodeDecodeError):
        return "(unreadable)", ()
    for line in head:
        m = re.match(r"\s*\(\(=\s*(description|requires)\s*:(.*?)=\)\)", line)
        if m and m.group(1) == "description":
            description = m.group(2).strip()
        elif m:
            requires = tuple(p.strip() for p in m.group(2).split(",") if p.strip())
    return description, requires


def list_templates(config: Config) -> list[TemplateInfo]:
    """Templates by name: the user's folders first, then built-ins they do not override."""
    found: dict[str, TemplateInfo] = {}
    sources = [(d, False) for d in _template_dirs(config)] + [(BUILTIN_DIR, True)]
    for folder, builtin in sources:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{SUFFIX}")):
            name = path.name[: -len(SUFFIX)]
            if name not in found:
                description, requires = _read_header(path)
                found[name] = TemplateInfo(name, description, path, builtin, requires)
    return sorted(found.values(), key=lambda t: t.name)


def _is_path(name: str) -> bool:
    return name.endswith(SUFFIX) or "/" in name or os.sep in name


def _template_setting(config: Config, name: str) -> Source | None:
    """Where ``template`` was set in relwork.yaml, when ``name`` is that setting (None when
    a flag set it, or the name came from elsewhere, e.g. 'relwork templates --show')."""
    where = config.where("template")
    if name != config.template or where is None:
        return None
    return where if config.origins.get("template") == str(where) else None


def find_template(name: str, config: Config) -> TemplateInfo:
    """The template ``name`` (a name or a path to a .tex.j2 file) or a TemplateError."""
    if _is_path(name):
        path = Path(name).expanduser()
        if not path.is_file():
            path = config.resolve(name)
        if not path.is_file():
            raise TemplateError(
                f"template file not found: {name}",
                source=_template_setting(config, name),
                hint="give an existing .tex.j2 file or a name from 'relwork templates'",
            )
        description, requires = _read_header(path)
        stem = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem
        return TemplateInfo(stem, description, path.resolve(), False, requires)
    known = list_templates(config)
    for info in known:
        if info.name == name:
            return info
    raise TemplateError(
        f"unknown template '{name}'",
        source=_template_setting(config, name),
        hint=f"known templates: {', '.join(t.name for t in known)}; or give a path to a "
        f"{SUFFIX} file (see 'relwork templates')",
    )


def template_text(name: str, config: Config) -> str:
    """The source of template ``name`` (for ``relwork templates --show``)."""
    return find_template(name, config).path.read_text(encoding="utf-8")


def _is_trusted(value: object) -> bool:
    if isinstance(value, Latex):
        return True
    # pylatex NoEscape, recognised without importing pylatex (a heavy import)
    return any(c.__name__ == "NoEscape" and c.__module__.startswith("pylatex")
               for c in type(value).__mro__)


def make_environment(config: Config, extra_dirs: Sequence[Path] = ()) -> Any:
    """The sandboxed Jinja2 environment: LaTeX delimiters, strict, escaping every value.

    Search order: ``extra_dirs`` (a template file's own folder), ``config.template_dirs``,
    the built-ins; built-ins stay reachable as ``builtin/NAME.tex.j2`` for ``extends``.
    """
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    engine = config.engine

    def finalize(value: object) -> str:
        if value is None:
            return ""
        if _is_trusted(value):
            return str(value)
        if isinstance(value, (bool, int, float)):
            return str(value)
        # everything else is text from notes, bib or config: never trusted LaTeX
        return escape_latex(str(value), engine)

    def join(items: Iterable[object], separator: str = "") -> Latex:
        """Like Jinja's join, but escapes untrusted items and keeps trusted ones."""
        return Latex(str(separator).join(finalize(item) for item in items))

    dirs = [str(d) for d in (*extra_dirs, *_template_dirs(config)) if d.is_dir()]
    builtin = FileSystemLoader(str(BUILTIN_DIR))
    loader = ChoiceLoader([FileSystemLoader(dirs), builtin, PrefixLoader({"builtin": builtin})])
    env = SandboxedEnvironment(
        loader=loader,
        block_start_string="((*",
        block_end_string="*))",
        variable_start_string="(((",
        variable_end_string=")))",
        comment_start_string="((=",
        comment_end_string="=))",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        undefined=StrictUndefined,
        finalize=finalize,
    )
    def indent(value: object, width: int = 4, first: bool = False) -> Latex:
        """Like Jinja's indent, for LaTeX: continuation lines get ``width`` spaces."""
        lines = finalize(value).split("\n")
        pad = " " * int(width)
        body = [lines[0] if not first else pad + lines[0]]
        body += [pad + line if line.strip() else line for line in lines[1:]]
        return Latex("\n".join(body))

    env.filters["join"] = join
    env.filters["indent"] = indent
    env.filters["latex"] = lambda value: Latex(finalize(value))
    return env


_ENVIRONMENTS: dict[tuple[str, tuple[str, ...]], Any] = {}


def _environment(config: Config, extra_dirs: Sequence[Path]) -> Any:
    """make_environment, kept per engine when only the built-in templates can be loaded
    (files of the package), so a rebuild in the same process does not compile its template
    again. With user folders a new one is made each time: a template edited twice within the
    file system's mtime resolution would look unchanged to Jinja2's reload check."""
    dirs = tuple(str(d) for d in (*extra_dirs, *_template_dirs(config)) if d.is_dir())
    if dirs:
        return make_environment(config, extra_dirs)
    slot = (config.engine, dirs)
    env = _ENVIRONMENTS.get(slot)
    if env is None:
        if len(_ENVIRONMENTS) > 8:
            _ENVIRONMENTS.clear()
        env = _ENVIRONMENTS[slot] = make_environment(config, extra_dirs)
    return env


def _template_error(exc: BaseException, info: TemplateInfo, config: Config) -> TemplateError:
    """A Jinja2 or helper exception -> TemplateError naming the template file:line."""
    from jinja2 import TemplateSyntaxError

    shown = (f"built-in template {info.path.name}" if info.builtin
             else config.display(info.path))
    line = 0
    if isinstance(exc, TemplateSyntaxError):
        line = exc.lineno or 0
        if exc.filename and not exc.filename.endswith(info.path.name):
            shown = config.display(exc.filename)
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.endswith(SUFFIX)]
        if frames:
            line = frames[-1].lineno or 0
            if not frames[-1].filename.endswith(info.path.name):
                shown = config.display(frames[-1].filename)
    message = getattr(exc, "message", None) or str(exc)
    hint = ("fix the template (the README lists the variables it can use) "
            "or pick another with --template")
    missing = re.search(r"has no attribute '(\w+)'|'(\w+)' is undefined", message)
    if missing:
        close = difflib.get_close_matches(missing.group(1) or missing.group(2),
                                          _TEMPLATE_NAMES, n=1)
        if close:
            hint = f"did you mean '{close[0]}'? " + hint
    return TemplateError(f"template '{info.name}' failed: {message}",
                         source=Source(shown, line), hint=hint)


#: Names a template can use (for "did you mean" hints).
_TEMPLATE_NAMES = sorted(
    {f.name for f in fields(RenderEntry) if not f.name.startswith("_")}
    | {n for n, v in vars(RenderEntry).items() if isinstance(v, property)}
    | {f.name for f in fields(SectionInfo)} | {"name", "entries", "keys", "groups", "section",
                                               "cite", "citet", "citep", "cite_style",
                                               "engine", "template"})


# --------------------------------------------------------------------------- note bodies

_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:\s+|$)")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def _classify(lines: Sequence[str]) -> list[str]:
    """Per body line: 'item' (starts a list item), 'cont' (continues one), 'text', 'blank'."""
    kinds: list[str] = []
    in_item = after_blank = False
    for line in lines:
        if not line.strip():
            kinds.append("blank")
            after_blank = True
            continue
        if _ITEM_RE.match(line):
            kinds.append("item")
            in_item = True
        elif in_item and (not after_blank or line.startswith((" ", "\t"))):
            kinds.append("cont")
        else:
            kinds.append("text")
            in_item = False
        after_blank = False
    return kinds


def _strip_label(text: str, label: str | None) -> str:
    """'Description: text' -> 'text' when the note marked 'Description' as the item's label."""
    if not label:
        return text
    pattern = rf"^\s*(\*\*|__)?{re.escape(label)}(\*\*|__)?\s*:(\*\*|__)?\s*"
    return re.sub(pattern, "", text, count=1, flags=re.IGNORECASE)


def _end_sentence(line: str) -> str:
    """Add a full stop to a list item that runs into the next one in prose."""
    stripped = line.rstrip()
    return stripped + "." if stripped and (stripped[-1].isalnum() or stripped[-1] in ")*_`") \
        else stripped


@dataclass
class _BodyViews:
    prose: str  # the whole body as one paragraph (list markers and labels removed)
    text: str  # only the non-list paragraphs
    before: str  # the non-list paragraphs before the first list item
    after: str  # ... and after it
    points: list[tuple[str, Source]]


def body_line_numbers(entry: Entry) -> list[int]:
    """The 1-based note line of each line of ``entry.body``.

    Private text and metadata bullets are cut out of the body, so ``body_line + i`` can
    drift: use ``entry.body_lines`` when the notes reader gave them, else anchor each list
    item on its point's own line and count on from there.
    """
    lines = entry.body.split("\n")
    if len(entry.body_lines) == len(lines):
        return list(entry.body_lines)
    numbers = [(entry.body_line or entry.source.line + 1) + i for i in range(len(lines))]
    items = [i for i, kind in enumerate(_classify(lines)) if kind == "item"]
    if entry.points and len(items) == len(entry.points):
        anchors = dict(zip(items, (p.source.line for p in entry.points), strict=True))
        for i in range(len(lines)):
            if i in anchors:
                numbers[i] = anchors[i]
            elif i > 0:
                numbers[i] = numbers[i - 1] + 1
    return numbers


def _body_views(entry: Entry) -> _BodyViews:
    """Markdown views of a note body that keep one line per note line (for the line map)."""
    lines = entry.body.split("\n")
    numbers = body_line_numbers(entry)
    labels = {p.source.line: p.label for p in entry.points if p.label}
    kinds = _classify(lines)
    fenced = any(_FENCE_RE.match(line) for line in lines)
    prose: list[str] = []
    text: list[str] = []
    derived: list[tuple[list[str], Source]] = []
    for i, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        number = numbers[i]
        if kind == "item":
            body = _strip_label(_ITEM_RE.sub("", line, count=1), labels.get(number))
            derived.append(([body.strip()], Source(entry.source.path, number)))
            before = next((p.rstrip() for p in reversed(prose) if p.strip()), "")
            if not fenced and before.endswith((".", "!", "?")):
                body = body[:1].upper() + body[1:]  # the item now starts a sentence
        elif kind == "cont":
            body = line.strip()
            if derived:
                derived[-1][0].append(body)
        else:
            body = line if fenced else line.strip()
        if kind in ("item", "cont") and not fenced:
            if i + 1 >= len(kinds) or kinds[i + 1] != "cont":
                body = _end_sentence(body)
            prose.append(body)
            text.append("")
        else:
            prose.append(line if fenced else body)
            text.append(line if fenced else body)
    points = [(" ".join(parts), src) for parts, src in derived]
    first = kinds.index("item") if "item" in kinds else len(kinds)
    head = [line if i < first else "" for i, line in enumerate(text)]
    tail = [line if i >= first else "" for i, line in enumerate(text)]
    return _BodyViews("\n".join(prose), "\n".join(text), "\n".join(head), "\n".join(tail),
                      points)


def _capitalize(latex: str) -> str:
    """Upper-case the first letter of (tagged) LaTeX text that starts with a plain letter."""
    m = re.match(r"(\s*(?:\ue000[\ue010-\ue019]+\ue001)*\s*)(.)", latex)
    if m and m.group(2).isalpha() and m.group(2).islower():
        return latex[: m.start(2)] + m.group(2).upper() + latex[m.end(2):]
    return latex


# --------------------------------------------------------------------------- building entries


def _is_cited(match: Match, config: Config) -> bool:
    if match.key is None:
        return False
    if match.method == "stub":
        return True
    # accept_review is applied by the match stage, which upgrades only the reviews that are
    # safe to accept; what is still "review" is a conflict or a look-alike: never cited
    return match.status == "matched"


def _stub_record(match: Match) -> BibRecord:
    """A record for a stub key that is not in the index: names, title, year from the note."""
    entry = match.entry
    authors = [family_name(str(a)) for a in entry.meta.get("authors", []) or []]
    year = entry.meta.get("year")
    return BibRecord(
        key=str(match.key), type="misc", fields={"title": entry.title}, source=entry.source,
        title=entry.title, authors=authors, year=year if isinstance(year, int) else None,
    )


def _venue(record: BibRecord) -> str:
    fields = {k.lower(): v for k, v in record.fields.items()}
    for name in ("journal", "journaltitle", "booktitle", "howpublished", "school",
                 "institution", "publisher"):
        if fields.get(name):
            return fields[name]
    if record.arxiv or fields.get("archiveprefix", "").lower() == "arxiv":
        return "arXiv"
    return ""


def _short_venue(venue: str) -> str:
    """'Proceedings of ... Recognition (CVPR)' -> 'CVPR'; 'arXiv preprint arXiv:1312.6114'
    -> 'arXiv'; otherwise the venue itself."""
    m = re.search(r"\(([A-Za-z][A-Za-z0-9&/\- ]{1,15})\)\s*$", venue)
    if m:
        return m.group(1)
    if re.search(r"\barxiv\b|^corr$", venue.strip(), re.I):
        return "arXiv"  # a preprint: its number is in the bibliography, not the table
    return venue


#: First words after which a summary cannot continue "<Authors> ..." as a sentence.
_NOT_VERBS = frozenset(
    "a an the this that these those it its it's they their we our i my he she his her "
    "in on of for to with by from as at about into over under using via based paper "
    "work method approach model authors here there which who what how why when where "
    "not no some many most each every all both one two".split())


class _Builder:
    """Turns matches into template entries, collecting problems and cited keys."""

    def __init__(self, config: Config, citer: Citer, tags: _LineTags):
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
        store = getattr(self.citer.index, "derived", None)
        if store is None:
            return convert(markdown, source=source, engine=self.config.engine, cite=cite,
                           math_macros=macros)
        cache = store.setdefault("render-fragments", {})
        slot: tuple[Any, ...] = (markdown, source, self.config.engine, self.citer.style)
        if macros:
            slot += (macros,)
        if inline:
            slot += ("inline",)
        store.setdefault("render-fragments-used", set()).add(slot)  # what a saved cache keeps
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
            _texts=_EntryTexts(self, entry),
            _latex=_EntryLatex(self, entry, key, record),
        )


class _EntryLatex:
    """The LaTeX of one entry's bib fields and citations, each made (and line-tagged) on
    first use."""

    def __init__(self, builder: _Builder, entry: Entry, key: str, record: BibRecord):
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
        return _venue(self.record)

    @cached_property
    def venue(self) -> Latex:
        return self._bib(self._venue)

    @cached_property
    def venue_short(self) -> Latex:
        return self._bib(_short_venue(bib_to_text(self._venue)))

    @cached_property
    def citet(self) -> Latex:
        return self._at_entry(self.builder.citer.narrative(self.key))

    @cached_property
    def citep(self) -> Latex:
        return self._at_entry(self.builder.citer.parenthetical(self.key))

    @cached_property
    def cite(self) -> Latex:
        return self._at_entry(self.builder.citer.cite(self.key))


class _EntryTexts:
    """The LaTeX views of one note body, each made (and its problems recorded) on first use."""

    def __init__(self, builder: _Builder, entry: Entry):
        self.builder = builder
        self.entry = entry
        self.numbers = body_line_numbers(entry)
        start = self.numbers[0] if self.numbers else entry.source.line
        self.body_src = Source(entry.source.path, start)
        self.cite = builder.inline_cite(self.body_src)

    def _block(self, markdown: str, *, paragraph: bool) -> tuple[Latex, str]:
        return self.builder.fragment(markdown, self.body_src, self.cite, paragraph=paragraph,
                                     numbers=self.numbers)

    @cached_property
    def views(self) -> _BodyViews:
        # remembered on the bib index (as fragments are): a rebuild in watch makes the
        # views of changed entries only; the key holds everything _body_views reads
        store = getattr(self.builder.citer.index, "derived", None)
        if store is None:
            return _body_views(self.entry)
        entry = self.entry
        cache = store.setdefault("body-views", {})
        slot = (entry.body, entry.source, entry.body_line, tuple(entry.body_lines),
                tuple((p.source, p.label) for p in entry.points))
        views = cache.get(slot)
        if views is None:
            views = _body_views(entry)
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
        return Latex(_capitalize(self.prose))

    @cached_property
    def continues(self) -> bool:
        """The prose reads on from the authors' names ("learn an energy-based model"): it
        starts lower case with a word that can be a verb, not "this paper", "the", "it",
        or an -ing form ("modifying the latent space")."""
        words = self._prose[1].split(maxsplit=1)
        if not words or not words[0][:1].isalpha() or not words[0][:1].islower():
            return False
        first = words[0].rstrip(",.;:").lower()
        return first not in _NOT_VERBS and not first.endswith("ing")

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
            md = _strip_label(text_md, labels.get(src.line))
            result = builder._convert(md, src, self.cite, inline=True)
            builder.problems += result.problems
            points.append(builder.tags.mark(result.text, [src], NOTE_LINE, src))
        return points

    @cached_property
    def key_idea(self) -> Latex:
        return self.points[0] if self.points else self.prose


def _common_prefix(paths: Sequence[tuple[str, ...]]) -> int:
    """Length of the group path shared by every entry (dropped: it names no real group)."""
    if not paths:
        return 0
    n = min(len(p) for p in paths)
    for i in range(n):
        if len({p[i] for p in paths}) > 1:
            return i
    return max(n - 1, 0) if len({p for p in paths}) > 1 else n


def _group_names(matches: Sequence[Match], group_by: str) -> list[str]:
    """The group heading of each match ("" when the section is not grouped)."""
    if group_by == "none":
        return ["" for _ in matches]
    if group_by == "tag":
        tags = [list(m.entry.meta.get("tags", []) or []) for m in matches]
        if not any(tags):
            return ["" for _ in matches]
        return [str(t[0]) if t else OTHER_GROUP for t in tags]
    paths = [tuple(m.entry.group) for m in matches]
    if not any(paths):
        return ["" for _ in matches]
    cut = _common_prefix(paths)
    return [" / ".join(p[cut:]) or " / ".join(p) or OTHER_GROUP for p in paths]


def _order_key(order: str) -> Callable[[tuple[int, RenderEntry, BibRecord]], Any]:
    def key(item: tuple[int, RenderEntry, BibRecord]) -> Any:
        idx, entry, record = item
        if order == "year":
            return (entry.year is None, entry.year or 0, idx)
        if order == "author":
            first = record.authors[0] if record.authors else ""
            return (not first, _sort_text(first), entry.year or 0, idx)
        if order == "title":
            title = record.fields.get("title") or record.title or entry.key
            return (_sort_text(title), idx)
        return (idx,)

    return key


# --------------------------------------------------------------------------- the section


def _comment(text: str) -> str:
    """Text made safe for a one-line LaTeX comment (no line breaks or control characters)."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _header(notes: Sequence[str], info: TemplateInfo, config: Config,
            packages: Sequence[str]) -> list[str]:
    """The deterministic comment block at the top of the output (no dates)."""
    lines = [
        "% Related Work section generated by relwork from Markdown notes: do not edit this file.",
        "% Edit the notes below and run `relwork build` again; hand edits are detected and",
        "% are not overwritten.",
    ]
    row = "% Notes:"
    for note in notes or ["(none)"]:
        item = " " + _comment(note)
        if len(row) + len(item) > 98 and row != "% Notes:":
            lines.append(row)
            row = "%       "
        row += item
    lines.append(row)
    lines.append(f"% Template: {_comment(info.name)}; citations: {config.cite}; "
                 f"engine: {config.engine}.")
    need = " ".join(f"\\usepackage{{{p}}}" for p in packages) or "no extra packages"
    lines.append(f"% Requires in the preamble: {need}")
    return lines


def _tidy(lines: list[str], sources: list[Source | None]) -> tuple[list[str], list[Source | None]]:
    """Drop leading/trailing blank lines and runs of blank lines (keeping the map aligned)."""
    out_lines: list[str] = []
    out_sources: list[Source | None] = []
    for line, src in zip(lines, sources, strict=True):
        blank = not line.strip()
        if blank and (not out_lines or not out_lines[-1].strip()):
            continue
        out_lines.append("" if blank else line)
        out_sources.append(None if blank else src)
    while out_lines and not out_lines[-1].strip():
        out_lines.pop()
        out_sources.pop()
    return out_lines, out_sources


def _section_info(config: Config, problems: list[Problem]) -> SectionInfo:
    command, group_command = LEVELS.get(config.section_level, LEVELS["section"])
    label = config.section_label.strip()
    if label and not LABEL_RE.fullmatch(label):
        problems.append(Problem(
            "warning", f"section label {label!r} left out: it has characters \\label rejects",
            config.where("section_label"), "use letters, digits and :-_./ only", "render-label"))
        label = ""
    heading = ""
    if command:
        title = " ".join(config.section_title.split())  # a blank line would end \section
        heading = f"{command}{{{escape_latex(title, config.engine)}}}"
        if label:
            heading += f"\\label{{{label}}}"
    return SectionInfo(
        title=config.section_title, level=config.section_level, label=Latex(label),
        command=Latex(command), heading=Latex(heading), group_command=Latex(group_command),
    )


def render_section(
    matches: Sequence[Match],
    index: IndexLike,
    config: Config,
    *,
    notes: Sequence[str] = (),
) -> Rendered:
    """Render the cited matches through ``config.template`` with ``config.cite`` citations.

    Cited: status "matched" (the match stage applies ``accept_review``) and stubs (method
    "stub"). ``notes`` are the note files named in the header comment. Raises TemplateError
    for an unknown or failing template; bad keys and inline citations become problems.
    """
    info = find_template(config.template, config)
    problems: list[Problem] = []
    tags = _LineTags()
    stubs = {str(m.key): _stub_record(m) for m in matches
             if m.method == "stub" and m.key and m.key not in index.records}
    citer = Citer(config.cite, index, engine=config.engine, extra=stubs)
    builder = _Builder(config, citer, tags)

    cited = []
    for m in matches:
        if not _is_cited(m, config):
            continue
        if not is_valid_key(str(m.key)):
            problems.append(Problem(
                "error", f"bib key {m.key!r} cannot be cited: it has characters that BibTeX "
                "or \\cite reject", m.entry.source,
                "rename the key in your .bib (letters, digits and _:.-+/ only)", "render-key"))
            continue
        cited.append(m)
    if not cited:
        problems.append(Problem(
            "warning", "no matched papers to cite: the section has no entries", None,
            "run 'relwork check' to see why the notes did not match", "render-empty"))

    names = _group_names(cited, config.group_by)
    built: list[tuple[int, RenderEntry, BibRecord]] = []
    for idx, (m, group) in enumerate(zip(cited, names, strict=True)):
        record = citer.records.get(str(m.key)) or _stub_record(m)
        built.append((idx, builder.entry(m, record, group), record))
    built.sort(key=_order_key(config.order))

    groups: dict[str, Group] = {}
    for name in names:  # groups in order of first appearance in the notes
        groups.setdefault(name, Group(name, []))
    if OTHER_GROUP in groups:  # untagged/ungrouped papers go last
        groups[OTHER_GROUP] = groups.pop(OTHER_GROUP)
    for _, entry, _ in built:
        groups[entry.group].entries.append(entry)
    group_list = [g for g in groups.values() if g.entries]

    def helper(method: Callable[[Any], Latex]) -> Callable[[Any], Latex]:
        def call(keys: Any) -> Latex:
            result = method(keys)
            first = keys if isinstance(keys, str) else next(iter(keys), "")
            src = builder.key_sources.get(str(first))
            return tags.mark(result, [src], NOTE_ENTRY, None) if src else result
        return call

    context = {
        "section": _section_info(config, problems),
        "groups": group_list,
        "entries": [e for g in group_list for e in g.entries],
        "cite": helper(citer.cite),
        "citet": helper(citer.narrative),
        "citep": helper(citer.parenthetical),
        "cite_style": config.cite,
        "engine": config.engine,
        "template": info.name,
    }
    env = _environment(config, [info.path.parent] if not info.builtin else [])
    try:
        template = (env.get_template(info.path.name) if not info.builtin
                    else env.get_template(f"builtin/{info.path.name}"))
        if not info.builtin and Path(template.filename or "") != info.path:
            # a same-named file earlier on the search path must not shadow the one asked for
            code = env.compile(info.path.read_text(encoding="utf-8"), info.path.name,
                               str(info.path))
            template = env.template_class.from_code(env, code, env.make_globals(None))
        body = template.render(**context)
    except TemplateError:
        raise
    except Exception as exc:  # Jinja2 syntax/undefined/sandbox errors, bad keys in helpers
        raise _template_error(exc, info, config) from None

    lines, sources = tags.untag(body)
    packages = list(CITE_PACKAGES[config.cite])
    packages += [p for p in info.requires if p not in packages]
    if "hyperref" not in packages and any("\\href{" in ln or "\\url{" in ln for ln in lines):
        packages.append("hyperref")  # links from the notes need it in the paper's preamble
    header = _header(notes, info, config, packages)
    lines, sources = _tidy(lines, sources)
    lines = header + [""] + lines
    boilerplate: list[Source | None] = [None] * (len(header) + 1)
    sources = boilerplate + sources
    unique: list[Problem] = []
    for problem in problems + builder.problems:  # the same note can be rendered in 3 views
        if problem not in unique:
            unique.append(problem)
    return Rendered("\n".join(lines) + "\n", sources, unique, builder.keys, packages)


__all__ = [
    "BUILTIN_DIR", "Citer", "Latex", "Group", "Rendered", "RenderEntry", "SectionInfo",
    "TemplateInfo",
    "bib_to_latex", "bib_to_text", "family_name", "find_template", "is_valid_key",
    "list_templates", "make_environment", "render_section", "template_text",
]
