"""Citation syntax in notes: pandoc ``[@key]``/``@key``, Obsidian ``[[@key]]`` and ``\\cite``.

``CITE_RE`` finds citations in a run of note text; ``parse_citation`` turns a match into keys,
mode (narrative or parenthetical) and notes. Whether a key is valid is ``ids.is_valid_key``'s
question; how a citation is written is the caller's ``Cite`` callback (the citation style).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..ids import strip_key_punctuation

#: ``cite(keys, mode)`` or ``cite(keys, mode, prenote, postnote)`` -> LaTeX (trusted).
#: ``mode`` is ``"p"`` (bracketed, parenthetical) or ``"t"`` (bare ``@key``, narrative).
#: Notes (escaped ``Latex``) are passed only when present, and only to callbacks that take
#: them (4 positional parameters or ``*args``: positionally; ``prenote``/``postnote``
#: keyword-only or ``**kwargs``: by keyword); otherwise they are written around the result.
Cite = Callable[..., str]

_KEY = r"[A-Za-z0-9_][A-Za-z0-9_:.#$%&\-+?<>~/]*"
CITE_RE = re.compile(
    r"\[\[@(?P<wiki>" + _KEY + r")\]\]"
    r"|\[(?P<group>[^\[\]]*?-?@" + _KEY + r"[^\[\]]*)\]"
    r"|\\(?P<cmd>cite|citep|citet|parencite|textcite|autocite|citealp|citealt|Citet|Citep"
    r"|Textcite|Parencite|Autocite)\*?(?:\[(?P<opt1>[^\]\n]*)\])?(?:\[(?P<opt2>[^\]\n]*)\])?"
    r"\{(?P<keys>[^{}\n]*)\}"
    r"|(?<![\w@.\\])@(?P<bare>" + _KEY + r")"
)
_GROUP_ITEM = re.compile(r"\s*(?P<pre>.*?)\s*-?@(?P<key>" + _KEY + r")(?P<post>.*)", re.S)
_NARRATIVE_CMDS = frozenset({"citet", "textcite", "citealt", "Citet", "Textcite"})


@dataclass
class Citation:
    """One citation found in note text: its keys, ``mode`` ("p" or "t", as for ``Cite``)
    and notes."""

    keys: list[str]
    mode: str
    prenote: str = ""
    postnote: str = ""
    trailing: str = ""  # text matched by the pattern that is not part of the citation
    dropped_notes: bool = False  # notes between keys, which one \cite cannot hold


def parse_citation(m: re.Match[str]) -> Citation | None:
    """The citation in a ``CITE_RE`` match, or None when the match is not one (``[text
    with @ in it]``, ``[[@key.]]``). Keys are not checked here."""
    if m.group("wiki") is not None:
        key, rest = strip_key_punctuation(m.group("wiki"))
        return Citation([key], "p") if not rest else None
    if m.group("bare") is not None:
        key, rest = strip_key_punctuation(m.group("bare"))
        return Citation([key], "t", trailing=rest) if key else None
    if m.group("cmd") is not None:
        cmd_keys = [k.strip() for k in m.group("keys").split(",")]
        opt1, opt2 = m.group("opt1"), m.group("opt2")
        pre, post = (opt1 or "", opt2 or "") if opt2 is not None else ("", opt1 or "")
        mode = "t" if m.group("cmd") in _NARRATIVE_CMDS else "p"
        return Citation(cmd_keys, mode, pre.strip(), post.strip())
    items = m.group("group").split(";")
    parsed = [_GROUP_ITEM.fullmatch(item) for item in items]
    if not all(parsed):
        return None
    keys: list[str] = []
    for p in parsed:
        assert p is not None
        key, post = p.group("key"), p.group("post")
        if post and not post[0].isspace() and post[0] != ",":
            # "@bad}key": the key runs on into characters a key cannot hold
            key += re.match(r"[^\s,]*", post).group(0)  # type: ignore[union-attr]
        keys.append(key)
    first, last = parsed[0], parsed[-1]
    assert first is not None and last is not None
    post = last.group("post").strip()
    post = post[1:].strip() if post.startswith(",") else post
    dropped = any(p.group("pre").strip() for p in parsed[1:] if p) or any(
        p.group("post").strip(" ,") for p in parsed[:-1] if p)
    return Citation(keys, "p", first.group("pre").strip(), post, dropped_notes=dropped)


def note_style(cite: Cite) -> str:
    """How ``cite`` takes notes: "pos" (3rd/4th argument or ``*args``), "kw" (keywords
    only), or "" (it takes none: the notes are written around its result)."""
    try:
        params = inspect.signature(cite).parameters
    except (TypeError, ValueError):
        return ""
    kinds = {p.kind for p in params.values()}
    positional = [p for p in params.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if inspect.Parameter.VAR_POSITIONAL in kinds or len(positional) >= 4:
        return "pos"
    if inspect.Parameter.VAR_KEYWORD in kinds or {"prenote", "postnote"} <= set(params):
        return "kw"
    return ""
