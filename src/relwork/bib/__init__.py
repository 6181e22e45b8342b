"""BibTeX files -> ``BibIndex`` (records by key, DOI, arXiv id, normalised title) and back.

``files`` finds the ``.bib`` files, ``splitter`` parses their text (``values``, ``names`` and
``records`` derive each entry's plain fields), ``load`` merges files into an ``index`` using
the parse ``cache``, ``works`` groups the entries that are one paper, and ``cited``
writes the cited-only ``.bib``. Every record keeps the
exact text of its entry (``raw``), so the cited-only ``.bib`` is a verbatim copy. Bad input
becomes ``Problem``s and ``FailedBlock``s, never an exception. Parsed files are cached under
``<root>/.relwork/cache/`` keyed by their content hash.
"""

from __future__ import annotations

from ..ids import normalize_arxiv, normalize_doi, normalize_title
from ..infra.cache import code_key
from ..text import latex_to_text
from .cache import cache_dir, read_derived, write_derived
from .cited import cited_bib_text
from .files import collect_bib_files
from .index import BibIndex, BibString, FailedBlock
from .load import codecs_name, load_bib, parse_bib_text
from .names import family_names
from .values import field_text, macro_names
from .works import (
    KeyResolution,
    Works,
    build_works,
    duplicate_places,
    is_preprint,
    missing_identifiers,
    prefer_problems,
    resolve_cite_key,
    resolve_identifier,
    works_of,
)

__all__ = [
    "BibIndex", "BibString", "FailedBlock", "cache_dir", "cited_bib_text", "code_key",
    "codecs_name", "collect_bib_files", "family_names", "field_text", "latex_to_text",
    "load_bib", "macro_names", "normalize_arxiv", "normalize_doi", "normalize_title",
    "parse_bib_text", "read_derived", "write_derived",
    "KeyResolution", "Works", "build_works", "duplicate_places", "is_preprint",
    "missing_identifiers", "prefer_problems", "resolve_cite_key", "resolve_identifier", "works_of",
]
