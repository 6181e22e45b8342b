"""``relwork build --lookup`` and ``relwork lookup`` on the example report with an empty
bib: the published versions of its "Detailed" papers are written to bib/lookup.bib, cited,
the section compiles, and a second run asks no service."""

from __future__ import annotations

import shutil
from pathlib import Path

import bibtexparser
import pytest
from cli_helpers import run
from fake_services import FakeServices, Scripted
from paths import REPO

from relwork.infra.files import GENERATED_MARK


def project(root: Path, services: FakeServices, extra: str = "") -> Path:
    shutil.copytree(REPO / "summaries", root / "summaries")
    (root / "bib").mkdir()
    (root / "bib" / "references.bib").write_text("", encoding="utf-8")
    endpoints = "".join(f"    {name}: {url}\n" for name, url in services.endpoints.items())
    intervals = "".join(f"    {name}: 0\n" for name in services.endpoints)
    (root / "relwork.yaml").write_text(
        "notes: [summaries]\nbib: [bib/references.bib]\nlint:\n  enabled: false\n"
        f"{extra}lookup:\n  mailto: someone@example.org\n  endpoints:\n{endpoints}"
        f"  intervals:\n{intervals}", encoding="utf-8")
    return root


@pytest.mark.slow
def test_build_lookup_writes_cites_compiles_and_reruns_offline(
        services: FakeServices, tmp_path: Path, tex: object) -> None:
    root = project(tmp_path / "p", services, "exclude_groups: [Not sure]\n")
    code, out, err = run(root, "build", "--lookup")
    assert code == 0, err
    lookup_bib = (root / "bib" / "lookup.bib").read_text("utf-8")
    assert lookup_bib.startswith(f"% {GENERATED_MARK}")
    entries = {e.key: e for e in bibtexparser.parse_string(lookup_bib).entries}
    assert set(entries) == {"arvanitidis2018latent", "vahdat2021score"}
    for entry in entries.values():
        assert entry.entry_type == "inproceedings"  # the published versions, not CoRR
        assert "CoRR" not in entry.fields_dict.get("journal", bibtexparser.model.Field(
            "journal", "")).value
        assert "note" not in entry.fields_dict and "eprint" in entry.fields_dict
    assert entries["vahdat2021score"].fields_dict["pages"].value == "11287--11302"
    section = (root / "latex" / "related_work.tex").read_text("utf-8")
    assert "arvanitidis2018latent" in section and "vahdat2021score" in section
    cited = (root / "latex" / "references.bib").read_text("utf-8")
    assert "@inproceedings{vahdat2021score" in cited
    assert "2 entries: 2 matched" in out
    assert "online lookup, 2 papers: 2 found" in err
    asked = services.count()
    assert asked > 0

    code, out, err = run(root, "build", "--lookup", "--compile")
    assert code == 0, err
    assert services.count() == asked  # nothing asked again
    assert (root / "latex" / "build" / "preview.pdf").is_file()
    assert (root / "bib" / "lookup.bib").read_text("utf-8") == lookup_bib


def test_lookup_command_reports_each_paper_and_a_summary(services: FakeServices,
                                                         tmp_path: Path) -> None:
    root = project(tmp_path / "p", services)
    code, out, err = run(root, "lookup")
    assert code == 0, err
    lines = {line.split("  ")[0]: line for line in out.splitlines() if ".md:" in line}
    by_title = {line.split("  ")[-1]: line.split()[1] for line in lines.values()}
    assert by_title["Learning Latent Space Energy-Based Prior Model"] == "found"
    assert by_title[
        "PULSE: Self-Supervised Photo Upsampling via Latent Space Exploration of Generative "
        "Models"] == "found"
    assert by_title["stylegan"] == "not-found"
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("8 papers: 4 found") and "0 from cache" in summary
    assert "bib/lookup.bib (+4)" in summary

    asked = services.count()
    code, out, _ = run(root, "lookup", "--offline")  # the found four now match lookup.bib
    assert out.strip().splitlines()[-1] == (
        "4 papers: 0 found, 0 already in the bib, 0 review, 4 not found, 0 failed; "
        "4 from cache; 0 requests")
    assert services.count() == asked


def test_offline_without_cache_still_builds(services: FakeServices, tmp_path: Path) -> None:
    root = project(tmp_path / "p", services, "exclude_groups: [Not sure]\n")
    code, out, err = run(root, "build", "--lookup", "--offline")
    assert code == 0 and services.count() == 0
    assert "summaries/weekly_report.md:" in err and "offline" in err
    assert "0 matched" in out and not (root / "bib" / "lookup.bib").exists()


def test_html_error_page_names_service_and_note(services: FakeServices,
                                                tmp_path: Path) -> None:
    root = project(tmp_path / "p", services, "exclude_groups: [Not sure]\n")
    for service in ("dblp", "crossref", "semanticscholar"):
        services.script(service, Scripted(502, "<html><body>Bad Gateway</body></html>",
                                          {"Content-Type": "text/html"}, times=50))
    (root / "relwork.yaml").write_text((root / "relwork.yaml").read_text()
                                       + "  max_wait: 1\n", encoding="utf-8")
    code, out, err = run(root, "build", "--lookup")
    assert code == 0  # the build still runs
    assert "Traceback" not in err
    assert "summaries/weekly_report.md:" in err and "dblp: HTTP 502" in err
    assert not (root / "bib" / "lookup.bib").exists()


def test_lookup_json_shows_review_candidates(services: FakeServices, tmp_path: Path) -> None:
    import json

    root = project(tmp_path / "p", services)
    (root / "summaries" / "more.md").write_text(
        "# Reading\n\n## Geodesic Sampling in Learned Latent Manifolds\n\nTwo papers share "
        "this title.\n", encoding="utf-8")
    code, out, err = run(root, "lookup", "summaries/more.md", "--format", "json")
    assert code == 0, err
    (item,) = json.loads(out)
    assert (item["file"], item["line"], item["status"]) == ("summaries/more.md", 3, "review")
    assert item["query"] == {"kind": "title",
                             "value": "Geodesic Sampling in Learned Latent Manifolds"}
    firsts = {c["authors"][0] for c in item["candidates"]}
    assert {"Hedda Lindqvist", "Marisol Okafor"} <= firsts
    assert all({"title", "year", "venue", "score", "service"} <= set(c)
               for c in item["candidates"])
    assert "summaries/more.md:3: warning: online lookup needs review" in err


def test_lookup_bib_is_read_after_a_bib_folder(services: FakeServices, tmp_path: Path) -> None:
    root = project(tmp_path / "p", services, "exclude_groups: [Not sure]\n")
    text = (root / "relwork.yaml").read_text().replace("bib: [bib/references.bib]", "bib: [bib]")
    (root / "relwork.yaml").write_text(text, encoding="utf-8")
    assert run(root, "build", "--lookup")[0] == 0
    # the user copies an entry into their own bib under the same key: theirs is used
    (root / "bib" / "references.bib").write_text(
        "@inproceedings{vahdat2021score, title={Score-based Generative Modeling in Latent "
        "Space}, author={Vahdat, Arash and Kreis, Karsten and Kautz, Jan}, booktitle={NeurIPS},"
        " year={2021}, note={my own copy}}\n", encoding="utf-8")
    code, _, err = run(root, "build")
    assert code == 0, err
    cited = (root / "latex" / "references.bib").read_text("utf-8")
    assert "my own copy" in cited


def test_config_errors_name_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "relwork.yaml").write_text(
        "notes: [x]\nlookup:\n  endpoints:\n    dblp: ftp://example.org\n", encoding="utf-8")
    code, _, err = run(tmp_path, "lookup")
    assert code == 2
    assert "relwork.yaml:3" in err and "'lookup.endpoints'" in err and "ftp://" in err
    (tmp_path / "relwork.yaml").write_text("lookup:\n  order: [dblp, google]\n",
                                           encoding="utf-8")
    code, _, err = run(tmp_path, "lookup")
    assert code == 2 and "relwork.yaml:2" in err and "unknown service 'google'" in err


@pytest.mark.slow
def test_entries_built_from_metadata_compile(services: FakeServices, tmp_path: Path,
                                             tex: object) -> None:
    root = project(tmp_path / "p", services, "lookup_order_placeholder\n")
    text = (root / "relwork.yaml").read_text().replace(
        "lookup_order_placeholder\n", "").replace("lookup:\n", "lookup:\n  order: "
                                                  "[semanticscholar]\n", 1)
    (root / "relwork.yaml").write_text(text, encoding="utf-8")
    shutil.rmtree(root / "summaries")
    (root / "summaries").mkdir()
    (root / "summaries" / "audio.md").write_text(
        "# Papers\n\n## Tokenized Latent Codes for Audio Synthesis\n\nCodes & tokens, 100% "
        "discrete.\n\n## Latent Space Oddity: on the Curvature of Deep Generative Models\n\n"
        "Curvature matters.\n", encoding="utf-8")
    code, out, err = run(root, "build", "--lookup", "--compile")
    assert code == 0, err
    lookup_bib = (root / "bib" / "lookup.bib").read_text("utf-8")
    assert "Beltr{\\'{a}}n" in lookup_bib and "S{\\o{}}ren" in lookup_bib
    assert lookup_bib.isascii()
    assert "2 entries: 2 matched" in out
    assert (root / "latex" / "build" / "preview.pdf").is_file()


def test_a_users_own_bib_named_as_lookup_bib_is_never_written(services: FakeServices,
                                                              tmp_path: Path) -> None:
    root = project(tmp_path / "p", services, "exclude_groups: [Not sure]\n")
    text = (root / "relwork.yaml").read_text().replace(
        "lookup:\n", "lookup:\n  bib: bib/references.bib\n", 1)
    (root / "relwork.yaml").write_text(text, encoding="utf-8")
    (root / "bib" / "references.bib").write_text("% my library\n", encoding="utf-8")
    code, _, err = run(root, "build", "--lookup")
    assert code == 0
    assert (root / "bib" / "references.bib").read_text("utf-8") == "% my library\n"
    assert "relwork.yaml:" in err and "a file relwork did not write" in err


def test_check_writes_nothing_even_with_lookup_enabled(services: FakeServices,
                                                      tmp_path: Path) -> None:
    root = project(tmp_path / "p", services, "exclude_groups: [Not sure]\n")
    text = (root / "relwork.yaml").read_text().replace("lookup:\n", "lookup:\n  enabled: true\n")
    (root / "relwork.yaml").write_text(text, encoding="utf-8")
    code, out, _ = run(root, "check")
    assert services.count() == 0 and not (root / "bib" / "lookup.bib").exists()
    code, out, _ = run(root, "build")  # lookup.enabled: build looks up without --lookup
    assert code == 0 and "2 entries: 2 matched" in out
    assert (root / "bib" / "lookup.bib").is_file()


def test_the_real_may30_report(services: FakeServices, tmp_path: Path,
                               may30_report: Path) -> None:
    root = project(tmp_path / "p", services, "exclude_groups: [Not sure]\n")
    shutil.rmtree(root / "summaries")
    (root / "summaries").mkdir()
    shutil.copy(may30_report, root / "summaries" / "may30_report.md")
    code, out, err = run(root, "build", "--lookup")
    assert code == 0, err
    assert "2 entries: 2 matched" in out
    keys = {e.key for e in bibtexparser.parse_string(
        (root / "bib" / "lookup.bib").read_text("utf-8")).entries}
    assert keys == {"arvanitidis2018latent", "vahdat2021score"}
    section = (root / "latex" / "related_work.tex").read_text("utf-8")
    assert "arvanitidis2018latent" in section and "vahdat2021score" in section
    asked = services.count()
    assert run(root, "build", "--lookup")[0] == 0 and services.count() == asked
