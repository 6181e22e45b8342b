"""Each command does only the work its output needs: check and entries neither render
nor tone-check (their caches are never written), build does both."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import run
from paths import REPO

RENDER_AND_LINT = {"render-fragments.json", "lint-analysis.json", "lint-results.json"}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for name in ("summaries", "bib"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / "relwork.yaml", tmp_path / "relwork.yaml")
    return tmp_path


def cache_files(project: Path) -> set[str]:
    folder = project / ".relwork" / "cache"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@pytest.mark.parametrize("command", ["check", "entries"])
def test_check_and_entries_neither_render_nor_lint(project: Path, command: str) -> None:
    code, out, _ = run(project, command)
    assert code in (0, 1)
    assert "weekly_report.md:" in out  # it printed its rows
    assert not cache_files(project) & RENDER_AND_LINT, cache_files(project)
    assert not (project / "latex" / "related_work.tex").exists()


def test_build_renders_and_lints(project: Path) -> None:
    code, _, _ = run(project, "build")
    assert code in (0, 1)
    assert RENDER_AND_LINT <= cache_files(project)
    assert (project / "latex" / "related_work.tex").is_file()
