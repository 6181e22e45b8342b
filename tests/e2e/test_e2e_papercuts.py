"""What a new user meets first, through the relwork command in real project folders:
messages at the right line, summary lines that count everything and read as English."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import run
from needs import unavailable

from relwork.cli.init import init_project
from relwork.cli.output import plural, summary_line
from relwork.model import BuildResult, Problem

SECRET = "olp_s3cretT0ken"


def project(root: Path, yaml: str = "") -> Path:
    """A fresh ``relwork init`` project, tone check off unless ``yaml`` says otherwise."""
    init_project(root, relwork="relwork")
    (root / "relwork.yaml").write_text(yaml or "lint:\n  enabled: false\n", encoding="utf-8")
    return root


def test_a_missing_bib_file_is_reported_at_its_list_item(tmp_path: Path) -> None:
    root = project(tmp_path, "bib:\n  - bib/references.bib\n  - bib/zotero.bib\n"
                             "  - exports/*.bib\n")
    code, out, err = run(root, "build")
    assert code == 1
    assert "relwork.yaml:3: error: bib file not found: bib/zotero.bib" in err
    assert "relwork.yaml:4: error: no file matches the bib pattern 'exports/*.bib'" in err
    assert "relwork.yaml:1:" not in err  # not at the 'bib:' line
    assert out.strip().endswith("2 errors, nothing written")
    # a one-line flow list has one line for all its items
    (root / "relwork.yaml").write_text("bib: [bib/references.bib, bib/gone.bib]\n",
                                      encoding="utf-8")
    assert "relwork.yaml:1: error: bib file not found: bib/gone.bib" in run(root, "check")[2]


def test_the_summary_line_counts_config_warnings(tmp_path: Path) -> None:
    root = project(tmp_path, "templte: table\nlint:\n  enabled: false\n")
    code, out, err = run(root, "build")
    assert code == 0, err
    assert "relwork.yaml:1: warning: unknown config key 'templte' ignored" in err
    assert out.strip().endswith("-> latex/related_work.tex, latex/references.bib; 1 warning")


def test_one_finding_in_one_entry_is_singular(tmp_path: Path) -> None:
    root = project(tmp_path, "lint:\n  enabled: true\n")
    (root / "summaries" / "example.md").write_text(
        "# Reading notes\n\n## Attention Is All You Need\n\n"
        "The Transformer doesn't use recurrence, only attention.\n", encoding="utf-8")
    code, _out, err = run(root, "lint")
    assert code == 0
    assert "1 finding in 1 entry" in err.splitlines()
    code, _out, err = run(root, "entries")
    assert "1 entry in 1 file" in err.splitlines()


def test_plural_is_one_helper_for_every_count() -> None:
    assert [plural(n, "entry") for n in (0, 1, 2)] == ["0 entries", "1 entry", "2 entries"]
    assert [plural(n, "finding") for n in (1, 3)] == ["1 finding", "3 findings"]
    result = BuildResult(problems=[Problem("error", "x"), Problem("warning", "y")])
    assert summary_line(result, [Problem("warning", "z")]) == \
        "0 entries: 0 matched, 0 review, 0 unmatched; 1 error, nothing written; 2 warnings"


def test_a_latin1_note_says_nothing_is_written_and_nothing_is(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run(root, "build")[0] == 0
    before = {p.name: p.read_bytes() for p in (root / "latex").glob("*.*")}
    (root / "summaries" / "caf\u00e9.md").write_bytes(
        "# Notes\n\n## Caf\u00e9 au lait as a benchmark\n\nA paper.\n".encode("latin-1"))
    code, out, err = run(root, "build")
    assert code == 1
    [line] = [e for e in err.splitlines() if "is not UTF-8" in e]
    assert line.startswith("summaries/caf\u00e9.md:3: error: caf\u00e9.md is not UTF-8")
    assert "its papers are left out and nothing is written until it is fixed" in line
    assert "skipped" not in line
    assert "iconv -f latin1 -t utf-8 summaries/caf\u00e9.md" in line
    assert out.strip().endswith("1 error, nothing written")
    assert {p.name: p.read_bytes() for p in (root / "latex").glob("*.*")} == before


def test_a_latin1_bib_says_what_happens(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "bib" / "old.bib").write_bytes(
        "@misc{m\u00fcller1999,\n  title = {M\u00fcller},\n}\n".encode("latin-1"))
    code, out, err = run(root, "build")
    assert code == 1
    assert ("so no paper is matched and nothing is written until it is fixed "
            "(save the file as UTF-8, or set 'bib_encoding' in relwork.yaml to its real "
            "encoding, e.g. bib_encoding: latin-1)") in err
    assert not (root / "latex" / "related_work.tex").exists()
    assert out.strip().endswith("nothing written")


def test_a_hand_edit_refusal_ends_with_the_summary_line(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run(root, "build")[0] == 0
    section = root / "latex" / "related_work.tex"
    section.write_text(section.read_text(encoding="utf-8") + "% my edit\n", encoding="utf-8")
    (root / "summaries" / "example.md").write_text(
        (root / "summaries" / "example.md").read_text(encoding="utf-8") + "\nMore text.\n",
        encoding="utf-8")
    code, out, err = run(root, "build")
    assert code == 1
    assert err.startswith("latex/related_work.tex: error: changed since relwork wrote it; "
                          "not overwritten (move the edit into the Markdown notes, or re-run "
                          "with --force, which keeps a backup in .relwork/backups/)")
    assert out == "2 entries: 2 matched, 0 review, 0 unmatched; 1 error, nothing written\n"
    assert section.read_text(encoding="utf-8").endswith("% my edit\n")
    code, out, _err = run(root, "zip")  # the exports show the same summary
    assert code == 1 and "1 error, nothing written" in out


def test_a_bad_value_hint_reads_as_a_sentence(tmp_path: Path) -> None:
    root = project(tmp_path, "cite: harvard\n")
    code, _out, err = run(root, "build")
    assert code == 2
    assert "config value 'cite': 'harvard' is not one of: natbib, biblatex, plain" in err
    assert "hint: 'cite': citation commands" in err
    assert " is the " not in err
    (root / "relwork.yaml").write_text("strict: maybe\n", encoding="utf-8")
    assert "hint: 'strict': exit 1 on review/unmatched/lint findings" in run(root, "check")[2]


@pytest.mark.parametrize("command", [["build"], ["check"], ["config"], ["lint"], ["entries"],
                                     ["templates"], ["zip"]])
def test_a_password_in_overleaf_remote_is_warned_on_every_command(tmp_path: Path,
                                                                  command: list[str]) -> None:
    root = project(tmp_path, "lint:\n  enabled: false\noverleaf:\n"
                             f"  remote: https://git:{SECRET}@git.overleaf.com/abc123\n")
    _code, out, err = run(root, *command)
    assert ("relwork.yaml:4: warning: overleaf.remote contains a password (remove it from the "
            "URL and set OVERLEAF_TOKEN instead; relwork never prints it)") in err
    assert SECRET not in out + err


def test_a_failed_sync_still_warned_about_the_password(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        unavailable("git is not installed")
    # nothing listens on port 9: the sync fails, and the warning came first anyway
    root = project(tmp_path, "lint:\n  enabled: false\noverleaf:\n"
                             f"  remote: http://git:{SECRET}@127.0.0.1:9/p.git\n")
    code, out, err = run(root, "sync")
    assert code != 0
    assert "relwork.yaml:4: warning: overleaf.remote contains a password" in err
    assert SECRET not in out + err
