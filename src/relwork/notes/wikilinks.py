"""Obsidian wikilinks between notes: ``[[Note]]``, ``[[Note|shown text]]``, ``[[Note#Heading]]``.

A link to a paper note that relwork read and matched becomes a citation of that paper:
``[[DDPM]]`` -> ``DDPM [@ho2020denoising]`` (the shown text, then the citation), and a link
shown as the bare citekey, ``[[@esser2021taming]]``, a narrative ``@esser2021taming``. Notes
are found, as Obsidian finds them, by file name and by front-matter ``aliases`` (a file
name first; a name two notes share is cited for neither); a link to a note that is not a
matched paper becomes its shown text (listed with ``-v``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..model import Entry, Match, Problem, Source

WIKILINK_RE = re.compile(r"(?<!!)\[\[([^\]\[|#\n]*)(#[^\]\[|\n]*)?(?:\|([^\]\[\n]*))?\]\]")


def _names(entry: Entry) -> tuple[list[str], list[str]]:
    """The names a wikilink can use for ``entry``'s note: its file name, then its other
    names (aliases, title), each lower-cased."""
    aliases = entry.meta.get("aliases") or entry.meta.get("alias") or []
    if isinstance(aliases, str):
        aliases = [a.strip() for a in aliases.split(",")]
    others = [entry.title, *(str(a) for a in aliases)]
    own = Path(entry.source.path).stem.strip().lower()
    return [own], [n.strip().lower() for n in others if n and n.strip()
                   and n.strip().lower() != own]


def _by_name(matches: Sequence[Match], notes: Sequence[str],
             problems: list[Problem]) -> dict[str, Match | None]:
    """Each name a link can use -> its note's match, as Obsidian resolves names: a file name
    before an alias; None for a note that is not a paper (a concept note, a plan: any of
    ``notes`` without an entry) and for a name two notes share at the same level (a
    warning)."""
    files: dict[str, dict[str, Match | None]] = {}
    aliases: dict[str, dict[str, Match | None]] = {}
    for m in matches:
        own, others = _names(m.entry)
        for level, names in ((files, own), (aliases, others)):
            for name in names:
                level.setdefault(name, {}).setdefault(m.entry.source.path, m)
    papers = {m.entry.source.path for m in matches}
    for path in notes:
        if path not in papers:
            files.setdefault(Path(path).stem.strip().lower(), {}).setdefault(path, None)
    by_name: dict[str, Match | None] = {}
    for level in (files, aliases):
        for name, holders in level.items():
            if name in by_name:
                continue  # a note's file name wins over another note's alias
            by_name[name] = next(iter(holders.values())) if len(holders) == 1 else None
            if len(holders) > 1:
                first, second = list(holders)[:2]
                where = next((m.entry.source for m in holders.values() if m is not None),
                             None)
                problems.append(Problem(
                    "warning", f"wikilinks to '{name}' are ambiguous: {first} and {second} "
                    "both go by that name; such links are printed as text", where,
                    "rename one note or remove the alias from one of them", "wikilink"))
    return by_name


def link_matches(
    matches: Sequence[Match], known_keys: Iterable[str], notes: Sequence[str] = ()
) -> tuple[list[Match], list[Problem]]:
    """``matches`` with the wikilinks in their entries' text resolved (entries and matches
    are copied when they change), and the problems: an ambiguous note name (warning), a link
    printed as text (info). ``notes`` are the paths of every note read, as the entries'
    sources name them: a link to one that is not a paper is text."""
    keys = set(known_keys)
    problems: list[Problem] = []
    by_name = _by_name(matches, notes, problems)
    out: list[Match] = []
    for m in matches:
        entry = m.entry
        if "[[" not in entry.body and "[[" not in entry.summary:
            out.append(m)
            continue
        summary = _resolve(entry.summary, entry.summary_lines, entry, by_name, keys, problems)
        body = _resolve(entry.body, entry.body_lines, entry, by_name, keys, [])
        new = dataclasses.replace(entry, summary=summary, body=body)
        out.append(dataclasses.replace(m, entry=new))
    return out, problems


def _resolve(text: str, lines: Sequence[int], entry: Entry, by_name: dict[str, Match | None],
             keys: set[str], problems: list[Problem]) -> str:
    if "[[" not in text:
        return text
    out = []
    for i, line in enumerate(text.split("\n")):
        where = Source(entry.source.path, lines[i] if i < len(lines) else entry.body_line)

        def replace(m: re.Match[str], where: Source = where) -> str:
            target, shown = m.group(1).strip(), (m.group(3) or "").strip()
            key = _key_of(target, by_name, keys)
            if key is None:
                problems.append(Problem(
                    "info", f"wikilink {m.group(0)} is not a matched paper note: printed as "
                    "text", where, None, "wikilink"))
                return shown or target.lstrip("@")
            if not shown and target.startswith("@"):
                return f"@{key}"  # the citekey itself: a narrative citation
            return f"{shown or target} [@{key}]"

        out.append(WIKILINK_RE.sub(replace, line))
    return "\n".join(out)


def _key_of(target: str, by_name: dict[str, Match | None], keys: set[str]) -> str | None:
    match = by_name.get(target.lower())
    if match is not None and match.cited:
        return str(match.key)
    if target.startswith("@") and target[1:] in keys:
        return target[1:]  # a citekey-named note that is not among the matched papers
    return None
