"""Works: bib entries that are one paper are grouped with one preferred key; look-alikes
that are other papers stay apart."""

from __future__ import annotations

import pytest
from paths import FIXTURES

from relwork import bib
from relwork.bib import build_works, is_preprint, resolve_cite_key, works_of
from relwork.model import Source

LIBRARY = FIXTURES / "works" / "library.bib"


@pytest.fixture(scope="module")
def index() -> bib.BibIndex:
    return bib.parse_bib_text(LIBRARY.read_text(encoding="utf-8"), "library.bib")


def test_preprint_and_published_version_are_one_work(index: bib.BibIndex) -> None:
    works = works_of(index)
    work = works.work("rivera2019tidal")
    assert work.keys == ("rivera2019tidal", "rivera2020tidal")
    assert work.preferred == "rivera2020tidal"  # the venue wins over the arXiv preprint
    assert works.preferred("rivera2019tidal") == "rivera2020tidal"
    assert is_preprint(index.records["rivera2019tidal"])
    assert not is_preprint(index.records["rivera2020tidal"])


def test_same_doi_written_two_ways_is_one_work_first_in_bib_order(index: bib.BibIndex) -> None:
    work = works_of(index).work("okafor2021carbon-dup")
    assert work.keys == ("okafor2021carbon", "okafor2021carbon-dup")
    assert work.preferred == "okafor2021carbon"
    assert "same DOI" in work.why


def test_prefer_overrides_the_choice(index: bib.BibIndex) -> None:
    works = build_works(index, prefer=["okafor2021carbon-dup", "rivera2019tidal"])
    assert works.preferred("okafor2021carbon") == "okafor2021carbon-dup"
    assert works.preferred("rivera2020tidal") == "rivera2019tidal"


@pytest.mark.parametrize("one, other", [
    ("lund2018swarm", "lund2019swarm"),  # same title and authors, a new arXiv id: a follow-up
    ("lund2017graph", "lund2019graph"),  # a journal extension with another title
    ("bauer2016deep", "weiss2016deep"),  # one title, a book and an article by others
])
def test_traps_stay_apart(index: bib.BibIndex, one: str, other: str) -> None:
    works = works_of(index)
    assert works.preferred(one) == one
    assert works.preferred(other) == other
    assert works.work(one).keys == (one,)


def test_a_proceedings_doi_shared_by_two_papers_joins_nothing() -> None:
    index = bib.parse_bib_text(
        "@inproceedings{a, title={Tiny Models for Soil}, author={Rahm, Ida}, doi={10.5555/p.1}}\n"
        "@inproceedings{b, title={Glacier Radar Segmentation}, author={Zed, Ann},"
        " doi={10.5555/p.1}}\n")
    assert build_works(index).groups == []


def test_identifier_citations_resolve_to_the_preferred_key(index: bib.BibIndex) -> None:
    found = resolve_cite_key(index, "arxiv:1905.04411v3")
    assert found.key == "rivera2020tidal"
    assert found.identifier is not None and found.identifier.value == "1905.04411"
    assert resolve_cite_key(index, "doi:10.5555/RSO.2021.118").key == "okafor2021carbon"
    missing = resolve_cite_key(index, "doi:10.5555/not.there")
    assert missing.key is None and missing.identifier is not None
    assert missing.identifier.kind == "doi"
    assert resolve_cite_key(index, "rivera2019tidal").key == "rivera2020tidal"
    assert resolve_cite_key(index, "nobody2000").key is None


def test_the_works_are_kept_on_the_index(index: bib.BibIndex) -> None:
    assert works_of(index) is works_of(index)
    assert works_of(index, ["rivera2019tidal"]).preferred("rivera2020tidal") == "rivera2019tidal"


def test_a_broken_entry_keeps_its_title_and_place(index: bib.BibIndex) -> None:
    (broken,) = index.failed
    assert broken.key == "broken2021"
    assert broken.title == "Warm-Starting Ocean Models with Learned Priors"
    assert broken.source == Source("library.bib", 86)


def test_missing_identifiers_lists_what_to_fetch(index: bib.BibIndex) -> None:
    from relwork.bib import missing_identifiers
    from relwork.model import Entry

    first = Entry("A", Source("notes/a.md", 3), ids={"key": [
        "doi:10.5555/not.there", "arxiv:1905.04411", "rivera2019tidal", "doi:10.5555/NOT.there"]})
    second = Entry("B", Source("notes/b.md", 9), ids={"key": ["arXiv:2101.00001v2"]})
    found = missing_identifiers([first, second], index)
    assert [(c.kind, c.value, c.written, c.source) for c in found] == [
        ("doi", "10.5555/not.there", "doi:10.5555/not.there", Source("notes/a.md", 3)),
        ("arxiv", "2101.00001", "arXiv:2101.00001v2", Source("notes/b.md", 9)),
    ]


def test_a_proceedings_doi_does_not_join_two_papers_of_one_author() -> None:
    index = bib.parse_bib_text(
        "@inproceedings{a, title={Tiny Models for Soil}, author={Rahm, Ida}, doi={10.5555/p.1}}\n"
        "@inproceedings{b, title={Glacier Radar Segmentation}, author={Rahm, Ida},"
        " doi={10.5555/p.1}}\n")
    assert build_works(index).groups == []


def test_an_arxiv_id_joins_versions_with_another_title() -> None:
    index = bib.parse_bib_text(
        "@article{v1, title={Pipes: Easy Scaling with Micro-Batch Pipeline Parallelism},"
        " author={Hu, Yan},"
        " eprint={1811.06965}, archiveprefix={arXiv}, year={2018}}\n"
        "@inproceedings{v2, title={Pipes: Efficient Training of Giant Neural Networks using"
        " Pipeline Parallelism},"
        " author={Hu, Yan and Cheng, Y.}, booktitle={NeurIPS}, year={2019},"
        " url={https://arxiv.org/abs/1811.06965}}\n")
    work = build_works(index).work("v1")
    assert work.keys == ("v1", "v2") and work.preferred == "v2"


def test_a_follow_up_naming_the_first_papers_arxiv_id_stays_apart() -> None:
    index = bib.parse_bib_text(
        "@article{first, title={Swarm Planning with Sparse Messages}, author={Lund, Emil},"
        " eprint={1802.01111}, archiveprefix={arXiv}, year={2018}}\n"
        "@inproceedings{next, title={Message Passing for Swarm Planning},"
        " author={Lund, Emil}, booktitle={ICRA}, year={2019},"
        " note={extends arXiv:1802.01111}}\n")
    assert index.records["next"].arxiv == "1802.01111"
    assert build_works(index).groups == []
