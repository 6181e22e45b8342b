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

from .discovery import NOTE_SUFFIXES, collect_note_files
from .export import entry_to_json
from .parse import parse_note
from .reader import read_notes
from .result import NotesResult
from .wikilinks import link_matches

__all__ = [
    "NOTE_SUFFIXES",
    "NotesResult",
    "collect_note_files",
    "entry_to_json",
    "link_matches",
    "parse_note",
    "read_notes",
]
