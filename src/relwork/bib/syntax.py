"""BibTeX's lexical rules shared by the splitter and the value reader: bare words, closing
a braced or quoted value, and the error a block that cannot be parsed raises."""

from __future__ import annotations

import re

#: A bare value part: a number or a macro name.
BARE = r'[^\s,{}"#=()]+'
BARE_RE = re.compile(BARE)
_BRACE_RE = re.compile(r"[{}]")


class BlockError(Exception):
    """A block cannot be parsed; the message says why."""


def close_brace(text: str, p: int, limit: int) -> int:
    """Index after the ``}`` closing the ``{`` at ``p`` (braces nest)."""
    depth = 0
    for m in _BRACE_RE.finditer(text, p, limit):
        if m.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.end()
    raise BlockError("a '{' is never closed before the next entry or the end of the file")


def close_quote(text: str, p: int, limit: int) -> int:
    """Index after the ``"`` closing the quoted value starting at ``p`` (braces nest)."""
    depth = 0
    for m in re.finditer(r'[{}"]', text[p + 1:limit]):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                raise BlockError("unbalanced '}' inside a quoted value")
        elif depth == 0:
            return p + 1 + m.end()
    raise BlockError('a \'"\' is never closed before the next entry or the end of the file')
