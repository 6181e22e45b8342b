"""Same-work resolution for the matcher: every entry of a work (a preprint and its published
version, one paper in two bib files) resolves to the work's preferred key, and the
duplicates of a cited work are reported once, with both places."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..bib.works import Works, works_of
from ..model import Problem
from .lookup import IndexLike, Lookup


def _position_tables(works: Works, look: Lookup) -> tuple[dict[int, int],
                                                          dict[int, tuple[int, ...]]]:
    """Record position -> its work's preferred position; preferred position -> members."""
    positions = look.positions
    rep: dict[int, int] = {}
    members: dict[int, tuple[int, ...]] = {}
    for work in works.groups:
        if work.preferred not in positions:
            continue
        found = tuple(positions[k] for k in work.keys if k in positions)
        best = positions[work.preferred]
        for i in found:
            rep[i] = best
        members[best] = found
    return rep, members


class Versions:
    """Record positions -> their work's preferred position, for one lookup."""

    def __init__(self, index: IndexLike, look: Lookup, prefer: Iterable[str] = ()):
        self.look = look
        self.works: Works = works_of(index, prefer)
        kept = self.works.positions.get(id(look))
        if kept is None or kept[0] is not look:  # made once per works and lookup tables
            kept = self.works.positions[id(look)] = (look, *_position_tables(self.works, look))
        self._rep: dict[int, int] = kept[1]
        self._members: dict[int, tuple[int, ...]] = kept[2]
        self._reported: set[int] = set()

    def preferred(self, i: int) -> int:
        """The position of the key cited for record ``i``'s work."""
        return self._rep.get(i, i)

    def same_work(self, indexes: Sequence[int]) -> bool:
        """True when all ``indexes`` are entries of one work."""
        return len({self.preferred(i) for i in indexes}) == 1

    def unique(self, indexes: Iterable[int]) -> list[int]:
        """One position per work (the preferred one), first appearance order."""
        return list(dict.fromkeys(self.preferred(i) for i in indexes))

    def note(self, i: int) -> str:
        """A remark for a reason: the versions passed over for the preferred key."""
        rep = self.preferred(i)
        others = [self.look.keys[j] for j in self._members.get(rep, ()) if j != rep]
        if not others:
            return ""
        return f"; same work as {', '.join(others[:4])} (citing {self.look.keys[rep]})"

    def report(self, i: int | None) -> list[Problem]:
        """The duplicates of the cited work ``i``: one info the first time it is cited."""
        if i is None:
            return []
        rep = self.preferred(i)
        members = self._members.get(rep, ())
        if len(members) < 2 or rep in self._reported:
            return []
        self._reported.add(rep)
        work = self.works.of_key[self.look.keys[rep]]
        places = ", ".join(f"{self.look.keys[j]} ({self.look.records[j].source})"
                           for j in members if j != rep)
        return [Problem(
            "info", f"{self.look.keys[rep]} is in the bibliography {len(members)} times "
            f"(also {places}; {', '.join(work.why)}); citing {self.look.keys[rep]}",
            self.look.records[rep].source,
            "keep one entry per paper, or choose the key with 'prefer:' in relwork.yaml",
            "match-duplicate", key=self.look.keys[rep])]
