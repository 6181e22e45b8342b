"""``[@doi:...]`` and ``[@arxiv:...]`` citations that no bib entry carries: an error at the
note's line without ``--lookup``; with it, looked up by identifier at the stand-in services,
written to lookup.bib, cited, and the section compiles."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
import pytest
from cli_helpers import run
from fake_services import FakeServices

from relwork.config import load_config
from relwork.lookup import LookupRequest, identifier_requests, request_for
from relwork.model import Entry, IdentifierCitation, Source

# a note about one journal paper, named by its DOI in the heading
PRIORS = """# Reading

## Manifold priors for few-shot generation [@doi:10.1007/s10994-022-06100-1]

A prior learned on a low-dimensional manifold lets a generator adapt from a handful of
images.
"""

# a note about a paper of the user's bib whose summary cites two other papers by arXiv id
# and by DOI (in another case than Crossref's)
TIDES = """# Reading

## Tidal range forecasting with sparse gauges

Forecasts the tide from a few gauges. It samples its latent state like the score model
of [@arxiv:2106.05931], and borrows the upsampling idea of
[@doi:10.1109/CVPR42600.2020.00251].
"""

LIBRARY = """@article{rivera2020tidal,
  title = {Tidal Range Forecasting with Sparse Gauges},
  author = {Rivera, Lucia and Obi, Chidi},
  journal = {Journal of Coastal Sensing},
  year = {2020}
}
"""

UNKNOWN = TIDES.replace("[@arxiv:2106.05931]", "[@doi:10.5555/nowhere.42]")


def project(root: Path, services: FakeServices, notes: dict[str, str]) -> Path:
    (root / "notes").mkdir(parents=True)
    for name, text in notes.items():
        (root / "notes" / name).write_text(text, encoding="utf-8")
    (root / "bib").mkdir()
    (root / "bib" / "library.bib").write_text(LIBRARY, encoding="utf-8")
    endpoints = "".join(f"    {name}: {url}\n" for name, url in services.endpoints.items())
    intervals = "".join(f"    {name}: 0\n" for name in services.endpoints)
    (root / "relwork.yaml").write_text(
        "notes: [notes]\nbib: [bib/library.bib]\nlint:\n  enabled: false\n"
        f"lookup:\n  endpoints:\n{endpoints}  intervals:\n{intervals}", encoding="utf-8")
    return root


def test_without_lookup_each_citation_is_an_error_at_its_line(services: FakeServices,
                                                              tmp_path: Path) -> None:
    root = project(tmp_path / "p", services, {"priors.md": PRIORS, "tides.md": TIDES})
    code, _, err = run(root, "build")
    assert code == 1
    assert ("notes/priors.md:3: error: [@doi:10.1007/s10994-022-06100-1] names a DOI that "
            "no bib entry has") in err
    assert "notes/tides.md:5: error: citation [@arxiv:2106.05931]" in err
    assert "notes/tides.md:5: error: citation [@doi:10.1109/CVPR42600.2020.00251]" in err
    assert services.count() == 0 and not (root / "bib" / "lookup.bib").exists()
    assert not (root / "latex" / "related_work.tex").exists()


@pytest.mark.slow
def test_build_lookup_finds_writes_cites_and_compiles(services: FakeServices, tmp_path: Path,
                                                      tex: object) -> None:
    root = project(tmp_path / "p", services, {"priors.md": PRIORS, "tides.md": TIDES})
    code, out, err = run(root, "build", "--lookup", "--compile")
    assert code == 0, err
    assert "error" not in err
    entries = {e.key: e for e in bibtexparser.parse_string(
        (root / "bib" / "lookup.bib").read_text("utf-8")).entries}
    by_doi = {e.fields_dict["doi"].value.lower(): k for k, e in entries.items()
              if "doi" in e.fields_dict}
    by_eprint = {e.fields_dict["eprint"].value: k for k, e in entries.items()
                 if "eprint" in e.fields_dict}
    journal = by_doi["10.1007/s10994-022-06100-1"]
    pulse = by_doi["10.1109/cvpr42600.2020.00251"]
    score = by_eprint["2106.05931"]
    assert len(entries) == 3
    assert entries[score].entry_type == "inproceedings"  # arXiv's published version
    assert entries[journal].entry_type == "article"
    # asked by identifier only (DBLP only for the published version arXiv points to),
    # never by the title of the note around a citation
    asked = " ".join(path for _, path in services.requests).lower()
    assert "tidal" not in asked and "manifold+priors" not in asked
    assert services.count("arxiv") == 1 and services.count("semanticscholar") == 0
    section = (root / "latex" / "related_work.tex").read_text("utf-8")
    for key in (journal, pulse, score):
        assert key in section
    assert "doi:" not in section and "arxiv:" not in section
    cited = (root / "latex" / "references.bib").read_text("utf-8")
    assert all(f"{{{key}," in cited for key in (journal, pulse, score))
    assert "2 entries: 2 matched" in out
    assert (root / "latex" / "build" / "preview.pdf").is_file()

    asked = services.count()
    code, _, err = run(root, "build", "--lookup")  # all in lookup.bib: nothing to ask
    assert code == 0, err
    assert services.count() == asked
    code, _, err = run(root, "build")  # and without --lookup, lookup.bib is read
    assert code == 0, err


def test_relwork_lookup_lists_the_citations(services: FakeServices, tmp_path: Path) -> None:
    root = project(tmp_path / "p", services, {"priors.md": PRIORS, "tides.md": TIDES})
    code, out, err = run(root, "lookup")
    assert code == 0, err
    rows = [line.split("  ") for line in out.splitlines() if ".md:" in line]
    assert [(r[0], r[1].strip()) for r in rows] == [
        ("notes/priors.md:3", "found"), ("notes/tides.md:6", "found"),
        ("notes/tides.md:7", "found")]
    assert out.strip().splitlines()[-1].startswith("3 papers: 3 found")
    assert "bib/lookup.bib (+3)" in out


def test_an_identifier_found_nowhere_stays_an_error(services: FakeServices,
                                                    tmp_path: Path) -> None:
    root = project(tmp_path / "p", services, {"tides.md": UNKNOWN})
    code, _, err = run(root, "build", "--lookup")
    assert code == 1
    nowhere = [path for _, path in services.requests if "nowhere" in path]
    assert nowhere == ["/crossref/works/10.5555/nowhere.42"]  # by DOI only, once
    assert "tidal" not in " ".join(path for _, path in services.requests).lower()
    assert "notes/tides.md:5: error: citation [@doi:10.5555/nowhere.42]" in err
    assert "nowhere" not in (root / "bib" / "lookup.bib").read_text("utf-8")  # PULSE only
    assert not (root / "latex" / "related_work.tex").exists()


def test_a_cited_identifier_found_in_the_bib_under_another_key_says_so(
        services: FakeServices, tmp_path: Path) -> None:
    root = project(tmp_path / "p", services, {"tides.md": UNKNOWN.replace(
        "[@doi:10.1109/CVPR42600.2020.00251]", "[@doi:10.1109/cvpr42600.2020.00251]")})
    (root / "bib" / "library.bib").write_text(
        LIBRARY + "@inproceedings{menon2020pulse,\n  title = {{PULSE}: Self-Supervised Photo "
        "Upsampling via Latent Space Exploration of Generative Models},\n"
        "  author = {Menon, Sachit},\n  year = {2020}\n}\n", encoding="utf-8")
    code, _, err = run(root, "build", "--lookup")
    assert code == 1
    assert ("notes/tides.md:7: warning: [@doi:10.1109/cvpr42600.2020.00251] is menon2020pulse"
            in err)
    assert "cite [@menon2020pulse], or add doi = {10.1109/cvpr42600.2020.00251}" in err
    assert not (root / "bib" / "lookup.bib").exists()


def test_requests_ask_each_identifier_once() -> None:
    entry = Entry("Manifold priors", Source("n.md", 3), ids={"key": [
        "doi:10.1007/s10994-022-06100-1", "arxiv:2106.05931"]},
        weak_ids={"key": ["arxiv:2106.05931"]})
    own = request_for(entry)  # the heading's citation is the entry's own DOI
    assert own.doi == "10.1007/s10994-022-06100-1" and own.arxiv is None
    citations = [IdentifierCitation("doi", "10.1007/s10994-022-06100-1", "doi:10.1007/x",
                                    Source("n.md", 3)),
                 IdentifierCitation("arxiv", "2106.05931", "arxiv:2106.05931", Source("n.md", 6)),
                 IdentifierCitation("arxiv", "2106.05931", "arXiv:2106.05931v2",
                                    Source("m.md", 9))]
    assert identifier_requests(citations, [own]) == [
        LookupRequest(arxiv="2106.05931", source=Source("n.md", 6), cited="arxiv:2106.05931")]


def test_missing_identifiers_name_the_line_that_cites(tmp_path: Path) -> None:
    from relwork import bib, notes

    (tmp_path / "priors.md").write_text(PRIORS + TIDES.replace("# Reading\n", ""),
                                        encoding="utf-8")
    config = load_config(search=False)
    parsed = notes.read_notes([tmp_path / "priors.md"], config)
    index = bib.load_bib([], config)
    found = [(c.written, c.source.line if c.source else None)
             for c in bib.missing_identifiers(parsed.entries, index)]
    assert found == [("doi:10.1007/s10994-022-06100-1", 3), ("arxiv:2106.05931", 11),
                     ("doi:10.1109/CVPR42600.2020.00251", 12)]
