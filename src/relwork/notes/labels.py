"""Labels that name a part of one paper's summary: label headings and leading 'Summary:'."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .document import Heading

#: Headings inside a paper that name a part of its summary; folded into the paper's body.
LABEL_WORDS = frozenset(
    "summary abstract description descriptions notes note method methods methodology result "
    "results conclusion conclusions idea ideas contribution contributions motivation approach "
    "limitation limitations takeaway takeaways strengths weaknesses pros cons comment comments "
    "highlights annotations background problem experiments experiment overview tldr tl;dr "
    "key main thoughts discussion evaluation related analysis".split()
)
#: Leading labels recognised on a paragraph or list item ("Description: ...").
LABELS = (
    "description", "summary", "conclusion", "conclusions", "note", "notes", "idea", "ideas",
    "key idea", "main idea", "method", "methods", "approach", "result", "results",
    "contribution", "contributions", "motivation", "problem", "limitation", "limitations",
    "takeaway", "takeaways", "abstract", "tl;dr", "tldr", "pros", "cons", "comment",
    "comments", "strengths", "weaknesses", "experiments", "background",
)
_LABEL_ALT = "|".join(sorted((re.escape(w) for w in LABELS), key=len, reverse=True))
# prefix (indent, quote, list marker) + optional bold label + colon
LABEL_RE = re.compile(
    r"^([ \t]*(?:>[ \t]*)*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?)"
    r"(?:\*\*|__)?(" + _LABEL_ALT + r")[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*",
    re.I)


def is_label(h: Heading) -> bool:
    """'Summary', 'Method overview', 'Experiments on WMT': a part of one paper's note."""
    words = h.words.split()
    if not words or len(words) > 4:
        return False
    if words[0] in ("key", "main", "my", "personal"):
        return len(words) > 1 and words[1] in LABEL_WORDS | {"ideas", "points", "findings"}
    return words[0] in LABEL_WORDS or h.words == "tl dr"
