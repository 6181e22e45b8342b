"""Shared pytest fixtures: TeX tools, the ../shared folder, the git server, the example project.

Tests that ask for ``tex`` are marked ``tex`` and tests that ask for ``git_server`` are
marked ``git``, so ``pytest -m "not tex and not git"`` leaves them out.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from gitserver import GitServer
from needs import unavailable

#: ``../shared`` next to the repository: a real weekly report and third-party bibliographies
#: that are never copied into the repository.
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

#: Markers that follow from a fixture, so a new test that asks for one is marked for free.
_FIXTURE_MARKERS = {"tex": "tex", "git_server": "git"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())  # the fixture closure, indirect uses too
        for fixture, marker in _FIXTURE_MARKERS.items():
            if fixture in names:
                item.add_marker(marker)


@dataclass(frozen=True)
class TexTools:
    """Paths of the TeX tools found on PATH (None when a tool is missing)."""

    latexmk: Path
    pdflatex: Path
    xelatex: Path | None
    lualatex: Path | None
    bibtex: Path | None
    biber: Path | None
    pdftoppm: Path | None

    def require(self, name: str) -> Path:
        """The path of the tool ``name``; skips when it is missing, or fails under
        RELWORK_REQUIRE_TEX=1."""
        found = _which(name)
        if found is None:
            unavailable(f"{name} not installed", "RELWORK_REQUIRE_TEX")
        return found


def _which(name: str) -> Path | None:
    found = shutil.which(name)
    return Path(found) if found else None


@pytest.fixture(scope="session")
def tex() -> TexTools:
    """TeX tools; skips (or fails with RELWORK_REQUIRE_TEX=1) when latexmk/pdflatex are absent."""
    latexmk, pdflatex = _which("latexmk"), _which("pdflatex")
    if latexmk is None or pdflatex is None:
        missing = ", ".join(n for n, p in (("latexmk", latexmk), ("pdflatex", pdflatex)) if not p)
        unavailable(f"TeX Live not installed ({missing} missing)", "RELWORK_REQUIRE_TEX")
    return TexTools(
        latexmk=latexmk,
        pdflatex=pdflatex,
        xelatex=_which("xelatex"),
        lualatex=_which("lualatex"),
        bibtex=_which("bibtex"),
        biber=_which("biber"),
        pdftoppm=_which("pdftoppm"),
    )


@dataclass(frozen=True)
class SharedFolder:
    """The ``../shared`` folder; a fresh clone has none."""

    root: Path

    def require(self, relative: str) -> Path:
        """``root / relative``; skips when it is missing, or fails under
        RELWORK_REQUIRE_SHARED=1."""
        path = self.root / relative
        if not path.exists():
            unavailable(f"{path} is missing (it lives next to the repository, not in it)",
                         "RELWORK_REQUIRE_SHARED")
        return path


@pytest.fixture(scope="session")
def shared() -> SharedFolder:
    """The ``../shared`` folder; ask it for a file with ``shared.require("corpus/x.bib")``."""
    return SharedFolder(SHARED)


@pytest.fixture(scope="session")
def may30_report(shared: SharedFolder) -> Path:
    """A real weekly report (../shared/examples/may30_report.md)."""
    return shared.require("examples/may30_report.md")


@pytest.fixture()
def git_server(tmp_path: Path) -> Iterator[GitServer]:
    """A running git server standing in for the Overleaf git bridge."""
    with GitServer(tmp_path / "server").running() as srv:
        yield srv


@pytest.fixture()
def example_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled example (summaries/, bib/, relwork.yaml), the current folder."""
    root = Path(__file__).parents[1]
    for name in ("summaries", "bib"):
        shutil.copytree(root / name, tmp_path / name)
    shutil.copy(root / "relwork.yaml", tmp_path / "relwork.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path
