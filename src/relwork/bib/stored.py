"""The whole bib index kept as one cache file, opened lazily: a build whose bibliography
did not change reads the keys and plain values of all entries as text columns and makes a
record only when a stage asks for it (a warm build uses a few hundred of 20,000).

Keyed by the content key of all files (their bytes, encodings and order) and relwork's
code; data only, like every cache (see ``infra.cache``): a JSON head, text columns, and
each record's (fields, raw) JSON text, decoded on first use (``cache.LazyRecord``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import ItemsView, Iterator, MutableMapping, ValuesView
from pathlib import Path
from typing import Any

from ..infra import cache as blobs
from ..model import BibRecord, Problem, Source
from . import cache
from .index import BibIndex, BibString, FailedBlock

_SEP = "\x1f"
#: A column of line or file numbers (ASCII digits only: ``int`` takes other digits too).
_NUMBERS = re.compile(r"[0-9]+(?:\x1f[0-9]+)*")
#: What the file holds (the kind in its header).
INDEX_KIND = "bib-index"
#: The record columns of a parse, then the number of the file each record comes from.
_COLUMNS = 12


def index_file(folder: Path, content_key: str) -> tuple[Path, str]:
    """The file of the index of ``content_key``, and its cache key (content and code)."""
    key = hashlib.blake2b(f"{content_key}\x00{blobs.code_key()}".encode(),
                          digest_size=16).hexdigest()
    return folder / f"bib-index-{key}.json", key


class StoredRecords(MutableMapping[str, BibRecord]):
    """Records by key, in bib order, each made from the columns on first use."""

    def __init__(self, texts: list[str], heavy: memoryview, ends: list[int],
                 files: list[str]):
        self._texts = texts  # each column's text, split when first needed (_column)
        self._n = len(ends)
        self._split: dict[int, list[str]] = {}
        self._files = files
        self._heavy = heavy
        self._ends = ends
        keys = self._column(0)
        self._at = dict(zip(keys, range(len(keys)), strict=True))
        self._made: dict[str, BibRecord] = {}

    def _column(self, number: int) -> list[str]:
        col = self._split.get(number)
        if col is None:
            col = self._split[number] = cache.split_column(self._texts[number], self._n)
        return col

    @property
    def _cols(self) -> list[list[str]]:
        return [self._column(i) for i in range(_COLUMNS)]

    def __getitem__(self, key: str) -> BibRecord:
        record = self._made.get(key)
        if record is None:
            i = self._at[key]
            _, etype, title, norm, short, doi, arxiv, authors, line, year, _, place = (
                col[i] for col in self._cols)
            (names,), (number,), (doi_,), (arxiv_,) = cache.plain_columns(
                [authors], [year], [doi], [arxiv])
            start = self._ends[i - 1] if i else 0
            record = self._made[key] = cache.lazy_record(
                key, etype, self._heavy[start:self._ends[i]], self._files[int(place)],
                int(line), title, norm, names, number, doi_, arxiv_, short)
        return record

    def __setitem__(self, key: str, record: BibRecord) -> None:
        if key not in self._at:
            self._at[key] = -1  # a record added after reading (no column row)
        self._made[key] = record

    def __delitem__(self, key: str) -> None:
        del self._at[key]
        self._made.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def values(self) -> ValuesView[BibRecord]:
        """All records, made at once (a stage that reads every record: matching tables,
        works, spell-check words) in bib order."""
        return self._all().values()

    def items(self) -> ItemsView[str, BibRecord]:
        return self._all().items()

    def _all(self) -> dict[str, BibRecord]:
        """``_made`` with every record, in bib order (records made before are kept)."""
        made = self._made
        if len(made) == len(self._at) and list(made) == list(self._at):
            return made
        keys, types, titles, norms, shorts, dois, arxivs, authors, lines, years, _, places = \
            self._cols
        names, numbers, dois_, arxivs_ = cache.plain_columns(authors, years, dois, arxivs)
        ends, heavy, files = self._ends, self._heavy, self._files
        new = cache.lazy_record
        rows = {key: made.get(key) or new(
            key, types[i], heavy[ends[i - 1] if i else 0:ends[i]], files[int(places[i])],
            int(lines[i]), titles[i], norms[i], names[i], numbers[i], dois_[i], arxivs_[i],
            shorts[i]) for key, i in zip(keys, range(len(keys)), strict=True)
            if self._at.get(key, -1) == i}
        for key in self._at:  # records set after reading, in their place at the end
            if key not in rows:
                rows[key] = made[key]
        self._made = rows
        return rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def read_index(folder: Path, content_key: str) -> BibIndex | None:
    """The stored index of ``content_key``, or None when there is none;
    ``CacheIgnored`` when the file cannot be trusted."""
    file, key = index_file(folder, content_key)
    payload = blobs.read_payload(file, INDEX_KIND, key)
    if payload is None:
        return None
    none = cache.NONE_TEXT
    try:
        head, texts, heavy, ends = cache.column_texts(payload, _COLUMNS)
        if not _head_shape(head):
            raise ValueError("head")
        files = head["files"]
        n = head["n"]
        if not all(_NUMBERS.fullmatch(texts[i]) for i in (8, 11) if n) \
                or any(int(p) >= len(files) for p in set(cache.split_column(texts[11], n))) \
                or any(not (_number(y) or y == none)
                       for y in set(cache.split_column(texts[9], n))):
            raise ValueError("numbers")
        records = StoredRecords(texts, heavy, ends, files)
    except (ValueError, TypeError, KeyError, IndexError):
        raise blobs.CacheIgnored("unexpected content") from None
    index = BibIndex(records=records, files=list(files), content_key=content_key)
    for name, value, raw, shown, line in head["strings"]:
        index.strings[name.lower()] = BibString(name, value, raw, Source(shown, line))
    index.preambles = [(Source(shown, line), raw) for shown, line, raw in head["preambles"]]
    index.failed = [FailedBlock(Source(shown, line), raw, error, key_, title)
                    for shown, line, raw, error, key_, title in head["failed"]]
    index.problems = [Problem(severity, message,
                              None if shown is None else Source(shown, line or 0), hint, code,
                              key_)
                      for severity, message, shown, line, hint, code, key_ in head["problems"]]
    return index


_S, _I, _N = cache.STR, cache.INT, cache.NONE
_HEAD_ROWS: dict[str, tuple[set[type], ...]] = {
    "strings": (_S, _S, _S, _S, _I), "preambles": (_S, _I, _S),
    "failed": (_S, _I, _S, _S, _S | _N, _S),
    "problems": (_S, _S, _S | _N, _I | _N, _S | _N, _S, _S)}


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _head_shape(head: dict[str, Any]) -> bool:
    files = head.get("files")
    return (type(files) is list and all(type(f) is str for f in files)
            and all(cache.rows_of(head.get(name), types)
                    for name, types in _HEAD_ROWS.items())
            and all(row[0] in ("error", "warning", "info") for row in head["problems"]))


def write_index(folder: Path, index: BibIndex) -> None:
    """Store ``index`` for its content key (nothing when it has none, or when a value
    cannot be kept; notes about ignored cache files are not kept: they were this build's)."""
    if not index.content_key:
        return
    place = {shown: str(i) for i, shown in enumerate(index.files)}
    heavy: list[Any] = []
    rows: list[list[str]] = []
    for key, rec in index.records.items():
        packed = rec.__dict__.get("_packed")
        # the text as the per-file parse holds it (a buffer: joined below without a copy)
        data = packed if packed is not None else cache.pack_heavy(rec.fields, rec.raw)
        source = rec.source
        texts = None if data is None else cache.record_texts(
            key, rec.type, rec.title, rec.title_norm, rec.shorttitle_norm, rec.doi,
            rec.arxiv, rec.authors, source.line, rec.year, len(data))
        if texts is None or data is None or source.path not in place or key != rec.key:
            return
        texts.append(place[source.path])
        heavy.append(data)
        rows.append(texts)
    head = {
        "files": index.files,
        "strings": [[s.name, s.value, s.raw, s.source.path, s.source.line]
                    for s in index.strings.values()],
        "preambles": [[src.path, src.line, raw] for src, raw in index.preambles],
        "failed": [[f.source.path, f.source.line, f.raw, f.error, f.key, f.title]
                   for f in index.failed],
        "problems": [[p.severity, p.message, p.source.path if p.source else None,
                      p.source.line if p.source else None, p.hint, p.code, p.key]
                     for p in index.problems if p.code != blobs.IGNORED],
    }
    file, key = index_file(folder, index.content_key)
    blobs.write_payload(file, INDEX_KIND, key, cache.pack_columns(head, rows, heavy, _COLUMNS),
                        replaces="bib-index-*.json")
