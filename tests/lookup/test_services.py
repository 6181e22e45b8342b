"""Each service module reads the stand-in service's answers (the real formats) into papers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_services import FakeServices, Scripted
from lookup_helpers import session_for

from relwork.lookup import ServiceError, arxiv, crossref, dblp, semanticscholar


def test_crossref_work_by_doi_and_its_bibtex(services: FakeServices, tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("crossref")
    paper = crossref.by_doi(client, "10.1109/cvpr42600.2020.00251")
    assert paper is not None
    assert paper.title.startswith("PULSE: Self-Supervised Photo Upsampling")
    assert paper.authors[0] == "Sachit Menon" and len(paper.authors) == 5
    assert (paper.year, paper.kind, paper.preprint) == (2020, "inproceedings", False)
    assert paper.fields["booktitle"].startswith("2020 IEEE/CVF")
    bibtex = crossref.bibtex(client, "10.1109/cvpr42600.2020.00251")
    assert bibtex is not None and bibtex.startswith("@inproceedings{Menon_2020")
    assert crossref.by_doi(client, "10.1000/unknown") is None  # a 404 is "not known"


def test_crossref_search_ranks_the_title_first(services: FakeServices, tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("crossref")
    papers = crossref.search(client, "Geodesic Sampling in Learned Latent Manifolds")
    assert papers[0].title == "Geodesic Sampling in Learned Latent Manifolds"
    assert papers[0].kind == "article" and papers[0].fields["journal"] == "Pattern Recognition"


def test_arxiv_entry_with_doi_and_journal_ref(services: FakeServices, tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("arxiv")
    pulse = arxiv.by_id(client, "2003.03808")
    assert pulse is not None and pulse.preprint and pulse.arxiv == "2003.03808"
    assert pulse.doi == "10.1109/cvpr42600.2020.00251"
    oddity = arxiv.by_id(client, "1710.11379")
    assert oddity is not None and oddity.journal_ref == "ICLR 2018" and oddity.year == 2017
    assert oddity.authors == ["Georgios Arvanitidis", "Lars Kai Hansen", "S\u00f8ren Hauberg"]
    assert arxiv.by_id(client, "2101.00001") is None  # an empty feed


def test_arxiv_error_entry_is_a_service_error(services: FakeServices, tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("arxiv")
    with pytest.raises(ServiceError) as caught:
        arxiv.by_id(client, "not-an-id")
    assert caught.value.service == "arxiv" and "incorrect id format" in caught.value.message


def test_dblp_lists_preprint_and_published_version(services: FakeServices,
                                                   tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("dblp")
    papers = dblp.search(client, "Score-based Generative Modeling in Latent Space")
    kinds = sorted((p.ref, p.preprint) for p in papers)
    assert kinds == [("conf/nips/VahdatKK21", False), ("journals/corr/abs-2106-05931", True)]
    corr = next(p for p in papers if p.preprint)
    assert corr.arxiv == "2106.05931" and corr.title.endswith("Latent Space")  # no final '.'
    bib = dblp.bibtex(client, "conf/nips/VahdatKK21")
    assert bib is not None and "@inproceedings{DBLP:conf/nips/VahdatKK21" in bib


def test_dblp_one_author_is_an_object_not_a_list(services: FakeServices,
                                                 tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("dblp")
    (paper,) = dblp.search(client, "Tokenized Latent Codes for Audio Synthesis")
    assert paper.authors == ["Ana Beltr\u00e1n"]


def test_dblp_no_hits(services: FakeServices, tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("dblp")
    assert dblp.search(client, "nothing like this anywhere") == []


def test_semantic_scholar_match_and_no_match(services: FakeServices, tmp_path: Path) -> None:
    client = session_for(services, tmp_path).client("semanticscholar")
    (paper,) = semanticscholar.match(client, "Learning Latent Space Energy-Based Prior Model")
    assert paper.authors[0] == "Bo Pang" and paper.kind == "inproceedings"
    assert semanticscholar.match(client, "entirely unrelated words here") == []


NO_TITLE_WORK = ('{"status": "ok", "message-type": "work", "message": {"DOI": "10.1/x", '
                 '"title": [], "author": []}}')


@pytest.mark.parametrize(("service", "body", "why"), [
    ("dblp", "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "HTML"),
    ("dblp", '{"result": {"hits": ', "malformed JSON"),
    ("semanticscholar", '{"data": [{"paperId": "x", "title": ""}]}', "no title"),
    ("crossref", NO_TITLE_WORK, "has no title"),
    ("arxiv", '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>', "malformed XML"),
])
def test_bad_bodies_are_service_errors(services: FakeServices, tmp_path: Path, service: str,
                                       body: str, why: str) -> None:
    kind = "text/html" if "html" in body else "application/json"
    services.script(service, Scripted(200, body, {"Content-Type": kind}))
    client = session_for(services, tmp_path).client(service)
    ask = {"dblp": lambda: dblp.search(client, "Some Title"),
           "semanticscholar": lambda: semanticscholar.match(client, "Some Title"),
           "crossref": lambda: crossref.by_doi(client, "10.1/x"),
           "arxiv": lambda: arxiv.by_id(client, "2106.05931")}
    with pytest.raises(ServiceError) as caught:
        ask[service]()
    assert caught.value.service == service and why in caught.value.message
