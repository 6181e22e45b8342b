"""Settling reviews: the entries that need a decision (``review`` and ``unmatched``) with
their candidates in full, and the decisions written into relwork.yaml as ``aliases:`` and
``not_in_bib:``, keeping the file's comments and order (ruamel.yaml round trip)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError
from ..infra.files import write_atomic
from ..model import BibRecord, Match, Source

_VENUE_FIELDS = ("booktitle", "journal", "journaltitle", "publisher", "howpublished")


@dataclass(frozen=True)
class ReviewCandidate:
    """A bib entry offered for a review: what a person needs to recognise the paper."""

    key: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    venue: str
    score: float


@dataclass(frozen=True)
class ReviewItem:
    """One entry that needs a decision."""

    title: str
    source: Source
    status: str
    reason: str
    candidates: tuple[ReviewCandidate, ...]


@dataclass(frozen=True)
class Decision:
    """What the user chose for a heading: cite ``key`` (an alias) or mark it not in the bib."""

    title: str
    kind: Literal["alias", "not_in_bib"]
    key: str = ""


@dataclass
class Written:
    """What ``write_decisions`` changed: aliases added or changed, titles marked missing."""

    aliases: dict[str, str] = field(default_factory=dict)
    not_in_bib: list[str] = field(default_factory=list)


def _venue(rec: BibRecord) -> str:
    from ..text import latex_to_text

    for name in _VENUE_FIELDS:
        value = rec.fields.get(name, "").strip().strip("{}\"")
        if value:
            return latex_to_text(value)
    return ""


def review_items(matches: Sequence[Match], records: Mapping[str, BibRecord]) -> list[ReviewItem]:
    """The ``review`` and ``unmatched`` matches (not those listed under ``not_in_bib``),
    in note order, each with up to three candidates described from the bibliography."""
    items = []
    for m in matches:
        if m.status == "matched" or m.not_in_bib:
            continue
        cands = []
        for c in m.candidates[:3]:
            rec = records.get(c.key)
            if rec is None:
                continue
            cands.append(ReviewCandidate(c.key, rec.title, tuple(rec.authors), rec.year,
                                         _venue(rec), float(c.score)))
        items.append(ReviewItem(m.entry.title, m.entry.source, m.status, m.reason,
                                tuple(cands)))
    return items


def item_to_json(item: ReviewItem) -> dict[str, Any]:
    """A review item as plain JSON data (``relwork review --format json``)."""
    return {
        "file": item.source.path, "line": item.source.line, "title": item.title,
        "status": item.status, "reason": item.reason,
        "candidates": [{"key": c.key, "title": c.title, "authors": list(c.authors),
                        "year": c.year, "venue": c.venue, "score": round(c.score, 1)}
                       for c in item.candidates],
    }


def parse_accept(text: str) -> tuple[str, str]:
    """``KEY=TITLE`` (``--accept``) -> (key, title); ``ValueError`` when malformed."""
    key, eq, title = text.partition("=")
    if not eq or not key.strip() or not title.strip():
        raise ValueError(f"'{text}' is not KEY=TITLE (a bib key, '=', the note's heading)")
    return key.strip(), title.strip()


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: comments, order and quoting stay as the user wrote them
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _add(container: Any, key: str | None, value: Any) -> Any:
    """Append ``value`` to a round-trip mapping (under ``key``) or list (``key`` None),
    keeping the blank lines and comments that followed the old last item after the new one."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    last = (len(container) - 1 if key is None else next(reversed(container), None)) \
        if len(container) else None
    if key is None:
        container.append(value)
        key_now: Any = len(container) - 1
    else:
        container[key] = value
        key_now = key
    slot = container.ca.items.get(last) if last is not None else None
    if slot and len(slot) > 2 and slot[2] is not None:  # "  # a comment\n\n# next"
        head, newline, rest = slot[2].value.partition("\n")
        if rest:
            slot[2].value = head + newline
            container.ca.items[key_now] = [None, None, CommentToken(
                newline + rest, CommentMark(0), None), None]
    return value


def write_decisions(path: Path, decisions: Sequence[Decision]) -> Written:
    """Add ``decisions`` to the config file at ``path`` (created when missing): aliases
    under ``aliases:``, missing papers under ``not_in_bib:``. Other keys, comments and order
    stay; the file is replaced atomically. ``ConfigError`` when the file is not a mapping."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

    yaml = _yaml()
    text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
    try:
        data = yaml.load(text) if text.strip() else None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"cannot update {path.name}: invalid YAML",
                          Source(str(path), mark.line + 1 if mark is not None else 0),
                          "fix the YAML, then run relwork review again") from None
    only_comments = data is None and bool(text.strip())  # e.g. what 'relwork init' writes
    if data is None:
        data = CommentedMap()
    if not isinstance(data, dict):
        raise ConfigError(f"cannot update {path.name}: it is not a mapping of keys to values",
                          Source(str(path), 1))
    written = Written()
    for decision in decisions:
        if decision.kind == "alias":
            aliases = data.get("aliases")
            if not isinstance(aliases, dict):
                aliases = _add(data, "aliases", CommentedMap())
            if aliases.get(decision.title) != decision.key:
                if decision.title in aliases:
                    aliases[decision.title] = decision.key
                else:
                    _add(aliases, decision.title, decision.key)
                written.aliases[decision.title] = decision.key
            missing = data.get("not_in_bib")
            if isinstance(missing, list) and decision.title in missing:
                missing.remove(decision.title)  # the paper was found after all
        else:
            missing = data.get("not_in_bib")
            if not isinstance(missing, list):
                missing = _add(data, "not_in_bib", CommentedSeq())
            if decision.title not in missing:
                _add(missing, None, decision.title)
                written.not_in_bib.append(decision.title)
    if written.aliases or written.not_in_bib:
        out = io.StringIO()
        yaml.dump(data, out)
        new = out.getvalue()
        if only_comments:  # the file's comments first, as they were
            new = text.rstrip("\n") + "\n\n" + new
        write_atomic(path, new)
    return written
