"""Text in the form matching compares: titles keeping a name's "++", crude plural folding,
and the nickname in a Google-Scholar-style key."""

from __future__ import annotations

import re

from ..ids import normalize_title


def stem(token: str) -> str:
    # crude plural folding so "spaces" finds "space" in the prefilter
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


_KEY_TOKEN = re.compile(r"[a-z][a-z'-]*?[-_:]?(\d{4})[-_:]?([a-z]{3,}[a-z0-9]*)")
_KEY_TOKEN_STOP = frozenset("paper draft preprint arxiv book thesis note notes report tech misc "
                            "online url web talk slides code".split())


def key_token(key: str) -> str | None:
    """The word after the year in a Google-Scholar-style key: ``he2016resnet`` -> ``resnet``."""
    found = _KEY_TOKEN.fullmatch(key.lower())
    return found.group(2) if found and found.group(2) not in _KEY_TOKEN_STOP else None


_PLUS_PLUS = re.compile(r"(?<=[A-Za-z0-9])\s*\{?\+\+\}?")


def norm_title(text: str) -> str:
    """``bib.normalize_title`` keeping a name's "++" (as "pp": ``PointNet++`` -> ``pointnetpp``,
    like a key's ``qi2017pointnetpp``): PointNet++ is not PointNet, but the bib stage drops
    punctuation. Matching compares headings and bib titles in this form."""
    if "++" in text:
        text = _PLUS_PLUS.sub("pp", text)
    return normalize_title(text)
