"""Word rules: which words of a heading and a title are the same word (inflection, spelling
variant, compound written apart, typo) and which are another word that makes another paper
(a prefix added or swapped, "with"/"without")."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Container, Mapping

from ..infra import lazy
from .normalize import stem

_FILLER = frozenset("a an the of for in on with and to via by from using is are at as its "
                    "their our towards toward into over under".split())


_SAME_WORD = {"nets": "networks", "net": "network", "modelling": "modeling"}

# Prefixes that turn a word into another, often its opposite ("online"/"offline",
# "encoder"/"decoder", "explicit"/"implicit", "overfitting"/"underfitting").
_SWAPPED_PREFIXES = (("on", "off"), ("in", "out"), ("over", "under"), ("inter", "intra"),
                     ("pre", "post"), ("sub", "super"), ("hyper", "hypo"), ("micro", "macro"),
                     ("homo", "hetero"), ("up", "down"), ("single", "multi"), ("uni", "multi"),
                     ("mono", "multi"), ("mono", "poly"), ("min", "max"), ("im", "ex"),
                     ("in", "ex"), ("in", "de"), ("en", "de"), ("endo", "exo"),
                     ("intra", "extra"), ("inner", "outer"), ("upper", "lower"),
                     ("inter", "extra"), ("ac", "de"), ("pro", "anti"), ("dis", "en"))
_PREFIX_SWAPS = frozenset(pair for one, two in _SWAPPED_PREFIXES
                          for pair in ((one, two), (two, one)))
_OPPOSITE_WORDS = frozenset(frozenset(pair) for pair in (
    ("with", "without"), ("above", "below"), ("before", "after"), ("positive", "negative"),
    ("forward", "backward"), ("first", "second"), ("less", "more"), ("fast", "slow"),
    ("faster", "slower"), ("large", "small"), ("larger", "smaller"), ("high", "low"),
    ("higher", "lower"), ("dense", "sparse"), ("global", "local"), ("hard", "soft"),
    ("strong", "weak"), ("open", "closed"), ("white", "black"), ("deep", "shallow"),
    ("discrete", "continuous"), ("static", "dynamic"), ("linear", "quadratic")))
# prefixes written apart ("Non-Linear", "Semi-Supervised") that change the next word
_PREFIX_WORDS = frozenset("non semi un self multi anti pseudo quasi sub super pre post de dis "
                          "counter hyper hypo inter intra uni bi mono poly co re not no".split())
# endings that keep the word's meaning: "learn"/"learning", "convolution"/"convolutional"
_INFLECTIONS = frozenset("s es ed d ing ings al ally ly ion ions ation ations er ers ive "
                         "ity ities ness ment ments ic ics ical y ies".split())
_ROOT = re.compile(r"(?:ations?|ings?|ers?|ies|ied|ed|es|s|ions?|ally|al|ly)$")
_SPELLING = ((re.compile(r"(?<=.{3})is(e|ed|es|ing|ation|ations|er|ers)$"), r"iz\1"),
             (re.compile(r"(?<=.{3})ys(e|ed|es|ing)$"), r"yz\1"),
             (re.compile(r"(?<=.{3}el)l(ed|ing|er|ers)$"), r"\1"),
             (re.compile(r"(?<=.{3})our(s|ed|ing|al|hood|hoods)?$"), r"or\1"),
             (re.compile(r"(?<=.{3})tre(s)?$"), r"ter\1"))


@functools.lru_cache(maxsize=65536)
def _spelling(word: str) -> str:
    """British spellings folded to American ones ("optimisation", "behaviour", "labelled")
    and a few short forms ("nets"): variants of one word, not other words."""
    word = _SAME_WORD.get(word, word)
    if len(word) > 5:
        for pattern, repl in _SPELLING:
            word = pattern.sub(repl, word)
    return word


@functools.lru_cache(maxsize=65536)
def word_form(word: str) -> str:
    """One form for the variants of a word: spelling folded, plural dropped ("nets",
    "network" -> "network"; "optimisation" -> "optimization")."""
    return stem(_spelling(word))


@functools.lru_cache(maxsize=65536)
def _roots(word: str) -> frozenset[str]:
    """Crude roots: "learned", "learning", "learner" -> "learn"; "filters" -> "filter"."""
    folded = stem(word)
    return frozenset(w for w in (word, folded, _ROOT.sub("", word), _ROOT.sub("", folded))
                     if len(w) >= 3)


def _relation(word: str, other: str, word_side: set[tuple[str, str]],
              other_side: set[tuple[str, str]], vocabulary: Container[str] | None) -> str:
    """How a heading word relates to a title word: "same" (the same word, an inflection, a
    spelling variant, a compound written apart, a typo), "changed" (a real other word: a
    prefix added or swapped, "with"/"without", another word of the bibliography that looks
    alike), or "unrelated". ``word_side``/``other_side`` are the pairs of adjacent words of
    each text that the other text lacks (a compound written apart: "non linear")."""
    if word == other or stem(word) == stem(other) or _roots(word) & _roots(other):
        return "same"
    if frozenset((word, other)) in _OPPOSITE_WORDS:
        return "changed"
    common = 0  # length of the common ending: "line" in "online"/"offline"
    while common < min(len(word), len(other)) and word[-1 - common] == other[-1 - common]:
        common += 1
    for k in range(common, 2, -1):
        if (word[:len(word) - k], other[:len(other) - k]) in _PREFIX_SWAPS:
            return "changed"
    short, long = (word, other) if len(word) <= len(other) else (other, word)
    short_side = word_side if short is word else other_side
    if short in _FILLER:  # "for"/"form", "over"/"overview": no compound of a filler word
        pass
    elif len(short) >= 3 and long.startswith(short):
        rest = long[len(short):]  # "auto encoders", "learn"/"learning"; not "with"/"without"
        return "same" if rest in _INFLECTIONS or (short, rest) in short_side else "changed"
    elif len(short) >= 3 and long.endswith(short):
        rest = long[:-len(short)]  # "non equilibrium"; not "unsupervised"/"supervised"
        return "same" if (rest, short) in short_side else "changed"
    if len(word) >= 4 and (similar := lazy.fuzz().ratio(word, other)) >= 75:
        # a typo, unless the heading's word is a word of its own ("planning"/"learning")
        real = vocabulary is not None and (word in vocabulary or stem(word) in vocabulary)
        if real and similar >= 88 and len(other) >= 6 and _only_once(other, vocabulary):
            real = False  # the bib's title has the typo: "Forgeting" is in no other title
        return "changed" if real else "same"
    return "unrelated"


def _only_once(word: str, vocabulary: Container[str] | None) -> bool:
    """True when ``vocabulary`` counts the titles of each word (a mapping of postings) and
    ``word`` is in at most one of them."""
    if not isinstance(vocabulary, Mapping):
        return False
    titles = vocabulary.get(stem(word)) or vocabulary.get(word) or ()
    return len(titles) <= 1


def _pairs(heading: str, title: str) -> tuple[list[str], list[str], dict[str, str]]:
    """Both texts' words with spellings folded, and folded -> as written."""
    h_words, t_words = heading.split(), title.split()
    t_set = set(t_words)
    joined = {a + b: (a, b) for a, b in zip(t_words, t_words[1:], strict=False)}
    for i in range(len(h_words) - 1):  # a space typed one letter off: "imag eclassification"
        pair = joined.get(h_words[i] + h_words[i + 1])
        if pair and not (h_words[i] in t_set and h_words[i + 1] in t_set):
            h_words[i:i + 2] = pair
    h_all = [_spelling(w) for w in h_words]
    t_all = [_spelling(w) for w in t_words]
    shown = dict(zip(t_all, t_words, strict=True))
    shown.update(zip(h_all, h_words, strict=True))
    return h_all, t_all, shown


def _free_pairs(words: list[str], free: set[str]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in zip(words, words[1:], strict=False) if a in free and b in free}


def compare_words(heading: str, title: str, vocabulary: Container[str] | None = None
                  ) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Content words of a normalised heading missing from a normalised title, the other way
    round, and the (heading word, title word) pairs where one real word stands for another.

    A word counts as present when the other text has it, an inflection, a spelling variant,
    a compound written apart or a typo of it ("thier"); filler words are not reported but may
    be matched. A changed word ("Gender" -> "Rounds") can make another paper even when the
    letters are 95% alike; a changed pair is never a typo: an added or swapped prefix
    ("Unsupervised"/"Supervised", "Offline"/"Online"), "with"/"without", or a word of
    ``vocabulary`` (the bibliography's title words) that looks like another ("Planning"/
    "Learning"). Words are counted: a title with "Linear and Non-Linear" does not hide a
    heading's "Nonlinear and Non-Linear".
    """
    h_all, t_all, shown = _pairs(heading, title)
    h_count, t_count = Counter(h_all), Counter(t_all)
    h_only = [w for w in h_count if h_count[w] > t_count[w]]
    t_only = [w for w in t_count if t_count[w] > h_count[w]]
    h_pairs, t_pairs = _free_pairs(h_all, set(h_only)), _free_pairs(t_all, set(t_only))
    relation: dict[tuple[str, str], str] = {}
    for h in h_only:  # (the other text's copies of the word itself are taken)
        for t in t_count:
            if t != h:
                relation[h, t] = _relation(h, t, h_pairs, t_pairs, vocabulary)
    for t in t_only:
        for h in h_count:
            if h != t and (h, t) not in relation:
                relation[h, t] = _relation(h, t, h_pairs, t_pairs, vocabulary)
    h_same = {h for (h, _t), r in relation.items() if r == "same"}
    t_same = {t for (_h, t), r in relation.items() if r == "same"}
    extra = [shown[w] for w in h_only if w not in _FILLER and len(w) >= 3 and w not in h_same]
    missing = [shown[w] for w in t_only if w not in _FILLER and len(w) >= 3 and w not in t_same]
    changed = [(shown[h], shown[t]) for (h, t), r in relation.items()
               if r == "changed" and h in h_only and t in t_only
               and h not in h_same and t not in t_same]
    # a prefix written apart that only one text has: "semi supervised" for "supervised"
    for words, only, same, heading_side, other in ((h_all, h_only, h_same, True, t_count),
                                                   (t_all, t_only, t_same, False, h_count)):
        for i, word in enumerate(words[:-1]):
            if word in _PREFIX_WORDS and word in only and word not in same \
                    and word + words[i + 1] not in other:  # "re thinking"/"rethinking"
                both, one = f"{shown[word]} {shown[words[i + 1]]}", shown[words[i + 1]]
                changed.append((both, one) if heading_side else (one, both))
    return extra, missing, changed

