"""The matching tables of one bibliography index (normalised titles, ids, short names, token
postings), built once per index object and kept while it lives."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..ids import family_key, normalize_arxiv, normalize_doi
from ..model import BibRecord
from .normalize import key_token, norm_title, stem
from .thresholds import DF_CAP_SHARE


class IndexLike(Protocol):
    """What matching needs from ``bib.BibIndex``."""

    @property
    def records(self) -> Mapping[str, BibRecord]: ...



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
    by_author_year: dict[tuple[str, int], list[int]] | None = None  # see author_year
    records: list[BibRecord] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)  # key -> record number
    postings: dict[str, list[int]] = field(default_factory=dict)
    acronym_hits: dict[str, list[int]] = field(default_factory=dict)  # filled lazily
    title_acronyms: dict[int, dict[str, str]] = field(default_factory=dict)  # filled lazily
    #: filled lazily for ranking: a word form's IDF weight; a record's word forms and
    #: their summed weight
    form_weights: dict[str, float] = field(default_factory=dict)
    title_forms: dict[int, tuple[frozenset[str], float]] = field(default_factory=dict)
    buckets: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # words by
    # (first letter, length), to find the word a misspelt heading word stands for
    initials_blob: str = ""  # all initials, one record per line, for fast substring search
    line_starts: list[int] = field(default_factory=list)
    df_cap: int = 0
    size: int = 0


#: where a title's short name ends: a colon, or a dash between spaces ("GPipe - Easy ...")
HEAD_SPLIT = re.compile(r"\s*:\s+|\s*:$|\s+[-–—]+\s+")


def lookup_for(index: IndexLike) -> Lookup:
    """The lookup tables of ``index``, built once per index object and kept in its
    ``memo`` while it lives (rebuilt when its number of records changes); an index
    without a memo (a plain object with ``records``) gets new tables each call."""
    memo = getattr(index, "memo", None)
    if memo is None:
        return build_lookup(index)
    look = memo.lookup
    if not isinstance(look, Lookup) or look.size != len(index.records):
        look = memo.lookup = build_lookup(index)
    return look


#: The Lookup fields a cache keeps (plain JSON); the others are rebuilt from them.
_KEPT = ("keys", "titles", "heads", "tails", "raw_titles", "initials", "by_title", "by_doi",
         "by_arxiv", "by_short", "postings", "df_cap", "size")


def lookup_data(look: Lookup) -> dict[str, Any]:
    """The tables of ``look`` as plain data (lists, dicts of str, ints) for a cache."""
    return {name: getattr(look, name) for name in _KEPT}


def lookup_from_data(data: object, records: list[BibRecord]) -> Lookup | None:
    """The Lookup ``lookup_data`` made, for ``records`` (the index's, in order); None when
    ``data`` does not have that shape or was made for other records."""
    if not isinstance(data, dict) or set(data) != set(_KEPT):
        return None
    keys = data["keys"]
    if keys != [r.key for r in records] or data["size"] != len(records):
        return None
    lists = ("titles", "heads", "tails", "raw_titles", "initials")
    if not all(type(data[n]) is list and len(data[n]) == len(records)
               and all(type(v) is str for v in data[n]) for n in lists):
        return None
    tables = ("by_title", "by_doi", "by_arxiv", "by_short", "postings")
    size = len(records)
    for name in tables:
        table = data[name]
        if type(table) is not dict or not all(
                type(v) is list and all(type(i) is int and 0 <= i < size for i in v)
                for v in table.values()):
            return None
    if type(data["df_cap"]) is not int:
        return None
    look = Lookup(**{name: data[name] for name in _KEPT})
    look.records = records
    look.positions = {key: i for i, key in enumerate(keys)}
    for tok in look.postings:
        if tok:
            look.buckets.setdefault((tok[0], len(tok)), []).append(tok)
    look.initials_blob = "\n".join(look.initials)
    pos = 0
    for text in look.initials:
        look.line_starts.append(pos)
        pos += len(text) + 1
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
            parts = HEAD_SPLIT.split(raw, maxsplit=1)
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
            folded = stems.get(tok)
            if folded is None:
                folded = stems[tok] = stem(tok)
            postings.setdefault(folded, []).append(i)
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


def author_year(look: Lookup) -> dict[tuple[str, int], list[int]]:
    """(first author's family name, year) -> records; built on first use."""
    if look.by_author_year is None:
        table: dict[tuple[str, int], list[int]] = {}
        folded: dict[str, str] = {}  # a first author has many papers: folded once
        for i, rec in enumerate(look.records):
            if rec.authors and rec.year:
                name = rec.authors[0]
                key = folded.get(name)
                if key is None:
                    key = folded[name] = family_key(name)
                table.setdefault((key, rec.year), []).append(i)
        look.by_author_year = table
    return look.by_author_year


def phrase_titles(look: Lookup, phrase: str) -> list[int]:
    """Records whose title contains ``phrase`` as whole words."""
    tokens = [stem(t) for t in phrase.split()]
    if not tokens:
        return []
    lists = [look.postings.get(t, []) for t in tokens]
    smallest = min(lists, key=len)
    needle = f" {phrase} "
    return [i for i in smallest if needle in f" {look.titles[i]} "]

