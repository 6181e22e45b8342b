"""The cited-only ``.bib``: the entries cited, copied verbatim, with the @string macros,
preambles and crossref parents they need, then stubs for papers missing from the bib."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import BibRecord, Problem
from .index import BibIndex
from .syntax import BlockError
from .values import MONTHS, field_text, macro_names


def cited_bib_text(index: BibIndex, keys: Sequence[str], stubs: Sequence[BibRecord] = ()
                   ) -> tuple[str, list[Problem]]:
    """The cited-only ``.bib``: the @string macros used, the entries of ``keys`` (given order,
    each once) copied verbatim, then their crossref parents, then ``stubs``."""
    # the last result is kept on the index: a rebuild in watch usually cites the same keys
    slot = (tuple(keys), list(stubs))
    last = index.memo.cited_bib
    if last is not None and last[0] == slot:
        return last[1], list(last[2])
    text, problems = _cited_bib_text(index, keys, stubs)
    index.memo.cited_bib = (slot, text, list(problems))
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
    except BlockError:
        return []


def _stub_text(stub: BibRecord) -> str:
    lines = [f"@{stub.type or 'misc'}{{{stub.key},"]
    body = dict(stub.fields) or {"title": "{" + stub.title + "}"}
    lines += [f"  {name} = {value}," for name, value in body.items()]
    return "\n".join(lines) + "\n}"
