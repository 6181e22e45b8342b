"""Prose in a note body: code, math, URLs and citations masked out; blocks and sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- masking: parts of the text that are not prose --------------------------------------

_MASKS = [
    re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.MULTILINE | re.DOTALL),  # fences
    re.compile(r"<!--.*?-->", re.DOTALL),  # HTML comments (relwork markers)
    re.compile(r"(`+).+?\1", re.DOTALL),  # inline code
    re.compile(r"\$\$.+?\$\$", re.DOTALL),  # display math
    re.compile(r"\\\[.+?\\\]", re.DOTALL),
    re.compile(r"\\\(.+?\\\)", re.DOTALL),
    re.compile(r"(?<![\\$\w])\$(?=\S)[^$\n]+?(?<=\S)\$(?!\d)"),  # inline math, not "$5"
    re.compile(r"<(?:https?|ftp|mailto):[^>\s]+>"),  # autolinks
    re.compile(r"\b(?:https?|ftp)://\S*[^\s.,;:!?'\")\]]|\bwww\.\S*[^\s.,;:!?'\")\]]"),  # URLs
    re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"),  # link targets (link text stays)
    re.compile(r"\S+@\S+\.\w+"),  # e-mail addresses
    re.compile(r"\[-?@[^\]]*\]"),  # pandoc citations [@key; @other]
    re.compile(r"(?<![\w@])-?@[\w:./-]+"),  # bare @key
    re.compile(r"\\(?:cite\w*|ref|eqref|autoref|cref|Cref|label|url|href|input|include\w*)"
               r"\*?(?:\[[^\]]*\])*\{[^}]*\}"),  # LaTeX commands whose argument is not prose
    re.compile(r"\\[A-Za-z]+\*?|\\."),  # other LaTeX commands: the name only
    re.compile(r"\b10\.\d{4,9}/\S*[^\s.,;:!?'\")\]]"),  # DOIs
    re.compile(r"</?[A-Za-z][^>\n]*>"),  # HTML tags
    re.compile(r"\b\w+(?:[._/]\w+)*\.(?:py|md|tex|bib|yaml|json|txt|pdf|png|cpp|sh)\b"),  # files
    re.compile(r"\b\w*_\w*\b"),  # identifiers with underscores
]


def mask(text: str) -> str:
    """``text`` with code, math, URLs, citations and LaTeX replaced by spaces (same offsets)."""
    chars = list(text)
    for pattern in _MASKS:
        for m in pattern.finditer(text):
            for i in range(m.start(), m.end()):
                if chars[i] != "\n":
                    chars[i] = " "
        text = "".join(chars)
    return text


# --- blocks and sentences ---------------------------------------------------------------

_BLOCK_START = re.compile(r"^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+|#{1,6}[ \t]|>[ \t]?)")
_RULE_LINE = re.compile(r"^[ \t]*([-*_=])(?:[ \t]*\1){2,}[ \t]*$")
_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "et al", "al", "vs", "cf", "fig", "figs", "eq", "eqs", "sec", "tab",
    "resp", "approx", "no", "vol", "pp", "ch", "ref", "refs", "dr", "prof", "mr", "ms", "st",
    "jr", "inc", "ltd", "w.r.t", "a.k.a", "i.i.d", "viz", "ca", "esp", "incl",
    # shortened words of technical notes ("aux. tasks", "avg. return", "hyperparams.")
    "aux", "avg", "std", "prev", "init", "eval", "exp", "expt", "orig", "dim",
    "dims", "param", "params", "hyperparam", "hyperparams", "config", "opt", "est", "seq",
}
_SENT_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s|$)")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the masked text, by offsets."""

    start: int  # offset of the first word
    end: int
    first_in_block: bool
    question: bool


def _blocks(masked: str) -> list[tuple[int, int]]:
    """(start, end) offsets of paragraphs, list items and headings."""
    blocks: list[tuple[int, int]] = []
    start: int | None = None
    offset = 0
    for line in masked.splitlines(keepends=True):
        bare = line.strip()
        if not bare or _RULE_LINE.match(line):
            if start is not None:
                blocks.append((start, offset))
                start = None
        else:
            marker = _BLOCK_START.match(line)
            if marker or start is None:
                if start is not None:
                    blocks.append((start, offset))
                start = offset + (marker.end() if marker else 0)
        offset += len(line)
    if start is not None:
        blocks.append((start, offset))
    return blocks


def _is_abbreviation(masked: str, dot: int) -> bool:
    """True when the period at ``dot`` ends an abbreviation or an initial, not a sentence."""
    head = masked[max(0, dot - 12):dot]
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", head)
    if not word:
        return False
    token = word.group(1).lower()
    if token in _ABBREVIATIONS or token.rstrip(".") in _ABBREVIATIONS:
        return True
    if re.search(r"et\s+al$", head, re.IGNORECASE):
        return True
    # single capital initial ("J. Smith"), but not a single-letter sentence end
    return len(token) == 1 and word.group(1).isupper() and dot + 2 < len(masked) and \
        masked[dot + 1] == " " and masked[dot + 2].isupper()


def find_sentences(masked: str) -> list[Sentence]:
    found: list[Sentence] = []
    for block_start, block_end in _blocks(masked):
        pos = block_start
        first = True
        for m in _SENT_END.finditer(masked, block_start, block_end):
            if "?" not in m.group() and "!" not in m.group() and _is_abbreviation(
                masked, m.start()
            ):
                continue
            sentence = _make_sentence(masked, pos, m.end(), first, "?" in m.group())
            if sentence:
                found.append(sentence)
                first = False
            pos = m.end()
        sentence = _make_sentence(masked, pos, block_end, first, False)
        if sentence:
            found.append(sentence)
    return found


def _make_sentence(masked: str, start: int, end: int, first: bool, question: bool
                   ) -> Sentence | None:
    m = re.compile(r"[^\W_]").search(masked, start, end)
    if m is None:
        return None
    return Sentence(m.start(), end, first, question)
