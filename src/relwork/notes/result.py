"""What reading notes gives: entries, problems, and the private text left out."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Entry, Problem


@dataclass
class NotesResult:
    """What reading notes gave: the entries in file order, problems, and what was left out.

    ``dropped`` holds one ``info`` Problem per piece of private text that was removed.
    ``texts`` (filled by ``read_notes`` only): absolute path -> (text, (mtime_ns, size)
    before it was read) of every note file decoded, so the tone check can take a file's
    text from here while its stamp is unchanged instead of reading it again.
    """

    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dropped: list[Problem] = field(default_factory=list)
    texts: dict[str, tuple[str, tuple[int, int]]] = field(default_factory=dict)
    #: path -> what the file holds: "one-paper", "collection" or "none" (no papers)
    kinds: dict[str, str] = field(default_factory=dict)

    def extend(self, other: NotesResult) -> None:
        """Append another parse's entries and problems (``texts`` belongs to the reader)."""
        self.entries.extend(other.entries)
        self.problems.extend(other.problems)
        self.dropped.extend(other.dropped)
        self.kinds.update(other.kinds)
