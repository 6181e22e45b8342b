"""Entries x bibliography index -> one ``Match`` per entry.

Evidence, strongest first: explicit key, DOI, arXiv id, alias, exact normalised title,
short title (``shorttitle`` field, the part of a title before its colon, a distinctive key
token), fuzzy title. Precision comes first: anything ambiguous or contradictory becomes
``review`` with a reason, never a silent pick; a heading that resembles nothing is
``unmatched`` and carries its three best candidates.

``lookup`` builds the per-index tables once per ``BibIndex`` object (kept in
``index.memo``), ``fuzzy`` scores titles and ranks candidates by their distinctive words,
``words`` tells a typo from another word, ``evidence`` looks up keys, identifier citations,
ids, aliases and exact titles, ``versions`` resolves every entry of a work to its preferred
key, ``matcher`` decides, ``review`` turns decisions into ``aliases``/``not_in_bib`` in
relwork.yaml, and ``stubs`` writes entries for papers missing from the bib.
"""

from __future__ import annotations

from .fuzzy import Scored, fuzzy_candidates, score, score_many
from .headings import split_heading
from .lookup import IndexLike, Lookup, build_lookup, lookup_data, lookup_for, lookup_from_data
from .matcher import Matcher, match_entries
from .normalize import key_token, norm_title
from .stubs import make_stub, stub_key
from .thresholds import ACCEPT_REVIEW_NOTE
from .words import compare_words

# the names bench/match_eval.py uses
_score = score
_score_many = score_many

__all__ = [
    "ACCEPT_REVIEW_NOTE", "IndexLike", "Lookup", "Matcher", "Scored", "build_lookup",
    "compare_words", "fuzzy_candidates", "key_token", "lookup_data", "lookup_for",
    "lookup_from_data", "make_stub",
    "match_entries", "norm_title", "score", "score_many", "split_heading", "stub_key",
]
