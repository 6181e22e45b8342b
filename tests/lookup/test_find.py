"""Finding one paper: ids are exact, titles precision first, the published version preferred,
and the traps (a preprint and its publication, close titles, one title by two author
groups) never auto-accept a wrong paper."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_services import FakeServices, Scripted
from lookup_helpers import session_for

from relwork.lookup import find_paper
from relwork.model import Source

HERE = Source("notes/week.md", 12)


def test_title_finds_the_published_version_not_the_preprint(services: FakeServices,
                                                            tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path),
                       title="Score-based Generative Modeling in Latent Space", source=HERE)
    assert found.outcome.status == "found" and found.paper is not None
    assert found.paper.ref == "conf/nips/VahdatKK21" and not found.paper.preprint
    assert found.paper.bibtex is not None and "DBLP:conf/nips/VahdatKK21" in found.paper.bibtex
    assert found.outcome.source == HERE


def test_arxiv_id_goes_to_the_published_version_through_journal_ref(
        services: FakeServices, tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path), arxiv="arXiv:1710.11379v2")
    assert found.outcome.status == "found" and found.paper is not None
    assert found.paper.ref == "conf/iclr/ArvanitidisHH18"
    assert found.paper.arxiv == "1710.11379"  # kept for eprint


def test_arxiv_id_goes_to_the_published_version_through_its_doi(
        services: FakeServices, tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path), arxiv="2003.03808")
    assert found.paper is not None and found.paper.service == "crossref"
    assert found.paper.doi == "10.1109/cvpr42600.2020.00251"
    assert found.paper.kind == "inproceedings" and found.paper.arxiv == "2003.03808"


def test_arxiv_doi_is_trusted_when_the_published_title_was_reworded(
        services: FakeServices, tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path), arxiv="2105.01234")
    assert found.paper is not None and found.paper.doi == "10.1007/s10994-022-06100-1"
    assert found.paper.title == "Manifold Priors for Few-Shot Image Generation"
    assert found.paper.kind == "article" and found.paper.arxiv == "2105.01234"


def test_doi_is_exact(services: FakeServices, tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path),
                       doi="https://doi.org/10.1016/J.PATCOG.2019.01.001")
    assert found.outcome.status == "found" and found.paper is not None
    assert found.paper.authors[0] == "Hedda Lindqvist"
    missing = find_paper(session_for(services, tmp_path), doi="10.1000/nothing")
    assert missing.outcome.status == "not-found" and "Crossref" in missing.outcome.reason


def test_an_unknown_doi_falls_back_to_the_title(services: FakeServices,
                                                tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path), doi="10.5281/zenodo.4242",
                       title="Score-based Generative Modeling in Latent Space")
    assert found.outcome.status == "found" and found.outcome.kind == "doi"
    assert found.paper is not None and found.paper.ref == "conf/nips/VahdatKK21"
    wrong = find_paper(session_for(services, tmp_path), doi="10.5281/zenodo.4242",
                       title="Geodesic Sampling in Learned Latent Manifolds")
    assert wrong.outcome.status == "review"  # the same precision rules as any title


def test_close_titles_pick_the_exact_one(services: FakeServices, tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path),
                       title="learning latent space energy based prior model")
    assert found.paper is not None and found.paper.authors[0] == "Bo Pang"


def test_a_close_title_alone_is_a_review(services: FakeServices, tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path),
                       title="Learning Latent Space Energy-Based Prior Models")
    assert found.outcome.status == "review" and found.paper is None
    titles = {c.title for c in found.outcome.candidates}
    assert "Learning Latent Space Energy-Based Prior Model" in titles
    assert all(c.score < 100 and c.service for c in found.outcome.candidates)


def test_same_title_two_author_groups_is_a_review(services: FakeServices,
                                                  tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path),
                       title="Geodesic Sampling in Learned Latent Manifolds")
    assert found.outcome.status == "review" and not found.outcome.acceptable
    assert {c.authors[0] for c in found.outcome.candidates} >= {"Hedda Lindqvist",
                                                                "Marisol Okafor"}
    assert "different papers" in found.outcome.reason


def test_same_title_the_notes_authors_decide(services: FakeServices, tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path),
                       title="Geodesic Sampling in Learned Latent Manifolds",
                       authors=("Okafor, M.", "Weber"), year=2021)
    assert found.paper is not None and found.paper.ref == "conf/aistats/OkaforRW21"


def test_same_title_other_authors_is_never_accepted(services: FakeServices,
                                                    tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path),
                       title="Geodesic Sampling in Learned Latent Manifolds",
                       authors=("Jane Smith",))
    assert found.paper is None and found.outcome.status == "review"
    assert not found.outcome.acceptable


@pytest.mark.parametrize(("year", "status"), [(2020, "found"), (None, "review")])
def test_short_name_needs_a_confirmation(services: FakeServices, tmp_path: Path,
                                         year: int | None, status: str) -> None:
    found = find_paper(session_for(services, tmp_path), title="PULSE", year=year)
    assert found.outcome.status == status
    if status == "found":
        assert found.paper is not None and found.paper.ref == "conf/cvpr/MenonDHRR20"
    else:
        assert found.outcome.acceptable and found.outcome.candidates[0].title.startswith("PULSE")


def test_not_found_anywhere(services: FakeServices, tmp_path: Path) -> None:
    found = find_paper(session_for(services, tmp_path), title="A Paper Nobody Ever Wrote")
    assert found.outcome.status == "not-found"
    assert {s for s, _ in services.requests} == {"dblp", "crossref", "semanticscholar"}


def test_a_failing_service_is_skipped(services: FakeServices, tmp_path: Path) -> None:
    services.script("dblp", Scripted(500, "<html><body>Internal error</body></html>",
                                     {"Content-Type": "text/html"}, times=10))
    found = find_paper(session_for(services, tmp_path, retries=0),
                       title="Score-based Generative Modeling in Latent Space")
    assert found.outcome.status == "found" and found.paper is not None
    assert found.paper.service == "semanticscholar" and not found.paper.preprint


def test_all_services_failing_is_failed_naming_them(services: FakeServices,
                                                    tmp_path: Path) -> None:
    for service in ("dblp", "crossref", "semanticscholar"):
        services.script(service, Scripted(200, "<!DOCTYPE html><html>maintenance</html>",
                                          {"Content-Type": "text/html"}, times=10))
    found = find_paper(session_for(services, tmp_path), title="Latent Space Oddity",
                       source=HERE)
    assert found.outcome.status == "failed"
    for service in ("dblp", "crossref", "semanticscholar"):
        assert f"{service}: an HTML page" in found.outcome.reason
