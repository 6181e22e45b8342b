"""`relwork sync` and `relwork zip` end to end: the repository's example notes, a real server."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from gitserver import GitServer
from paths import REPO

from relwork.cli import main

if TYPE_CHECKING:
    from conftest import TexTools



@pytest.fixture
def server(git_server: GitServer) -> GitServer:
    return git_server


@pytest.fixture
def paper(tmp_path: Path, server: GitServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example project whose relwork.yaml points at the test server."""
    root = tmp_path / "paper"
    root.mkdir()
    shutil.copytree(REPO / "summaries", root / "summaries")
    shutil.copytree(REPO / "bib", root / "bib")
    config = (REPO / "relwork.yaml").read_text()
    (root / "relwork.yaml").write_text(config + f"overleaf:\n  remote: {server.url}\n")
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("OVERLEAF_TOKEN", server.token)
    monkeypatch.chdir(root)
    return root


def relwork(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr


def test_sync_commands(paper: Path, server: GitServer) -> None:
    start = server.head()
    code, out = relwork("sync", "--dry-run")
    assert code == 0, out
    assert "+++ b/related_work.tex" in out
    assert server.head() == start

    code, out = relwork("sync")
    assert code == 0, out
    assert "pushed" in out
    pushed = server.head()
    assert server.show("related_work.tex") == (paper / "latex/related_work.tex").read_text()
    assert server.show("related_work.bib") == (paper / "latex/references.bib").read_text()
    assert "summaries/" in server.message()

    code, out = relwork("sync")
    assert code == 0 and "nothing to push" in out
    assert server.head() == pushed

    web = server.web_edit({"related_work.tex": "rewritten by a co-author\n"})
    code, out = relwork("sync")
    assert code == 1
    assert "+rewritten by a co-author" in out and "--overwrite" in out
    assert "Traceback" not in out
    assert server.head() == web

    code, out = relwork("sync", "--overwrite")
    assert code == 0, out
    assert server.is_ancestor(web, server.head())
    assert server.token not in out


def test_sync_with_wrong_token(paper: Path, server: GitServer,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERLEAF_TOKEN", "olp_not_the_right_one_42")
    code, out = relwork("sync")
    assert code == 1
    assert "rejected the token" in out
    assert "olp_not_the_right_one_42" not in out
    assert (paper / "latex/related_work.tex").exists()  # local output intact


def test_zip_command_output_compiles(paper: Path, tmp_path: Path, tex: TexTools) -> None:
    code, out = relwork("zip")
    assert code == 0, out
    archive = paper / "latex" / "overleaf.zip"
    upload = tmp_path / "upload"
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["main.tex", "related_work.bib", "related_work.tex"]
        assert zf.read("related_work.tex") == (paper / "latex/related_work.tex").read_bytes()
        zf.extractall(upload)
    proc = subprocess.run(
        [str(tex.latexmk), "-pdf", "-interaction=nonstopmode", "-halt-on-error", "main.tex"],
        cwd=upload, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    log = (upload / "main.log").read_text(errors="replace")
    assert "There were undefined" not in log
