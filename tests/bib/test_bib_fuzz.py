"""Property tests: any text parses without an exception, and what is found is consistent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from relwork.bib import cited_bib_text, normalize_title, parse_bib_text

PIECES = st.sampled_from([
    "@article{", "@misc(", "@string{", "@comment{", "@preamble{", "k1", "k2", ",", "=",
    "title", "author", "crossref", " = {", "}", "{", '"', "#", "\n", "  ", "@", "x y",
    "jan", "\\\"o", "and", ")", "(", "%", "{\\o}", "Äé", "\r\n",
])
BIBISH = st.lists(PIECES, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(BIBISH)
def test_any_text_parses_without_exception(text: str) -> None:
    index = parse_bib_text(text, "f.bib")
    for rec in index.records.values():
        assert rec.raw.startswith("@") and rec.raw in text
        lines = set()  # the line of some occurrence of the raw text is the record's line
        at = text.find(rec.raw)
        while at >= 0:
            lines.add(text.count("\n", 0, at) + 1)
            at = text.find(rec.raw, at + 1)
        assert rec.source.line in lines
        assert rec.title_norm == normalize_title(rec.title) or rec.title_norm == ""
    for failed in index.failed:
        assert failed.raw.startswith("@") and failed.error
    out, _problems = cited_bib_text(index, list(index.records))
    again = parse_bib_text(out, "out.bib")
    assert set(again.records) >= set(index.records)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_normalize_title_is_idempotent_and_plain(text: str) -> None:
    once = normalize_title(text)
    assert normalize_title(once) == once
    assert once == once.strip() and "  " not in once
