"""Match outcomes as builds keep them (``pipeline_cache.match_entries``): keyed by what
matching reads of an entry (``match_slot``), kept without the entry's place and placed at
the entry that uses them; and as the matches cache file holds them, plain JSON: one
object, match slot -> the outcome as a positional list, each value's type checked when it
is read back (``ValueError`` for anything else: a cache file never yields a value of a
type its reader does not expect).

A kept outcome is ``(outcome, problems)``: ``outcome`` the fields of a ``Match`` after
its entry (key, method, score, status, candidates, reason, acceptable, not_in_bib,
broken, missing), ``missing`` and ``problems`` lists of (value, own) pairs, where own
values are placed at the entry and kept without a place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .infra.cache import CacheFolder, CacheIgnored, Codec
from .model import Candidate, Entry, IdentifierCitation, Match, Problem, Source


def match_slot(entry: Entry) -> str:
    """What matching reads of ``entry``, hashed: its title, identifiers (all and those only
    in its text) and the authors and year of its metadata. Its place is not part of it:
    ``placed_outcome`` puts the entry's own into the outcome."""
    meta = entry.meta
    seen = (entry.title, entry.ids, entry.weak_ids, meta.get("authors"), meta.get("year"))
    return hashlib.blake2b(repr(seen).encode(), digest_size=16).hexdigest()


def kept_outcome(entry: Entry, found: Match, problems: Sequence[Problem]) -> tuple[Any, ...]:
    """A match outcome as it is kept: the problems and identifier citations placed at the
    entry (the very ``entry.source``) without their place and marked True, the others as
    they are (the bib entries they name)."""
    here = entry.source
    missing = [(replace(c, source=None), True) if c.source is here else (c, False)
               for c in found.missing_ids]
    kept = [(replace(p, source=None), True) if p.source is here else (p, False)
            for p in problems]
    return ((found.key, found.method, found.score, found.status, found.candidates,
             found.reason, found.acceptable, found.not_in_bib, found.broken, missing), kept)


def placed_outcome(entry: Entry, kept: tuple[Any, ...]) -> tuple[Match, list[Problem]]:
    """The ``Match`` and problems of ``entry`` from its kept outcome (``kept_outcome``)."""
    outcome, problems = kept
    here = entry.source
    missing = [replace(c, source=here) if own else c for c, own in outcome[9]]
    placed = [replace(p, source=here) if own else p for p, own in problems]
    key, method, score, status, candidates, reason, acceptable, not_in_bib, broken, _ = outcome
    # lists of its own: summaries of one paper share a kept outcome
    return Match(entry, key, method, score, status, list(candidates), reason, acceptable,
                 not_in_bib, broken, missing), placed


def _place(source: Source | None) -> Any:
    if source is None:
        return None
    if type(source) is not Source:
        raise TypeError("a place is a Source")
    return [source.path, source.line]


def _place_from(value: Any) -> Source | None:
    if value is None:
        return None
    if type(value) is list and len(value) == 2 and type(value[0]) is str \
            and type(value[1]) is int:
        return Source(value[0], value[1])
    raise ValueError("not a place")


def outcome_data(kept: tuple[Any, ...]) -> list[Any]:
    """A kept outcome as JSON-ready data."""
    outcome, problems = kept
    key, method, score, status, candidates, reason, acceptable, not_in_bib, broken, missing \
        = outcome
    return [key, method, score, status, [[c.key, c.title, c.score] for c in candidates],
            reason, acceptable, not_in_bib, _place(broken),
            [[c.kind, c.value, c.written, _place(c.source), own] for c, own in missing],
            [[p.severity, p.message, _place(p.source), p.hint, p.code, p.key, own]
             for p, own in problems]]


def outcome_from_data(value: Any) -> tuple[Any, ...]:
    """The kept outcome ``outcome_data`` made ``value`` from; ``ValueError`` otherwise."""
    if type(value) is not list or len(value) != 11:
        raise ValueError("not an outcome")
    key, method, score, status, candidates, reason, acceptable, not_in_bib, broken, missing, \
        problems = value
    if (key is not None and type(key) is not str) or type(method) is not str \
            or type(score) not in (int, float) or type(status) is not str \
            or type(reason) is not str or type(acceptable) is not bool \
            or type(not_in_bib) is not bool or type(candidates) is not list \
            or type(missing) is not list or type(problems) is not list:
        raise ValueError("not an outcome")
    found = []
    for c in candidates:
        if type(c) is not list or len(c) != 3 or type(c[0]) is not str \
                or type(c[1]) is not str or type(c[2]) not in (int, float):
            raise ValueError("not a candidate")
        found.append(Candidate(c[0], c[1], c[2]))
    cited = []
    for c in missing:
        if type(c) is not list or len(c) != 5 or not all(type(v) is str for v in c[:3]) \
                or type(c[4]) is not bool:
            raise ValueError("not an identifier citation")
        cited.append((IdentifierCitation(c[0], c[1], c[2], _place_from(c[3])), c[4]))
    said = []
    for p in problems:
        if type(p) is not list or len(p) != 7 or p[0] not in ("error", "warning", "info") \
                or type(p[1]) is not str or (p[3] is not None and type(p[3]) is not str) \
                or type(p[4]) is not str or type(p[5]) is not str or type(p[6]) is not bool:
            raise ValueError("not a problem")
        said.append((Problem(p[0], p[1], _place_from(p[2]), p[3], p[4], p[5]), p[6]))
    return ((key, method, score, status, found, reason, acceptable, not_in_bib,
             _place_from(broken), cited), said)


class _Plain(Codec):
    """JSON without tags: the values are checked by ``outcome_from_data``."""

    def dumps(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, allow_nan=True,
                          separators=(",", ":")).encode("utf-8")

    def loads(self, data: bytes | memoryview) -> Any:
        try:
            return json.loads(bytes(data))
        except ValueError:  # UnicodeDecodeError too
            raise CacheIgnored("damaged content") from None


def load_outcomes(cache: CacheFolder, name: str, key: str) -> dict[str, tuple[Any, ...]]:
    """The outcomes kept in ``name`` under ``key`` (slot -> kept outcome); empty when the
    file is missing, stale or untrusted (then ``cache`` keeps a notice)."""
    found: dict[str, tuple[Any, ...]] = {}

    def decode(value: Any) -> bool:
        if type(value) is not dict:
            return False
        try:
            for slot, data in value.items():
                found[slot] = outcome_from_data(data)
        except ValueError:
            return False
        return True

    if not cache.read(name, "matches", key, _Plain(), decode):
        found.clear()
    return found


def save_outcomes(cache: CacheFolder, name: str, key: str,
                  outcomes: dict[str, tuple[Any, ...]]) -> None:
    """Write ``outcomes``; one the data cannot give back exactly is left out (matched
    again next time)."""
    rows = {}
    for slot, kept in outcomes.items():
        try:
            data = outcome_data(kept)
            if outcome_from_data(json.loads(json.dumps(data))) == kept:
                rows[slot] = data
        except (TypeError, ValueError, RecursionError):
            continue
    cache.write(name, "matches", key, rows, _Plain())
