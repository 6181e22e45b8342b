"""The bib stage's caches: each file's parse, keyed by its bytes, encoding and the parsing
code, read back as records that unpack their fields on first use; and values other stages
derive from a whole index, keyed by the bib content and relwork's code."""

from __future__ import annotations

import hashlib
import pickle
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
    return folder / f"bib-{slot}-{key}.pickle"


def read_parse(file: Path, key: str) -> ParsedFile | None:
    """The cached parse of a file, or None if absent, corrupt, truncated or stale.

    Records come back with ``fields`` None and ``raw`` the pickled (fields, raw) pair:
    ``lazy_record`` makes them records that unpickle it only when used."""
    parts = blobs.read_blob(file, key)
    try:
        if not isinstance(parts, tuple) or len(parts) != 5:
            return None
        parsed = ParsedFile(*parts)
        if not all(len(r) == 12 and r[2] is None and isinstance(r[4], bytes)
                   for r in parsed.records):
            return None
        return parsed
    except Exception:  # a damaged cache is never trusted: parse the file again
        return None


def write_parse(file: Path, key: str, parsed: ParsedFile) -> None:
    """Cache ``parsed`` under ``key`` (errors ignored: a cache only saves time)."""
    # fields and raw text (most of the bytes) are pickled per record, so that a build
    # unpickles only the records it cites (see LazyRecord)
    dumps, protocol = pickle.dumps, pickle.HIGHEST_PROTOCOL
    records = [(k, t, None, line, dumps((fields, raw), protocol), *rest)
               for (k, t, fields, line, raw, *rest) in parsed.records]
    blobs.write_blob(file, key, (records, *parsed.as_tuple()[1:]))


class LazyRecord(BibRecord):
    """A BibRecord read from the cache: ``fields`` and ``raw`` are unpickled, and ``source``
    made, on first use (a build needs them for the few records it cites, not for all)."""

    def _heavy(self) -> None:
        d = self.__dict__
        packed = d.pop("_packed", None)
        if packed is not None:
            d["_fields"], d["_raw"] = pickle.loads(packed)

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


_new_lazy = object.__new__


def lazy_record(key: str, etype: str, packed: object, shown: str, line: int, title: str,
                title_norm: str, authors: list[str], year: int | None, doi: str | None,
                arxiv: str | None, short_norm: str) -> LazyRecord:
    """A record from a cached parse; ``packed`` is its pickled (fields, raw) pair."""
    record = _new_lazy(LazyRecord)
    record.__dict__ = {
        "key": key, "type": etype, "_packed": packed, "_shown": shown, "_line": line,
        "title": title, "title_norm": title_norm, "authors": authors, "year": year,
        "doi": doi, "arxiv": arxiv, "shorttitle_norm": short_norm}
    return record


def _derived_key(index: BibIndex) -> str:
    """The bib content and relwork's code (the tables are made by other modules' code)."""
    content = index.derived.get("content-key")
    if not content:
        return ""
    return hashlib.blake2b(f"{content}\x00{blobs.code_key()}".encode(),
                           digest_size=16).hexdigest()


def read_derived(config: Config, index: BibIndex, name: str) -> Any:
    """A value derived from the whole ``index`` (e.g. matching tables) cached by
    ``write_derived``, or None when absent, damaged or made from other bib content."""
    key = _derived_key(index)
    if not key:
        return None
    return blobs.read_cache_file(cache_dir(config) / f"derived-{name}-{key}.pickle", key)


def write_derived(config: Config, index: BibIndex, name: str, value: Any) -> None:
    """Cache ``value`` for ``index``'s exact content (files, order, encoding, version)."""
    key = _derived_key(index)
    if key:
        blobs.write_blob(cache_dir(config) / f"derived-{name}-{key}.pickle", key, value)

