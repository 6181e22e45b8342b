"""Entries x bibliography index -> one ``Match`` per entry.

Evidence, strongest first: explicit key, DOI, arXiv id, alias, exact normalised title,
short title (``shorttitle`` field, the part of a title before its colon, a distinctive key
token), fuzzy title. Precision comes first: anything ambiguous or contradictory becomes
``review`` with a reason, never a silent pick; a heading that resembles nothing is
``unmatched`` and carries its three best candidates.

The per-index lookup tables (normalised titles, short names, token postings) are built
once per ``BibIndex`` object and kept in ``index.derived`` (see ``lookup_for``).
"""

from __future__ import annotations

import bisect
import functools
import re
import weakref
import zlib
from collections import Counter
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from .bib import BibIndex
from .ids import family_key, family_name, normalize_arxiv, normalize_doi, normalize_title
from .model import BibRecord, Candidate, Entry, Match, Method, Problem, Status

# Thresholds on the 0..100 score (chosen on bench/data/match, see the README, "Matching").
AUTO_SCORE = 90.0  # fuzzy score needed to cite without review
AUTO_SCORE_AUTHORS = 82.0  # ... when the note's authors and year agree with the entry
AUTO_MARGIN = 8.0  # lead over the best different paper needed to cite without review
REVIEW_SCORE = 72.0  # below this a fuzzy hit is only listed as a candidate
MIN_AUTO_TOKENS = 3  # shorter headings need an exact score (e.g. "Grid LSTM") to be auto-cited
SHORT_OTHER_TITLES = 5  # a short title found in more other titles reads as a topic, not a name
PREFILTER_LIMIT = 40  # candidates scored per heading after the token prefilter
PREFILTER_TOKENS = 4  # the rarest words of a heading that select candidates
DF_CAP_SHARE = 0.04  # tokens in more than this share of titles do not select candidates

SCORE_EXACT = 100.0
# ends the reason of a review that --accept-review (match.accept_review) would cite; any other
# review names another paper or has contradicting evidence, and the flag leaves it alone
ACCEPT_REVIEW_NOTE = "--accept-review cites it"
SCORE_SHORT = 95.0


class IndexLike(Protocol):
    """What matching needs from ``bib.BibIndex``."""

    records: dict[str, BibRecord]


# ----------------------------------------------------------------------------------------
# normalisation


def _stem(token: str) -> str:
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


_YEAR = r"(?:19|20)\d{2}"
_NAME = r"[A-Z][\w'’-]+"
_TRAIL_GROUP = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*$")
_LEAD_GROUP = re.compile(rf"^\s*[(\[]([^()\[\]]*{_YEAR}[^()\[\]]*)[)\]]\s*[-:–—.]?\s*")
_LEAD_CITE = re.compile(
    rf"^({_NAME}(?:\s+(?:et\s+al\.?|(?:and|&)\s+{_NAME}))?),?\s+\(?({_YEAR})[a-z]?\)?\s*[-:–—.]\s+")
_TRAIL_CITE = re.compile(
    rf"\s+[-–—]\s+({_NAME}(?:\s+(?:et\s+al\.?|(?:and|&)\s+{_NAME}))?),?\s+\(?({_YEAR})[a-z]?\)?$")


def _cite_authors(text: str) -> list[str]:
    """Family names in a citation-like text: "Kingma & Ba, 2015" -> ["Kingma", "Ba"]."""
    text = re.sub(rf"{_YEAR}[a-z]?|et\s+al\.?", " ", text)
    names = re.split(r"\s*(?:,|;|&|\band\b)\s*", text)
    return [n.split()[-1] for n in names if n.strip() and re.match(_NAME, n.strip())]


def split_heading(title: str) -> tuple[str, list[str], int | None]:
    """A heading without the citation people add to it, plus the authors and year found.

    ``"Attention is all you need (Vaswani et al., 2017)"`` -> ``("Attention is all you
    need", ["Vaswani"], 2017)``; also ``"[ICML 2017] ..."``, ``"Kingma and Welling 2014 -
    ..."`` and ``"... - Ho et al. 2020"``. Other headings come back unchanged.
    """
    text = title.strip()
    authors: list[str] = []
    year: int | None = None
    m = _TRAIL_GROUP.search(text)
    if m and re.search(rf"\b{_YEAR}\b|\bet\s+al\b", m.group(1)) and m.start() >= 3:
        text, inner = text[:m.start()].rstrip(" ,.-–—"), m.group(1)
        authors = _cite_authors(inner.split(",")[0] if re.search(_YEAR, inner) else inner)
        found = re.search(rf"\b({_YEAR})\b", inner)
        year = int(found.group(1)) if found else None
    m = _TRAIL_GROUP.search(text)
    if m and m.start() >= 3 and len(m.group(1).split()) <= 2 and \
            re.fullmatch(r"[\w.+-]*[A-Z0-9][\w.+ -]*", m.group(1).strip()):
        text = text[:m.start()].rstrip()  # a nickname: "... Transformer (T5)", "(GPT-2)"
    for pattern in (_LEAD_GROUP, _LEAD_CITE, _TRAIL_CITE):
        m = pattern.search(text)
        if m is None or len(text) - len(m.group(0)) < 3:
            continue
        if pattern is _LEAD_GROUP:
            found = re.search(rf"({_YEAR})", m.group(1))
            year = year or (int(found.group(1)) if found else None)
        else:
            authors = authors or _cite_authors(m.group(1))
            year = year or int(m.group(2))
        text = (text[m.end():] if m.start() == 0 else text[:m.start()]).strip()
    if authors and all(a.lower() in {"icml", "neurips", "nips", "iclr", "cvpr", "arxiv"}
                       for a in authors):
        authors = []  # "(ICML 2017)" names a venue, not authors
    return text, authors, year


# ----------------------------------------------------------------------------------------
# lookup tables, built once per index


@dataclass
class Lookup:
    """Tables derived from one bibliography index (all keyed by normalised text)."""

    keys: list[str]
    titles: list[str] = field(default_factory=list)  # title_norm per record: fuzzy choices
    heads: list[str] = field(default_factory=list)  # part before the title's colon, or ""
    tails: list[str] = field(default_factory=list)  # part after it, when 4+ words, or ""
    raw_titles: list[str] = field(default_factory=list)  # plain titles, case kept
    initials: list[str] = field(default_factory=list)  # first letters of the title's words
    by_title: dict[str, list[int]] = field(default_factory=dict)
    by_doi: dict[str, list[int]] = field(default_factory=dict)
    by_arxiv: dict[str, list[int]] = field(default_factory=dict)
    by_short: dict[str, list[int]] = field(default_factory=dict)
    by_author_year: dict[tuple[str, int], list[int]] | None = None  # see _author_year
    records: list[BibRecord] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)  # key -> record number
    postings: dict[str, list[int]] = field(default_factory=dict)
    acronym_hits: dict[str, list[int]] = field(default_factory=dict)  # filled lazily
    title_acronyms: dict[int, dict[str, str]] = field(default_factory=dict)  # filled lazily
    buckets: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # words by
    # (first letter, length), to find the word a misspelt heading word stands for
    initials_blob: str = ""  # all initials, one record per line, for fast substring search
    line_starts: list[int] = field(default_factory=list)
    df_cap: int = 0
    size: int = 0


# id(index) -> (weak reference to the index, its tables); BibIndex is an unhashable dataclass
_LOOKUPS: dict[int, tuple[weakref.ref[Any], Lookup]] = {}
_HEAD_SPLIT = re.compile(r"\s*:\s+|\s*:$|\s+[-–—]+\s+")


def lookup_for(index: IndexLike) -> Lookup:
    """The lookup tables of ``index``, built once per index object and cached while it lives
    (rebuilt when its number of records changes): in ``index.derived`` when the index has
    that dict (``bib.BibIndex``), else in a module-level table of weak references."""
    derived = getattr(index, "derived", None)
    if isinstance(derived, dict):
        look = derived.get("match-lookup")
        if not isinstance(look, Lookup) or look.size != len(index.records):
            look = derived["match-lookup"] = build_lookup(index)
        return look
    ident = id(index)
    cached = _LOOKUPS.get(ident)
    if cached is not None and cached[0]() is index and cached[1].size == len(index.records):
        return cached[1]
    look = build_lookup(index)
    try:
        ref = weakref.ref(index, lambda _ref: _LOOKUPS.pop(ident, None))
    except TypeError:  # cannot be weakly referenced: do not cache
        return look
    _LOOKUPS[ident] = (ref, look)
    return look


def build_lookup(index: IndexLike) -> Lookup:
    """Build the matching tables of ``index`` (normalised titles, ids, short names, postings)."""
    records = list(index.records.values())
    look = Lookup(keys=[r.key for r in records], size=len(records))
    titles, heads, initials = look.titles, look.heads, look.initials
    by_title, by_short, postings = look.by_title, look.by_short, look.postings
    stems: dict[str, str] = {}
    for i, rec in enumerate(records):
        raw = rec.title
        title = (norm_title(raw) if "++" in raw else rec.title_norm) or norm_title(raw)
        words = title.split()
        titles.append(title)
        look.raw_titles.append(raw)
        initials.append("".join([w[0] for w in words]))
        head = tail = ""
        if ":" in raw or " -" in raw or "–" in raw or "—" in raw:
            parts = _HEAD_SPLIT.split(raw, maxsplit=1)
            if len(parts) == 2:
                head = norm_title(parts[0])
                if head == title:
                    head = ""
                tail = norm_title(parts[1])
                if len(tail.split()) < 4:  # "A Survey", "An Overview" name nothing
                    tail = ""
        heads.append(head)
        look.tails.append(tail)
        if title:
            by_title.setdefault(title, []).append(i)
        if rec.doi and (doi := normalize_doi(rec.doi)):
            look.by_doi.setdefault(doi, []).append(i)
        if rec.arxiv and (arxiv := normalize_arxiv(rec.arxiv)):
            look.by_arxiv.setdefault(arxiv, []).append(i)
        short = rec.shorttitle_norm
        if short and "++" in raw:  # the bib stage made it without the "++"
            field_short = rec.fields.get("shorttitle", "")
            short = norm_title(field_short or raw.partition(":")[0])
        if short and short != title:
            by_short.setdefault(short, []).append(i)
        if head and head != short:
            by_short.setdefault(head, []).append(i)
        token = key_token(rec.key)
        if token and token != head and token != short and token not in words:
            # a nickname the user put in the key (he2016resnet, chen2020simclr); a token that
            # is just the title's first word (vaswani2017attention) names nothing
            by_short.setdefault(token, []).append(i)
        for tok in set(words):
            stem = stems.get(tok)
            if stem is None:
                stem = stems[tok] = _stem(tok)
            postings.setdefault(stem, []).append(i)
    look.df_cap = max(50, int(DF_CAP_SHARE * len(records)))
    for tok in postings:
        look.buckets.setdefault((tok[0], len(tok)), []).append(tok)
    look.initials_blob = "\n".join(initials)
    pos = 0
    for text in initials:
        look.line_starts.append(pos)
        pos += len(text) + 1
    look.records = records
    look.positions = {key: i for i, key in enumerate(look.keys)}
    return look


def _author_year(look: Lookup) -> dict[tuple[str, int], list[int]]:
    """(first author's family name, year) -> records; built on first use."""
    if look.by_author_year is None:
        table: dict[tuple[str, int], list[int]] = {}
        for i, rec in enumerate(look.records):
            if rec.authors and rec.year:
                table.setdefault((family_key(rec.authors[0]), rec.year), []).append(i)
        look.by_author_year = table
    return look.by_author_year


def _phrase_titles(look: Lookup, phrase: str) -> list[int]:
    """Records whose title contains ``phrase`` as whole words."""
    tokens = [_stem(t) for t in phrase.split()]
    if not tokens:
        return []
    lists = [look.postings.get(t, []) for t in tokens]
    smallest = min(lists, key=len)
    needle = f" {phrase} "
    return [i for i in smallest if needle in f" {look.titles[i]} "]


# ----------------------------------------------------------------------------------------
# fuzzy title scoring

_CAPS = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Z0-9]*s?\b|\b[A-Z]{2,}s?\b")


def _acronyms(title: str, norm: str) -> dict[str, str]:
    """Tokens of a heading that may stand for several words -> their letters.

    ``"Self-attention GANs"`` -> ``{"gans": "gan"}``; lower-case tokens of 3-6 letters with
    no vowel after the first ("lstm") count too.
    """
    caps = {t.lower() for t in _CAPS.findall(title) if len(t) <= 8}
    found: dict[str, str] = {}
    for tok in norm.split():
        if tok in caps or (3 <= len(tok) <= 6 and tok.isalpha()
                           and not re.search(r"[aeiouy]", tok[1:])):
            letters = tok[:-1] if tok.endswith("s") and len(tok) > 3 else tok
            if letters.isalpha():
                found[tok] = letters
    return found


def _collapse(words: list[str], acronyms: dict[str, str]) -> str | None:
    """``grid long short term memory`` -> ``grid lstm`` when "lstm" is an acronym."""
    initials = "".join([w[0] for w in words])
    spans: list[tuple[int, int, str]] = []
    for token, letters in acronyms.items():
        if len(letters) < 2:
            continue
        at = initials.find(letters)  # runs of words whose first letters spell the acronym
        while at >= 0:
            spans.append((at, at + len(letters), token))
            at = initials.find(letters, at + 1)
    if not spans:
        return None
    spans.sort()
    out: list[str] = []
    pos = 0
    for start, stop, token in spans:
        if start < pos:
            continue  # overlaps an earlier run
        out.extend(words[pos:start])
        out.append(token)
        pos = stop
    out.extend(words[pos:])
    return " ".join(out)


def _score(query: str, choice: str) -> float:
    """Similarity of two normalised titles: typos (ratio) or reordered words (token sort)."""
    if not choice:
        return 0.0
    return max(fuzz.ratio(query, choice), fuzz.token_sort_ratio(query, choice))


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
def _roots(word: str) -> frozenset[str]:
    """Crude roots: "learned", "learning", "learner" -> "learn"; "filters" -> "filter"."""
    stem = _stem(word)
    return frozenset(w for w in (word, stem, _ROOT.sub("", word), _ROOT.sub("", stem))
                     if len(w) >= 3)


def _relation(word: str, other: str, word_side: set[tuple[str, str]],
              other_side: set[tuple[str, str]], vocabulary: Container[str] | None) -> str:
    """How a heading word relates to a title word: "same" (the same word, an inflection, a
    spelling variant, a compound written apart, a typo), "changed" (a real other word: a
    prefix added or swapped, "with"/"without", another word of the bibliography that looks
    alike), or "unrelated". ``word_side``/``other_side`` are the pairs of adjacent words of
    each text that the other text lacks (a compound written apart: "non linear")."""
    if word == other or _stem(word) == _stem(other) or _roots(word) & _roots(other):
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
    if len(word) >= 4 and fuzz.ratio(word, other) >= 75:
        # a typo, unless the heading's word is a word of its own ("planning"/"learning")
        real = vocabulary is not None and (word in vocabulary or _stem(word) in vocabulary)
        return "changed" if real else "same"
    return "unrelated"


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


def word_differences(heading: str, title: str, vocabulary: Container[str] | None = None
                     ) -> tuple[list[str], list[str]]:
    """The first two parts of ``compare_words``: words of each text the other lacks."""
    extra, missing, _ = compare_words(heading, title, vocabulary)
    return extra, missing


def changed_words(heading: str, title: str, vocabulary: Container[str] | None = None
                  ) -> list[tuple[str, str]]:
    """The last part of ``compare_words``: (heading word, title word) pairs where one real
    word stands for another. Such a heading names another paper until the user says so."""
    return compare_words(heading, title, vocabulary)[2]


@dataclass
class Scored:
    index: int
    score: float
    via: str  # title, head/tail (before/after the colon), acronym, prefix (starts the title)
    pair: tuple[str, str] = ("", "")  # (heading, title) as compared, acronyms collapsed


def _known_word(look: Lookup, token: str) -> str | None:
    """The title word a misspelt heading word most likely is ("reinforcment")."""
    if len(token) < 5:
        return None
    best: tuple[float, str] | None = None
    for length in (len(token) - 1, len(token), len(token) + 1):
        bucket = look.buckets.get((token[0], length))
        if bucket:
            hit = process.extractOne(token, bucket, scorer=fuzz.ratio, score_cutoff=80)
            if hit and (best is None or hit[1] > best[0]):
                best = (hit[1], hit[0])
    return best[1] if best else None


def _prefilter(look: Lookup, query: str) -> list[int]:
    """Records sharing the query's informative words (typos mended), best overlap first."""
    tokens: set[str] = set()
    for tok in query.split():
        tok = _stem(tok)
        if tok not in look.postings:
            tok = _known_word(look, tok) or tok
        tokens.add(tok)
    lists = sorted((look.postings[t] for t in tokens if t in look.postings), key=len)
    usable = [p for p in lists if len(p) <= look.df_cap][:PREFILTER_TOKENS] or lists[:2]
    counts: Counter[int] = Counter()
    for postings in usable:
        counts.update(postings)
    return [i for i, _ in counts.most_common(PREFILTER_LIMIT)]


def _acronym_candidates(look: Lookup, acronyms: dict[str, str]) -> list[int]:
    """Records whose title has a run of words spelling one of ``acronyms`` (cached)."""
    found: list[int] = []
    for letters in set(acronyms.values()):
        if len(letters) < 3:
            continue
        hits = look.acronym_hits.get(letters)
        if hits is None:
            hits = []
            blob, at = look.initials_blob, look.initials_blob.find(letters)
            while at >= 0 and len(hits) < 500:  # str.find runs in C: fast over 20k titles
                line = bisect.bisect_right(look.line_starts, at) - 1
                hits.append(line)
                at = blob.find(letters, look.line_starts[line] + len(look.initials[line]))
            look.acronym_hits[letters] = hits
        found.extend(hits)
    return found


def _score_many(query: str, choices: Sequence[str]) -> list[float]:
    """``_score`` of ``query`` against each choice, with rapidfuzz's loops (no Python calls)."""
    scores = [0.0] * len(choices)
    for scorer in (fuzz.ratio, fuzz.token_sort_ratio):
        for _choice, value, pos in process.extract(query, choices, scorer=scorer, limit=None):
            if value > scores[pos]:
                scores[pos] = value
    return scores


def _title_acronyms(look: Lookup, i: int) -> dict[str, str]:
    """Acronyms written in record ``i``'s title ("GANs"), cached per record."""
    found = look.title_acronyms.get(i)
    if found is None:
        raw = look.raw_titles[i]
        found = _acronyms(raw, look.titles[i]) if _CAPS.search(raw) else {}
        look.title_acronyms[i] = found
    return found


def fuzzy_candidates(look: Lookup, query: str, raw_title: str, limit: int = 5,
                     extra: Sequence[int] = ()) -> list[Scored]:
    """Best-scoring records for a normalised heading (one per record, best first).

    Candidates come from the token prefilter, acronym expansions and ``extra`` (e.g. the
    records of the note's first author and year); each is scored against its title, the
    part before its colon, and its title with the heading's acronyms collapsed (or the
    heading with the title's acronyms collapsed).
    """
    if not query:
        return []
    acronyms = _acronyms(raw_title, query)
    found = dict.fromkeys(_prefilter(look, query))
    if acronyms:
        found.update(dict.fromkeys(_acronym_candidates(look, acronyms)))
    found.update(dict.fromkeys(extra))
    chosen = list(found)
    if not chosen:
        return []
    scores = _score_many(query, [look.titles[i] for i in chosen])
    vias = ["title"] * len(chosen)
    for part, parts in (("head", look.heads), ("tail", look.tails)):
        having = [pos for pos, i in enumerate(chosen) if parts[i]]
        if having:
            part_scores = _score_many(query, [parts[chosen[pos]] for pos in having])
            for pos, value in zip(having, part_scores, strict=True):
                if value > scores[pos]:
                    scores[pos], vias[pos] = value, part
    words = query.split()
    n_query = len(words)
    query_initials = "".join(w[0] for w in words)
    pairs: dict[int, tuple[str, str]] = {}
    for pos, i in enumerate(chosen):
        title = look.titles[i]
        if acronyms and any(letters in look.initials[i] for letters in acronyms.values()):
            collapsed = _collapse(title.split(), acronyms)
            if collapsed and (value := _score(query, collapsed)) > scores[pos]:
                scores[pos], vias[pos], pairs[pos] = value, "acronym", (query, collapsed)
        if n_query > 2:  # the title abbreviates what the heading spells out
            spelled = {t: a for t, a in _title_acronyms(look, i).items() if a in query_initials}
            collapsed = _collapse(words, spelled) if spelled else None
            if collapsed and (value := _score(collapsed, title)) > scores[pos]:
                scores[pos], vias[pos], pairs[pos] = value, "acronym", (collapsed, title)
        if scores[pos] < 89 and n_query >= 2 and title.startswith(query + " "):
            # the heading is the start of a longer title: worth listing, never auto-cited
            scores[pos], vias[pos] = min(89.0, 70 + 25 * len(query) / len(title)), "prefix"
    parts_of = {"title": look.titles, "head": look.heads, "tail": look.tails,
                "prefix": look.titles}
    best = sorted((pos for pos in range(len(chosen)) if scores[pos] > 0),
                  key=lambda pos: (-scores[pos], chosen[pos]))[:limit]
    return [Scored(chosen[pos], float(scores[pos]), vias[pos],
                   pairs.get(pos) or (query, parts_of[vias[pos]][chosen[pos]]))
            for pos in best]


# ----------------------------------------------------------------------------------------
# matching


@dataclass
class Evidence:
    method: Method
    indexes: list[int]
    detail: str


def _note_authors(entry: Entry) -> list[str]:
    """Family names (folded) of the note's authors, in order."""
    authors = entry.meta.get("authors") or []
    if isinstance(authors, str):
        authors = [a for a in re.split(r"\s+and\s+|;", authors) if a.strip()]
    return [f for f in (family_key(str(a)) for a in authors) if f]


def _note_year(entry: Entry) -> int | None:
    year = entry.meta.get("year")
    try:
        return int(year) if year is not None else None
    except (TypeError, ValueError):
        return None


def _meta_verdict(entry: Entry, rec: BibRecord) -> tuple[str, str]:
    """("agree" | "conflict" | "unknown", words) comparing note authors/year with ``rec``."""
    verdict, words = "unknown", ""
    note_names = set(_note_authors(entry))
    bib_names = {family_key(a) for a in rec.authors} - {""}
    if note_names and bib_names:
        if not note_names & bib_names:
            return "conflict", (f"the note's authors ({', '.join(sorted(note_names))}) are not "
                                f"{rec.key}'s ({', '.join(rec.authors[:3])})")
        verdict, words = "agree", "authors agree"
    note_year = _note_year(entry)
    if note_year and rec.year:
        if abs(note_year - rec.year) > 1:  # a preprint may be a year older than the paper
            return "conflict", f"the note says {note_year} but {rec.key} is from {rec.year}"
        verdict, words = "agree", (words + ", year agrees").lstrip(", ")
    return verdict, words


def _meta_overlap(entry: Entry, rec: BibRecord) -> int:
    """How many of the note's authors (plus its year) the record shares."""
    bib_names = {family_key(a) for a in rec.authors}
    shared = len(set(_note_authors(entry)) & bib_names)
    year = _note_year(entry)
    return shared + (1 if year and rec.year and abs(year - rec.year) <= 1 else 0)


@dataclass
class _Outcome:
    index: int | None
    method: Method
    score: float
    status: Status
    reason: str
    acceptable: bool = False  # a review that accept_review may turn into a citation
    candidates: list[tuple[int, float]] = field(default_factory=list)


class Matcher:
    """Matches entries against one index; keeps the lookup tables and alias map."""

    def __init__(self, index: IndexLike, aliases: Mapping[str, str] | None = None):
        self.index = index
        self.look = lookup_for(index)
        self.records = self.look.records
        self.aliases: dict[str, str] = {}
        for name, key in (aliases or {}).items():
            self.aliases.setdefault(norm_title(str(name)), str(key).strip())
        self.problems: list[Problem] = []
        self.positions = self.look.positions
        self._fuzzy_cache: dict[tuple[str, str, tuple[int, ...]], list[Scored]] = {}
        self._reported_twins: set[int] = set()
        self._pending_twins: list[int] = []

    # -- helpers -----------------------------------------------------------------------

    def _where(self, i: int) -> str:
        return f"{self.look.keys[i]} ({self.records[i].source})"

    def close_keys(self, key: str, limit: int = 3) -> list[str]:
        """Bib keys spelled like ``key`` (for "did you mean")."""
        found = process.extract(key, self.look.keys, scorer=fuzz.ratio, limit=limit,
                                score_cutoff=80, processor=str.lower)
        return [k for k, _, _ in found]

    def _failed_block(self, key: str) -> Any:
        """The block of ``key`` that failed to parse (``bib.FailedBlock``), if any."""
        for block in getattr(self.index, "failed", []):
            if getattr(block, "key", None) == key:
                return block
        return None

    def _ids(self, entry: Entry, kind: str) -> list[str]:
        values = list(entry.ids.get(kind, []))
        if kind in ("doi", "arxiv"):
            norm = normalize_doi if kind == "doi" else normalize_arxiv
            found = [v for v in (norm(x) for x in values) if v]
            if kind == "arxiv":  # an arXiv DOI names the preprint: 10.48550/arXiv.1706.03762
                found += [v for v in (normalize_arxiv(d) for d in entry.ids.get("doi", [])
                                      if "10.48550/arxiv." in d.lower()) if v]
            for url in entry.ids.get("url", []):
                value = norm(url) if ("doi" in url if kind == "doi" else "arxiv" in url) else None
                if value:
                    found.append(value)
            return list(dict.fromkeys(found))
        return list(dict.fromkeys(v.strip() for v in values if v.strip()))

    def _same_paper(self, indexes: Sequence[int], *, title_score: float = 100.0) -> bool:
        """Entries that are one paper: same title, same first author, years within one.

        ("Deep learning" by LeCun, Bengio, Hinton and "Deep Learning" by Goodfellow, Bengio,
        Courville share a title and an author, but not the first author.)
        """
        first = self.records[indexes[0]]
        lead = family_key(first.authors[0]) if first.authors else ""
        for i in indexes[1:]:
            rec = self.records[i]
            if self.look.titles[i] != self.look.titles[indexes[0]] and (
                    title_score >= 100 or fuzz.ratio(self.look.titles[i],
                                                     self.look.titles[indexes[0]]) < title_score):
                return False
            if not lead or not rec.authors or family_key(rec.authors[0]) != lead:
                return False
            if first.year and rec.year and abs(first.year - rec.year) > 1:
                return False
        return True

    def _twins_note(self, indexes: Sequence[int]) -> str:
        """A remark naming the duplicates passed over; they are reported (info, once per
        entry) if the paper ends up cited."""
        self._pending_twins = list(indexes)
        names = ", ".join(self.look.keys[i] for i in indexes[1:5])
        return f"; duplicates of the same paper not cited: {names}"

    def _report_twins(self, cited: int | None) -> None:
        twins, self._pending_twins = self._pending_twins, []
        if not twins or twins[0] != cited or cited in self._reported_twins:
            return
        self._reported_twins.add(cited)
        rest = twins[1:]
        self.problems.append(Problem(
            "info", f"{self.look.keys[cited]} is in the bibliography {len(twins)} times "
            f"(also {', '.join(self._where(i) for i in rest[:4])}); citing the first",
            self.records[rest[0]].source, "keep one entry per paper", "match-duplicate"))

    # -- evidence ----------------------------------------------------------------------

    def evidence(self, entry: Entry, queries: Sequence[str]) -> tuple[list[Evidence], list[str]]:
        """Strong evidence found for ``entry`` plus words about ids that led nowhere.

        ``queries`` are the normalised heading, then the heading without an added citation
        ("(Vaswani et al., 2017)"); aliases and exact titles are looked up for each.
        """
        found: list[Evidence] = []
        misses: list[str] = []
        positions = self.positions
        for key in self._ids(entry, "key"):
            if key in positions:
                found.append(Evidence("key", [positions[key]], f"[@{key}] in the note"))
            elif (broken := self._failed_block(key)) is not None:
                self.problems.append(Problem(
                    "error", f"key '{key}' is at {broken.source}, but that entry could not be "
                    f"read: {broken.error}", entry.source,
                    f"fix the entry at {broken.source} (a missing brace, comma or quote)",
                    "match-broken-entry"))
                misses.append(f"the entry of [@{key}] could not be read ({broken.source})")
            else:
                close = self.close_keys(key)
                hint = (f"did you mean {', '.join(close)}?" if close
                        else "add the entry to your .bib or fix the key")
                self.problems.append(Problem(
                    "error", f"key '{key}' named in the note is not in the bibliography",
                    entry.source, hint, "match-missing-key"))
                misses.append(f"the note names [@{key}], which is not in the bibliography")
        tables: tuple[tuple[Method, dict[str, list[int]], str], ...] = (
            ("doi", self.look.by_doi, "DOI"), ("arxiv", self.look.by_arxiv, "arXiv id"))
        for kind, table, label in tables:
            for value in self._ids(entry, kind):
                if value in table:
                    found.append(Evidence(kind, list(table[value]), f"{label} {value}"))
                else:
                    misses.append(f"{label} {value} is not in the bibliography")
        alias_key = next((self.aliases[q] for q in queries if q in self.aliases), None)
        if alias_key is not None:
            if alias_key in positions:
                found.append(Evidence("alias", [positions[alias_key]],
                                      f"alias '{entry.title.strip()}' in relwork.yaml"))
            else:
                close = self.close_keys(alias_key)
                self.problems.append(Problem(
                    "error", f"alias for '{entry.title.strip()}' names key '{alias_key}', "
                    "which is not in the bibliography", entry.source,
                    (f"did you mean {', '.join(close)}? " if close else "")
                    + "fix 'aliases' in relwork.yaml", "match-alias-missing"))
                misses.append(f"alias -> {alias_key}, which is not in the bibliography")
        exact = next((q for q in queries if q in self.look.by_title), None)
        if exact:
            found.append(Evidence("title", list(self.look.by_title[exact]),
                                  "the title matches exactly"))
        return found, misses

    # -- decisions ---------------------------------------------------------------------

    def match(self, entry: Entry, *, accept_review: bool = False) -> Match:
        """One ``Match`` for ``entry`` (status, key, method, score, reason, candidates)."""
        query = norm_title(entry.title) if entry.title else ""
        work, clean = entry, query
        heading, authors, year = split_heading(entry.title or "")
        if heading != (entry.title or "").strip():
            # decide on the heading without its citation; the note's own meta wins
            meta = dict(entry.meta)
            if authors and not meta.get("authors"):
                meta["authors"] = authors
            if year and not meta.get("year"):
                meta["year"] = year
            work, clean = replace(entry, title=heading, meta=meta), norm_title(heading)
        own = entry
        if entry.weak_ids:  # identifiers from the summary's text name the paper only weakly
            own = replace(entry, ids={
                kind: [v for v in values if v not in entry.weak_ids.get(kind, [])]
                for kind, values in entry.ids.items()})
        evidence, misses = self.evidence(own, [q for q in dict.fromkeys((query, clean)) if q])
        outcome = self._decide(work, clean, evidence)
        if outcome.status == "unmatched" and entry.weak_ids:
            outcome = self._decide_weak(entry, outcome)
        if any("[@" in m for m in misses) and outcome.status == "matched":
            outcome.status, outcome.acceptable = "review", False  # the named key is missing
        reason = outcome.reason
        if accept_review and outcome.status == "review" and outcome.acceptable:
            outcome.status = "matched"
            reason += " (cited because match.accept_review is on)"
        if misses:
            reason += "; " + "; ".join(misses)
        if outcome.status == "review" and outcome.acceptable:
            reason += f" ({ACCEPT_REVIEW_NOTE})"  # build offers the flag only then
        self._report_twins(outcome.index if outcome.status == "matched" else None)
        cands = [Candidate(self.look.keys[i], self.records[i].title, round(s, 1))
                 for i, s in self._ranked(work, clean, outcome)]
        key = self.look.keys[outcome.index] if outcome.index is not None else None
        return Match(entry=entry, key=key, method=outcome.method, score=round(outcome.score, 1),
                     status=outcome.status, candidates=cands, reason=reason)

    def _decide_weak(self, entry: Entry, outcome: _Outcome) -> _Outcome:
        """Nothing identifies the entry but its text names one paper ([@key], a DOI or
        arXiv link): offer it for review, never cite it (the text may cite another paper,
        e.g. a summary of StyleGAN that says it builds on [@goodfellow2014generative])."""
        weak = Entry(entry.title, entry.source, ids=entry.weak_ids)
        named: dict[int, str] = {}
        for key in self._ids(weak, "key"):
            if key in self.positions:
                named.setdefault(self.positions[key], f"[@{key}]")
        for kind, table in (("doi", self.look.by_doi), ("arxiv", self.look.by_arxiv)):
            for value in self._ids(weak, kind):
                for i in table.get(value, []):
                    named.setdefault(i, f"{kind} {value}")
        if len(named) != 1:
            return outcome
        (i, how), = named.items()
        return _Outcome(i, "key", SCORE_EXACT, "review",
                        f"the summary's text names {self.look.keys[i]} ({how}) but its heading "
                        "does not; add [@key] to the heading or an alias if this is the paper",
                        candidates=outcome.candidates)

    def _ranked(self, entry: Entry, query: str, out: _Outcome) -> list[tuple[int, float]]:
        """Up to three candidates: the outcome's own first, then the best fuzzy ones."""
        ranked: dict[int, float] = {}
        if out.index is not None:
            ranked[out.index] = out.score
        for i, s in out.candidates:
            ranked.setdefault(i, s)
        strong = out.status == "matched" and out.method != "fuzzy"
        if len(ranked) < 3 and query and not strong:  # a sure match needs no alternatives
            for hit in self._fuzzy(entry, query):
                ranked.setdefault(hit.index, hit.score)
        return list(ranked.items())[:3]

    def _fuzzy(self, entry: Entry, query: str) -> list[Scored]:
        extra: tuple[int, ...] = ()
        authors, year = _note_authors(entry), _note_year(entry)
        if authors and year:  # the note's own first author and year: cheap, exact look-up
            extra = tuple(i for y in (year - 1, year, year + 1)
                          for i in _author_year(self.look).get((authors[0], y), []))
        cache_key = (query, entry.title, extra)
        if cache_key not in self._fuzzy_cache:
            self._fuzzy_cache[cache_key] = fuzzy_candidates(self.look, query, entry.title,
                                                            extra=extra)
        return self._fuzzy_cache[cache_key]

    def _decide(self, entry: Entry, query: str, evidence: list[Evidence]) -> _Outcome:
        keys = [e for e in evidence if e.method == "key"]
        if len({e.indexes[0] for e in keys}) > 1:
            names = ", ".join(dict.fromkeys(self.look.keys[e.indexes[0]] for e in keys))
            return _Outcome(keys[0].indexes[0], "key", SCORE_EXACT, "review",
                            f"the note names different keys ({names}); keep one",
                            candidates=[(e.indexes[0], SCORE_EXACT) for e in keys])
        if evidence:
            return self._decide_strong(entry, query, evidence)
        if query:
            short = self._decide_short(entry, query)
            if short is not None:
                return short
            return self._decide_fuzzy(entry, query)
        return _Outcome(None, "none", 0.0, "unmatched",
                        "the entry has no title and no identifier found in the bibliography")

    def _narrow(self, entry: Entry, chosen: list[int], evidence: Sequence[Evidence]
                ) -> tuple[list[int], str]:
        """Several entries fit: let other evidence, the note's authors/year, or the fact
        that they are one paper decide. Returns the remaining entries and a remark."""
        for other in evidence:
            narrowed = [i for i in chosen if i in other.indexes]
            chosen = narrowed or chosen
        if len(chosen) > 1 and (_note_authors(entry) or _note_year(entry)):
            overlap = {i: _meta_overlap(entry, self.records[i]) for i in chosen}
            best = max(overlap.values())
            top = [i for i in chosen if overlap[i] == best]
            if best > 0 and len(top) < len(chosen):
                chosen = top
                if len(chosen) == 1:
                    return chosen, "; the note's authors/year single it out"
        if len(chosen) > 1 and self._same_paper(chosen):
            return chosen[:1], self._twins_note(chosen)
        return chosen, ""

    def _decide_strong(self, entry: Entry, query: str, evidence: list[Evidence]) -> _Outcome:
        first = evidence[0]
        chosen, remark = list(first.indexes), ""
        if len(chosen) > 1:
            chosen, remark = self._narrow(entry, chosen, evidence[1:])
            if len(chosen) > 1:
                names = ", ".join(self._where(i) for i in chosen[:4])
                what = "title" if first.method == "title" else first.detail
                return _Outcome(chosen[0], first.method, SCORE_EXACT, "review",
                                f"{len(chosen)} different papers share this {what}: {names}; "
                                "name one with [@key] or an alias",
                                candidates=[(i, SCORE_EXACT) for i in chosen])
        best = chosen[0]
        key = self.look.keys[best]
        conflicts = [e for e in evidence[1:] if best not in e.indexes
                     and not (e.method == "title" and self._same_paper([best, *e.indexes]))]
        if conflicts:
            says = "; ".join(f"{e.detail} points to {self.look.keys[e.indexes[0]]}"
                             for e in conflicts)
            return _Outcome(best, first.method, SCORE_EXACT, "review",
                            f"conflicting evidence: {first.detail} points to {key}, but {says}",
                            candidates=[(best, SCORE_EXACT)]
                            + [(e.indexes[0], SCORE_EXACT) for e in conflicts])
        if first.method in ("key", "doi", "arxiv") and query:
            clash = self._title_clash(entry, query, best)
            if clash is not None:
                return _Outcome(best, first.method, SCORE_EXACT, "review",
                                f"conflicting evidence: {first.detail} points to {key}, but the "
                                f"heading is the title of {self._where(clash[0])}",
                                candidates=[(best, SCORE_EXACT), clash])
        if first.method == "title":
            return self._check_title(entry, query, best, remark)
        return _Outcome(best, first.method, SCORE_EXACT, "matched",
                        f"{first.detail}: {self._where(best)}{remark}")

    def _title_clash(self, entry: Entry, query: str, best: int) -> tuple[int, float] | None:
        """Another record the heading clearly names while the id points to ``best``."""
        own = max(_score(query, self.look.titles[best]), _score(query, self.look.heads[best]))
        if own >= REVIEW_SCORE or len(query.split()) < MIN_AUTO_TOKENS:
            return None
        hits = self._fuzzy(entry, query)
        if hits and hits[0].index != best and hits[0].score >= 95 and hits[0].via != "prefix" \
                and not self._same_paper([best, hits[0].index]):
            return hits[0].index, hits[0].score
        return None

    def _check_title(self, entry: Entry, query: str, best: int, remark: str) -> _Outcome:
        key = self.look.keys[best]
        verdict, words = _meta_verdict(entry, self.records[best])
        if verdict == "conflict":
            return _Outcome(best, "title", SCORE_EXACT, "review",
                            f"the title is {key}'s, but {words}: maybe another paper with "
                            "the same title")
        others = [i for i in self.look.by_short.get(query, [])
                  if i != best and self.look.titles[i] != self.look.titles[best]]
        if others and len(query.split()) <= 2 and "authors agree" not in words:
            names = ", ".join(self.look.keys[i] for i in others[:3])
            return _Outcome(best, "title", SCORE_EXACT, "review",
                            f"the short title is {key}'s, but it also starts the titles of "
                            f"{names}", candidates=[(i, SCORE_SHORT) for i in others])
        if len(query.split()) == 1 and "authors agree" not in words:
            twins = set(self.look.by_title.get(query, []))
            others = [i for i in _phrase_titles(self.look, query) if i not in twins]
            if len(others) > SHORT_OTHER_TITLES:  # "Quantization": a topic, not a name
                return _Outcome(best, "title", SCORE_EXACT, "review",
                                f"the one-word title is {key}'s, but {len(others)} other "
                                "titles contain that word too", acceptable=True)
        extra = f" ({words})" if words else ""
        return _Outcome(best, "title", SCORE_EXACT, "matched",
                        f"exact title of {self._where(best)}{extra}{remark}")

    def _decide_short(self, entry: Entry, query: str) -> _Outcome | None:
        hits = list(dict.fromkeys(self.look.by_short.get(query, [])))
        if not hits and len(query.split()) in (2, 3):
            joined = query.replace(" ", "")  # "GPT-3", "U-Net" against key tokens gpt3, unet
            hits = list(dict.fromkeys(self.look.by_short.get(joined, [])))
        if not hits:
            return None
        remark = ""
        if len(hits) > 1:
            hits, remark = self._narrow(entry, hits, ())
        if len(hits) > 1:
            names = ", ".join(self.look.keys[i] for i in hits[:4])
            return _Outcome(hits[0], "shorttitle", SCORE_SHORT, "review",
                            f"'{query}' is the short title of {len(hits)} different papers "
                            f"({names})", candidates=[(i, SCORE_SHORT) for i in hits])
        best = hits[0]
        what = f"'{query}' is the short title of {self._where(best)}"
        verdict, words = _meta_verdict(entry, self.records[best])
        if verdict == "conflict":
            return _Outcome(best, "shorttitle", SCORE_SHORT, "review", f"{what}, but {words}")
        twins = set(self.look.by_title.get(self.look.titles[best], []))
        others = [i for i in _phrase_titles(self.look, query) if i not in twins]
        if len(others) > SHORT_OTHER_TITLES:
            fuzzy = self._fuzzy(entry, query)
            if fuzzy and fuzzy[0].score >= 95 and fuzzy[0].index not in twins:
                # e.g. "LSTM": the spelled-out title beats a key that merely contains it
                top = fuzzy[0]
                return _Outcome(top.index, "fuzzy", top.score, "review",
                                f"the heading resembles {self._where(top.index)}'s title "
                                f"({top.via}, score {top.score:.0f}); {what} too",
                                acceptable=False, candidates=[(best, SCORE_SHORT)])
            return _Outcome(best, "shorttitle", SCORE_SHORT, "review",
                            f"{what}, but {len(others)} other titles contain it too",
                            acceptable=True)
        return _Outcome(best, "shorttitle", SCORE_SHORT, "matched",
                        f"{what}: {self.records[best].title}{remark}")

    def _decide_fuzzy(self, entry: Entry, query: str) -> _Outcome:
        hits = self._fuzzy(entry, query)
        if not hits or hits[0].score < REVIEW_SCORE:
            best = f" (closest: {self.look.keys[hits[0].index]}, score {hits[0].score:.0f})" \
                if hits else ""
            return _Outcome(None, "none", hits[0].score if hits else 0.0, "unmatched",
                            f"no bib entry has a similar title{best}")
        top = hits[0]
        top_title = self.look.titles[top.index]
        twins = [h.index for h in hits[1:] if self.look.titles[h.index] == top_title
                 or self._same_paper([top.index, h.index], title_score=95)]
        rivals = [h for h in hits[1:] if h.index not in twins]
        runner = rivals[0].score if rivals else 0.0
        verdict, words = _meta_verdict(entry, self.records[top.index])
        n_tokens = len(query.split())
        via = {"title": "title", "head": "title before its colon", "prefix": "start of the title",
               "tail": "title after its colon",
               "acronym": "title with its acronym spelled out"}[top.via]
        what = f"the heading resembles the {via} of {self._where(top.index)} (score {top.score:.0f}"
        what += f", next best {runner:.0f})" if rivals else ")"
        blockers: list[str] = []
        threshold = AUTO_SCORE_AUTHORS if verdict == "agree" else AUTO_SCORE
        if top.score < threshold:
            blockers.append(f"score below {threshold:.0f}")
        if rivals and top.score - runner < AUTO_MARGIN:
            blockers.append(f"{self.look.keys[rivals[0].index]} is close behind")
        if n_tokens < MIN_AUTO_TOKENS and not (n_tokens == 2 and top.score >= SCORE_EXACT):
            blockers.append("the heading is too short to trust a fuzzy match")
        doubtful = top.via == "prefix"  # likely another paper: accept_review does not cite it
        if top.via == "prefix":
            blockers.append("the heading is only the start of that title")
        else:
            vocabulary = self.look.postings  # the bib's title words: real words, not typos
            extra_words, missing_words, changed = compare_words(*top.pair, vocabulary)
            doubtful = bool(extra_words or missing_words or changed)
            sure_meta = "authors agree" in words and "year agrees" in words
            if changed:  # never cited, whatever the authors: "Unsupervised X" is not "X"
                swaps = ", ".join(f"'{h}' for '{t}'" for h, t in changed[:3])
                blockers.append(f"the heading has {swaps}: another word, not a typo, so "
                                "maybe another paper")
            elif (extra_words or missing_words) and not (
                    sure_meta and len(extra_words) <= 1 and len(missing_words) <= 1):
                said = []
                if extra_words:
                    said.append(f"the heading has {', '.join(extra_words[:3])}")
                if missing_words:
                    said.append(f"the title has {', '.join(missing_words[:3])}")
                blockers.append(" and ".join(said) + ": maybe another paper")
        if verdict == "conflict":
            blockers.append(words)
        same = bool(twins) and self._same_paper([top.index, *twins], title_score=95)
        if twins and not same:
            names = ", ".join(self.look.keys[i] for i in twins[:3])
            blockers.append(f"{names} has the same title but is another paper")
        candidates = [(h.index, h.score) for h in rivals[:2]]
        if blockers:
            acceptable = verdict != "conflict" and not (twins and not same) and not doubtful
            return _Outcome(top.index, "fuzzy", top.score, "review",
                            f"{what}; not cited: {'; '.join(blockers)}", acceptable=acceptable,
                            candidates=candidates)
        extra = f", {words}" if words else ""
        remark = self._twins_note([top.index, *twins]) if same else ""
        return _Outcome(top.index, "fuzzy", top.score, "matched",
                        f"{what}{extra}{remark}",
                        candidates=candidates)


def match_entries(
    entries: Sequence[Entry],
    index: BibIndex | IndexLike,
    *,
    aliases: Mapping[str, str] | None = None,
    accept_review: bool = False,
) -> tuple[list[Match], list[Problem]]:
    """Match each entry to a bib key.

    Returns one ``Match`` per entry, in order, and the problems found (an explicit key or
    an alias naming a key that is not in the bibliography is an ``error``; duplicate bib
    entries of a cited paper are ``info``). With ``accept_review``, a plausible review with
    one clear candidate becomes ``matched``; ambiguous or conflicting evidence stays
    ``review``.
    """
    matcher = Matcher(index, aliases)
    matches = [matcher.match(entry, accept_review=accept_review) for entry in entries]
    return matches, matcher.problems


# ----------------------------------------------------------------------------------------
# stubs

_STOP = frozenset("a an the of for in on with and to via by from using is are at as".split())
_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": "", "}": "", "&": r"\&", "%": r"\%",
                   "#": r"\#", "_": r"\_", "$": r"\$", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}


def _bibtex_text(text: str) -> str:
    """Plain text as a BibTeX field value: LaTeX specials escaped, braces dropped (balanced)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # Markdown link -> its text
    text = re.sub(r"[*`]+", "", text)
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in " ".join(text.split()))


_SAFE_DOI = re.compile(r"[-._;()/:a-z0-9]+")
_URL_KEEP = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")


def _url_text(url: str) -> str:
    """A URL with every character outside RFC 3986's set percent-encoded (braces, backslash,
    quotes, spaces): nothing in it can end a BibTeX field or start a TeX command."""
    return _URL_KEEP.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), url)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _field(text: str) -> str:
    """``{text}`` as a BibTeX field value that ends where it should: one line, braces
    balanced (else all dropped), so note text can never close the field or start an entry."""
    text = " ".join(text.split())
    if not _balanced(text):
        text = text.replace("{", "").replace("}", "")
    return "{" + text + "}"


def stub_key(entry: Entry) -> str:
    """A BibTeX-safe key for a paper missing from the bib: ``missing_learining_deep_latent``."""
    words = [w for w in normalize_title(entry.title).split() if w not in _STOP]
    year = entry.meta.get("year")
    tail = words[:4] + ([str(year)] if isinstance(year, (int, str)) and str(year).isdigit()
                        else [])
    if not words:
        tail = [f"{zlib.crc32(str(entry.source).encode()):08x}"]  # stable across runs
    return "missing_" + "_".join(tail)


def make_stub(entry: Entry) -> BibRecord:
    """A ``@misc`` record for ``entry`` marked as missing from the bibliography.

    The key is derived from the title (``missing_<words>``, BibTeX-safe); ``raw`` is the
    entry text ready to write; its ``note`` says it is missing and names the note's file:line.
    """
    key = stub_key(entry)
    title = " ".join(entry.title.split()) or "Untitled"
    fields: dict[str, str] = {"title": _field(_bibtex_text(title))}
    authors = entry.meta.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    names = [str(a).strip() for a in authors if str(a).strip()]
    if names:
        fields["author"] = _field(_bibtex_text(" and ".join(names)))
    year = entry.meta.get("year")
    year_int = int(year) if isinstance(year, (int, str)) and str(year).isdigit() else None
    if year_int:
        fields["year"] = _field(str(year_int))
    doi = next((d for d in (normalize_doi(x) for x in entry.ids.get("doi", [])) if d), None)
    if doi and not _SAFE_DOI.fullmatch(doi):
        doi = None  # not a DOI's characters: never written into the .bib
    arxiv = next((a for a in (normalize_arxiv(x) for x in entry.ids.get("arxiv", [])) if a),
                 None)
    if doi:
        fields["doi"] = _field(doi)
    if arxiv:
        fields["eprint"] = _field(arxiv)
        fields["archiveprefix"] = "{arXiv}"
    urls = entry.ids.get("url", [])
    if urls:
        fields["url"] = _field(_url_text(urls[0]))
    fields["note"] = _field("relwork: missing from bibliography, see "
                            + _bibtex_text(str(entry.source)))
    width = max(len(name) for name in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {value}" for name, value in fields.items())
    raw = f"@misc{{{key},\n{body}\n}}"
    return BibRecord(
        key=key, type="misc", fields=fields, source=entry.source, raw=raw, title=title,
        title_norm=normalize_title(title), authors=[family_name(n) for n in names], year=year_int,
        doi=doi, arxiv=arxiv, shorttitle_norm="")
