"""Matches + bibliography -> the LaTeX Related Work section, through a Jinja2 template.

``render_section`` picks the cited matches, groups and orders them, renders the template
with entries that convert note Markdown on demand, and returns the section text with the
note line behind each output line (``Rendered.line_map``), the cited keys, the packages
the preamble needs and the problems found.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import TemplateError
from ..ids import is_valid_key
from ..latex import Latex, Package, escape_latex, is_label_key
from ..model import BibRecord, Match, Problem, Source
from .citer import Citer, IndexLike
from .entries import EntryBuilder, Group, RenderEntry, is_cited, stub_record
from .environment import TemplateInfo, environment, find_template, template_error
from .fields import sort_text
from .linetags import NOTE_ENTRY, LineTags
from .packages import required_packages

#: section level -> (heading command, command for group headings below it)
LEVELS: dict[str, tuple[str, str]] = {
    "section": ("\\section", "\\subsection"),
    "subsection": ("\\subsection", "\\subsubsection"),
    "subsubsection": ("\\subsubsection", "\\paragraph"),
    "none": ("", "\\subsection"),
}
OTHER_GROUP = "Other"


@dataclass
class Rendered:
    """The section text, the note line behind each output line, and what went wrong.

    ``line_map[i]`` is the Source of output line ``i + 1`` (None for template boilerplate).
    ``keys`` lists every key cited (entries and inline ``[@key]``), in order of first use;
    ``packages`` the LaTeX packages the preamble must load for this output (the header's
    "Requires in the preamble" line is written from them).
    """

    text: str
    line_map: list[Source | None]
    problems: list[Problem] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)


@dataclass
class SectionInfo:
    """The ``section`` variable: heading text, level, label and ready-made LaTeX."""

    title: str
    level: str
    label: Latex
    command: Latex
    heading: Latex
    group_command: Latex


#: Names a template can use (for "did you mean" hints).
TEMPLATE_NAMES = tuple(sorted(
    {f.name for f in fields(RenderEntry) if not f.name.startswith("_")}
    | {n for n, v in vars(RenderEntry).items() if isinstance(v, property)}
    | {f.name for f in fields(SectionInfo)} | {"name", "entries", "keys", "groups", "section",
                                               "cite", "citet", "citep", "cite_style",
                                               "engine", "template"}))


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
    if not any(paths) or len(set(paths)) == 1:  # one group for all: it names no division
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
            return (not first, sort_text(first), entry.year or 0, idx)
        if order == "title":
            title = record.fields.get("title") or record.title or entry.key
            return (sort_text(title), idx)
        return (idx,)

    return key


def _comment(text: str) -> str:
    """Text made safe for a one-line LaTeX comment (no line breaks or control characters)."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _header(notes: Sequence[str], info: TemplateInfo, config: Config,
            packages: Sequence[Package]) -> list[str]:
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
    need = " ".join(p.usepackage() for p in packages) or "no extra packages"
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
    if label and not is_label_key(label):
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


def _cited(matches: Sequence[Match], problems: list[Problem]) -> list[Match]:
    """The matches the section cites, in note order; uncitable keys become problems."""
    cited = []
    for m in matches:
        if not is_cited(m):
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
    return cited


def _groups(cited: Sequence[Match], config: Config, citer: Citer,
            builder: EntryBuilder) -> list[Group]:
    """The template entries in groups (in order of first appearance, "Other" last), each
    group ordered by ``config.order``."""
    names = _group_names(cited, config.group_by)
    built: list[tuple[int, RenderEntry, BibRecord]] = []
    for idx, (m, group) in enumerate(zip(cited, names, strict=True)):
        record = citer.records.get(str(m.key)) or stub_record(m)
        built.append((idx, builder.entry(m, record, group), record))
    built.sort(key=_order_key(config.order))

    groups: dict[str, Group] = {}
    for name in names:  # groups in order of first appearance in the notes
        groups.setdefault(name, Group(name, []))
    if OTHER_GROUP in groups:  # untagged/ungrouped papers go last
        groups[OTHER_GROUP] = groups.pop(OTHER_GROUP)
    for _, entry, _ in built:
        groups[entry.group].entries.append(entry)
    listed: set[str] = set()
    for each in groups.values():
        for item in each.entries:
            if item.key not in listed:
                listed.add(item.key)
                each.papers.append(item)
    return [g for g in groups.values() if g.entries]


def _render_template(info: TemplateInfo, config: Config, context: dict[str, Any]) -> str:
    """The template's output for ``context``; TemplateError naming the template file:line."""
    env = environment(config, [info.path.parent] if not info.builtin else [])
    try:
        template = (env.get_template(info.path.name) if not info.builtin
                    else env.get_template(f"builtin/{info.path.name}"))
        if not info.builtin and Path(template.filename or "") != info.path:
            # a same-named file earlier on the search path must not shadow the one asked for
            code = env.compile(info.path.read_text(encoding="utf-8"), info.path.name,
                               str(info.path))
            template = env.template_class.from_code(env, code, env.make_globals(None))
        return str(template.render(**context))
    except TemplateError:
        raise
    except Exception as exc:  # Jinja2 syntax/undefined/sandbox errors, bad keys in helpers
        raise template_error(exc, info, config, TEMPLATE_NAMES) from None


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
    tags = LineTags()
    stubs = {str(m.key): stub_record(m) for m in matches
             if m.method == "stub" and m.key and m.key not in index.records}
    citer = Citer(config.cite, index, engine=config.engine, extra=stubs)
    builder = EntryBuilder(config, citer, tags)
    group_list = _groups(_cited(matches, problems), config, citer, builder)

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
    lines, sources = tags.untag(_render_template(info, config, context))
    packages = required_packages(config.cite, info.requires, lines)
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
