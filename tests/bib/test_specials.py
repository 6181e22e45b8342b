"""Raw TeX specials in printed fields of cited entries are reported at the field's bib line."""

from __future__ import annotations

import pytest

from relwork.bib.load import parse_bib_text
from relwork.bib.specials import cited_specials, first_special

BIB = """@string{csda = {Computational Statistics & Data Analysis}}

@article{pac,
  author = {Langford, John and Shawe-Taylor, John},
  title = {PAC-Bayes & Margins},
  journal = {NeurIPS},
  year = {2002},
}

@article{fine,
  title = {Over 80\\% of $\\ell_1$ and SEQ\\({}^{3}\\) \\& \\#tags},
  note = {\\url{https://x.org/a_b#c}},
  url = {https://x.org/a_b#c},
  year = {2020},
}

@article{many,
  title = {#Exploration with x_1},
  journal = csda,
  note = {open $x},
  year = {2017},
}
"""


@pytest.mark.parametrize(("value", "special"), [
    ("PAC-Bayes & Margins", "&"), ("#Exploration", "#"), ("80% less", "%"),
    ("the x_1 norm", "_"), ("(RF)^2", "^"), ("open $x", "$"), ("$x_1^2$ and \\(a_b\\)", None),
    ("\\& \\_ \\% \\# \\$", None), ("\\url{a_b%c}", None), ("Schr\\\"odinger", None),
])
def test_first_special(value: str, special: str | None) -> None:
    assert first_special(value) == special


def test_cited_entries_are_reported_at_their_field_line() -> None:
    index = parse_bib_text(BIB, "refs.bib")
    found = cited_specials(index, ["pac", "fine", "pac"])
    assert [(str(p.source), p.severity, p.code) for p in found] == [
        ("refs.bib:5", "error", "bib-raw-special")]
    assert "pac: the title has &" in found[0].message
    assert "\\&" in (found[0].hint or "")
    many = cited_specials(index, ["many"])
    # the journal's @string value is checked as BibTeX expands it
    assert [(str(p.source), p.message.split(" has ")[1].split(",")[0]) for p in many] == [
        ("refs.bib:18", "#"), ("refs.bib:19", "&"), ("refs.bib:20", "an unmatched $")]
    assert cited_specials(index, ["unknown"]) == []
