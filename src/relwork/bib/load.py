"""``.bib`` files -> ``BibIndex``: read, decode, parse (or take the parse from the cache) and
merge each file's records, macros, preambles and problems into one index."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Sequence
from pathlib import Path

from ..config import Config
from ..infra import cache as blobs
from ..model import BibRecord, Problem, Source
from . import cache, stored
from .index import BibIndex, BibString, FailedBlock
from .splitter import ParsedFile, failed_title, split_text


def parse_bib_text(text: str, path: str = "<string>") -> BibIndex:
    """Parse BibTeX text (no files, no cache) into an index; ``path`` is used in messages."""
    index = BibIndex(files=[path])
    merge(index, split_text(text), path)
    return index


def load_bib(files: Sequence[Path], config: Config, *, use_cache: bool = True) -> BibIndex:
    """Read ``files`` (in order; the first entry of a key wins) into a ``BibIndex``.

    Files are decoded with ``config.bib_encoding``. Problems (unreadable files, duplicate
    keys, blocks that fail to parse) are collected in ``index.problems``. With
    ``use_cache``, each file's parse is cached under ``<root>/.relwork/cache/``, and so is
    the whole index (``stored``): when no file changed, that one is opened instead.
    """
    encoding = config.bib_encoding or "utf-8"
    folder = cache.cache_dir(config)
    shown_files = [(Path(path), config.display(path)) for path in files]
    read = [(path, shown, *_read_bytes(path, shown)) for path, shown in shown_files]
    keys = ([cache.file_key(data, codecs_name(encoding)) if data is not None else ""
             for _, _, data, _ in read] if use_cache else [])
    content = ""
    if use_cache and read and all(data is not None for _, _, data, _ in read):
        # all files' keys, in order: the key of the stored index and of derived values
        content = hashlib.blake2b(b"".join(
            f"{shown}\x00{key}\x00".encode() for (_, shown, _, _), key in zip(
                read, keys, strict=True)), digest_size=16).hexdigest()
    notices: list[Problem] = []
    if content:
        try:
            stored_index = stored.read_index(folder, content)
            if stored_index is not None:
                return stored_index
        except blobs.CacheIgnored as exc:
            notices.append(blobs.notice(stored.index_file(folder, content)[0], str(exc),
                                        config.display))
    index = BibIndex()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # tens of thousands of new objects, no cycles: collections only cost time
    try:
        for n, (path, shown, data, problem) in enumerate(read):
            index.files.append(shown)
            if data is None:
                index.problems.append(problem)  # type: ignore[arg-type]
                continue
            parsed: ParsedFile | None = None
            cache_file: Path | None = None
            if use_cache:
                cache_file = cache.file_cache_path(folder, path, keys[n])
                try:
                    parsed = cache.read_parse(cache_file, keys[n])
                except blobs.CacheIgnored as exc:
                    index.problems.append(blobs.notice(cache_file, str(exc), config.display))
            if parsed is None:
                text, problem = decode_text(data, encoding, shown)
                if text is None:
                    index.problems.append(problem)  # type: ignore[arg-type]
                    continue
                parsed = split_text(text)
                if cache_file is not None:
                    parsed = cache.write_parse(cache_file, keys[n], parsed) or parsed
            merge(index, parsed, shown)
    finally:
        if gc_was_enabled:
            gc.enable()
    if content and index.files:
        index.content_key = content
        stored.write_index(folder, index)
    index.problems += notices
    return index


def merge(index: BibIndex, parsed: ParsedFile, shown: str) -> None:
    """Add one file's parse to the index: records (first key wins), macros, problems."""
    records = index.records
    index.forget_tables()  # made again from the records when next used
    problems = index.problems
    lower_seen = {k.lower(): k for k in records} if records else {}
    packed = parsed.packed
    for (key, etype, fields, line, raw, title, title_norm, authors, year, doi, arxiv,
         short_norm) in parsed.records:
        if key in records:
            first = records[key].source
            problems.append(Problem(
                "warning", f"key {key} at {shown}:{line} duplicates {first}; keeping the first",
                Source(shown, line), "delete or rename one of the two entries",
                "bib-duplicate-key"))
            continue
        lkey = key.lower()
        if lkey in lower_seen:
            other = records[lower_seen[lkey]]
            problems.append(Problem(
                "warning", f"key {key} differs from {other.key} ({other.source}) only in "
                "case; BibTeX treats them as the same entry", Source(shown, line),
                "rename one of them", "bib-case-key"))
        else:
            lower_seen[lkey] = key
        if packed is not None:  # from the cache: fields and raw are where its JSON text is
            records[key] = cache.lazy_record(
                key, etype, packed[fields:raw], shown, line,
                title, title_norm, authors, year, doi, arxiv, short_norm)
        else:
            records[key] = BibRecord(
                key, etype, fields, Source(shown, line), raw, title, title_norm, authors, year,
                doi, arxiv, short_norm)
    for name, value, raw, line in parsed.strings:
        lname = name.lower()
        old = index.strings.get(lname)
        if old is None:
            index.strings[lname] = BibString(name, value, raw, Source(shown, line))
        elif old.value != value:
            problems.append(Problem(
                "warning", f"@string {name} is defined again with another value; keeping the "
                f"first ({old.source})", Source(shown, line), "keep one definition",
                "bib-duplicate-string"))
    for raw, line in parsed.preambles:
        index.preambles.append((Source(shown, line), raw))
    for raw, error, line, failed_key in parsed.failed:
        src = Source(shown, line)
        index.failed.append(FailedBlock(src, raw, error, failed_key, failed_title(raw)))
        what = f"entry {failed_key}" if failed_key else "this block"
        problems.append(Problem(
            "warning", f"cannot parse {what}: {error}; it is skipped", src,
            "fix the braces/commas of this entry (BibTeX would fail on it too)",
            "bib-parse"))
    for severity, message, line, hint, code in parsed.problems:
        problems.append(Problem(severity, message, Source(shown, line), hint, code))  # type: ignore[arg-type]


def _read_bytes(path: Path, shown: str) -> tuple[bytes | None, Problem | None]:
    try:
        return path.read_bytes(), None
    except OSError as exc:
        return None, Problem("error", f"cannot read {shown}: {exc.strerror}", Source(shown),
                             "check that the file exists and is readable", "bib-read")


def decode_text(data: bytes, encoding: str, shown: str) -> tuple[str | None, Problem | None]:
    """Decoded text (newlines normalised), or None and a Problem naming the bad byte."""
    enc = encoding
    if data.startswith(b"\xef\xbb\xbf") and codecs_name(encoding) == "utf-8":
        enc = "utf-8-sig"
    try:
        text = data.decode(enc)
    except LookupError:
        return None, Problem("error", f"unknown bib_encoding '{encoding}'", None,
                             "set bib_encoding in relwork.yaml to a codec name such as utf-8 "
                             "or latin-1", "bib-encoding")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(
            "error", f"{shown} is not valid {encoding}: byte {exc.start} "
            f"(0x{data[exc.start]:02x}) cannot be decoded, so no paper is matched and "
            "nothing is written until it is fixed",
            Source(shown, line),
            "save the file as UTF-8, or set 'bib_encoding' in relwork.yaml to its real "
            "encoding, e.g. bib_encoding: latin-1", "bib-encoding")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None


def codecs_name(encoding: str) -> str:
    """The canonical codec name ("UTF8" -> "utf-8"), or the name itself if unknown."""
    import codecs

    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding
