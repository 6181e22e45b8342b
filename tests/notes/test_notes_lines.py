"""Every body line keeps its note line, even when private text is cut out of the middle."""

from __future__ import annotations

from relwork.notes import parse_note

NOTE = """## Papers

### A Paper Title
First line of the summary.

!! a note to self that must not reach the paper
<!-- a comment -->

Second line of the summary.
"""


def test_body_lines_skip_removed_private_lines() -> None:
    result = parse_note(NOTE, "n.md")
    (entry,) = result.entries
    lines = entry.body.splitlines()
    mapping = dict(zip(lines, entry.body_lines, strict=True))
    assert mapping["First line of the summary."] == 4
    assert mapping["Second line of the summary."] == 9
    assert "note to self" not in entry.body


def test_a_file_titled_notes_holds_papers() -> None:
    text = "# Notes\n\n## Attention Is All You Need\nsummary\n\n## Deep Residual Learning\nmore\n"
    result = parse_note(text, "n.md")
    assert [(e.title, e.group) for e in result.entries] == [
        ("Attention Is All You Need", ()), ("Deep Residual Learning", ())]


def test_a_notes_section_beside_papers_is_still_skipped() -> None:
    text = ("# Week 3\n\n## Notes\n\n### call with Bob\nremarks\n\n"
            "## Papers\n\n### Attention Is All You Need\nsummary\n")
    result = parse_note(text, "n.md")
    assert [e.title for e in result.entries] == ["Attention Is All You Need"]
