"""One note file's parse (a ``NotesResult``) as plain JSON data and back, for the notes
cache: positional lists without type tags for what a parse is made of (entries, points,
places, problems), each value's type checked when it is read back.

The notes cache file holds one line per note file, ``[slot, digest, parse]`` as JSON:
the line of an unchanged file is written back as it was read (``load_parses``,
``save_parses``). A place (``Source``) in the note file itself is kept as its line
number alone; the entries' ``meta`` (front matter: any YAML value) is kept as it is when
it is plain JSON, else through the tagged ``Codec`` (a YAML date).
``parse_from_data`` refuses data of any other shape: a cache file never yields a value
of a type its reader does not expect.
"""

from __future__ import annotations

import json
from typing import Any

from ..infra.cache import CacheFolder, CacheIgnored, Codec
from ..model import Entry, Point, Problem, Source
from .result import NotesResult


def parse_data(parsed: NotesResult, path: str, codec: Codec) -> list[Any]:
    """``parsed`` (the parse of the note file shown as ``path``) as JSON-ready data.
    ``TypeError`` for a parse that the data could not give back exactly."""
    if parsed.texts:
        raise TypeError("a file's parse has no texts: read_notes adds them")

    def place(source: Source | None) -> Any:
        if source is None:
            return None
        if type(source) is not Source or type(source.line) is not int \
                or type(source.path) is not str:
            raise TypeError("a place is a path and a line")
        return source.line if source.path == path else [source.path, source.line]

    def problem(p: Problem) -> list[Any]:
        if type(p) is not Problem:
            raise TypeError("a problem is a Problem")
        return [p.severity, p.message, place(p.source), p.hint, p.code, p.key]

    def entry(e: Entry) -> list[Any]:
        if type(e) is not Entry or any(type(p) is not Point for p in e.points):
            raise TypeError("an entry is an Entry of Points")
        meta = codec.plain(e.meta)  # tagged only where JSON lacks the type (a YAML date)
        meta = [0, meta] if meta == e.meta else [1, meta]
        return [e.title, place(e.source), list(e.group), e.ids, meta, e.body,
                e.body_line, [[p.text, place(p.source), p.label, p.depth] for p in e.points],
                e.body_lines, e.weak_ids, e.summary, e.summary_lines]

    return [[entry(e) for e in parsed.entries], [problem(p) for p in parsed.problems],
            [problem(p) for p in parsed.dropped], parsed.kinds]


def parse_from_data(data: Any, path: str, codec: Codec) -> NotesResult:
    """The ``NotesResult`` that ``parse_data`` gave ``data`` for; ``ValueError`` when
    ``data`` or any value in it is not of the type that place holds (``CacheIgnored``
    when a tag in ``meta`` names a type the codec does not make)."""
    if type(data) is not list or len(data) != 4:
        raise ValueError("a parse is four lists")
    entries, problems, dropped, kinds = data
    sources: dict[Any, Source] = {}  # a place in the note file: one Source per line

    def place(value: Any) -> Source:
        if type(value) is int:
            found = sources.get(value)
            if found is None:
                found = sources[value] = Source(path, value)
            return found
        if type(value) is list and len(value) == 2 and type(value[0]) is str \
                and type(value[1]) is int:
            return Source(value[0], value[1])
        raise ValueError("not a place")

    def problem(value: Any) -> Problem:
        if type(value) is not list or len(value) != 6:
            raise ValueError("not a problem")
        severity, message, where, hint, code, key = value
        if severity not in ("error", "warning", "info") or type(message) is not str \
                or type(code) is not str or type(key) is not str \
                or (hint is not None and type(hint) is not str):
            raise ValueError("not a problem")
        return Problem(severity, message,
                       None if where is None else
                       (type(where) is int and sources.get(where)) or place(where),
                       hint, code, key)

    if type(entries) is not list or type(problems) is not list or type(dropped) is not list \
            or not _str_map(kinds):
        raise ValueError("a parse is four lists")
    result = NotesResult([_entry(e, path, place, sources, codec) for e in entries],
                         [problem(p) for p in problems], [problem(p) for p in dropped])
    result.kinds = kinds
    return result


def _entry(value: Any, path: str, place: Any, sources: dict[Any, Source],
           codec: Codec) -> Entry:
    if type(value) is not list or len(value) != 12:
        raise ValueError("not an entry")
    (title, where, group, ids, meta, body, body_line, points, body_lines, weak_ids, summary,
     summary_lines) = value
    if type(title) is not str or type(body) is not str or type(summary) is not str \
            or type(body_line) is not int or not _strs(group) or not _ints(body_lines) \
            or not _ints(summary_lines) or not _ids(ids) or not _ids(weak_ids) \
            or type(points) is not list:
        raise ValueError("not an entry")
    if type(meta) is not list or len(meta) != 2 or type(meta[0]) is not int \
            or meta[0] not in (0, 1):
        raise ValueError("not an entry")
    meta = codec.revive(meta[1]) if meta[0] else meta[1]  # else: JSON's own types only
    if type(meta) is not dict:
        raise ValueError("not an entry")
    kept = []
    for point in points:
        if type(point) is not list or len(point) != 4:
            raise ValueError("not a point")
        text, at, label, depth = point
        if type(text) is not str or type(depth) is not int \
                or (label is not None and type(label) is not str):
            raise ValueError("not a point")
        if type(at) is int:  # a line of the note file (place() for the rest), inline
            source = sources.get(at)
            if source is None:
                source = sources[at] = Source(path, at)
        else:
            source = place(at)
        kept.append(Point(text, source, label, depth))
    return Entry(title, place(where), tuple(group), ids, meta, body, body_line, kept,
                 body_lines, weak_ids, summary, summary_lines)


def _slot_data(slot: tuple[Any, ...]) -> list[Any]:
    """A slot of ``read_notes`` (path shown, private marker, role words, summary budget)
    as JSON-ready data (``TypeError`` for another shape)."""
    if type(slot) is not tuple or len(slot) != 4 or type(slot[2]) is not tuple:
        raise TypeError("a slot of read_notes")
    shown, marker, roles, budget = slot
    return [shown, marker, [list(words) for words in roles], budget]


def _slot_from(value: Any) -> tuple[Any, ...]:
    """The slot ``_slot_data`` made ``value`` from; ``ValueError`` for another shape."""
    if type(value) is not list or len(value) != 4:
        raise ValueError("not a slot")
    shown, marker, roles, budget = value
    if type(shown) is not str or type(marker) is not str or type(roles) is not list \
            or len(roles) != 3 or not all(_strs(words) for words in roles) \
            or (budget is not None and type(budget) is not int):
        raise ValueError("not a slot")
    return shown, marker, (tuple(roles[0]), tuple(roles[1]), tuple(roles[2])), budget


#: the types of the values of a list of words and of a list of line numbers
_STR = frozenset({str})
_INT = frozenset({int})


def _strs(value: Any) -> bool:
    return type(value) is list and _STR.issuperset(map(type, value))


def _ints(value: Any) -> bool:
    return type(value) is list and _INT.issuperset(map(type, value))


def _ids(value: Any) -> bool:
    return type(value) is dict and all(_strs(v) for v in value.values())


def _str_map(value: Any) -> bool:
    return type(value) is dict and _STR.issuperset(map(type, value.values()))


class _Lines(Codec):
    """The notes file's payload: its lines (UTF-8 bytes), each decoded by ``load_parses``
    (json reads bytes faster than it reads text decoded first)."""

    def dumps(self, value: Any) -> bytes:
        return b"\n".join(value)

    def loads(self, data: bytes | memoryview) -> Any:
        data = bytes(data)
        return data.split(b"\n") if data else []


def load_parses(cache: CacheFolder, name: str, key: str
                ) -> dict[tuple[Any, ...], tuple[str, NotesResult, bytes]]:
    """The parses kept in the notes file ``name``: slot (see ``read_notes``) -> (digest of
    the file's bytes, parse, the line it was read from). Empty when the file is missing,
    stale or untrusted (then ``cache`` keeps a notice)."""
    found: dict[tuple[Any, ...], tuple[str, NotesResult, bytes]] = {}
    codec = Codec()  # the entries' meta: plain data, YAML dates

    def decode(lines: Any) -> bool:
        for line in lines:
            try:
                row = json.loads(line)
            except ValueError:  # not JSON, not UTF-8
                raise CacheIgnored("damaged content") from None
            if type(row) is not list or len(row) != 3 or type(row[1]) is not str:
                return False
            try:
                slot = _slot_from(row[0])
                found[slot] = (row[1], parse_from_data(row[2], slot[0], codec), line)
            except ValueError:
                return False
        return True

    if not cache.read(name, "notes", key, _Lines(), decode):
        found.clear()
    return found


def save_parses(cache: CacheFolder, name: str, key: str,
                parses: dict[tuple[Any, ...], tuple[str, NotesResult]],
                lines: dict[tuple[Any, ...], bytes]) -> None:
    """Write ``parses`` (slot -> (digest, parse)) to the notes file ``name``; ``lines``:
    the line already written for a slot's parse. A parse the data cannot give back
    exactly is left out (that file is parsed again next time)."""
    rows = []
    codec = Codec()
    for slot, (digest, parsed) in parses.items():
        line = lines.get(slot)
        if line is None:
            try:
                data = parse_data(parsed, slot[0], codec)
                line = json.dumps([_slot_data(slot), digest, data], ensure_ascii=False,
                                  allow_nan=True, separators=(",", ":")).encode("utf-8")
                back = json.loads(line)
                if _slot_from(back[0]) != slot \
                        or parse_from_data(back[2], slot[0], codec) != parsed:
                    continue
            except (TypeError, ValueError, RecursionError, CacheIgnored):
                continue
        rows.append(line)
    cache.write(name, "notes", key, rows, _Lines())
