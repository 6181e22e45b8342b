"""Identifiers found only in a summary's text are weak: they never decide a citation alone."""

from __future__ import annotations

from relwork.bib import parse_bib_text
from relwork.match import match_entries
from relwork.notes import parse_note

BIB = """
@inproceedings{karras2019style,
  title = {A Style-Based Generator Architecture for Generative Adversarial Networks},
  author = {Karras, Tero and Laine, Samuli and Aila, Timo}, year = {2019}}
@inproceedings{goodfellow2014generative,
  title = {Generative Adversarial Nets},
  author = {Goodfellow, Ian}, year = {2014}, eprint = {1406.2661}, archiveprefix = {arXiv}}
@inproceedings{kingma2014auto,
  title = {Auto-Encoding Variational Bayes},
  author = {Kingma, Diederik P. and Welling, Max}, year = {2014}}
"""


def match_one(note: str):
    result = parse_note(note, "n.md")
    (entry,) = result.entries
    matches, problems = match_entries([entry], parse_bib_text(BIB), aliases={})
    return entry, matches[0], problems


def test_text_citation_of_another_paper_does_not_disturb_a_title_match() -> None:
    entry, m, _ = match_one("## Papers\n\n### Generative Adversarial Nets\n"
                            "Compared with [@kingma2014auto], training is adversarial.\n")
    assert entry.ids["key"] == ["kingma2014auto"]  # still an identifier of the entry
    assert entry.weak_ids == {"key": ["kingma2014auto"]}
    assert (m.status, m.key, m.method) == ("matched", "goodfellow2014generative", "title")


def test_text_citation_alone_is_only_offered_for_review() -> None:
    _, m, _ = match_one("## Papers\n\n### stylegan\nBuilds on GANs [@goodfellow2014generative] "
                        "with a mapping network.\n")
    assert m.status == "review" and m.key == "goodfellow2014generative"
    assert "heading" in m.reason
    # --accept-review does not turn it into a citation: the text may cite another paper
    result = parse_note("## Papers\n\n### stylegan\nBuilds on GANs "
                        "[@goodfellow2014generative].\n", "n.md")
    matches, _ = match_entries(result.entries, parse_bib_text(BIB), aliases={},
                               accept_review=True)
    assert matches[0].status == "review"


def test_a_key_in_the_heading_is_strong() -> None:
    entry, m, _ = match_one("## Papers\n\n### stylegan [@karras2019style]\n"
                            "Builds on [@goodfellow2014generative].\n")
    assert entry.weak_ids == {"key": ["goodfellow2014generative"]}
    assert (m.status, m.key, m.method) == ("matched", "karras2019style", "key")


def test_front_matter_key_is_strong_and_text_link_weak() -> None:
    note = ("---\ntitle: A note on VAEs\ncitekey: kingma2014auto\n---\n"
            "Unlike GANs (https://arxiv.org/abs/1406.2661) it has a likelihood.\n")
    entry, m, _ = match_one(note)
    assert entry.weak_ids == {"arxiv": ["1406.2661"]}
    assert (m.status, m.key) == ("matched", "kingma2014auto")
