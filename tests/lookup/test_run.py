"""Looking up note entries: a paper already in the user's bib is matched there, never added
twice; a review is written only with --accept-review and only when acceptable."""

from __future__ import annotations

from pathlib import Path

from fake_services import FakeServices
from lookup_helpers import session_for

from relwork.bib import parse_bib_text
from relwork.config import load_config
from relwork.lookup import lookup_entries
from relwork.lookup.bibfile import HEADER
from relwork.model import Entry, Source


def entry(title: str, line: int, **meta: object) -> Entry:
    return Entry(title=title, source=Source("notes/week.md", line), meta=dict(meta))


def test_already_in_the_users_bib_is_matched_there(services: FakeServices,
                                                   tmp_path: Path) -> None:
    index = parse_bib_text("@misc{mine, title={Score-based modeling in latent space (long)},"
                           " eprint={2106.05931}, archivePrefix={arXiv}}", "refs.bib")
    config = load_config(search=False)
    config.root = tmp_path
    run = lookup_entries([entry("Score-based Generative Modeling in Latent Space", 3)], index,
                         config, session=session_for(services, tmp_path / "cache"))
    (outcome,) = run.outcomes
    assert (outcome.status, outcome.key) == ("in-bib", "mine")
    assert not run.written and not (tmp_path / "bib" / "lookup.bib").exists()


def test_review_written_only_when_accepted(services: FakeServices, tmp_path: Path) -> None:
    config = load_config(search=False)
    config.root = tmp_path
    papers = [entry("PULSE", 5), entry("Geodesic Sampling in Learned Latent Manifolds", 9)]
    run = lookup_entries(papers, parse_bib_text(""), config,
                         session=session_for(services, tmp_path / "cache"))
    assert [o.status for o in run.outcomes] == ["review", "review"]
    assert not run.written
    assert [p.code for p in run.problems] == ["lookup-review", "lookup-review"]
    assert "--accept-review" in (run.problems[0].hint or "")
    assert "--accept-review" not in (run.problems[1].hint or "")
    run = lookup_entries(papers, parse_bib_text(""), config, accept_review=True,
                         session=session_for(services, tmp_path / "cache"))
    assert run.written == ["menon2020pulse"]  # the same-title pair stays a review
    assert [o.status for o in run.outcomes] == ["found", "review"]
    text = (tmp_path / "bib" / "lookup.bib").read_text("utf-8")
    assert "@inproceedings{menon2020pulse" in text and "Geodesic" not in text


def test_two_notes_of_one_paper_share_one_entry(services: FakeServices,
                                                tmp_path: Path) -> None:
    config = load_config(search=False)
    config.root = tmp_path
    papers = [entry("Latent Space Oddity: on the Curvature of Deep Generative Models", 2),
              entry("Latent space oddity - on the curvature of deep generative models", 8)]
    run = lookup_entries(papers, parse_bib_text(""), config,
                         session=session_for(services, tmp_path / "cache"))
    assert run.written == ["arvanitidis2018latent"]
    assert [o.key for o in run.outcomes] == ["arvanitidis2018latent"] * 2


def test_progress_names_paper_and_service(services: FakeServices, tmp_path: Path) -> None:
    config = load_config(search=False)
    config.root = tmp_path
    heard: list[tuple[int, int, str]] = []
    lookup_entries([entry("PULSE", 5, year=2020), entry("stylegan", 9)], parse_bib_text(""),
                   config, session=session_for(services, tmp_path / "cache"),
                   progress=lambda n, total, what: heard.append((n, total, what)))
    assert (1, 2, "PULSE") in heard and (1, 2, "PULSE (asking dblp)") in heard
    assert (2, 2, "stylegan (asking semanticscholar)") in heard


def test_an_id_only_in_the_summary_text_is_not_the_papers(services: FakeServices,
                                                           tmp_path: Path) -> None:
    from relwork.lookup import request_for

    note = entry("Score-based Generative Modeling in Latent Space", 4)
    note.ids = {"arxiv": ["2003.03808"]}  # the summary links to PULSE
    note.weak_ids = {"arxiv": ["2003.03808"]}
    request = request_for(note)
    assert request.arxiv is None and request.title.startswith("Score-based")
    note.ids["arxiv"].insert(0, "2106.05931")  # from the heading or front matter
    assert request_for(note).arxiv == "2106.05931"


def test_a_broken_lookup_bib_is_never_rewritten(services: FakeServices,
                                                tmp_path: Path) -> None:
    config = load_config(search=False)
    config.root = tmp_path
    target = tmp_path / "bib" / "lookup.bib"
    target.parent.mkdir()
    broken = HEADER + "@article{kept, title={Fine}}\n\n@article{bad, title={Unclosed\n"
    target.write_text(broken, encoding="utf-8")
    run = lookup_entries([entry("PULSE", 5, year=2020)], parse_bib_text(""), config,
                         session=session_for(services, tmp_path / "cache"))
    assert run.outcomes[0].status == "found" and not run.written
    assert target.read_text("utf-8") == broken
    (problem,) = [p for p in run.problems if p.code == "lookup-bib-broken"]
    assert problem.source is not None and problem.source.line == 5
