"""`relwork sync` and `relwork zip` end to end: the repository's example notes, a real server."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
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


# --- interrupted syncs: the outcome is told, no git outlives relwork ------------------------


def edit_note(paper: Path) -> None:
    note = paper / "summaries" / "weekly_report.md"
    text = note.read_text()
    assert "distances become more meaningful" in text
    note.write_text(text.replace("distances become more meaningful",
                                 "distances become far more meaningful"))


def relwork_process(paper: Path) -> subprocess.Popen[str]:
    """``relwork sync`` as its own process (signals go to it alone, as from a terminal)."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.Popen([sys.executable, "-m", "relwork", "sync"], cwd=paper, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def git_processes_of(paper: Path, server: GitServer) -> list[str]:
    """Command lines of live processes working in relwork's copy or talking to the server."""
    workdir = str((paper / ".relwork" / "overleaf").resolve())
    port = server.url.split(":")[2].split("/")[0]
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd.startswith(workdir) or (f"127.0.0.1:{port}" in cmdline and "git" in cmdline):
            found.append(cmdline)
    return found


def signal_during_push(server: GitServer, proc: subprocess.Popen[str], signum: int) -> None:
    sent: list[int] = []

    def send(path: str) -> None:
        if not sent:
            sent.append(signum)
            os.kill(proc.pid, signum)
            time.sleep(0.3)  # the signal arrives while git push waits for the answer

    server.before_receive = send


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(("signum", "answer", "code"), [
    (signal.SIGINT, None, 130), (signal.SIGTERM, None, 143), (signal.SIGTERM, "hang", 143),
])
def test_interrupted_push_reports_what_landed(paper: Path, server: GitServer, signum: int,
                                              answer: str | None, code: int) -> None:
    relwork("sync")
    edit_note(paper)
    server.push_answer = answer  # type: ignore[assignment]
    proc = relwork_process(paper)
    signal_during_push(server, proc, signum)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == code, out
    assert "after the push had landed" in out and "nothing was pushed" not in out
    assert "Traceback" not in out and server.token not in out
    assert "far more meaningful" in (server.show("related_work.tex") or "")
    assert git_processes_of(paper, server) == []
    # The next sync after another note edit knows the pushed commit as relwork's own.
    server.before_receive = None
    server.push_answer = None
    note = paper / "summaries" / "weekly_report.md"
    note.write_text(note.read_text().replace("far more meaningful", "much more meaningful"))
    code_2, out_2 = relwork("sync")
    assert code_2 == 0, out_2
    assert "much more meaningful" in (server.show("related_work.tex") or "")


@pytest.mark.slow
def test_killed_sync_whose_push_landed_is_recognised(paper: Path, server: GitServer) -> None:
    # SIGKILL leaves relwork no time to ask the server; its git push lands on its own.
    relwork("sync")
    before = server.head()
    edit_note(paper)
    proc = relwork_process(paper)
    signal_during_push(server, proc, signal.SIGKILL)
    proc.communicate(timeout=120)
    deadline = time.monotonic() + 30
    while server.head() == before and time.monotonic() < deadline:
        time.sleep(0.1)
    landed = server.head()
    assert landed != before
    server.before_receive = None
    server.web_edit({"main.tex": (server.show("main.tex") or "") + "% co-author\n"})
    note = paper / "summaries" / "weekly_report.md"
    note.write_text(note.read_text().replace("far more meaningful", "much more meaningful"))
    code, out = relwork("sync")
    assert code == 0, out
    assert "from an earlier run had landed" in out
    assert server.is_ancestor(landed, server.head())
    assert "much more meaningful" in (server.show("related_work.tex") or "")


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
