"""A cited bib entry with a raw & is reported at its bib line by build, zip and sync, and
nothing is written or pushed; the user's .bib is never edited."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import run
from gitserver import GitServer
from paths import REPO

MESSAGE = ("bib/references.bib:16: error: vahdat2021score: the booktitle has &, which stops LaTeX "
           "when the bibliography is typeset")


def _raw_ampersand(project: Path) -> bytes:
    bib = project / "bib" / "references.bib"
    text = bib.read_text(encoding="utf-8")
    old = "booktitle = {Advances in Neural Information"
    assert text.splitlines()[15].strip().startswith(old)  # line 16, of a cited entry
    bib.write_text(text.replace(old, "booktitle = {Advances in Neural Information & Learning"),
                   encoding="utf-8")
    return bib.read_bytes()


def test_build_and_zip_report_the_bib_line(example_project: Path) -> None:
    bib = _raw_ampersand(example_project)
    code, _, err = run(example_project, "build")
    assert code == 1
    assert MESSAGE in err and "write \\& in the .bib entry" in err
    assert not (example_project / "latex" / "references.bib").exists()
    code, _, err = run(example_project, "zip")
    assert code == 1 and MESSAGE in err
    assert not (example_project / "latex" / "overleaf.zip").exists()
    assert (example_project / "bib" / "references.bib").read_bytes() == bib


def test_sync_reports_the_bib_line_and_pushes_nothing(
        tmp_path: Path, git_server: GitServer, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "paper"
    root.mkdir()
    for name in ("summaries", "bib"):
        shutil.copytree(REPO / name, root / name)
    (root / "relwork.yaml").write_text((REPO / "relwork.yaml").read_text()
                                       + f"overleaf:\n  remote: {git_server.url}\n")
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("OVERLEAF_TOKEN", git_server.token)
    _raw_ampersand(root)
    start = git_server.head()
    code, _, err = run(root, "sync")
    assert code == 1 and MESSAGE in err
    assert git_server.head() == start
