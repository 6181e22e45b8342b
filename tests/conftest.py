"""Shared pytest fixtures."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest


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
        RELWORK_REQUIRE_TEX=1 (CI installs every tool, so a missing one is a defect)."""
        found = _which(name)
        if found is None:
            if os.environ.get("RELWORK_REQUIRE_TEX") == "1":
                pytest.fail(f"{name} not installed and RELWORK_REQUIRE_TEX=1")
            pytest.skip(f"{name} not installed (set RELWORK_REQUIRE_TEX=1 to make this an error)")
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
        if os.environ.get("RELWORK_REQUIRE_TEX") == "1":
            pytest.fail(f"TeX Live not installed ({missing} missing) and RELWORK_REQUIRE_TEX=1")
        pytest.skip("TeX Live not installed (set RELWORK_REQUIRE_TEX=1 to make this an error)")
    return TexTools(
        latexmk=latexmk,
        pdflatex=pdflatex,
        xelatex=_which("xelatex"),
        lualatex=_which("lualatex"),
        bibtex=_which("bibtex"),
        biber=_which("biber"),
        pdftoppm=_which("pdftoppm"),
    )


@pytest.fixture()
def example_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled example (summaries/, bib/, relwork.yaml), the current folder."""
    root = Path(__file__).parents[1]
    for name in ("summaries", "bib"):
        shutil.copytree(root / name, tmp_path / name)
    shutil.copy(root / "relwork.yaml", tmp_path / "relwork.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path
