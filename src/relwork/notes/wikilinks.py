"""Obsidian wikilinks between notes: ``[[Note]]``, ``[[Note|shown text]]``, ``[[Note#Heading]]``.

A link to a paper note that relwork read and matched becomes a citation of that paper:
``[[DDPM]]`` -> ``DDPM [@ho2020denoising]`` (the shown text, then the citation), and a link
shown as the bare citekey, ``[[@esser2021taming]]``, a narrative ``@esser2021taming``. Notes
are found, as Obsidian finds them, by file name and by front-matter ``aliases``; a link to a
note that is not a matched paper becomes its shown text (listed with ``-v``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..model import Entry, Match, Problem, Source

WIKILINK_RE = re.compile(r"(?<!!)\[\[([^\]\[|#\n]*)(#[^\]\[|\n]*)?(?:\|([^\]\[\n]*))?\]\]")


def _names(entry: Entry) -> list[str]:
    """The names a wikilink can use for ``entry``'s note: file name, aliases, title."""
    names = [Path(entry.source.path).stem, entry.title]
    aliases = entry.meta.get("aliases") or entry.meta.get("alias") or []
    if isinstance(aliases, str):
        aliases = [a.strip() for a in aliases.split(",")]
    names += [str(a) for a in aliases if str(a).strip()]
    return [n.strip().lower() for n in names if n and n.strip()]


def link_matches(
    matches: Sequence[Match], known_keys: Iterable[str]
) -> tuple[list[Match], list[Problem]]:
    """``matches`` with the wikilinks in their entries' text resolved (entries and matches
    are copied when they change), and the problems: an ambiguous note name (warning), a link
    printed as text (info)."""
    keys = set(known_keys)
    problems: list[Problem] = []
    by_name: dict[str, Match] = {}
    for m in matches:
        for name in dict.fromkeys(_names(m.entry)):
            other = by_name.get(name)
            if other is not None and other.entry.source.path != m.entry.source.path:
                problems.append(Problem(
                    "warning", f"wikilinks to '{name}' are ambiguous: {other.entry.source.path} "
                    f"and {m.entry.source.path} both go by that name", m.entry.source,
                    "rename one note or remove the alias from one of them", "wikilink"))
                continue
            by_name.setdefault(name, m)
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


def _resolve(text: str, lines: Sequence[int], entry: Entry, by_name: dict[str, Match],
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


def _key_of(target: str, by_name: dict[str, Match], keys: set[str]) -> str | None:
    match = by_name.get(target.lower())
    if match is not None and match.cited:
        return str(match.key)
    if target.startswith("@") and target[1:] in keys:
        return target[1:]  # a citekey-named note that is not among the matched papers
    return None
