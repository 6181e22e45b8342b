"""Evidence for an entry: its keys, identifier citations, DOIs, arXiv ids, aliases and exact
title looked up in the tables; and the unreadable bib block a heading may name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..ids import identifier_citation, normalize_arxiv, normalize_doi
from ..infra import lazy
from ..model import BibRecord, Entry, IdentifierCitation, Method, Problem, Status
from .fuzzy import score
from .lookup import IndexLike, Lookup
from .thresholds import REVIEW_SCORE, SCORE_EXACT


@dataclass
class Evidence:
    """One look-up that named records: how (``method``), which, and words for the reason."""

    method: Method
    indexes: list[int]
    detail: str


@dataclass
class Outcome:
    """A decision before it becomes a ``Match`` (record positions, not keys)."""

    index: int | None
    method: Method
    score: float
    status: Status
    reason: str
    acceptable: bool = False  # a review that accept_review may turn into a citation
    candidates: list[tuple[int, float]] = field(default_factory=list)


class EvidenceFinder:
    """The look-ups of one matcher (see ``Matcher``): keys, ids, aliases, exact titles."""

    index: IndexLike
    look: Lookup
    records: list[BibRecord]
    positions: dict[str, int]
    aliases: dict[str, str]
    problems: list[Problem]
    broken: list[tuple[str, Any]]
    _missing: list[IdentifierCitation]

    def _where(self, i: int) -> str:
        return f"{self.look.keys[i]} ({self.records[i].source})"

    def close_keys(self, key: str, limit: int = 3) -> list[str]:
        """Bib keys spelled like ``key`` (for "did you mean")."""
        found = lazy.process().extract(key, self.look.keys, scorer=lazy.fuzz().ratio,
                                       limit=limit, score_cutoff=80, processor=str.lower)
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
            elif (cited := identifier_citation(key)) is not None:
                table = self.look.by_doi if cited.kind == "doi" else self.look.by_arxiv
                if cited.value in table:
                    found.append(Evidence(cited.kind,  # type: ignore[arg-type]
                                          list(table[cited.value]), f"[@{key}] in the note"))
                else:
                    self._missing.append(IdentifierCitation(cited.kind, cited.value, key,
                                                            entry.source))
                    self.problems.append(Problem(
                        "error", f"[@{key}] names a {'DOI' if cited.kind == 'doi' else 'arXiv id'}"
                        " that no bib entry has", entry.source,
                        f"add the paper with {cited.kind} = {{{cited.value}}} to your .bib, or "
                        "cite it by key", "match-missing-identifier"))
                    misses.append(f"[@{key}] is not in the bibliography")
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

    def _broken(self, query: str) -> Any:
        """The unreadable bib block (``bib.FailedBlock``) whose title the heading names."""
        best, found = 0.0, None
        for title, block in self.broken:
            value = score(query, title)
            if value >= REVIEW_SCORE and value > best:
                best, found = value, block
        return found

    def _decide_weak(self, entry: Entry, outcome: Outcome) -> Outcome:
        """Nothing identifies the entry but its text names one paper ([@key], a DOI or
        arXiv link): offer it for review, never cite it (the text may cite another paper,
        e.g. a summary of StyleGAN that says it builds on [@goodfellow2014generative])."""
        weak = Entry(entry.title, entry.source, ids=entry.weak_ids)
        named: dict[int, str] = {}
        for key in self._ids(weak, "key"):
            if key in self.positions:
                named.setdefault(self.positions[key], f"[@{key}]")
            elif (cited := identifier_citation(key)) is not None:
                table = self.look.by_doi if cited.kind == "doi" else self.look.by_arxiv
                for i in table.get(cited.value, []):
                    named.setdefault(i, f"[@{key}]")
        for kind, table in (("doi", self.look.by_doi), ("arxiv", self.look.by_arxiv)):
            for value in self._ids(weak, kind):
                for i in table.get(value, []):
                    named.setdefault(i, f"{kind} {value}")
        if len(named) != 1:
            return outcome
        (i, how), = named.items()
        return Outcome(i, "key", SCORE_EXACT, "review",
                        f"the summary's text names {self.look.keys[i]} ({how}) but its heading "
                        "does not; add [@key] to the heading or an alias if this is the paper",
                        candidates=outcome.candidates)
