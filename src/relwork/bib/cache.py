"""The bib stage's caches: each file's parse, keyed by its bytes, encoding and the parsing
code, read back as records that decode their fields on first use; and values other stages
derive from a whole index, keyed by the bib content and relwork's code. Data only: JSON
and raw bytes (see ``infra.cache``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
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
#: What a bib file's cache holds (the kind in its header).
PARSE_KIND = "bib-parse"


def cache_dir(config: Config) -> Path:
    """Where parsed bibliographies are cached: ``<root>/.relwork/cache``."""
    return config.root / ".relwork" / "cache"


def file_key(data: bytes, encoding: str) -> str:
    """The cache key of one file's parse: its bytes, the canonical name of its encoding,
    relwork's version, the cache format and the parsing code."""
    # SHA-256 runs on the CPU's SHA instructions where present: 3x faster than BLAKE2 here
    stamp = blobs.code_stamp(*(str(module.__file__) for module in _PARSE_MODULES))
    h = hashlib.sha256(data)
    h.update(f"\x00{encoding}\x00{__version__}\x00{blobs.CACHE_FORMAT}\x00{stamp}".encode())
    return h.hexdigest()


def file_cache_path(folder: Path, path: Path, key: str) -> Path:
    """The cache file of ``path``'s parse under ``key`` (one slot per bib file)."""
    slot = hashlib.blake2b(str(path.resolve()).encode(), digest_size=6).hexdigest()
    return folder / f"bib-{slot}-{key}.json"


def read_parse(file: Path, key: str) -> ParsedFile | None:
    """The cached parse of a file, or None if absent or stale; ``CacheIgnored`` when the
    file cannot be trusted.

    The payload is a JSON document (everything but each record's fields and raw text),
    a newline, then the records' (fields, raw) as JSON texts one after another: each
    record holds its slice, decoded by ``LazyRecord`` only when the record is used."""
    payload = blobs.read_payload(file, PARSE_KIND, key)
    if payload is None:
        return None
    cut = bytes(payload[:16]).find(b"\n")
    try:
        size = int(bytes(payload[:cut])) if cut > 0 else -1
        head = json.loads(bytes(payload[cut + 1:cut + 1 + size])) if size >= 0 else None
    except ValueError:
        head = None
    if not isinstance(head, dict) or not _parse_shape(head):
        raise blobs.CacheIgnored("unexpected content")
    heavy = payload[cut + 1 + size:]
    limit = len(heavy)
    records = []
    for r in head["records"]:
        start, end = r[2], r[4]
        if not 0 <= start <= end <= limit:
            raise blobs.CacheIgnored("unexpected content")
        # the 12 slots of a parsed record: fields None, raw the slice of its (fields, raw)
        records.append((r[0], r[1], None, r[3], heavy[start:end], *r[5:]))
    return ParsedFile(records, head["strings"], head["preambles"], head["failed"],
                      head["problems"])


_RECORD_TYPES: tuple[Any, ...] = (str, str, int, int, int, str, str, list, (int, type(None)),
                 (str, type(None)), (str, type(None)), str)


def _parse_shape(head: dict[str, Any]) -> bool:
    """True when ``head`` has the shape ``write_parse`` gives (types of every slot)."""
    names = ("records", "strings", "preambles", "failed", "problems")
    lists: list[Any] = [head.get(n) for n in names]
    if not all(type(v) is list for v in lists):
        return False
    types = _RECORD_TYPES
    for r in lists[0]:
        if type(r) is not list or len(r) != 12:
            return False
        for value, kind in zip(r, types):  # noqa: B905 (lengths checked above)
            if not isinstance(value, kind) or type(value) is bool:
                return False
        if not all(type(a) is str for a in r[7]):
            return False
    maybe = (str, type(None))
    shapes: tuple[tuple[Any, ...], ...] = (
        (str, str, str, int), (str, int), (str, str, int, maybe), (str, str, int, maybe, str))
    for rows, shape in zip(lists[1:], shapes):  # noqa: B905
        for row in rows:
            if (type(row) is not list or len(row) != len(shape)
                    or not all(isinstance(v, k) and type(v) is not bool
                               for v, k in zip(row, shape))):  # noqa: B905
                return False
    return True


def write_parse(file: Path, key: str, parsed: ParsedFile) -> None:
    """Cache ``parsed`` under ``key`` (errors ignored: a cache only saves time)."""
    # fields and raw text (most of the bytes) are kept apart, one JSON text per record,
    # so that a build decodes only the records it cites (see LazyRecord)
    heavy: list[bytes] = []
    rows = []
    at = 0
    for key_, etype, fields, line, raw, *rest in parsed.records:
        packed = json.dumps([fields, raw], ensure_ascii=False,
                            separators=(",", ":")).encode("utf-8")
        heavy.append(packed)
        rows.append([key_, etype, at, line, at + len(packed), *rest])
        at += len(packed)
    head = json.dumps({"records": rows, "strings": parsed.strings,
                       "preambles": parsed.preambles, "failed": parsed.failed,
                       "problems": parsed.problems},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    payload = b"".join([str(len(head)).encode(), b"\n", head, *heavy])
    slot = file.name.rsplit("-", 1)[0]
    blobs.write_payload(file, PARSE_KIND, key, payload, replaces=f"{slot}-*.json")


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
    """A record's (fields, raw) from its cached JSON text; empty ones if it is not that
    (the file's checksum matched, so only a doctored file with the right key gets here)."""
    try:
        fields, raw = json.loads(bytes(packed))  # type: ignore[call-overload]
        if (type(fields) is dict and type(raw) is str
                and all(type(v) is str for v in fields.values())):
            return fields, raw
    except (ValueError, TypeError):
        pass
    return {}, ""


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
