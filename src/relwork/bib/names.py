"""BibTeX name lists ("Last, First and von Last, Jr, First and others") -> family names."""

from __future__ import annotations

import re

from ..ids import family_of_words
from ..text import latex_to_text

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
