"""Private bib fields stay on this machine: relwork build and relwork zip through the CLI."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from cli_helpers import run
from paths import FIXTURES

NOTE = """# Reading notes

## Small Adapters for Large Speech Models

Bottleneck layers in a frozen encoder are enough to adapt it.

## Quiet gradients

A dataset of gradients that vanish.
"""
PRIVATE = ("/Users/me/Zotero/storage", "Ask Marta", "to-read", "weak paper", "survey:background",
           "We insert small bottleneck")


def project(root: Path, yaml: str = "") -> Path:
    (root / "summaries").mkdir(parents=True)
    (root / "summaries" / "notes.md").write_text(NOTE, encoding="utf-8")
    (root / "bib").mkdir()
    shutil.copy(FIXTURES / "private" / "library.bib", root / "bib" / "library.bib")
    (root / "relwork.yaml").write_text("lint:\n  enabled: false\n" + yaml, encoding="utf-8")
    return root


def test_build_and_zip_leave_private_fields_out(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, out, err = run(root, "build")
    assert code == 0, err
    assert "2 entries: 2 matched" in out
    bib = (root / "latex" / "references.bib").read_text(encoding="utf-8")
    assert "@inproceedings{kim2021adapter," in bib and "@Article{Lindqvist2019," in bib
    for private in PRIVATE:
        assert private not in bib
    assert "note = {Accepted version}" in bib  # a printed field, kept
    assert "without the fields named in bib_drop_fields" in bib.splitlines()[0]
    assert "left out" not in err  # said only with -v
    code, _out, err = run(root, "zip")
    assert code == 0, err
    with zipfile.ZipFile(root / "latex" / "overleaf.zip") as archive:
        text = "".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                       if n.endswith((".bib", ".tex")))
    assert "kim2021adapter" in text
    for private in PRIVATE:
        assert private not in text


def test_verbose_names_what_was_dropped_with_the_entry_line(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, _out, err = run(root, "-v", "build")
    assert code == 0, err
    assert ("bib/library.bib:4: info: entry kim2021adapter: abstract, keywords, annote, file "
            "left out of the cited-only .bib (bib_drop_fields)") in err
    assert ("bib/library.bib:18: info: entry Lindqvist2019: Comment, Groups, Owner, "
            "File left out") in err


def test_an_empty_list_copies_entries_whole(tmp_path: Path) -> None:
    root = project(tmp_path, "bib_drop_fields: []\n")
    code, _out, err = run(root, "-v", "build")
    assert code == 0, err
    bib = (root / "latex" / "references.bib").read_text(encoding="utf-8")
    source = (root / "bib" / "library.bib").read_text(encoding="utf-8")
    start = source.index("@inproceedings{kim2021adapter")
    assert source[start:source.index("\n}\n", start) + 2] in bib
    assert "/Users/me/Zotero/storage" in bib and "left out" not in err
    code, out, _err = run(root, "config")
    assert "bib_drop_fields = []    # relwork.yaml:3" in out


def test_own_list_in_relwork_yaml(tmp_path: Path) -> None:
    root = project(tmp_path, "bib_drop_fields: [file, note]\n")
    assert run(root, "build")[0] == 0
    bib = (root / "latex" / "references.bib").read_text(encoding="utf-8")
    assert "/Users/me" not in bib and "Accepted version" not in bib
    assert "Ask Marta" in bib  # annote is no longer listed: the user's list replaces the default
