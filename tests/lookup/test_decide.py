"""The decision rules on their own: title agreement, authors, year, works, and that any
text a service sends becomes a BibTeX entry that relwork's own reader takes back whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relwork.bib import parse_bib_text
from relwork.lookup.bibfile import entry_for, write_entries
from relwork.lookup.decide import (
    Query,
    authors_agree,
    decide,
    title_agreement,
    works,
    year_agrees,
)
from relwork.lookup.paper import Paper


def paper(title: str, authors: list[str], year: int = 2020, preprint: bool = False) -> Paper:
    return Paper(title=title, authors=authors, year=year, venue="V", kind="misc"
                 if preprint else "inproceedings", service="dblp", preprint=preprint)


@pytest.mark.parametrize(("note", "found", "agreement"), [
    ("Latent Space Oddity: on the Curvature of Deep Generative Models",
     "Latent space oddity - on the curvature of deep generative models.", "exact"),
    ("{PULSE}: Self-Supervised Photo Upsampling", "PULSE: Self-supervised photo upsampling",
     "exact"),
    ("PULSE", "PULSE: Self-Supervised Photo Upsampling", "short"),
    ("Learning Latent Space Energy-Based Prior Models",
     "Learning Latent Space Energy-Based Prior Model", "close"),
    ("stylegan", "A Style-Based Generator Architecture for GANs", "none"),
    ("", "Anything", "none"),
])
def test_title_agreement(note: str, found: str, agreement: str) -> None:
    assert title_agreement(note, found) == agreement


def test_authors_and_year() -> None:
    assert authors_agree(("Vahdat et al.",), ["Arash Vahdat", "Jan Kautz"]) is True
    assert authors_agree(("Kautz, J.", "Vahdat"), ["Arash Vahdat", "Jan Kautz"]) is True
    assert authors_agree(("Smith",), ["Arash Vahdat"]) is False
    assert authors_agree((), ["Arash Vahdat"]) is None
    assert (year_agrees(2017, 2018), year_agrees(2016, 2018), year_agrees(None, 2018)) == \
        (True, False, None)


def test_a_preprint_and_its_publication_are_one_work() -> None:
    published = paper("Deep Things", ["Ann Lee", "Bo Chen"], 2021)
    preprint = paper("Deep things.", ["Ann Lee", "Bo Chen", "Cy Dee"], 2020, preprint=True)
    other = paper("Deep Things", ["Zoe Park"], 2019)
    assert [len(g) for g in works([preprint, published, other])] == [2, 1]
    decision = decide(Query("title", "Deep Things", "Deep Things", ("Lee",)),
                      [preprint, published, other])
    assert decision.status == "found" and decision.paper is published


@pytest.mark.parametrize("authors", [(), ("Nobody",)])
def test_never_a_wrong_paper_when_titles_collide(authors: tuple[str, ...]) -> None:
    papers = [paper("Deep Things", ["Ann Lee"]), paper("Deep Things", ["Zoe Park"])]
    decision = decide(Query("title", "Deep Things", "Deep Things", authors), papers)
    assert decision.status == "review" and decision.paper is None
    assert not decision.acceptable


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(title=TEXT, names=st.lists(TEXT, min_size=1, max_size=3), pages=TEXT)
def test_any_service_text_makes_a_whole_entry(tmp_path_factory: pytest.TempPathFactory,
                                              title: str, names: list[str],
                                              pages: str) -> None:
    found = paper(title, names)
    found.fields = {"booktitle": title[::-1], "pages": pages}
    target: Path = tmp_path_factory.mktemp("bib") / "lookup.bib"
    write_entries(target, [entry_for(found, "k2020x")])
    text = target.read_text("utf-8")
    assert text.isascii()
    index = parse_bib_text(text, "lookup.bib")
    assert list(index.records) == ["k2020x"] and not index.problems and not index.failed
