"""The matcher's decisions: evidence for an entry (key, DOI, arXiv id, alias, exact title),
then short titles and fuzzy scores, weighed into one ``Match`` with a status and reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..bib import BibIndex
from ..bib.works import distinct_ids
from ..ids import family_key
from ..infra import lazy
from ..model import Candidate, Entry, IdentifierCitation, Match, Problem
from .evidence import Evidence, EvidenceFinder, Outcome
from .fuzzy import Scored, fuzzy_candidates, score
from .headings import split_heading
from .lookup import HEAD_SPLIT, IndexLike, author_year, lookup_for, phrase_titles
from .meta import meta_overlap, meta_verdict, note_authors, note_year
from .normalize import norm_title
from .thresholds import (
    ACCEPT_REVIEW_NOTE,
    AUTO_MARGIN,
    AUTO_SCORE,
    AUTO_SCORE_AUTHORS,
    MIN_AUTO_TOKENS,
    REVIEW_SCORE,
    SCORE_EXACT,
    SCORE_SHORT,
    SHORT_OTHER_TITLES,
)
from .versions import Versions
from .words import compare_words


class Matcher(EvidenceFinder):
    """Matches entries against one index; keeps the lookup tables and alias map."""

    def __init__(self, index: IndexLike, aliases: Mapping[str, str] | None = None, *,
                 prefer: Sequence[str] = (), not_in_bib: Sequence[str] = ()):
        self.index = index
        self.look = lookup_for(index)
        self.versions = Versions(index, self.look, prefer)
        self.not_in_bib = {norm_title(str(t)) for t in not_in_bib} - {""}
        self.broken = [(norm_title(b.title), b) for b in getattr(index, "failed", [])
                       if getattr(b, "title", "")]
        self._missing: list[IdentifierCitation] = []
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

    def _same_paper(self, indexes: Sequence[int], *, title_score: float = 100.0) -> bool:
        """Entries that are one paper: same title, same first author, years within one.

        ("Deep learning" by LeCun, Bengio, Hinton and "Deep Learning" by Goodfellow, Bengio,
        Courville share a title and an author, but not the first author.)
        """
        if self.versions.same_work(indexes):
            return True
        first = self.records[indexes[0]]
        lead = family_key(first.authors[0]) if first.authors else ""
        for i in indexes[1:]:
            rec = self.records[i]
            if self.look.titles[i] != self.look.titles[indexes[0]] and (
                    title_score >= 100 or lazy.fuzz().ratio(self.look.titles[i],
                                                     self.look.titles[indexes[0]]) < title_score):
                return False
            if not lead or not rec.authors or family_key(rec.authors[0]) != lead:
                return False
            if first.year and rec.year and abs(first.year - rec.year) > 1:
                return False
            if distinct_ids(first, rec):  # a follow-up under the same title
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
            self.records[rest[0]].source, "keep one entry per paper", "match-duplicate",
            key=self.look.keys[cited]))

    # -- evidence ----------------------------------------------------------------------

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
        if self.not_in_bib & {query, clean}:
            return Match(entry=entry, key=None, method="none", score=0.0, status="unmatched",
                         reason="listed under not_in_bib in relwork.yaml", not_in_bib=True)
        self._missing = []
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
        if outcome.index is not None:  # a version of a work: cite the work's preferred key
            reason += self.versions.note(outcome.index)
            outcome.index = self.versions.preferred(outcome.index)
            if outcome.status == "matched":
                self.problems += self.versions.report(outcome.index)
        ranked: dict[int, float] = {}
        for i, s in self._ranked(work, clean, outcome):
            i = self.versions.preferred(i)
            ranked[i] = max(s, ranked.get(i, 0.0))
        cands = [Candidate(self.look.keys[i], self.records[i].title, round(s, 1))
                 for i, s in ranked.items()]
        broken = self._broken(clean) if outcome.status != "matched" else None
        if broken is not None:
            reason += (f"; the bib entry at {broken.source} has this title but could not be "
                       f"read ({broken.error})")
        key = self.look.keys[outcome.index] if outcome.index is not None else None
        return Match(entry=entry, key=key, method=outcome.method, score=round(outcome.score, 1),
                     status=outcome.status, candidates=cands, reason=reason,
                     acceptable=outcome.status == "review" and outcome.acceptable,
                     broken=broken.source if broken is not None else None,
                     missing_ids=list(self._missing))

    def _ranked(self, entry: Entry, query: str, out: Outcome) -> list[tuple[int, float]]:
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
        authors, year = note_authors(entry), note_year(entry)
        if authors and year:  # the note's own first author and year: cheap, exact look-up
            extra = tuple(i for y in (year - 1, year, year + 1)
                          for i in author_year(self.look).get((authors[0], y), []))
        cache_key = (query, entry.title, extra)
        if cache_key not in self._fuzzy_cache:
            self._fuzzy_cache[cache_key] = fuzzy_candidates(self.look, query, entry.title,
                                                            extra=extra)
        return self._fuzzy_cache[cache_key]

    def _decide(self, entry: Entry, query: str, evidence: list[Evidence]) -> Outcome:
        keys = [e for e in evidence if e.method == "key"]
        if len({self.versions.preferred(e.indexes[0]) for e in keys}) > 1:
            names = ", ".join(dict.fromkeys(self.look.keys[e.indexes[0]] for e in keys))
            return Outcome(keys[0].indexes[0], "key", SCORE_EXACT, "review",
                            f"the note names different keys ({names}); keep one",
                            candidates=[(e.indexes[0], SCORE_EXACT) for e in keys])
        if evidence:
            return self._decide_strong(entry, query, evidence)
        if query:
            short = self._decide_short(entry, query)
            if short is not None:
                return short
            found = self._decide_fuzzy(entry, query)
            return found if found.status == "matched" else self._decide_head(entry, found)
        return Outcome(None, "none", 0.0, "unmatched",
                        "the entry has no title and no identifier found in the bibliography")

    def _decide_head(self, entry: Entry, found: Outcome) -> Outcome:
        """A heading "GPipe - Easy Scaling ..." or "BabyAI: First Steps ..." whose short name
        is one work's short title while the rest differs (often the paper's earlier title):
        that work comes first; it is cited only when the note's authors agree."""
        parts = HEAD_SPLIT.split(entry.title, maxsplit=1)
        if len(parts) != 2:
            return found
        head, rest = norm_title(parts[0]), norm_title(parts[1])
        if not head or not rest or len(head.split()) > 3:
            return found
        hits = self.versions.unique(self.look.by_short.get(head, []))
        if len(hits) != 1 or (found.index is not None
                              and self.versions.preferred(found.index) == hits[0]):
            return found
        best = hits[0]
        others = {self.versions.preferred(i) for i in phrase_titles(self.look, head)} - {best}
        verdict = meta_verdict(entry, self.records[best])
        if len(others) > SHORT_OTHER_TITLES or verdict.kind == "conflict":
            return found  # a topic word ("Attention: ..."), or another paper's authors
        what = f"the heading's short name '{head}' is the short title of {self._where(best)}"
        rivals = [(found.index, found.score)] if found.index is not None else []
        if verdict.authors_agree:
            return Outcome(best, "shorttitle", SCORE_SHORT, "matched",
                           f"{what} ({verdict.words})", candidates=rivals)
        return Outcome(best, "shorttitle", SCORE_SHORT, "review",
                       f"{what}, but the rest of the heading is not its title (an earlier "
                       "title of the paper?)", acceptable=True, candidates=rivals)

    def _narrow(self, entry: Entry, chosen: list[int], evidence: Sequence[Evidence]
                ) -> tuple[list[int], str]:
        """Several entries fit: let other evidence, the note's authors/year, or the fact
        that they are one paper decide. Returns the remaining entries and a remark."""
        for other in evidence:
            narrowed = [i for i in chosen if i in other.indexes]
            chosen = narrowed or chosen
        if len(chosen) > 1 and (note_authors(entry) or note_year(entry)):
            overlap = {i: meta_overlap(entry, self.records[i]) for i in chosen}
            best = max(overlap.values())
            top = [i for i in chosen if overlap[i] == best]
            if best > 0 and len(top) < len(chosen):
                chosen = top
                if len(chosen) == 1:
                    return chosen, "; the note's authors/year single it out"
        if len(chosen) > 1 and self.versions.same_work(chosen):
            return [self.versions.preferred(chosen[0])], ""
        if len(chosen) > 1 and self._same_paper(chosen):
            return chosen[:1], self._twins_note(chosen)
        return chosen, ""

    def _decide_strong(self, entry: Entry, query: str, evidence: list[Evidence]) -> Outcome:
        first = evidence[0]
        chosen, remark = self.versions.unique(first.indexes), ""
        if len(chosen) > 1:
            chosen, remark = self._narrow(entry, chosen, evidence[1:])
            if len(chosen) > 1:
                names = ", ".join(self._where(i) for i in chosen[:4])
                what = "title" if first.method == "title" else first.detail
                return Outcome(chosen[0], first.method, SCORE_EXACT, "review",
                                f"{len(chosen)} different papers share this {what}: {names}; "
                                "name one with [@key] or an alias",
                                candidates=[(i, SCORE_EXACT) for i in chosen])
        best = chosen[0]
        key = self.look.keys[best]
        conflicts = [e for e in evidence[1:] if best not in self.versions.unique(e.indexes)
                     and not (e.method == "title" and self._same_paper([best, *e.indexes]))]
        if conflicts:
            says = "; ".join(f"{e.detail} points to {self.look.keys[e.indexes[0]]}"
                             for e in conflicts)
            return Outcome(best, first.method, SCORE_EXACT, "review",
                            f"conflicting evidence: {first.detail} points to {key}, but {says}",
                            candidates=[(best, SCORE_EXACT)]
                            + [(e.indexes[0], SCORE_EXACT) for e in conflicts])
        if first.method in ("key", "doi", "arxiv") and query:
            clash = self._title_clash(entry, query, best)
            if clash is not None:
                return Outcome(best, first.method, SCORE_EXACT, "review",
                                f"conflicting evidence: {first.detail} points to {key}, but the "
                                f"heading is the title of {self._where(clash[0])}",
                                candidates=[(best, SCORE_EXACT), clash])
        if first.method == "title":
            return self._check_title(entry, query, best, remark)
        return Outcome(best, first.method, SCORE_EXACT, "matched",
                        f"{first.detail}: {self._where(best)}{remark}")

    def _title_clash(self, entry: Entry, query: str, best: int) -> tuple[int, float] | None:
        """Another record the heading clearly names while the id points to ``best``."""
        own = max(score(query, self.look.titles[best]), score(query, self.look.heads[best]))
        if own >= REVIEW_SCORE or len(query.split()) < MIN_AUTO_TOKENS:
            return None
        hits = self._fuzzy(entry, query)
        if hits and hits[0].index != best and hits[0].score >= 95 and hits[0].via != "prefix" \
                and not self._same_paper([best, hits[0].index]):
            return hits[0].index, hits[0].score
        return None

    def _check_title(self, entry: Entry, query: str, best: int, remark: str) -> Outcome:
        key = self.look.keys[best]
        verdict = meta_verdict(entry, self.records[best])
        words = verdict.words
        if verdict.kind == "conflict":
            return Outcome(best, "title", SCORE_EXACT, "review",
                            f"the title is {key}'s, but {words}: maybe another paper with "
                            "the same title")
        others = [i for i in self.look.by_short.get(query, [])
                  if i != best and self.look.titles[i] != self.look.titles[best]]
        if others and len(query.split()) <= 2 and not verdict.authors_agree:
            names = ", ".join(self.look.keys[i] for i in others[:3])
            return Outcome(best, "title", SCORE_EXACT, "review",
                            f"the short title is {key}'s, but it also starts the titles of "
                            f"{names}", candidates=[(i, SCORE_SHORT) for i in others])
        if len(query.split()) == 1 and not verdict.authors_agree:
            twins = set(self.look.by_title.get(query, []))
            others = [i for i in phrase_titles(self.look, query) if i not in twins]
            if len(others) > SHORT_OTHER_TITLES:  # "Quantization": a topic, not a name
                return Outcome(best, "title", SCORE_EXACT, "review",
                                f"the one-word title is {key}'s, but {len(others)} other "
                                "titles contain that word too", acceptable=True)
        extra = f" ({words})" if words else ""
        return Outcome(best, "title", SCORE_EXACT, "matched",
                        f"exact title of {self._where(best)}{extra}{remark}")

    def _decide_short(self, entry: Entry, query: str) -> Outcome | None:
        hits = self.versions.unique(self.look.by_short.get(query, []))
        if not hits and len(query.split()) in (2, 3):
            joined = query.replace(" ", "")  # "GPT-3", "U-Net" against key tokens gpt3, unet
            hits = self.versions.unique(self.look.by_short.get(joined, []))
        if not hits:
            return None
        remark = ""
        if len(hits) > 1:
            hits, remark = self._narrow(entry, hits, ())
        if len(hits) > 1:
            names = ", ".join(self.look.keys[i] for i in hits[:4])
            return Outcome(hits[0], "shorttitle", SCORE_SHORT, "review",
                            f"'{query}' is the short title of {len(hits)} different papers "
                            f"({names})", candidates=[(i, SCORE_SHORT) for i in hits])
        best = hits[0]
        what = f"'{query}' is the short title of {self._where(best)}"
        verdict = meta_verdict(entry, self.records[best])
        if verdict.kind == "conflict":
            return Outcome(best, "shorttitle", SCORE_SHORT, "review",
                            f"{what}, but {verdict.words}")
        twins = set(self.look.by_title.get(self.look.titles[best], []))
        others = [i for i in phrase_titles(self.look, query) if i not in twins]
        if len(others) > SHORT_OTHER_TITLES:
            fuzzy = self._fuzzy(entry, query)
            if fuzzy and fuzzy[0].score >= 95 and fuzzy[0].index not in twins:
                # e.g. "LSTM": the spelled-out title beats a key that merely contains it
                top = fuzzy[0]
                return Outcome(top.index, "fuzzy", top.score, "review",
                                f"the heading resembles {self._where(top.index)}'s title "
                                f"({top.via}, score {top.score:.0f}); {what} too",
                                acceptable=False, candidates=[(best, SCORE_SHORT)])
            return Outcome(best, "shorttitle", SCORE_SHORT, "review",
                            f"{what}, but {len(others)} other titles contain it too",
                            acceptable=True)
        return Outcome(best, "shorttitle", SCORE_SHORT, "matched",
                        f"{what}: {self.records[best].title}{remark}")

    def _decide_fuzzy(self, entry: Entry, query: str) -> Outcome:
        hits = self._fuzzy(entry, query)
        if not hits or hits[0].score < REVIEW_SCORE:
            best = f" (closest: {self.look.keys[hits[0].index]}, score {hits[0].score:.0f})" \
                if hits else ""
            return Outcome(None, "none", hits[0].score if hits else 0.0, "unmatched",
                            f"no bib entry has a similar title{best}")
        top = hits[0]
        top_title = self.look.titles[top.index]
        twins = [h.index for h in hits[1:] if self.look.titles[h.index] == top_title
                 or self._same_paper([top.index, h.index], title_score=95)]
        rivals = [h for h in hits[1:] if h.index not in twins]
        # candidates come in rank order: the strongest rival by score decides the margin
        runner = max((h.score for h in rivals), default=0.0)
        verdict = meta_verdict(entry, self.records[top.index])
        n_tokens = len(query.split())
        via = {"title": "title", "head": "title before its colon", "prefix": "start of the title",
               "tail": "title after its colon",
               "acronym": "title with its acronym spelled out"}[top.via]
        what = f"the heading resembles the {via} of {self._where(top.index)} (score {top.score:.0f}"
        what += f", next best {runner:.0f})" if rivals else ")"
        blockers: list[str] = []
        threshold = AUTO_SCORE_AUTHORS if verdict.kind == "agree" else AUTO_SCORE
        if top.score < threshold:
            blockers.append(f"score below {threshold:.0f}")
        if rivals and top.score - runner < AUTO_MARGIN:
            close = max(rivals, key=lambda h: h.score)
            blockers.append(f"{self.look.keys[close.index]} is close behind")
        if n_tokens < MIN_AUTO_TOKENS and not (n_tokens == 2 and top.score >= SCORE_EXACT):
            blockers.append("the heading is too short to trust a fuzzy match")
        doubtful = top.via == "prefix"  # likely another paper: accept_review does not cite it
        if top.via == "prefix":
            blockers.append("the heading is only the start of that title")
        else:
            vocabulary = self.look.postings  # the bib's title words: real words, not typos
            extra_words, missing_words, changed = compare_words(*top.pair, vocabulary)
            doubtful = bool(extra_words or missing_words or changed)
            sure_meta = verdict.authors_agree and verdict.year_agrees
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
        if verdict.kind == "conflict":
            blockers.append(verdict.words)
        same = bool(twins) and self._same_paper([top.index, *twins], title_score=95)
        if twins and not same:
            names = ", ".join(self.look.keys[i] for i in twins[:3])
            blockers.append(f"{names} has the same title but is another paper")
        candidates = [(h.index, h.score) for h in rivals[:2]]
        if blockers:
            acceptable = verdict.kind != "conflict" and not (twins and not same) and not doubtful
            return Outcome(top.index, "fuzzy", top.score, "review",
                            f"{what}; not cited: {'; '.join(blockers)}", acceptable=acceptable,
                            candidates=candidates)
        extra = f", {verdict.words}" if verdict.words else ""
        remark = self._twins_note([top.index, *twins]) if same else ""
        return Outcome(top.index, "fuzzy", top.score, "matched",
                        f"{what}{extra}{remark}",
                        candidates=candidates)


def match_entries(
    entries: Sequence[Entry],
    index: BibIndex | IndexLike,
    *,
    aliases: Mapping[str, str] | None = None,
    accept_review: bool = False,
    prefer: Sequence[str] = (),
    not_in_bib: Sequence[str] = (),
) -> tuple[list[Match], list[Problem]]:
    """Match each entry to a bib key.

    Returns one ``Match`` per entry, in order, and the problems found (an explicit key or
    an alias naming a key that is not in the bibliography is an ``error``; duplicate bib
    entries of a cited paper are ``info``). With ``accept_review``, a plausible review with
    one clear candidate becomes ``matched``; ambiguous or conflicting evidence stays
    ``review``.
    """
    matcher = Matcher(index, aliases, prefer=prefer, not_in_bib=not_in_bib)
    matches = [matcher.match(entry, accept_review=accept_review) for entry in entries]
    return matches, matcher.problems
