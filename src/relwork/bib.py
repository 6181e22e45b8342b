"""BibTeX files -> ``BibIndex`` (records by key, DOI, arXiv id, normalised title) and back.

The stage reads ``.bib`` files with its own splitter: it finds the same entries, keys, raw
field values and lines as bibtexparser 2.x's splitter (tests/test_bib_corpus.py checks this
on 22,000 real entries), counts braces like BibTeX, and is about 3x faster than
``bibtexparser.parse_string`` because it builds no block objects and decodes no LaTeX it
does not need (only titles and author names are converted). Every record keeps the exact text
of its entry (``raw``), so the cited-only ``.bib`` is a verbatim copy. Bad input becomes
``Problem``s and ``FailedBlock``s, never an exception. Parsed files are cached under
``<root>/.relwork/cache/`` keyed by their content hash.
"""

from __future__ import annotations

import gc
import glob
import hashlib
import os
import pickle
import re
import sys
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .config import Config
from .ids import arxiv_of_doi, family_of_words, normalize_arxiv, normalize_doi, normalize_title
from .model import BibRecord, Problem, Source
from .text import latex_to_text

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class FailedBlock:
    """A block that could not be parsed: where it starts, its text, why, and its key if seen."""

    source: Source
    raw: str
    error: str
    key: str | None = None


@dataclass(frozen=True)
class BibString:
    """An ``@string`` macro: name as written, raw value, the block's exact text and place."""

    name: str
    value: str
    raw: str
    source: Source


@dataclass
class BibIndex:
    """All records of the bibliography, with look-up tables built from normalised fields.

    ``records`` keeps the first entry of each key; the ``by_*`` tables map a normalised
    DOI / arXiv id / title / short title to the keys having it, in file order.
    """

    records: dict[str, BibRecord] = field(default_factory=dict)
    by_doi: dict[str, list[str]] = field(default_factory=dict)
    by_arxiv: dict[str, list[str]] = field(default_factory=dict)
    by_title: dict[str, list[str]] = field(default_factory=dict)
    by_short: dict[str, list[str]] = field(default_factory=dict)
    strings: dict[str, BibString] = field(default_factory=dict)  # lowercase name -> macro
    preambles: list[tuple[Source, str]] = field(default_factory=list)
    failed: list[FailedBlock] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: values other stages derive from this index and keep while it lives (lookups,
    #: rendered fragments), so a long-running process does that work once
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def get(self, key: str) -> BibRecord | None:
        """The record with exactly this key, or None."""
        return self.records.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.records


# --------------------------------------------------------------------------- files

_GLOB_CHARS = re.compile(r"[*?\[]")


def collect_bib_files(
    config: Config, paths: Sequence[str] | None = None
) -> tuple[list[Path], list[Problem]]:
    """The ``.bib`` files named by ``paths`` (default: ``config.bib``), in the order given.

    Items are files, folders (searched recursively for ``*.bib``, hidden folders skipped)
    or globs, relative to the config's folder. Missing items become error Problems.
    Returns the files (as found, de-duplicated) and the problems.
    """
    from_config = not paths  # None or empty (click's multiple=True gives ()): use the config
    items = list(config.bib if from_config else paths or [])
    where = config.where("bib") if from_config else None
    fix = (f"fix the 'bib' list in {config.file_name}" if from_config
           else "check the path given with --bib")
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            files.append(path)

    for item in items:
        target = config.resolve(item)
        if _GLOB_CHARS.search(item):
            found = sorted(Path(p) for p in glob.glob(str(target), recursive=True))
            found = [p for p in found if p.is_file()]
            if not found:
                problems.append(Problem(
                    "error", f"no file matches the bib pattern '{item}'", where,
                    f"{fix}, or create the file", "bib-missing"))
            for p in found:
                add(p)
        elif target.is_dir():
            found = sorted(
                p for p in target.rglob("*.bib")
                if p.is_file() and not any(
                    part.startswith(".") for part in p.relative_to(target).parts[:-1])
            )
            if not found:
                problems.append(Problem(
                    "error", f"no .bib files in folder {config.display(target)}", where,
                    f"export your library there (e.g. Zotero/Better BibTeX) or {fix}",
                    "bib-missing"))
            for p in found:
                add(p)
        elif target.is_file():
            add(target)
        else:
            problems.append(Problem(
                "error", f"bib file not found: {config.display(target)}", where,
                f"{fix}, or export your library to that path", "bib-missing"))
    if not items:
        problems.append(Problem(
            "error", "no bibliography given", where,
            f"list your .bib files under 'bib:' in {config.file_name} or pass --bib FILE",
            "bib-missing"))
    return files, problems


# --------------------------------------------------------------------------- splitter

# A `{...}` group with up to 6 levels of nesting, written as "unrolled loops" so that a
# failing match backtracks in linear time. Deeper nesting falls back to the slow scanner.
_BRACED = r"\{[^{}]*\}"
for _ in range(5):
    _BRACED = r"\{[^{}]*(?:" + _BRACED + r"[^{}]*)*\}"
_QUOTED = r'"[^"{}]*(?:' + _BRACED + r'[^"{}]*)*"'
_BARE = r'[^\s,{}"#=()]+'
_PART = r"(?:" + _BRACED + "|" + _QUOTED + "|" + _BARE + ")"
_VALUE = _PART + r"(?:\s*#\s*" + _PART + r")*"
# name = value, then the separator: `,` (more fields) or `}` (end of the entry)
_FIELD = re.compile(r'\s*([^\s=,{}"#()]+)\s*=\s*(' + _VALUE + r")\s*([,}])")
_CLOSE = re.compile(r"\s*\}")
_ENTRY_HEAD = re.compile(r'@(\w+)[ \t]*\{\s*([^\s,{}"#=()]*)\s*([,}])')
# Any block start (bibtexparser's rule); and one at a line start, which ends any open block.
_BLOCK_START = re.compile(r"@(\w*)[ \t]*([{(])")
# (a leading "\n" rather than "^" with MULTILINE lets the regex engine skip ahead fast)
_LINE_BLOCK_START = re.compile(r"\n[ \t]*(@)\w*[ \t]*[{(]")
_FIRST_BLOCK_START = re.compile(r"[ \t]*(@)\w*[ \t]*[{(]")
_FAILED_KEY = re.compile(r'@\w*[ \t]*[{(]\s*([^\s,{}"#=()]+)\s*,')


_intern = sys.intern


class _Abort(Exception):
    """A block cannot be parsed; the message says why."""


# One parsed entry, compact for pickling (a tuple, interned names): key, type, fields, line,
# raw, title, title_norm, authors, year, doi, arxiv, shorttitle_norm.
_RecordTuple = tuple[str, str, dict[str, str], int, str, str, str, list[str],
                     "int | None", "str | None", "str | None", str]


@dataclass
class _ParsedFile:
    """What one file holds, without its path (so the cache works wherever it is shown)."""

    records: list[_RecordTuple] = field(default_factory=list)
    strings: list[tuple[str, str, str, int]] = field(default_factory=list)  # name, value, raw, line
    preambles: list[tuple[str, int]] = field(default_factory=list)  # raw, line
    failed: list[tuple[str, str, int, str | None]] = field(default_factory=list)
    problems: list[tuple[str, str, int, str, str]] = field(default_factory=list)

    def as_tuple(self) -> tuple[Any, ...]:
        return (self.records, self.strings, self.preambles, self.failed, self.problems)


def _split(text: str) -> _ParsedFile:
    """Parse one file's text into records, macros, preambles, failed blocks and problems."""
    out = _ParsedFile()
    macros: dict[str, str] = {}
    n = len(text)
    # '@' positions of block starts at a line start: an open block never runs past one
    first = _FIRST_BLOCK_START.match(text)
    starts = [first.start(1)] if first else []
    starts += [m.start(1) for m in _LINE_BLOCK_START.finditer(text)]
    starts.append(n)
    k = 0
    pos = 0
    line = 1
    line_pos = 0
    while pos < n:
        while starts[k] < pos:
            k += 1
        m = _BLOCK_START.search(text, pos, starts[k])  # a block start in the middle of a line
        if m is None:
            if starts[k] >= n:
                break
            m = _BLOCK_START.match(text, starts[k])
            if m is None:  # cannot happen: both regexes agree on what a block start is
                pos = starts[k] + 1
                continue
        at = m.start()
        line += text.count("\n", line_pos, at)
        line_pos = at
        limit = starts[k + 1] if starts[k] == at else starts[k]
        kind = m.group(1).lower()
        try:
            if kind == "comment":
                end = _skip_group(text, m.end() - 1, limit)
            elif kind == "string":
                end = _parse_string(text, m, limit, line, out, macros)
            elif kind == "preamble":
                end = _skip_group(text, m.end() - 1, limit)
                out.preambles.append((text[at:end], line))
            elif not kind:
                raise _Abort("the entry has no type (write @article{..., @misc{..., ...)")
            else:
                end = _parse_entry(text, m, limit, line, out, macros)
        except _Abort as exc:
            if kind != "comment":
                raw = text[at:limit].rstrip()
                km = _FAILED_KEY.match(raw)
                out.failed.append((raw, str(exc), line, km.group(1) if km else None))
            end = limit
        pos = end
    return out


def _skip_group(text: str, open_at: int, limit: int) -> int:
    """Index after the delimiter closing the `{` or `(` at ``open_at`` (braces nest)."""
    closer = "}" if text[open_at] == "{" else ")"
    depth = 0
    for m in _DELIMS.finditer(text, open_at + 1, limit):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}" and depth:
            depth -= 1
        elif c == closer and depth == 0:
            return m.end()
    raise _Abort(f"no closing '{closer}' before the next entry or the end of the file")


_DELIMS = re.compile(r"[{}()]")


def _parse_string(text: str, m: re.Match[str], limit: int, line: int,
                  out: _ParsedFile, macros: dict[str, str]) -> int:
    if m.group(2) == "{":
        fm = _FIELD.match(text, m.end(), limit)
        if fm is not None and fm.group(3) == "}":
            name, value, end = fm.group(1), fm.group(2), fm.end()
        else:
            fm = None
    else:
        fm = None
    if fm is None:  # paren-delimited, trailing comma or deep nesting: the careful scanner
        fields, end, _dups = _scan_fields(text, m.end(), limit, "}" if m.group(2) == "{"
                                          else ")")
        if len(fields) != 1:
            raise _Abort("an @string block must hold exactly one 'name = value'")
        name, value = fields[0]
    macros.setdefault(name.lower(), value)
    out.strings.append((name, value, text[m.start():end], line))
    return end


def _parse_entry(text: str, m: re.Match[str], limit: int, line: int,
                 out: _ParsedFile, macros: dict[str, str]) -> int:
    at = m.start()
    names: dict[str, str] = {}
    dups: list[str] = []
    head = _ENTRY_HEAD.match(text, at, limit) if m.group(2) == "{" else None
    end = -1
    if head is not None:
        key, sep = head.group(2, 3)
        p = head.end()
        if sep == "}":
            end = p
        else:
            # scanner.match() matches field after field, each where the previous one ended
            for fm in iter(_FIELD.scanner(text, p, limit).match, None):  # type: ignore[attr-defined]
                name, value, sep = fm.groups()
                lname = _intern(name.lower())  # shared names keep the cache small and fast
                if lname in names:
                    dups.append(lname)
                else:
                    names[lname] = value
                p = fm.end()
                if sep == "}":
                    end = p
                    break
            else:
                cm = _CLOSE.match(text, p, limit)
                if cm is not None:
                    end = cm.end()
    if end < 0:  # unusual syntax or an error: the careful scanner decides (and explains)
        key, fields, end = _scan_entry(text, m, limit)
        names.clear()
        dups.clear()
        for name, value in fields:
            lname = _intern(name.lower())
            if lname in names:
                dups.append(lname)
            else:
                names[lname] = value
    if not key:
        raise _Abort("the entry has no key")
    raw = text[at:end]
    if dups:
        out.problems.append((
            "warning",
            f"entry {key} has the field(s) {', '.join(sorted(set(dups)))} more than once; "
            "BibTeX uses the first",
            line, "delete the extra field", "bib-duplicate-field"))
    out.records.append(_derive(key, _intern(m.group(1).lower()), names, line, raw, macros))
    return end


def _scan_entry(text: str, m: re.Match[str], limit: int) -> tuple[str, list[tuple[str, str]],
                                                                    int]:
    """Slow, careful parse of one entry; raises ``_Abort`` with a reason on bad syntax."""
    closer = "}" if m.group(2) == "{" else ")"
    p = m.end()
    km = (_KEY_IN_BRACES if closer == "}" else _KEY_IN_PARENS).match(text, p, limit)
    if km is None:
        raise _Abort("expected 'key,' after the entry type")
    if km.group(2) == closer:
        return km.group(1), [], km.end()
    if km.group(2) != ",":
        raise _Abort(f"expected ',' after the key, found '{km.group(2)}'")
    fields, end, _dups = _scan_fields(text, km.end(), limit, closer)
    return km.group(1), fields, end


_KEY_IN_BRACES = re.compile(r"\s*([^,}]*?)\s*([,}])")
_KEY_IN_PARENS = re.compile(r"\s*([^,)]*?)\s*([,)])")
_NAME = re.compile(r'\s*([^\s=,{}"#()]+)\s*=\s*')
_BARE_RE = re.compile(_BARE)
_WS = re.compile(r"\s*")


def _scan_fields(text: str, p: int, limit: int, closer: str
                 ) -> tuple[list[tuple[str, str]], int, list[str]]:
    """Fields from ``p`` to the closing delimiter; returns them and the index after it."""
    fields: list[tuple[str, str]] = []
    where = "the next entry" if limit < len(text) else "the end of the file"
    while True:
        p = _WS.match(text, p, limit).end()  # type: ignore[union-attr]
        if p >= limit:
            raise _Abort(f"the entry is not closed before {where} (a missing '{closer}'?)")
        if text[p] == closer:
            return fields, p + 1, []
        nm = _NAME.match(text, p, limit)
        if nm is None:
            snippet = text[p:p + 20].split("\n")[0]
            raise _Abort(f"expected 'name = value' but found '{snippet}'")
        start = p = nm.end()
        while True:  # value parts joined by '#'
            if p >= limit:
                raise _Abort("a field value is not closed before the next entry or the end "
                             "of the file (a missing '}'?)")
            c = text[p]
            if c == "{":
                p = _close_brace(text, p, limit)
            elif c == '"':
                p = _close_quote(text, p, limit)
            else:
                bm = _BARE_RE.match(text, p, limit)
                if bm is None:
                    raise _Abort(f"field '{nm.group(1)}' has no value")
                p = bm.end()
            value_end = p
            p = _WS.match(text, p, limit).end()  # type: ignore[union-attr]
            if p < limit and text[p] == "#":
                p = _WS.match(text, p + 1, limit).end()  # type: ignore[union-attr]
                continue
            break
        fields.append((nm.group(1), text[start:value_end]))
        if p < limit and text[p] == ",":
            p += 1
        elif p < limit and text[p] == closer:
            return fields, p + 1, []
        elif p >= limit:
            raise _Abort(f"the entry is not closed before {where} (a missing '{closer}', "
                         f"maybe in the value of '{nm.group(1)}')")
        else:
            raise _Abort(f"expected ',' or '{closer}' after the value of '{nm.group(1)}' "
                         "(a missing comma or brace?)")


_BRACE_RE = re.compile(r"[{}]")


def _close_brace(text: str, p: int, limit: int) -> int:
    depth = 0
    for m in _BRACE_RE.finditer(text, p, limit):
        if m.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.end()
    raise _Abort("a '{' is never closed before the next entry or the end of the file")


def _close_quote(text: str, p: int, limit: int) -> int:
    depth = 0
    for m in re.finditer(r'[{}"]', text[p + 1:limit]):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                raise _Abort("unbalanced '}' inside a quoted value")
        elif depth == 0:
            return p + 1 + m.end()
    raise _Abort('a \'"\' is never closed before the next entry or the end of the file')


# --------------------------------------------------------------------------- values


def field_text(raw: str, macros: dict[str, str] | None = None) -> str:
    """A raw field value as BibTeX sees it: delimiters off, parts joined, macros expanded.

    Inner braces stay (``{{PULSE}: x}`` -> ``{PULSE}: x``); unknown macros stay as names.
    """
    c = raw[:1]
    if (c == "{" or c == '"') and "#" not in raw:
        return raw[1:-1]
    if c not in "{\"" and raw.isdigit():
        return raw
    parts: list[str] = []
    p = 0
    n = len(raw)
    while p < n:
        c = raw[p]
        if c == "{":
            q = _close_brace(raw, p, n)
            parts.append(raw[p + 1:q - 1])
        elif c == '"':
            q = _close_quote(raw, p, n)
            parts.append(raw[p + 1:q - 1])
        elif c.isspace() or c == "#":
            p += 1
            continue
        else:
            bm = _BARE_RE.match(raw, p)
            q = bm.end() if bm else n
            name = raw[p:q]
            if name.isdigit():
                parts.append(name)
            else:
                lname = name.lower()
                if macros and lname in macros:
                    parts.append(field_text(macros[lname], None))
                else:
                    parts.append(_MONTHS.get(lname, name))
        p = q
    return "".join(parts)


_MONTHS = {m[:3].lower(): m for m in (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December")}


def macro_names(raw: str) -> list[str]:
    """Lowercase names of the @string macros a raw value uses (outside braces and quotes)."""
    c = raw[:1]
    if (c == "{" or c == '"') and "#" not in raw:
        return []
    names: list[str] = []
    p = 0
    n = len(raw)
    while p < n:
        c = raw[p]
        if c == "{":
            p = _close_brace(raw, p, n)
        elif c == '"':
            p = _close_quote(raw, p, n)
        elif c.isspace() or c == "#":
            p += 1
        else:
            bm = _BARE_RE.match(raw, p)
            q = bm.end() if bm else n
            name = raw[p:q]
            if not name.isdigit():
                names.append(name.lower())
            p = q
    return names


# --------------------------------------------------------------------------- names


_AND_RE = re.compile(r"\s+and\s+", re.IGNORECASE)
_NAME_TOKENS = re.compile(r"[{}]|\s+and\s+|,|\s+", re.IGNORECASE)


def _split_depth0(text: str) -> list[list[list[str]]]:
    """Split a name list at ' and ' outside braces, each name into comma parts, each part
    into words: [[["von", "Last"], ["First"]], ...]."""
    names: list[list[list[str]]] = [[[]]]
    depth = 0
    word_start = 0
    for m in _NAME_TOKENS.finditer(text):
        tok = m.group()
        if tok == "{":
            depth += 1
            continue
        if tok == "}":
            depth = max(depth - 1, 0)
            continue
        if depth:
            continue
        word = text[word_start:m.start()]
        if word:
            names[-1][-1].append(word)
        word_start = m.end()
        if tok == ",":
            names[-1].append([])
        elif tok.strip():  # ' and '
            names.append([[]])
    word = text[word_start:]
    if word:
        names[-1][-1].append(word)
    return names


def family_names(raw: str) -> list[str]:
    """Family names (von part included, e.g. "van der Maaten") of a BibTeX name list, in
    order; "and others" is dropped; "{Org Name}" stays whole."""
    out: list[str] = []
    if "{" not in raw:  # the common case: no braces, so splitting needs no depth tracking
        for name in _AND_RE.split(raw.strip()):
            if "," in name:  # "von Last, First"
                family = " ".join(name.split(",", 1)[0].split())
            else:
                words = name.split()
                if not words or (len(words) == 1 and words[0].lower() == "others"):
                    continue
                family = family_of_words(words)
            if "\\" in family or "~" in family:
                family = latex_to_text(family)
            if family:
                out.append(family)
        return out
    for parts in _split_depth0(raw.strip()):
        parts = [p for p in parts if p]
        if not parts:
            continue
        if len(parts) == 1 and len(parts[0]) == 1 and parts[0][0].lower() == "others":
            continue
        if len(parts) >= 2:  # "von Last, First" or "von Last, Jr, First"
            family = " ".join(parts[0])
        else:
            family = family_of_words(parts[0])
        text = latex_to_text(family)
        if text:
            out.append(text)
    return out


# --------------------------------------------------------------------------- derived fields

_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _plain(fields: dict[str, str], name: str, macros: dict[str, str]) -> str:
    raw = fields.get(name)
    return field_text(raw, macros) if raw else ""


def _derive(key: str, etype: str, fields: dict[str, str], line: int,
            raw: str, macros: dict[str, str]) -> _RecordTuple:
    """The normalised views of one entry, as a compact tuple (see ``_RecordTuple``)."""
    title = latex_to_text(_plain(fields, "title", macros))
    names = _plain(fields, "author", macros) or _plain(fields, "editor", macros)
    authors = family_names(names) if names else []
    year = None
    ym = _YEAR_RE.search(_plain(fields, "year", macros) or _plain(fields, "date", macros))
    if ym:
        year = int(ym.group(1))
    doi = _doi(_plain(fields, "doi", macros), fields.get("url", ""))
    arxiv = _arxiv(fields, macros, doi)
    short = _plain(fields, "shorttitle", macros)
    if short:
        short_norm = normalize_title(short)
    else:
        head, colon, _rest = title.partition(":")
        short_norm = normalize_title(head) if colon and len(head.split()) <= 3 else ""
    return (key, etype, fields, line, raw, title, normalize_title(title), authors, year, doi,
            arxiv, short_norm)


def _doi(value: str, url: str) -> str | None:
    if value:
        return normalize_doi(value)
    if url and "doi.org/" in url:
        return normalize_doi(url[url.index("doi.org/"):].rstrip("}"))
    return None


def _arxiv(fields: dict[str, str], macros: dict[str, str], doi: str | None) -> str | None:
    eprint = _plain(fields, "eprint", macros)
    if eprint:
        prefix = (_plain(fields, "archiveprefix", macros)
                  or _plain(fields, "eprinttype", macros)).lower()
        found = normalize_arxiv(eprint)
        if found and (prefix in ("", "arxiv") or "arxiv" in prefix):
            return found
    if "arxiv" in fields:
        found = normalize_arxiv(_plain(fields, "arxiv", macros))
        if found:
            return found
    for name in ("journal", "journaltitle", "booktitle", "note", "howpublished", "volume"):
        value = fields.get(name)
        if value and ("arxiv" in value.lower() or name == "volume"):
            text = field_text(value, macros)
            low = text.lower()
            if "arxiv" in low:
                found = normalize_arxiv(text)
                if found:
                    return found
            elif name == "volume" and low.startswith("abs/") and \
                    "corr" in fields.get("journal", "").lower():
                found = normalize_arxiv(text[4:])  # DBLP: journal = {CoRR}, volume = {abs/...}
                if found:
                    return found
    url = fields.get("url", "")
    if url and "arxiv.org/" in url.lower():
        found = normalize_arxiv(url)
        if found:
            return found
    return arxiv_of_doi(doi) if doi else None


# --------------------------------------------------------------------------- loading


def _read_bytes(path: Path, shown: str) -> tuple[bytes | None, Problem | None]:
    try:
        return path.read_bytes(), None
    except OSError as exc:
        return None, Problem("error", f"cannot read {shown}: {exc.strerror}", Source(shown),
                             "check that the file exists and is readable", "bib-read")


def _decode(data: bytes, encoding: str, shown: str) -> tuple[str | None, Problem | None]:
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
            f"(0x{data[exc.start]:02x}) cannot be decoded; the file was skipped",
            Source(shown, line),
            "save the file as UTF-8, or set 'bib_encoding' in relwork.yaml to its real "
            "encoding (e.g. bib_encoding: latin-1)", "bib-encoding")
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


_CACHE_FORMAT = 5
_MAGIC = b"RWBIB\x00\x00\x04"


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """Size and mtime of this module: a cache never outlives the code that wrote it."""
    try:
        st = os.stat(__file__)
        return f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return ""


#: Libraries whose behaviour is part of what the caches hold (Markdown parsing, YAML
#: front matter, fuzzy scores): an upgrade of one makes the caches stale.
_LIBRARIES = ("markdown_it", "mdit_py_plugins", "yaml", "rapidfuzz")


@lru_cache(maxsize=1)
def code_key() -> str:
    """relwork's version, the size and mtime of its modules and templates and of the
    libraries in _LIBRARIES: the key of caches whose content depends on code (notes,
    matches, lint, rendering, bib tables). Any change of relwork's code makes them stale,
    not only of the module that made them: safe, and an upgrade changes them all anyway.
    The libraries are located, not imported (imports cost start-up time)."""
    import importlib.util

    here = Path(__file__).parent
    parts = [__version__, str(_CACHE_FORMAT), sys.version]
    for folder in (here, here / "templates"):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.endswith((".py", ".j2")):
                try:
                    st = os.stat(folder / name)
                except OSError:
                    continue
                parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    for library in _LIBRARIES:
        found: os.stat_result | None = None
        try:
            spec = importlib.util.find_spec(library)
            if spec is not None and spec.origin:
                found = os.stat(spec.origin)
        except (ImportError, ValueError, OSError):
            pass
        parts.append(f"{library}:{found.st_size}:{found.st_mtime_ns}" if found
                     else f"{library}:-")
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def read_cache_file(file: Path, key: str) -> Any:
    """The value ``write_cache_file`` stored in ``file`` under ``key``; None when the file
    is missing, damaged, truncated or has another key (a cache is never trusted)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small objects, no cycles
    try:
        return _blob_read(file, key)
    finally:
        if gc_was_enabled:
            gc.enable()


def write_cache_file(file: Path, key: str, value: Any) -> None:
    """Store ``value`` under ``key`` atomically (errors ignored: a cache only saves time)."""
    _blob_write(file, key, value)


def _cache_key(data: bytes, encoding: str) -> str:
    # SHA-256 runs on the CPU's SHA instructions where present: 3x faster than BLAKE2 here
    h = hashlib.sha256(data)
    h.update(f"\x00{codecs_name(encoding)}\x00{__version__}\x00{_CACHE_FORMAT}"
             f"\x00{_code_stamp()}".encode())
    return h.hexdigest()


def _cache_path(cache_dir: Path, path: Path, key: str) -> Path:
    slot = hashlib.blake2b(str(path.resolve()).encode(), digest_size=6).hexdigest()
    return cache_dir / f"bib-{slot}-{key}.pickle"


def _blob_read(file: Path, key: str) -> Any:
    """The object cached in ``file`` under ``key``, or None if absent, corrupt, truncated
    or stale."""
    try:
        blob = file.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 4
    if len(blob) < head or not blob.startswith(_MAGIC):
        return None
    payload = memoryview(blob)[head:]
    # CRC-32 finds damage (not tampering: the cache is the user's own file) 4x faster than
    # a cryptographic hash, which matters for a 20 MB cache read on every run
    if zlib.crc32(payload).to_bytes(4, "big") != blob[len(_MAGIC):head]:
        return None
    try:
        stored_key, value = pickle.loads(payload)
    except Exception:  # a damaged cache is never trusted
        return None
    return value if stored_key == key else None


def _blob_write(file: Path, key: str, value: Any) -> None:
    """Write ``(key, value)`` atomically (temp file + os.replace); drop older caches of the
    same slot (the file name up to its last '-')."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        digest = zlib.crc32(payload).to_bytes(4, "big")
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC)
                fh.write(digest)
                fh.write(payload)
            os.replace(tmp, file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        slot = file.name.rsplit("-", 1)[0]
        for old in file.parent.glob(f"{slot}-*.pickle"):
            if old != file:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # the cache is an optimisation; a read-only project still builds


def _cache_read(file: Path, key: str) -> _ParsedFile | None:
    """The cached parse of a file, or None if absent, corrupt, truncated or stale.

    Records come back with ``fields`` None and ``raw`` the pickled (fields, raw) pair:
    ``_merge`` makes them ``_LazyRecord``s, which unpickle it only when used."""
    parts = _blob_read(file, key)
    try:
        if not isinstance(parts, tuple) or len(parts) != 5:
            return None
        parsed = _ParsedFile(*parts)
        if not all(len(r) == 12 and r[2] is None and isinstance(r[4], bytes)
                   for r in parsed.records):
            return None
        return parsed
    except Exception:  # a damaged cache is never trusted: parse the file again
        return None


def _cache_write(file: Path, key: str, parsed: _ParsedFile) -> None:
    # fields and raw text (most of the bytes) are pickled per record, so that a build
    # unpickles only the records it cites (see _LazyRecord)
    dumps, protocol = pickle.dumps, pickle.HIGHEST_PROTOCOL
    records = [(k, t, None, line, dumps((fields, raw), protocol), *rest)
               for (k, t, fields, line, raw, *rest) in parsed.records]
    _blob_write(file, key, (records, *parsed.as_tuple()[1:]))


class _LazyRecord(BibRecord):
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


def _derived_key(index: BibIndex) -> str:
    """The bib content and relwork's code (the tables are made by other modules' code)."""
    content = index.derived.get("content-key")
    if not content:
        return ""
    return hashlib.blake2b(f"{content}\x00{code_key()}".encode(), digest_size=16).hexdigest()


def read_derived(config: Config, index: BibIndex, name: str) -> Any:
    """A value derived from the whole ``index`` (e.g. matching tables) cached by
    ``write_derived``, or None when absent, damaged or made from other bib content."""
    key = _derived_key(index)
    if not key:
        return None
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small objects, no cycles
    try:
        return _blob_read(cache_dir(config) / f"derived-{name}-{key}.pickle", key)
    finally:
        if gc_was_enabled:
            gc.enable()


def write_derived(config: Config, index: BibIndex, name: str, value: Any) -> None:
    """Cache ``value`` for ``index``'s exact content (files, order, encoding, version)."""
    key = _derived_key(index)
    if key:
        _blob_write(cache_dir(config) / f"derived-{name}-{key}.pickle", key, value)


def cache_dir(config: Config) -> Path:
    """Where parsed bibliographies are cached: ``<root>/.relwork/cache``."""
    return config.root / ".relwork" / "cache"


def parse_bib_text(text: str, path: str = "<string>") -> BibIndex:
    """Parse BibTeX text (no files, no cache) into an index; ``path`` is used in messages."""
    index = BibIndex(files=[path])
    _merge(index, _split(text), path)
    return index


def load_bib(files: Sequence[Path], config: Config, *, use_cache: bool = True) -> BibIndex:
    """Read ``files`` (in order; the first entry of a key wins) into a ``BibIndex``.

    Files are decoded with ``config.bib_encoding``. Problems (unreadable files, duplicate
    keys, blocks that fail to parse) are collected in ``index.problems``. With
    ``use_cache``, each file's parse is cached under ``<root>/.relwork/cache/``.
    """
    index = BibIndex()
    encoding = config.bib_encoding or "utf-8"
    folder = cache_dir(config)
    content = hashlib.blake2b(digest_size=16)  # all files' keys, in order: see read_derived
    complete = use_cache
    gc_was_enabled = gc.isenabled()
    gc.disable()  # tens of thousands of new objects, no cycles: collections only cost time
    try:
        for path in files:
            shown = config.display(path)
            index.files.append(shown)
            data, problem = _read_bytes(Path(path), shown)
            if data is None:
                index.problems.append(problem)  # type: ignore[arg-type]
                complete = False
                continue
            parsed: _ParsedFile | None = None
            cache_file: Path | None = None
            key = ""
            if use_cache:
                key = _cache_key(data, encoding)
                content.update(f"{shown}\x00{key}\x00".encode())
                cache_file = _cache_path(folder, Path(path), key)
                parsed = _cache_read(cache_file, key)
            if parsed is None:
                text, problem = _decode(data, encoding, shown)
                if text is None:
                    index.problems.append(problem)  # type: ignore[arg-type]
                    continue
                parsed = _split(text)
                if cache_file is not None:
                    _cache_write(cache_file, key, parsed)
            _merge(index, parsed, shown)
    finally:
        if gc_was_enabled:
            gc.enable()
    if complete and index.files:
        index.derived["content-key"] = content.hexdigest()
    return index


_new_lazy = object.__new__


def _merge(index: BibIndex, parsed: _ParsedFile, shown: str) -> None:
    """Add one file's parse to the index: records (first key wins), tables, problems."""
    records = index.records
    by_doi, by_arxiv, by_title, by_short = (index.by_doi, index.by_arxiv, index.by_title,
                                            index.by_short)
    problems = index.problems
    lower_seen = {k.lower(): k for k in records} if records else {}
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
        if fields is None:  # from the cache: raw holds the packed fields and text
            record = _new_lazy(_LazyRecord)
            record.__dict__ = {
                "key": key, "type": etype, "_packed": raw, "_shown": shown, "_line": line,
                "title": title, "title_norm": title_norm, "authors": authors, "year": year,
                "doi": doi, "arxiv": arxiv, "shorttitle_norm": short_norm}
            records[key] = record
        else:
            records[key] = BibRecord(
                key, etype, fields, Source(shown, line), raw, title, title_norm, authors, year,
                doi, arxiv, short_norm)
        if doi:
            by_doi.setdefault(doi, []).append(key)
        if arxiv:
            by_arxiv.setdefault(arxiv, []).append(key)
        if title_norm:
            by_title.setdefault(title_norm, []).append(key)
        if short_norm:
            by_short.setdefault(short_norm, []).append(key)
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
        index.failed.append(FailedBlock(src, raw, error, failed_key))
        what = f"entry {failed_key}" if failed_key else "this block"
        problems.append(Problem(
            "warning", f"cannot parse {what}: {error}; it is skipped", src,
            "fix the braces/commas of this entry (BibTeX would fail on it too)",
            "bib-parse"))
    for severity, message, line, hint, code in parsed.problems:
        problems.append(Problem(severity, message, Source(shown, line), hint, code))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- writing


def cited_bib_text(index: BibIndex, keys: Sequence[str], stubs: Sequence[BibRecord] = ()
                   ) -> tuple[str, list[Problem]]:
    """The cited-only ``.bib``: the @string macros used, the entries of ``keys`` (given order,
    each once) copied verbatim, then their crossref parents, then ``stubs``."""
    # the last result is kept on the index: a rebuild in watch usually cites the same keys
    slot = (tuple(keys), list(stubs))
    last = index.derived.get("cited-bib")
    if last is not None and last[0] == slot:
        return last[1], list(last[2])
    text, problems = _cited_bib_text(index, keys, stubs)
    index.derived["cited-bib"] = (slot, text, list(problems))
    return text, problems


def _cited_bib_text(index: BibIndex, keys: Sequence[str], stubs: Sequence[BibRecord]
                    ) -> tuple[str, list[Problem]]:
    problems: list[Problem] = []
    failed = {fb.key: fb for fb in index.failed if fb.key}
    lower_keys: dict[str, str] = {}

    def lower(key: str) -> str:
        """The key spelt ``key`` in another case ("" if none); the table is made only when
        a key is missing (it is 20,000 keys for a large bib)."""
        if not lower_keys:
            lower_keys.update((k.lower(), k) for k in index.records)
        return lower_keys.get(key.lower(), "")

    chosen: list[BibRecord] = []
    seen: set[str] = set()
    stub_keys = {s.key for s in stubs}  # written after the entries, below
    for key in keys:
        if key in seen:
            continue
        seen.add(key)
        rec = index.records.get(key)
        if rec is not None:
            chosen.append(rec)
        elif key in stub_keys:
            continue
        elif key in failed:
            fb = failed[key]
            problems.append(Problem(
                "error", f"cited key {key} is in a block that could not be parsed "
                f"({fb.error})", fb.source, "fix that entry in the .bib file", "bib-cited-failed"))
        else:
            close = lower(key)
            hint = (f"did you mean {close} (keys are case-sensitive)?" if close else
                    "add the entry to your .bib file or fix the key in the note")
            problems.append(Problem("error", f"cited key {key} is not in the bibliography",
                                    None, hint, "bib-missing-key"))
    # crossref parents: BibTeX wants them after every entry that refers to them
    parents: list[BibRecord] = []
    parent_keys: set[str] = set()
    queue = list(chosen)
    while queue:
        rec = queue.pop(0)
        ref = rec.fields.get("crossref")
        if not ref:
            continue
        pkey = field_text(ref).strip()
        parent = index.records.get(pkey) or index.records.get(lower(pkey))
        if parent is None:
            problems.append(Problem(
                "error", f"entry {rec.key} has crossref {pkey}, which is not in the "
                "bibliography", rec.source, "add the parent entry or remove the crossref",
                "bib-crossref"))
            continue
        if parent.key not in parent_keys:
            parent_keys.add(parent.key)
            parents.append(parent)
            queue.append(parent)
    entries = [r for r in chosen if r.key not in parent_keys] + parents
    # @string macros used, in their definition order, including macros used by macros
    needed: set[str] = set()
    todo: list[tuple[str, BibRecord | None]] = []
    for rec in entries:
        for value in rec.fields.values():
            todo.extend((name, rec) for name in _safe_macros(value))
    while todo:
        name, rec = todo.pop()
        if name in needed:
            continue
        macro = index.strings.get(name)
        if macro is None:
            if name not in _MONTHS and rec is not None:
                problems.append(Problem(
                    "warning", f"entry {rec.key} uses the @string macro '{name}', which no .bib "
                    "file defines", rec.source, f"define it with @string{{{name} = {{...}}}} or "
                    "write the value in braces", "bib-undefined-string"))
            continue
        needed.add(name)
        todo.extend((sub, rec) for sub in _safe_macros(macro.value))
    blocks = [s.raw for name, s in index.strings.items() if name in needed]
    used_files = {r.source.path for r in entries}
    blocks += [raw for src, raw in index.preambles if src.path in used_files]
    blocks += [r.raw for r in entries]
    for stub in stubs:
        if stub.key in seen and stub.key in index.records:
            problems.append(Problem("warning", f"stub for {stub.key} skipped: the key is in the "
                                    "bibliography", stub.source, None, "bib-stub"))
            continue
        blocks.append(stub.raw or _stub_text(stub))
    text = "\n\n".join(blocks)
    return (text + "\n" if text else ""), problems


def _safe_macros(value: str) -> list[str]:
    try:
        return macro_names(value)
    except _Abort:
        return []


def _stub_text(stub: BibRecord) -> str:
    lines = [f"@{stub.type or 'misc'}{{{stub.key},"]
    body = dict(stub.fields) or {"title": "{" + stub.title + "}"}
    lines += [f"  {name} = {value}," for name, value in body.items()]
    return "\n".join(lines) + "\n}"


def iter_records(index: BibIndex) -> Iterable[BibRecord]:
    """Records in file order."""
    return index.records.values()
