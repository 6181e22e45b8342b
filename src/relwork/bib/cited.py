"""The cited-only ``.bib``: the entries cited, copied verbatim, with the @string macros,
preambles and crossref parents they need, then stubs for papers missing from the bib.
Fields named in ``drop`` (local file paths, private annotations) are cut out of the copies;
everything else in an entry stays byte for byte."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from ..model import BibRecord, Problem
from .index import BibIndex
from .syntax import BARE_RE, BlockError, close_brace, close_quote
from .values import MONTHS, field_text, macro_names


def cited_bib_text(index: BibIndex, keys: Sequence[str], stubs: Sequence[BibRecord] = (),
                   drop: Sequence[str] = ()) -> tuple[str, list[Problem]]:
    """The cited-only ``.bib``: the @string macros used, the entries of ``keys`` (given order,
    each once) copied verbatim, then their crossref parents, then ``stubs``.

    ``drop`` names fields (case-insensitive; ``*`` and ``?`` as in file names) removed from
    every copied entry; each entry that lost fields gets an ``info`` problem naming them.
    """
    # the last result is kept on the index: a rebuild in watch usually cites the same keys
    slot = (tuple(keys), list(stubs), tuple(drop))
    last = index.derived.get("cited-bib")
    if last is not None and last[0] == slot:
        return last[1], list(last[2])
    text, problems = _cited_bib_text(index, keys, stubs, drop)
    index.derived["cited-bib"] = (slot, text, list(problems))
    return text, problems


def _cited_bib_text(index: BibIndex, keys: Sequence[str], stubs: Sequence[BibRecord],
                    drop: Sequence[str]) -> tuple[str, list[Problem]]:
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
            if name not in MONTHS and rec is not None:
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
    dropped = _dropper(drop)
    for rec in entries:
        blocks.append(_without_dropped(rec, rec.raw, dropped, problems))
    for stub in stubs:
        if stub.key in seen and stub.key in index.records:
            problems.append(Problem("warning", f"stub for {stub.key} skipped: the key is in the "
                                    "bibliography", stub.source, None, "bib-stub"))
            continue
        blocks.append(_without_dropped(stub, stub.raw or _stub_text(stub), dropped, problems))
    text = "\n\n".join(blocks)
    return (text + "\n" if text else ""), problems


# --- fields left out of the copies (bib_drop_fields) -------------------------------------


def _dropper(drop: Sequence[str]) -> re.Pattern[str] | None:
    """One regex matching the lowercased field names to drop (None: keep everything)."""
    if not drop:
        return None
    return re.compile("|".join(fnmatch.translate(name.lower()) for name in drop))


def _without_dropped(rec: BibRecord, raw: str, dropped: re.Pattern[str] | None,
                     problems: list[Problem]) -> str:
    """``raw`` without the fields ``dropped`` matches; an ``info`` problem names them."""
    if dropped is None or not any(dropped.fullmatch(name) for name in rec.fields):
        return raw  # the common case: no scan at all
    try:
        text, names = drop_fields(raw, dropped)
    except BlockError as exc:  # not expected: the splitter read this very text
        problems.append(Problem(
            "error", f"cannot remove the bib_drop_fields fields from entry {rec.key}: {exc}",
            rec.source, "fix the entry, or set bib_drop_fields: [] to copy it whole",
            "bib-drop-fields"))
        return raw
    shown = ", ".join(dict.fromkeys(names))
    problems.append(Problem(
        "info", f"entry {rec.key}: {shown} left out of the cited-only .bib (bib_drop_fields)",
        rec.source, None, "bib-dropped-fields"))
    return text


_HEAD = re.compile(r"@\w+\s*([{(])[^,]*,")
_NAME = re.compile(r'\s*([^\s=,{}"#()]+)\s*=\s*')
_BLANK = re.compile(r"[ \t]*")
_WS = re.compile(r"\s*")


def drop_fields(raw: str, dropped: re.Pattern[str]) -> tuple[str, list[str]]:
    """``raw`` (one whole entry) without the fields whose lowercased name ``dropped``
    matches, and those names as written. A field alone on its line goes with the line;
    every other byte stays. Raises ``BlockError`` when the text is not one entry."""
    head = _HEAD.match(raw)
    if head is None:
        raise BlockError("expected '@type{key,' at the start of the entry")
    closer = "}" if head.group(1) == "{" else ")"
    cuts: list[tuple[int, int]] = []
    names: list[str] = []
    p, n = head.end(), len(raw)
    while True:
        nm = _NAME.match(raw, p)
        if nm is None:
            break  # the closing delimiter (or a trailing comma before it)
        start = nm.start(1)
        p = _value_end(raw, nm.end(), nm.group(1))
        after = _WS.match(raw, p).end()  # type: ignore[union-attr]
        if after < n and raw[after] == ",":
            p = after + 1
        elif after < n and raw[after] == closer:
            pass
        else:
            raise BlockError(f"expected ',' or '{closer}' after the value of '{nm.group(1)}'")
        if dropped.fullmatch(nm.group(1).lower()):
            names.append(nm.group(1))
            cuts.append(_line_span(raw, start, p))
    out, last = [], 0
    for begin, end in cuts:
        out.append(raw[last:begin])
        last = end
    out.append(raw[last:])
    return "".join(out), names


def _value_end(raw: str, p: int, name: str) -> int:
    """Index after the value (parts joined by ``#``) that starts at ``p``."""
    n = len(raw)
    while True:
        if p >= n:
            raise BlockError(f"field '{name}' has no value")
        if raw[p] == "{":
            p = close_brace(raw, p, n)
        elif raw[p] == '"':
            p = close_quote(raw, p, n)
        else:
            bm = BARE_RE.match(raw, p)
            if bm is None:
                raise BlockError(f"field '{name}' has no value")
            p = bm.end()
        q = _WS.match(raw, p).end()  # type: ignore[union-attr]
        if q < n and raw[q] == "#":
            p = _WS.match(raw, q + 1).end()  # type: ignore[union-attr]
            continue
        return p


def _line_span(raw: str, start: int, end: int) -> tuple[int, int]:
    """The span to cut for the field at ``start:end`` (its comma included): its whole line
    when nothing else is on it (its indent too when the entry's closing brace follows),
    else the field and the blanks after it."""
    line_start = raw.rfind("\n", 0, start) + 1
    rest = _BLANK.match(raw, end).end()  # type: ignore[union-attr]
    if raw[line_start:start].strip():
        return start, rest
    if rest < len(raw) and raw[rest] == "\n":
        return line_start, rest + 1
    if rest == len(raw) - 1:  # `  file = {...}}`: the closing brace takes the field's place
        return line_start, rest
    return start, rest


def _safe_macros(value: str) -> list[str]:
    try:
        return macro_names(value)
    except BlockError:
        return []


def _stub_text(stub: BibRecord) -> str:
    lines = [f"@{stub.type or 'misc'}{{{stub.key},"]
    body = dict(stub.fields) or {"title": "{" + stub.title + "}"}
    lines += [f"  {name} = {value}," for name, value in body.items()]
    return "\n".join(lines) + "\n}"
