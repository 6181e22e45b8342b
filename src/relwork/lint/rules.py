"""The tone rules: first person, contractions, slang, questions, lowercase, long sentences."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .sentences import Sentence

#: rule name -> what it flags (codes are ``lint-<name>``; the README lists them).
RULES: dict[str, str] = {
    "first-person": "first person singular: I, I'm, me, my, mine, myself",
    "contraction": "contractions: don't, it's, dont', isnt",
    "slang": "informal words: gonna, wanna, kinda, stuff, pretty much, a lot",
    "question": "questions: a sentence ending in '?'",
    "lowercase": "a sentence inside a paragraph that starts in lowercase",
    "spelling": "words the spell checker (hunspell, en_US) does not know",
    "long-sentence": "sentences longer than lint.max_sentence_words",
}


@dataclass(frozen=True)
class Finding:
    """One thing a rule found in a body (the entry point turns it into a Problem)."""

    rule: str
    offset: int  # into the body
    phrase: str
    message: str
    hint: str


_ROMAN_CONTEXT = {
    "type", "part", "phase", "stage", "level", "class", "figure", "fig", "table", "section",
    "chapter", "appendix", "case", "experiment", "setting", "model", "category", "series",
    "step", "task", "version", "war", "method", "algorithm", "condition", "group", "study",
}
_FIRST_PERSON = re.compile(
    r"(?<![\w.'\u2019(-])(?:(I|i)(?:['\u2019](?:m|ll|ve|d))?|[Mm]y|[Mm]e|mine|[Mm]yself)"
    r"(?![\w'\u2019)-]|\.\w)"  # not i.e., (i), i)
)
_NT_WORDS = (
    "dont|doesnt|didnt|isnt|arent|wasnt|werent|hasnt|havent|hadnt|shouldnt|couldnt|"
    "wouldnt|mustnt|neednt|thats|theres|whats|youre|theyre|ive|im"
)
_CONTRACTION = re.compile(
    r"(?<![\w'\u2019])(?:"
    r"[A-Za-z]+n['\u2019]t"  # don't, isn't, can't
    r"|(?:it|that|there|here|what|who|he|she|let|where|how|this|everything|nothing)"
    r"['\u2019]s"
    r"|[A-Za-z]+['\u2019](?:re|ll|ve|d|m)"
    rf"|(?:{_NT_WORDS})['\u2019](?!\w)"  # "dont'" with a misplaced apostrophe
    r"|(?:dont|doesnt|didnt|isnt|arent|wasnt|werent|hasnt|havent|hadnt|shouldnt|couldnt"
    r"|wouldnt|mustnt|thats|youre|theyre)"
    r")(?![\w'\u2019])",
    re.IGNORECASE,
)
_EXPAND = {
    "won't": "will not", "can't": "cannot", "shan't": "shall not", "let's": "let us",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "isnt": "is not",
    "arent": "are not", "wasnt": "was not", "werent": "were not", "hasnt": "has not",
    "havent": "have not", "hadnt": "had not", "shouldnt": "should not",
    "couldnt": "could not", "wouldnt": "would not", "mustnt": "must not",
    "neednt": "need not", "thats": "that is", "theres": "there is", "whats": "what is",
    "youre": "you are", "theyre": "they are", "ive": "I have", "im": "I am",
}
_SUFFIX_EXPAND = {"n't": " not", "'s": " is", "'re": " are", "'ll": " will", "'ve": " have",
                  "'d": " would", "'m": " am"}
_SLANG: dict[str, str] = {
    "gonna": "going to", "wanna": "want to", "gotta": "have to", "kinda": "somewhat",
    "sorta": "somewhat", "dunno": "do not know", "lemme": "let me", "gimme": "give me",
    "stuff": "name the things", "pretty much": "almost, or drop it", "a lot": "much or many",
    "lots of": "many", "alot": "much or many", "a bunch of": "several", "basically": "drop it",
    "okay": "acceptable or adequate", "ok": "acceptable or adequate", "yeah": "drop it",
    "yep": "drop it", "nope": "no", "tbh": "drop it", "btw": "drop it",
    "imo": "state the argument", "imho": "state the argument", "idk": "drop it",
    "fyi": "drop it", "thx": "drop it", "awesome": "a precise adjective", "w/o": "without",
    "w/": "with", "tho": "though", "bc": "because", "b/c": "because", "cuz": "because",
}
_SLANG_RE = re.compile(
    r"(?<![\w/-])(?:"
    + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_SLANG, key=len, reverse=True))
    + r")(?![\w/-])",
    re.IGNORECASE,
)

def _expansion(phrase: str) -> str:
    low = phrase.lower().replace("\u2019", "'").rstrip("'")
    if low in _EXPAND:
        return _EXPAND[low]
    for suffix, full in _SUFFIX_EXPAND.items():
        if low.endswith(suffix):
            return low[: -len(suffix)] + full
    return "the full form"


def _shorten(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def rule_first_person(body: str, masked: str, sentences: Sequence[Sentence]) -> list[Finding]:
    found = []
    for m in _FIRST_PERSON.finditer(masked):
        word = body[m.start():m.end()]
        if m.group(1) == "I" and "'" not in word and "\u2019" not in word:
            before = re.search(r"(\w+)\W*$", masked[max(0, m.start() - 20):m.start()])
            if before and before.group(1).lower() in _ROMAN_CONTEXT:
                continue  # "Type I error", "Table I"
        hint = 'a paper speaks for its authors: rephrase with "we" or impersonally'
        if m.group(1) == "i":
            hint = 'notes-style lowercase "i": ' + hint
        found.append(Finding("first-person", m.start(), word,
                              f'first person "{word}" reads as a note, not a paper', hint))
    return found


def rule_contraction(body: str, masked: str, sentences: Sequence[Sentence]) -> list[Finding]:
    found = []
    for m in _CONTRACTION.finditer(masked):
        word = body[m.start():m.end()]
        if re.match(r"[Ii]['\u2019]", word):
            continue  # I'm, I'll: reported as first person
        found.append(Finding("contraction", m.start(), word, f'contraction "{word}"',
                              f'write "{_expansion(word)}"'))
    return found


def rule_slang(body: str, masked: str, sentences: Sequence[Sentence]) -> list[Finding]:
    found = []
    for m in _SLANG_RE.finditer(masked):
        word = body[m.start():m.end()]
        if word == "OK" and masked[m.end():m.end() + 1] == "-":
            continue
        better = _SLANG[" ".join(word.lower().split())]
        if not better.startswith(("drop", "name", "state", "a precise")):
            better = "write " + " or ".join(f'"{b}"' for b in better.split(" or "))
        found.append(Finding("slang", m.start(), word,
                              f'informal word "{" ".join(word.split())}"', better))
    return found


def rule_question(body: str, masked: str, sentences: Sequence[Sentence],
                   private_marker: str) -> list[Finding]:
    found = []
    for s in sentences:
        if s.question:
            text = _shorten(body[s.start:s.end])
            found.append(Finding(
                "question", s.start, text, f'question "{text}"',
                "a paper states: answer it in the text, or start the line with "
                f"'{private_marker}' to keep it as a private note",
            ))
    return found


_FIRST_WORD = re.compile(r"\S+")


def rule_lowercase(body: str, masked: str, sentences: Sequence[Sentence]) -> list[Finding]:
    found = []
    for s in sentences:
        if s.first_in_block or masked[s.start - 1:s.start] in ("(", '"', "'", "\u201c"):
            continue  # may follow a citation or a label ("Description: ..."), or a bracket
        word_m = _FIRST_WORD.match(masked, s.start)
        word = word_m.group() if word_m else ""
        if not word[:1].islower() or re.fullmatch(r"i\b.*", word):
            continue
        if not re.fullmatch(r"[a-z]+[,;:]?", word) or re.match(r"[a-z]-", word):
            continue  # word2vec, k-means, iPhone: names written in lowercase on purpose
        text = _shorten(body[s.start:s.end], 50)
        found.append(Finding("lowercase", s.start, text,
                              f'sentence starts in lowercase: "{text}"',
                              "capitalise the first word"))
    return found


_COUNTED_WORD = re.compile(r"[^\W_]+(?:['\u2019.-][^\W_]+)*")


def rule_long(body: str, masked: str, sentences: Sequence[Sentence],
               limit: int) -> list[Finding]:
    found = []
    for s in sentences:
        count = len(_COUNTED_WORD.findall(masked, s.start, s.end))
        if count > limit:
            text = _shorten(body[s.start:s.end], 40)
            found.append(Finding("long-sentence", s.start, text,
                                  f'sentence of {count} words (limit {limit}): "{text}"',
                                  "split it into shorter sentences"))
    return found
