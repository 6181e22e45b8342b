"""Which paper a title search found, precision first: the note's title exactly (or its short
name confirmed by authors or year), authors and year agreeing where the note gives them, the
published version over its preprint; anything else is a review with its candidates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..ids import family_key, normalize_title
from ..infra import lazy
from .paper import Paper

Agreement = Literal["exact", "short", "close", "none"]
#: a title this close (0-100) is shown as a candidate to review
CLOSE = 85.0
#: a review --accept-review may take: one work, this close, nothing contradicting it
ACCEPTABLE = 95.0


@dataclass(frozen=True)
class Query:
    """What is looked up: ``kind`` doi/arxiv/title, its ``value``, and what the note says of
    the paper (title, authors, year) to check the answer against."""

    kind: str
    value: str
    title: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None


@dataclass
class Decision:
    status: Literal["found", "review", "not-found"]
    paper: Paper | None = None
    candidates: list[tuple[Paper, float]] = field(default_factory=list)
    reason: str = ""
    acceptable: bool = False


def title_score(a: str, b: str) -> float:
    return float(lazy.fuzz().ratio(normalize_title(a), normalize_title(b)))


def title_agreement(note: str, paper: str) -> Agreement:
    """``exact``: the same normalised title; ``short``: the note gives the part before the
    paper title's colon (``PULSE``); ``close``: a near title; else ``none``."""
    mine, theirs = normalize_title(note), normalize_title(paper)
    if not mine or not theirs:
        return "none"
    if mine == theirs:
        return "exact"
    if ":" in paper and normalize_title(paper.split(":", 1)[0]) == mine:
        return "short"
    return "close" if title_score(note, paper) >= CLOSE else "none"


def authors_agree(note: tuple[str, ...], paper: list[str]) -> bool | None:
    """Every family name the note gives is among the paper's; None when either has none."""
    mine = {family_key(a) for a in note} - {""}
    theirs = {family_key(a) for a in paper} - {""}
    if not mine or not theirs:
        return None
    return mine <= theirs


def year_agrees(note: int | None, paper: int | None) -> bool | None:
    """Within a year (a preprint's year and its publication's differ by one); None when
    either is unknown."""
    if note is None or paper is None:
        return None
    return abs(note - paper) <= 1


def same_work(a: Paper, b: Paper) -> bool:
    """Two records of one work: same normalised title and a shared first author."""
    if normalize_title(a.title) != normalize_title(b.title):
        return False
    fa = [family_key(n) for n in a.authors]
    fb = [family_key(n) for n in b.authors]
    if not fa or not fb:
        return True
    return fa[0] == fb[0] or len(set(fa) & set(fb)) * 2 >= min(len(fa), len(fb))


def works(papers: list[Paper]) -> list[list[Paper]]:
    """``papers`` grouped into works (a preprint and its published version are one)."""
    groups: list[list[Paper]] = []
    for paper in papers:
        for group in groups:
            if same_work(group[0], paper):
                group.append(paper)
                break
        else:
            groups.append([paper])
    return groups


def preferred(group: list[Paper]) -> Paper:
    """The published version of a work before its preprint; with a DOI before without.
    It takes the arXiv id of its preprint (DBLP keeps that on the CoRR record)."""
    chosen = sorted(group, key=lambda p: (p.preprint, p.doi is None))[0]
    if chosen.arxiv is None:
        chosen.arxiv = next((p.arxiv for p in group if p.arxiv), None)
    return chosen


def decide(query: Query, papers: list[Paper]) -> Decision:
    """The decision for ``papers`` a title search returned for ``query``."""
    rows = []
    for paper in papers:
        agreement = title_agreement(query.title, paper.title)
        if agreement == "none":
            continue
        rows.append((paper, agreement, authors_agree(query.authors, paper.authors),
                     year_agrees(query.year, paper.year),
                     title_score(query.title, paper.title)))
    ranked = sorted(((p, s) for p, _, _, _, s in rows), key=lambda ps: -ps[1])
    fitting = [r for r in rows if r[2] is not False and r[3] is not False]
    exact = [p for p, agreement, *_ in fitting if agreement == "exact"]
    if exact:
        groups = works(exact)
        if len(groups) == 1:
            return Decision("found", preferred(groups[0]), ranked,
                            "the same title" + _evidence(query))
        return Decision("review", None, ranked,
                        f"{len(groups)} different papers have this title; the note names "
                        "no author that tells them apart")
    short = [(p, a, y) for p, agreement, a, y, _ in fitting if agreement == "short"]
    if short:
        groups = works([p for p, _, _ in short])
        confirmed = any(a or y for _, a, y in short)
        if len(groups) == 1 and confirmed:
            return Decision("found", preferred(groups[0]), ranked,
                            "the title's short name" + _evidence(query))
        return Decision("review", None, ranked,
                        "only the short name agrees; the note gives no author or year to "
                        "confirm it", acceptable=len(groups) == 1)
    if rows:
        contradicted = len(fitting) < len(rows)
        groups = works([p for p, *_ in fitting])
        best = ranked[0][1] if ranked else 0.0
        why = ("the title is close, but authors or year disagree" if contradicted and
               not fitting else "a close title, not the same")
        return Decision("review", None, ranked, why,
                        acceptable=len(groups) == 1 and not contradicted and best >= ACCEPTABLE)
    return Decision("not-found", None, [], "no result with this title")


def _evidence(query: Query) -> str:
    given = [w for w, v in (("authors", query.authors), ("year", query.year)) if v]
    return f", {' and '.join(given)} agreeing" if given else ""
