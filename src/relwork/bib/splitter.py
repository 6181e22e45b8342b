"""BibTeX text -> ``ParsedFile``: entries (with their derived fields), @string macros,
@preambles, blocks that fail to parse and problems, each with its line.

It finds the same entries, keys, raw field values and lines as bibtexparser 2.x's splitter
(tests/test_bib_corpus.py checks this on 22,000 real entries), counts braces like BibTeX,
and is about 3x faster than ``bibtexparser.parse_string`` because it builds no block objects.
A fast regex path reads ordinary entries; anything unusual goes to a careful scanner that
explains what is wrong. Bad input becomes data, never an exception.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any

from .records import RecordTuple, derive
from .syntax import BARE, BARE_RE, BlockError, close_brace, close_quote

# A `{...}` group with up to 6 levels of nesting, written as "unrolled loops" so that a
# failing match backtracks in linear time. Deeper nesting falls back to the slow scanner.
_BRACED = r"\{[^{}]*\}"
for _ in range(5):
    _BRACED = r"\{[^{}]*(?:" + _BRACED + r"[^{}]*)*\}"
_QUOTED = r'"[^"{}]*(?:' + _BRACED + r'[^"{}]*)*"'
_PART = r"(?:" + _BRACED + "|" + _QUOTED + "|" + BARE + ")"
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
_FAILED_TITLE = re.compile(r'(?:^|[,\s])title\s*=\s*[{"]((?:[^{}"\n]|\{[^{}\n]*\})+)', re.I)
_FAILED_KEY = re.compile(r'@\w*[ \t]*[{(]\s*([^\s,{}"#=()]+)\s*,')


_intern = sys.intern


@dataclass
class ParsedFile:
    """What one file holds, without its path (so the cache works wherever it is shown)."""

    records: list[RecordTuple] = field(default_factory=list)
    strings: list[tuple[str, str, str, int]] = field(default_factory=list)  # name, value, raw, line
    preambles: list[tuple[str, int]] = field(default_factory=list)  # raw, line
    failed: list[tuple[str, str, int, str | None]] = field(default_factory=list)
    problems: list[tuple[str, str, int, str, str]] = field(default_factory=list)
    #: read from the cache: the records' (fields, raw) as JSON texts, one after another;
    #: each record's slots 2 and 4 then hold the start and end of its text here
    packed: Any = None

    def as_tuple(self) -> tuple[Any, ...]:
        return (self.records, self.strings, self.preambles, self.failed, self.problems)


def split_text(text: str) -> ParsedFile:
    """Parse one file's text into records, macros, preambles, failed blocks and problems."""
    out = ParsedFile()
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
                raise BlockError("the entry has no type (write @article{..., @misc{..., ...)")
            else:
                end = _parse_entry(text, m, limit, line, out, macros)
        except BlockError as exc:
            if kind != "comment":
                raw = text[at:limit].rstrip()
                km = _FAILED_KEY.match(raw)
                out.failed.append((raw, str(exc), line, km.group(1) if km else None))
            end = limit
        pos = end
    return out


def failed_title(raw: str) -> str:
    """The title of a block that could not be parsed, read as far as one line allows."""
    m = _FAILED_TITLE.search(raw)
    return " ".join(m.group(1).replace("{", "").replace("}", "").split()).rstrip(",") if m else ""


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
    raise BlockError(f"no closing '{closer}' before the next entry or the end of the file")


_DELIMS = re.compile(r"[{}()]")


def _parse_string(text: str, m: re.Match[str], limit: int, line: int,
                  out: ParsedFile, macros: dict[str, str]) -> int:
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
            raise BlockError("an @string block must hold exactly one 'name = value'")
        name, value = fields[0]
    macros.setdefault(name.lower(), value)
    out.strings.append((name, value, text[m.start():end], line))
    return end


def _parse_entry(text: str, m: re.Match[str], limit: int, line: int,
                 out: ParsedFile, macros: dict[str, str]) -> int:
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
        raise BlockError("the entry has no key")
    raw = text[at:end]
    if dups:
        out.problems.append((
            "warning",
            f"entry {key} has the field(s) {', '.join(sorted(set(dups)))} more than once; "
            "BibTeX uses the first",
            line, "delete the extra field", "bib-duplicate-field"))
    out.records.append(derive(key, _intern(m.group(1).lower()), names, line, raw, macros))
    return end


def _scan_entry(text: str, m: re.Match[str], limit: int) -> tuple[str, list[tuple[str, str]],
                                                                    int]:
    """Slow, careful parse of one entry; raises ``BlockError`` with a reason on bad syntax."""
    closer = "}" if m.group(2) == "{" else ")"
    p = m.end()
    km = (_KEY_IN_BRACES if closer == "}" else _KEY_IN_PARENS).match(text, p, limit)
    if km is None:
        raise BlockError("expected 'key,' after the entry type")
    if km.group(2) == closer:
        return km.group(1), [], km.end()
    if km.group(2) != ",":
        raise BlockError(f"expected ',' after the key, found '{km.group(2)}'")
    fields, end, _dups = _scan_fields(text, km.end(), limit, closer)
    return km.group(1), fields, end


_KEY_IN_BRACES = re.compile(r"\s*([^,}]*?)\s*([,}])")
_KEY_IN_PARENS = re.compile(r"\s*([^,)]*?)\s*([,)])")
_NAME = re.compile(r'\s*([^\s=,{}"#()]+)\s*=\s*')
_WS = re.compile(r"\s*")


def _scan_fields(text: str, p: int, limit: int, closer: str
                 ) -> tuple[list[tuple[str, str]], int, list[str]]:
    """Fields from ``p`` to the closing delimiter; returns them and the index after it."""
    fields: list[tuple[str, str]] = []
    where = "the next entry" if limit < len(text) else "the end of the file"
    while True:
        p = _WS.match(text, p, limit).end()  # type: ignore[union-attr]
        if p >= limit:
            raise BlockError(f"the entry is not closed before {where} (a missing '{closer}'?)")
        if text[p] == closer:
            return fields, p + 1, []
        nm = _NAME.match(text, p, limit)
        if nm is None:
            snippet = text[p:p + 20].split("\n")[0]
            raise BlockError(f"expected 'name = value' but found '{snippet}'")
        start = p = nm.end()
        while True:  # value parts joined by '#'
            if p >= limit:
                raise BlockError("a field value is not closed before the next entry or the end "
                             "of the file (a missing '}'?)")
            c = text[p]
            if c == "{":
                p = close_brace(text, p, limit)
            elif c == '"':
                p = close_quote(text, p, limit)
            else:
                bm = BARE_RE.match(text, p, limit)
                if bm is None:
                    raise BlockError(f"field '{nm.group(1)}' has no value")
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
            raise BlockError(f"the entry is not closed before {where} (a missing '{closer}', "
                         f"maybe in the value of '{nm.group(1)}')")
        else:
            raise BlockError(f"expected ',' or '{closer}' after the value of '{nm.group(1)}' "
                         "(a missing comma or brace?)")

