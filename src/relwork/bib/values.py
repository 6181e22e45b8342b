"""Raw BibTeX field values as BibTeX reads them: delimiters off, ``#`` parts joined, @string
macros and month names expanded; and the macro names a value uses."""

from __future__ import annotations

from .syntax import BARE_RE, close_brace, close_quote


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
            q = close_brace(raw, p, n)
            parts.append(raw[p + 1:q - 1])
        elif c == '"':
            q = close_quote(raw, p, n)
            parts.append(raw[p + 1:q - 1])
        elif c.isspace() or c == "#":
            p += 1
            continue
        else:
            bm = BARE_RE.match(raw, p)
            q = bm.end() if bm else n
            name = raw[p:q]
            if name.isdigit():
                parts.append(name)
            else:
                lname = name.lower()
                if macros and lname in macros:
                    parts.append(field_text(macros[lname], None))
                else:
                    parts.append(MONTHS.get(lname, name))
        p = q
    return "".join(parts)


MONTHS = {m[:3].lower(): m for m in (
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
            p = close_brace(raw, p, n)
        elif c == '"':
            p = close_quote(raw, p, n)
        elif c.isspace() or c == "#":
            p += 1
        else:
            bm = BARE_RE.match(raw, p)
            q = bm.end() if bm else n
            name = raw[p:q]
            if not name.isdigit():
                names.append(name.lower())
            p = q
    return names
