"""Matching with works, identifier citations, short names before ' - ', IDF ranking, math in
titles, broken bib entries and not_in_bib."""

from __future__ import annotations

import pytest
from paths import FIXTURES

from relwork import bib
from relwork.match import match_entries
from relwork.model import Entry, Match, Source

LIBRARY = FIXTURES / "works" / "library.bib"


@pytest.fixture(scope="module")
def index() -> bib.BibIndex:
    return bib.parse_bib_text(LIBRARY.read_text(encoding="utf-8"), "library.bib")


def entry(title: str, line: int = 5, **kw: object) -> Entry:
    e = Entry(title=title, source=Source("notes/week.md", line))
    for kind in ("key", "doi", "arxiv"):
        for value in kw.pop(kind, []) or []:  # type: ignore[attr-defined]
            e.add_id(kind, value)
    e.meta.update(kw)
    return e


def one(index: bib.BibIndex, e: Entry, **kw: object) -> tuple[Match, list]:
    matches, problems = match_entries([e], index, **kw)  # type: ignore[arg-type]
    return matches[0], problems


def test_every_version_of_a_work_cites_the_preferred_key(index: bib.BibIndex) -> None:
    notes = [entry("Tidal Replay: Learning from Hindsight Goals", 3),
             entry("Hindsight goals paper", 9, arxiv=["1905.04411"]),
             entry("The tidal replay preprint", 14, key=["rivera2019tidal"])]
    matches, problems = match_entries(notes, index)
    assert [(m.status, m.key) for m in matches] == [("matched", "rivera2020tidal")] * 3
    assert "same work as rivera2019tidal" in matches[0].reason
    duplicates = [p for p in problems if p.code == "match-duplicate"]
    assert len(duplicates) == 1  # reported once, with both places
    assert "library.bib:1" in duplicates[0].message or "library.bib:4" in duplicates[0].message
    assert duplicates[0].source == Source("library.bib", 11)


def test_prefer_decides_the_key(index: bib.BibIndex) -> None:
    m, _ = one(index, entry("Tidal Replay: Learning from Hindsight Goals"),
               prefer=["rivera2019tidal"])
    assert (m.status, m.key) == ("matched", "rivera2019tidal")


def test_a_follow_up_with_a_new_arxiv_id_is_another_paper(index: bib.BibIndex) -> None:
    m, _ = one(index, entry("Swarm Planning with Sparse Messages"))
    assert m.status == "review"
    assert {c.key for c in m.candidates} >= {"lund2018swarm", "lund2019swarm"}
    m, _ = one(index, entry("Swarm Planning with Sparse Messages", year=2019))
    assert (m.status, m.key) == ("matched", "lund2019swarm")  # the same year beats one off


@pytest.mark.parametrize(("key", "cited"), [
    ("doi:10.5555/rso.2021.118", "okafor2021carbon"),
    ("arxiv:1905.04411v2", "rivera2020tidal"),
    ("arXiv:1802.01111", "lund2018swarm"),
])
def test_identifier_citations_in_headings(index: bib.BibIndex, key: str, cited: str) -> None:
    m, problems = one(index, entry("A paper we discussed", key=[key]))
    assert (m.status, m.key) == ("matched", cited)
    assert m.missing_ids == []
    assert not [p for p in problems if p.severity == "error"]


def test_an_identifier_citation_not_in_the_bib_is_an_error_and_data(index: bib.BibIndex) -> None:
    m, problems = one(index, entry("A paper we discussed", 17, key=["doi:10.5555/NOT.HERE"]))
    assert m.status != "matched"
    (missing,) = m.missing_ids
    assert (missing.kind, missing.value, missing.written) == (
        "doi", "10.5555/not.here", "doi:10.5555/NOT.HERE")
    assert missing.source == Source("notes/week.md", 17)
    (error,) = [p for p in problems if p.severity == "error"]
    assert error.code == "match-missing-identifier"
    assert error.source == Source("notes/week.md", 17)


def test_math_and_unicode_in_titles(index: bib.BibIndex) -> None:
    for title in ("Estimating CO₂ Uptake of Kelp Forests from Satellite Images",
                  "Estimating CO2 uptake of kelp forests from satellite images"):
        m, _ = one(index, entry(title))
        assert (m.status, m.key) == ("matched", "okafor2021carbon")


def test_a_heading_naming_a_broken_entry_points_to_it(index: bib.BibIndex) -> None:
    m, _ = one(index, entry("Warm-starting ocean models with learned priors"))
    assert m.status == "unmatched"
    assert m.broken == Source("library.bib", 86)
    assert "library.bib:86" in m.reason


def test_not_in_bib_entries_are_left_out_quietly(index: bib.BibIndex) -> None:
    m, problems = one(index, entry("Coral reefs seen from drones"),
                      not_in_bib=["Coral Reefs seen from Drones"])
    assert m.not_in_bib and m.status == "unmatched" and m.key is None
    assert problems == []


def test_short_name_before_a_dash_puts_that_work_first(index: bib.BibIndex) -> None:
    heading = "KelpNet - Segmenting Kelp in Drone Footage"
    m, _ = one(index, entry(heading))
    assert (m.status, m.key, m.method) == ("review", "novak2022gpipe", "shorttitle")
    assert m.acceptable
    m, _ = one(index, entry(heading, authors=["Ivo Novak"]))
    assert (m.status, m.key) == ("matched", "novak2022gpipe")
    m, _ = one(index, entry(heading, authors=["Someone Else"]))
    assert m.status != "matched"


def _ranking_bib() -> bib.BibIndex:
    """Two look-alike titles among many that share their common words."""
    entries = [
        "@article{pascanu2013, title={On the difficulty of training recurrent neural "
        "networks}, author={Pascanu, R.}, year={2013}}",
        "@article{ash2020, title={On Warm-Starting Neural Network Training}, "
        "author={Ash, J.}, year={2020}}",
    ]
    topics = ["images", "speech", "graphs", "text", "robots", "music", "proteins", "maps"]
    for n in range(40):
        entries.append(f"@article{{filler{n}, title={{On the training of neural networks for "
                       f"{topics[n % 8]} number {n}}}, author={{Doe, J.}}, year={{2019}}}}")
    return bib.parse_bib_text("\n".join(entries), "rank.bib")


def test_distinctive_words_rank_first() -> None:
    m, _ = one(_ranking_bib(), entry("On the Difficulty of Warm-Starting Neural Network Training"))
    assert m.status == "review"
    assert m.candidates[0].key == "ash2020"
    assert m.key == "ash2020"


def test_an_identifier_citation_in_the_text_only_is_offered_for_review(
        index: bib.BibIndex) -> None:
    e = entry("Notes from Tuesday's reading group")
    e.add_id("key", "arxiv:1802.01111")
    e.weak_ids = {"key": ["arxiv:1802.01111"]}
    m, problems = one(index, e)
    assert (m.status, m.key) == ("review", "lund2018swarm")
    assert not [p for p in problems if p.severity == "error"]


def test_keys_of_two_versions_of_one_work_do_not_conflict(index: bib.BibIndex) -> None:
    m, _ = one(index, entry("Tidal replay", key=["rivera2019tidal", "rivera2020tidal"]))
    assert (m.status, m.key) == ("matched", "rivera2020tidal")
