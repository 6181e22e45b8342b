"""The bib stage's caches: each file's parse, keyed by its bytes, encoding and the parsing
code, read back as records that decode their fields on first use; and values other stages
derive from a whole index, keyed by the bib content and relwork's code. Data only: JSON
and raw bytes (see ``infra.cache``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path
from typing import Any

from .. import __version__, ids, text
from ..config import Config
from ..infra import cache as blobs
from ..model import BibRecord, Source
from . import names, records, splitter, syntax, values
from .index import BibIndex
from .splitter import ParsedFile

#: The modules whose code makes a file's parse: a cached parse never outlives them.
_PARSE_MODULES = (syntax, splitter, values, names, records, ids, text)
#: This module's own file: how a parse is written is part of the key too.
_THIS = __file__
#: What a bib file's cache holds (the kind in its header).
PARSE_KIND = "bib-parse"


def cache_dir(config: Config) -> Path:
    """Where parsed bibliographies are cached: ``<root>/.relwork/cache``."""
    return config.root / ".relwork" / "cache"


def file_key(data: bytes, encoding: str) -> str:
    """The cache key of one file's parse: its bytes, the canonical name of its encoding,
    relwork's version, the cache format and the parsing code."""
    # SHA-256 runs on the CPU's SHA instructions where present: 3x faster than BLAKE2 here
    stamp = blobs.code_stamp(_THIS, *(str(module.__file__) for module in _PARSE_MODULES))
    h = hashlib.sha256(data)
    h.update(f"\x00{encoding}\x00{__version__}\x00{blobs.CACHE_FORMAT}\x00{stamp}".encode())
    return h.hexdigest()


def file_cache_path(folder: Path, path: Path, key: str) -> Path:
    """The cache file of ``path``'s parse under ``key`` (one slot per bib file)."""
    slot = hashlib.blake2b(str(path.resolve()).encode(), digest_size=6).hexdigest()
    return folder / f"bib-{slot}-{key}.json"


#: Separators of the record columns of a cached parse, and the text of None (a value
#: holding one of them is not cached: the file is parsed each time instead)
_SEP, _SUB, NONE_TEXT = "\x1f", "\x1e", "\x00"
_COLUMNS = 11


def read_parse(file: Path, key: str) -> ParsedFile | None:
    """The cached parse of a file, or None if absent or stale; ``CacheIgnored`` when the
    file cannot be trusted.

    The payload: the length of a JSON head, a newline, the head (macros, preambles, failed
    blocks, problems, the number of records and the byte size of each column), then the
    records' plain fields a column at a time (text split on a separator: decoding 20,000
    records takes milliseconds), then their (fields, raw) as JSON texts one after another,
    each decoded by ``LazyRecord`` only when its record is used."""
    payload = blobs.read_payload(file, PARSE_KIND, key)
    if payload is None:
        return None
    try:
        return _columns_parse(payload)
    except (ValueError, TypeError, KeyError, IndexError):
        raise blobs.CacheIgnored("unexpected content") from None


def _columns_parse(payload: memoryview) -> ParsedFile:
    head, cols, heavy, ends = unpack_columns(payload, _COLUMNS)
    if not _parts_shape(head):
        raise ValueError("head")
    keys, types, titles, norms, shorts, dois, arxivs, authors, lines, years, _ = cols
    records = list(zip(
        keys, types, [0, *ends[:-1]] if ends else [], list(map(int, lines)), ends, titles, norms,
        *plain_columns(authors, years, dois, arxivs), shorts, strict=True))
    return ParsedFile(records, head["strings"], head["preambles"], head["failed"],
                      head["problems"], packed=heavy)


def unpack_columns(payload: memoryview, count: int
                   ) -> tuple[dict[str, Any], list[list[str]], memoryview, list[int]]:
    """A column payload: its JSON head, ``count`` text columns (the eleventh the byte size
    of each record's text), the texts' buffer and where each text ends in it.
    ``ValueError`` (or ``TypeError``/``KeyError``/``IndexError``) when it is not that."""
    head, texts, heavy, ends = column_texts(payload, count)
    n = head["n"]
    return head, [text.split(_SEP) if n else [] for text in texts], heavy, ends


def column_texts(payload: memoryview, count: int
                 ) -> tuple[dict[str, Any], list[str], memoryview, list[int]]:
    """``unpack_columns`` without splitting the columns (``split_column`` does that when
    one is needed): each column's text, checked to hold one value per record."""
    cut = bytes(payload[:16]).index(b"\n")
    size = int(bytes(payload[:cut]))
    at = cut + 1 + size
    head = json.loads(bytes(payload[cut + 1:at]))
    if type(head) is not dict or type(head.get("n")) is not int \
            or not rows_of([head.get("sizes")], (INT,) * count):
        raise ValueError("head")
    n = head["n"]
    texts: list[str] = []
    for length in head["sizes"]:
        text = bytes(payload[at:at + length]).decode("utf-8")
        at += length
        if (text.count(_SEP) != n - 1) if n else text:
            raise ValueError("columns")
        texts.append(text)
    if len(texts) != count:
        raise ValueError("columns")
    heavy = payload[at:]
    lengths = list(map(int, split_column(texts[10], n)))
    ends = list(accumulate(lengths))
    if n and (min(lengths) < 0 or ends[-1] > len(heavy)):
        raise ValueError("offsets")
    return head, texts, heavy, ends


def split_column(text: str, n: int) -> list[str]:
    """The values of one column of ``n`` records (see ``column_texts``)."""
    return text.split(_SEP) if n else []


def plain_columns(authors: list[str], years: list[str], dois: list[str], arxivs: list[str]
                  ) -> tuple[list[list[str]], list[int | None], list[str | None],
                             list[str | None]]:
    """The authors, years, DOIs and arXiv ids of a column payload as record values."""
    none = NONE_TEXT
    return ([[] if a == none else a.split(_SUB) for a in authors],
            [None if y == none else int(y) for y in years],
            [None if d == none else d for d in dois], [None if a == none else a for a in arxivs])


def record_texts(key: str, etype: str, title: str, norm: str, short: str, doi: str | None,
                 arxiv: str | None, authors: list[str], line: int, year: int | None,
                 size: int) -> list[str] | None:
    """A record's plain values as the texts of its column payload row (in the order
    ``unpack_columns`` reads them), or None when a value holds a separator (such a record
    cannot be kept: the file is then parsed each time)."""
    none = NONE_TEXT
    probe = "".join((key, etype, title, norm, short, doi or "", arxiv or "", *authors))
    if _SEP in probe or _SUB in probe or none in probe:
        return None
    return [key, etype, title, norm, short, none if doi is None else doi,
            none if arxiv is None else arxiv, _SUB.join(authors) if authors else none,
            str(line), none if year is None else str(year), str(size)]


def pack_columns(head: dict[str, Any], rows: list[list[str]], heavy: list[Any],
                 count: int) -> bytes:
    """The column payload ``unpack_columns`` reads, from each record's ``count`` texts
    (``head`` gets ``n`` and ``sizes``)."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * count
    columns = [_SEP.join(col).encode("utf-8") for col in cols]
    head = {"n": len(rows), "sizes": [len(c) for c in columns], **head}
    data = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b"".join([str(len(data)).encode(), b"\n", data, *columns, *heavy])


INT: set[type] = {int}
STR: set[type] = {str}
NONE: set[type] = {type(None)}
_ROW_TYPES: dict[str, tuple[set[type], ...]] = {
    "strings": (STR, STR, STR, INT), "preambles": (STR, INT),
    "failed": (STR, STR, INT, STR | NONE),
    "problems": (STR, STR, INT, STR | NONE, STR)}


def _parts_shape(head: dict[str, Any]) -> bool:
    """True when the head has the shape ``write_parse`` gives (the type of every slot)."""
    return all(rows_of(head.get(name), types) for name, types in _ROW_TYPES.items())


def rows_of(rows: object, types: tuple[set[type], ...]) -> bool:
    """True when ``rows`` is a list of lists whose columns hold only ``types``."""
    if type(rows) is not list:
        return False
    if not rows:
        return True
    if set(map(type, rows)) != {list} or set(map(len, rows)) != {len(types)}:
        return False
    return all(set(map(type, column)) <= allowed
               for column, allowed in zip(zip(*rows), types))  # noqa: B905 (lengths checked)


def write_parse(file: Path, key: str, parsed: ParsedFile) -> ParsedFile | None:
    """Cache ``parsed`` under ``key`` (errors ignored: a cache only saves time); the parse
    as read back from what was written (records that decode their fields on first use, and
    whose JSON text the stored index copies), or None when it cannot be kept."""
    # fields and raw text (most of the bytes) are kept apart, one JSON text per record,
    # so that a build decodes only the records it cites (see LazyRecord)
    heavy: list[bytes] = []
    rows: list[list[str]] = []
    for (key_, etype, fields, line, raw, title, norm, authors, year, doi, arxiv,
         short) in parsed.records:
        packed = pack_heavy(fields, raw)
        texts = None if packed is None else record_texts(
            key_, etype, title, norm, short, doi, arxiv, authors, line, year, len(packed))
        if texts is None or packed is None:
            return None
        heavy.append(packed)
        rows.append(texts)
    payload = pack_columns({"strings": parsed.strings, "preambles": parsed.preambles,
                            "failed": parsed.failed, "problems": parsed.problems},
                           rows, heavy, _COLUMNS)
    slot = file.name.rsplit("-", 1)[0]
    blobs.write_payload(file, PARSE_KIND, key, payload, replaces=f"{slot}-*.json")
    return _columns_parse(memoryview(payload))


def pack_heavy(fields: dict[str, str], raw: str) -> bytes | None:
    """A record's (fields, raw) as the text ``LazyRecord`` decodes on first use: the raw
    entry, then each field's name and value, joined by a separator (joining is ~20 times
    faster than JSON for 20,000 records); None when the entry's text holds the separator
    (then the file is not cached)."""
    text = _SUB.join([raw, *[part for item in fields.items() for part in item]])
    if text.count(_SUB) != 2 * len(fields):  # a separator in the text itself
        return None
    return text.encode()


class LazyRecord(BibRecord):
    """A BibRecord read from the cache: ``fields`` and ``raw`` are decoded, and ``source``
    made, on first use (a build needs them for the few records it cites, not for all)."""

    def _heavy(self) -> None:
        d = self.__dict__
        packed = d.pop("_packed", None)
        if packed is not None:
            d["_fields"], d["_raw"] = _unpack(packed)

    def __getstate__(self) -> dict[str, Any]:
        """A copy (pickle in memory, deepcopy) carries decoded values, never a buffer."""
        self._heavy()
        return dict(self.__dict__)

    @property
    def fields(self) -> dict[str, str]:
        self._heavy()
        return self.__dict__["_fields"]

    @fields.setter
    def fields(self, value: dict[str, str]) -> None:
        self._heavy()
        self.__dict__["_fields"] = value

    @property
    def raw(self) -> str:
        self._heavy()
        return self.__dict__["_raw"]

    @raw.setter
    def raw(self, value: str) -> None:
        self._heavy()
        self.__dict__["_raw"] = value

    @property
    def source(self) -> Source:
        d = self.__dict__
        if "_source" not in d:
            d["_source"] = Source(d.pop("_shown"), d.pop("_line"))
        return d["_source"]

    @source.setter
    def source(self, value: Source) -> None:
        self.__dict__.pop("_shown", None)
        self.__dict__.pop("_line", None)
        self.__dict__["_source"] = value

    def __eq__(self, other: object) -> bool:
        """Equal to a BibRecord with the same values (the dataclass __eq__ compares types)."""
        if not isinstance(other, BibRecord):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _RECORD_FIELDS)

    __hash__ = None  # type: ignore[assignment]


_RECORD_FIELDS = tuple(BibRecord.__dataclass_fields__)


def _unpack(packed: object) -> tuple[dict[str, str], str]:
    """A record's (fields, raw) from its cached text (see ``pack_heavy``); empty ones if it
    is not that (the file's checksum matched, so only a doctored file gets here)."""
    try:
        raw, *parts = bytes(packed).decode("utf-8").split(_SUB)  # type: ignore[call-overload]
    except (ValueError, TypeError):
        return {}, ""
    if len(parts) % 2:
        return {}, ""
    return dict(zip(parts[::2], parts[1::2], strict=True)), raw


_new_lazy = object.__new__


def lazy_record(key: str, etype: str, packed: object, shown: str, line: int, title: str,
                title_norm: str, authors: list[str], year: int | None, doi: str | None,
                arxiv: str | None, short_norm: str) -> LazyRecord:
    """A record from a cached parse; ``packed`` is its (fields, raw) pair as JSON."""
    record = _new_lazy(LazyRecord)
    record.__dict__ = {
        "key": key, "type": etype, "_packed": packed, "_shown": shown, "_line": line,
        "title": title, "title_norm": title_norm, "authors": authors, "year": year,
        "doi": doi, "arxiv": arxiv, "shorttitle_norm": short_norm}
    return record


def _derived_key(index: BibIndex) -> str:
    """The bib content and relwork's code (the tables are made by other modules' code)."""
    content = index.content_key
    if not content:
        return ""
    return hashlib.blake2b(f"{content}\x00{blobs.code_key()}".encode(),
                           digest_size=16).hexdigest()


def read_derived(folder: blobs.CacheFolder, index: BibIndex, name: str,
                 convert: Callable[[Any], Any]) -> Any:
    """A value derived from the whole ``index`` (e.g. matching tables) cached by
    ``write_derived``: ``convert`` makes it from the stored plain JSON data, returning None
    when the data does not have the shape it needs. None when absent, made from other bib
    content, or untrusted (then a notice is left in ``folder``)."""
    key = _derived_key(index)
    if not key:
        return None
    file = folder.path / f"derived-{name}-{key}.json"
    try:
        payload = blobs.read_payload(file, f"derived-{name}", key)
        if payload is None:
            return None
        value = convert(json.loads(bytes(payload)))
        if value is None:
            raise blobs.CacheIgnored("unexpected content")
        return value
    except blobs.CacheIgnored as exc:
        folder.ignored(file, str(exc))
    except ValueError:
        folder.ignored(file, "damaged content")
    return None


def write_derived(folder: blobs.CacheFolder, index: BibIndex, name: str, value: Any) -> None:
    """Cache ``value`` (plain JSON data) for ``index``'s exact content."""
    key = _derived_key(index)
    if key:
        payload = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        blobs.write_payload(folder.path / f"derived-{name}-{key}.json", f"derived-{name}",
                            key, payload, replaces=f"derived-{name}-*.json")
