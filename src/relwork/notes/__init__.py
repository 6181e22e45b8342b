"""Markdown notes -> ``Entry`` list.

One pass of markdown-it-py per file gives the block tokens with their line ranges; the
heading tree decides which headings are papers (see the README, "Which headings are
papers"), and each paper's section gives its body, points, metadata and identifiers.
Private text (HTML comments, ``%%…%%``, lines starting with the private marker) is cut
out before parsing, with a line map so every ``Source`` still names the original line.

The steps, in order: ``discovery`` (which files) -> ``reader`` (bytes -> text) ->
``parse`` (one file): ``frontmatter``, ``private``, ``document`` (blocks and heading
tree), ``headings`` and ``labels`` (which headings are papers, which name a part of one),
``entries`` (with ``meta`` and ``identifiers``). ``export`` gives an entry's JSON shape.
"""

from typing import TYPE_CHECKING, Any

from .discovery import NOTE_SUFFIXES, collect_note_files
from .export import entry_to_json
from .reader import read_notes
from .result import NotesResult
from .wikilinks import link_matches

if TYPE_CHECKING:
    from .parse import parse_note

__all__ = [
    "NOTE_SUFFIXES",
    "NotesResult",
    "collect_note_files",
    "entry_to_json",
    "link_matches",
    "parse_note",
    "read_notes",
]


def __getattr__(name: str) -> Any:
    """``parse_note``, imported when first asked for (PEP 562): the parser's modules and
    markdown-it cost ~60 ms of import, which a run whose notes all come from the cache
    does not need."""
    if name == "parse_note":
        from .parse import parse_note

        return parse_note
    raise AttributeError(f"module 'relwork.notes' has no attribute {name!r}")
