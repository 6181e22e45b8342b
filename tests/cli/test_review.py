"""``relwork review``: list what needs settling as JSON, settle it with --accept and
--not-in-bib or interactively in a terminal, and keep relwork.yaml's comments."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import run
from paths import FIXTURES, REPO

PROJECT = FIXTURES / "works" / "project"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "survey"
    shutil.copytree(PROJECT, target)
    return target


def test_json_lists_review_and_unmatched_with_candidates(project: Path) -> None:
    code, out, _ = run(project, "review", "--format", "json")
    assert code == 0
    items = {item["title"]: item for item in json.loads(out)}
    swarm = items["Swarm Planning with Sparse Messages"]
    assert swarm["status"] == "review" and swarm["file"] == "notes/week.md" and swarm["line"] == 15
    first = swarm["candidates"][0]
    assert first["key"] == "lund2018swarm"
    assert first["authors"] == ["Lund", "Rivera"] and first["year"] == 2018
    assert {c["key"] for c in swarm["candidates"]} >= {"lund2018swarm", "lund2019swarm"}
    assert items["Coral reefs seen from drones"]["status"] == "unmatched"
    assert "Tidal Replay: Learning from Hindsight Goals" not in items  # matched


def test_accept_and_not_in_bib_write_the_config_keeping_comments(project: Path) -> None:
    before = (project / "relwork.yaml").read_text(encoding="utf-8")
    code, out, err = run(project, "review",
                         "--accept", "lund2019swarm=Swarm planning with sparse messages",
                         "--not-in-bib", "Coral reefs seen from drones")
    assert code == 0, err
    assert "alias 'Swarm Planning with Sparse Messages' -> lund2019swarm" in out
    text = (project / "relwork.yaml").read_text(encoding="utf-8")
    assert "# Ocean robotics survey: settings kept by hand." in text
    assert "novak2022gpipe  # the short name we use in meetings" in text
    assert text.index("notes:") < text.index("aliases:") < text.index("lint:")
    assert "Swarm Planning with Sparse Messages: lund2019swarm" in text
    assert "not_in_bib:" in text and "- Coral reefs seen from drones" in text
    assert text.startswith(before.split("aliases:")[0])
    code, out, err = run(project, "check", "--format", "json")
    rows = {row["title"]: row for row in json.loads(out)}
    assert rows["Swarm Planning with Sparse Messages"]["key"] == "lund2019swarm"
    assert rows["Swarm Planning with Sparse Messages"]["status"] == "matched"
    code, out, err = run(project, "check")
    assert "Coral reefs" not in err  # marked not in the bib: no warning any more


@pytest.mark.parametrize(("args", "says"), [
    (["--accept", "lund2019swarmm=Swarm Planning with Sparse Messages"], "did you mean"),
    (["--accept", "lund2019swarm=Swarm planning wit sparse messages"], "no note has"),
    (["--accept", "just-a-key"], "KEY=TITLE"),
])
def test_bad_accept_is_refused_and_nothing_written(project: Path, args: list[str],
                                                   says: str) -> None:
    before = (project / "relwork.yaml").read_bytes()
    code, _, err = run(project, "review", *args)
    assert code == 2 and says in err
    assert (project / "relwork.yaml").read_bytes() == before


def test_refuses_without_a_terminal(project: Path) -> None:
    code, _, err = run(project, "review")
    assert code == 2
    assert "needs a terminal" in err and "--accept" in err


def _drive(project: Path, answers: list[tuple[str, str]]) -> str:
    """Run ``relwork review`` on a pseudo-terminal: wait for each prompt text, answer it."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "relwork", "review"], cwd=project,
                            stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    seen = b""
    try:
        for wait_for, answer in [*answers, ("", "")]:
            deadline = time.monotonic() + 60
            while wait_for.encode() not in seen:
                ready, _, _ = select.select([leader], [], [], 1)
                if ready:
                    try:
                        chunk = os.read(leader, 4096)
                    except OSError:
                        chunk = b""
                    if not chunk:
                        break
                    seen += chunk
                assert time.monotonic() < deadline, seen.decode(errors="replace")
            if answer:
                os.write(leader, answer.encode() + b"\r")
                seen = seen.replace(wait_for.encode(), b"<answered>", 1)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    assert proc.returncode == 0, seen.decode(errors="replace")
    return seen.decode(errors="replace")


@pytest.mark.slow
def test_interactive_review_in_a_terminal(project: Path) -> None:
    out = _drive(project, [
        ("choice", "2"),  # Swarm Planning: the second candidate (lund2019swarm)
        ("choice", "s"),  # the broken entry: skip
        ("choice", "n"),  # Coral reefs: not in my bib
    ])
    assert "Swarm Planning with Sparse Messages" in out and "notes/week.md:15" in out
    assert "lund2019swarm" in out and "Lund, Rivera; 2019" in out
    text = (project / "relwork.yaml").read_text(encoding="utf-8")
    assert "Swarm Planning with Sparse Messages: lund2019swarm" in text
    assert "- Coral reefs seen from drones" in text
    assert "Warm-Starting" not in text
    assert "# the short name we use in meetings" in text


@pytest.mark.slow
def test_interactive_typed_key_and_quit(project: Path) -> None:
    _drive(project, [("choice", "k"), ("key", "nobody"), ("key", "lund2018swarm"),
                     ("choice", "q")])
    text = (project / "relwork.yaml").read_text(encoding="utf-8")
    assert "Swarm Planning with Sparse Messages: lund2018swarm" in text
    assert "not_in_bib" not in text


def test_accept_in_a_config_of_only_comments_keeps_them(project: Path) -> None:
    config = project / "relwork.yaml"
    (project / "notes").rename(project / "summaries")  # the defaults: summaries/, bib/
    config.write_text("# made by relwork init\n# aliases: {}  # note title -> bib key\n",
                      encoding="utf-8")
    code, _, err = run(project, "review", "--accept",
                       "lund2019swarm=Swarm Planning with Sparse Messages")
    assert code == 0, err
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# made by relwork init\n# aliases: {}  # note title -> bib key\n")
    assert "aliases:\n  Swarm Planning with Sparse Messages: lund2019swarm\n" in text


def test_check_shows_the_entries_of_a_cited_work(project: Path) -> None:
    code, _, err = run(project, "check")
    assert "rivera2020tidal is in the bibliography 2 times" in err
    assert "rivera2019tidal (bib/library.bib:4" in err
