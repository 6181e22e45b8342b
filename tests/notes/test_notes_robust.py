"""Property tests: any text parses without raising, and locations stay inside the file."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relwork.notes import parse_note

PIECES = st.sampled_from([
    "# Papers", "## Detailed", "### A Paper Title", "#### styleclip:", "Title\n=====",
    "---", "title: x", "- Description: text", "1. point", "  - nested", "* **Title**: T",
    "<!-- c", "-->", "%%", "!! private", "[@key2020]", "\\cite{a,b}", "arXiv:1603.08983v2",
    "10.1000/xyz(1)", "@decorator", "```", "> quote", "", "\t-\ttab", "## [L](http://x)",
    "## TODO:", "text with a@b.com", "\r", "\ufeff",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES | st.text(max_size=20), max_size=40))
def test_parse_note_never_raises_and_lines_are_in_range(parts):
    text = "\n".join(parts)
    result = parse_note(text, "f.md")
    n = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for e in result.entries:
        assert 1 <= e.source.line <= n
        assert 0 <= e.body_line <= n
        assert e.title
        for p in e.points:
            assert 1 <= p.source.line <= n
    for p in result.problems + result.dropped:
        assert p.source is not None and 0 <= p.source.line <= n
