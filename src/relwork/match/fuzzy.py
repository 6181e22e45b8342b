"""Fuzzy title scoring: candidates from the token prefilter and acronym expansions, each
scored against its title, the parts around its colon, and acronyms collapsed."""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..infra import lazy
from .lookup import Lookup
from .normalize import stem
from .thresholds import PREFILTER_LIMIT, PREFILTER_TOKENS, RANK_BASE
from .words import word_form

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


def score(query: str, choice: str) -> float:
    """Similarity of two normalised titles: typos (ratio) or reordered words (token sort)."""
    if not choice:
        return 0.0
    fuzz = lazy.fuzz()
    return max(fuzz.ratio(query, choice), fuzz.token_sort_ratio(query, choice))


@dataclass
class Scored:
    index: int
    score: float
    via: str  # title, head/tail (before/after the colon), acronym, prefix (starts the title)
    pair: tuple[str, str] = ("", "")  # (heading, title) as compared, acronyms collapsed
    #: the order of candidates: ``score`` weighted by the distinctive words shared
    rank: float = 0.0


def _weight(look: Lookup, form: str) -> float:
    """How distinctive a word form is in this bibliography: its IDF (cached)."""
    weight = look.form_weights.get(form)
    if weight is None:
        df = len(look.postings.get(form, ()))
        weight = look.form_weights[form] = math.log((look.size + 1) / (df + 1)) + 0.1
    return weight


def _title_forms(look: Lookup, i: int) -> tuple[frozenset[str], float]:
    """Record ``i``'s title words as forms, and their summed weight (cached)."""
    found = look.title_forms.get(i)
    if found is None:
        forms = frozenset(word_form(t) for t in look.titles[i].split())
        found = look.title_forms[i] = (forms, sum(_weight(look, f) for f in forms))
    return found


def _query_tokens(look: Lookup, query: str) -> set[str]:
    """The heading's words as the postings know them (plurals folded, typos mended)."""
    tokens: set[str] = set()
    for tok in query.split():
        tok = stem(tok)
        if tok not in look.postings:
            tok = _known_word(look, tok) or tok
        tokens.add(tok)
    return tokens


def shared_weight(look: Lookup, query_forms: frozenset[str], i: int) -> float:
    """0..1: the IDF-weighted overlap (F1) of the heading's word forms and record ``i``'s
    title words, so that "warm starting" weighs more than "neural network"."""
    title_forms, title_total = _title_forms(look, i)
    if not query_forms or not title_forms:
        return 0.0
    both = sum(_weight(look, f) for f in query_forms & title_forms)
    total = sum(_weight(look, f) for f in query_forms) + title_total
    return 2 * both / total if total else 0.0


def _known_word(look: Lookup, token: str) -> str | None:
    """The title word a misspelt heading word most likely is ("reinforcment")."""
    if len(token) < 5:
        return None
    best: tuple[float, str] | None = None
    for length in (len(token) - 1, len(token), len(token) + 1):
        bucket = look.buckets.get((token[0], length))
        if bucket:
            hit = lazy.process().extractOne(token, bucket, scorer=lazy.fuzz().ratio,
                                            score_cutoff=80)
            if hit and (best is None or hit[1] > best[0]):
                best = (hit[1], hit[0])
    return best[1] if best else None


def _prefilter(look: Lookup, tokens: set[str]) -> list[int]:
    """Records sharing the query's informative words (typos mended), best overlap first."""
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


def score_many(query: str, choices: Sequence[str]) -> list[float]:
    """``score`` of ``query`` against each choice, with rapidfuzz's loops (no Python calls)."""
    scores = [0.0] * len(choices)
    fuzz, process = lazy.fuzz(), lazy.process()
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
    tokens = _query_tokens(look, query)
    found = dict.fromkeys(_prefilter(look, tokens))
    if acronyms:
        found.update(dict.fromkeys(_acronym_candidates(look, acronyms)))
    found.update(dict.fromkeys(extra))
    chosen = list(found)
    if not chosen:
        return []
    scores = score_many(query, [look.titles[i] for i in chosen])
    vias = ["title"] * len(chosen)
    for part, parts in (("head", look.heads), ("tail", look.tails)):
        having = [pos for pos, i in enumerate(chosen) if parts[i]]
        if having:
            part_scores = score_many(query, [parts[chosen[pos]] for pos in having])
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
            if collapsed and (value := score(query, collapsed)) > scores[pos]:
                scores[pos], vias[pos], pairs[pos] = value, "acronym", (query, collapsed)
        if n_query > 2:  # the title abbreviates what the heading spells out
            spelled = {t: a for t, a in _title_acronyms(look, i).items() if a in query_initials}
            collapsed = _collapse(words, spelled) if spelled else None
            if collapsed and (value := score(collapsed, title)) > scores[pos]:
                scores[pos], vias[pos], pairs[pos] = value, "acronym", (collapsed, title)
        if scores[pos] < 89 and n_query >= 2 and title.startswith(query + " "):
            # the heading is the start of a longer title: worth listing, never auto-cited
            scores[pos], vias[pos] = min(89.0, 70 + 25 * len(query) / len(title)), "prefix"
    parts_of = {"title": look.titles, "head": look.heads, "tail": look.tails,
                "prefix": look.titles}
    forms = frozenset(word_form(t) for t in tokens)
    ranks = [scores[pos] * (RANK_BASE + (1 - RANK_BASE) * shared_weight(look, forms, i))
             for pos, i in enumerate(chosen)]
    best = sorted((pos for pos in range(len(chosen)) if scores[pos] > 0),
                  key=lambda pos: (-ranks[pos], -scores[pos], chosen[pos]))[:limit]
    return [Scored(chosen[pos], float(scores[pos]), vias[pos],
                   pairs.get(pos) or (query, parts_of[vias[pos]][chosen[pos]]), ranks[pos])
            for pos in best]

