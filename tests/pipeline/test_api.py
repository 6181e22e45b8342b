"""The library API: ``import relwork`` and its four functions, without the command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO

import relwork

ROOT = REPO
CITED = ("arvanitidis2018latent", "vahdat2021score")  # the example's "Detailed" papers


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("summaries", "bib"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "relwork.yaml", tmp_path / "relwork.yaml")
    monkeypatch.chdir(tmp_path)  # paths in messages are shown relative to the project
    return tmp_path


def _files(root: Path) -> dict[str, bytes]:
    """Every file of the project but relwork's cache folder, with its content."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and ".relwork" not in p.relative_to(root).parts}


def test_build_returns_the_section_and_writes_nothing(project: Path) -> None:
    before = _files(project)
    config = relwork.load_config(project / "relwork.yaml")
    result = relwork.build(config)
    assert result.errors == []
    cites = re.findall(r"\\cite[tp]?\{([^}]*)\}", result.tex)
    assert sorted(cites) == sorted(CITED)
    assert "\\section{Related Work}" in result.tex
    entries = re.findall(r"^@\w+\{([^,\s]+),", result.bib, flags=re.MULTILINE)
    assert sorted(entries) == sorted(CITED)
    assert [p.name for p in result.packages] == ["natbib"]
    assert sorted(m.key for m in result.matches if m.cited) == sorted(CITED)
    assert _files(project) == before  # write=False is the default
    assert result.outputs == []


def test_build_writes_what_it_returns_when_asked(project: Path) -> None:
    config = relwork.load_config(project / "relwork.yaml")
    result = relwork.build(config, write=True)
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    bib = (project / "latex" / "references.bib").read_text(encoding="utf-8")
    assert (tex, bib) == (result.tex, result.bib)
    assert result.outputs == ["latex/related_work.tex", "latex/references.bib"]


def test_build_without_render_gives_the_same_matches_and_no_section(project: Path) -> None:
    config = relwork.load_config(project / "relwork.yaml")
    full = relwork.build(config)
    before = _files(project)
    bare = relwork.build(config, write=True, render=False)
    assert [(m.entry.title, m.key, m.status) for m in bare.matches] == \
        [(m.entry.title, m.key, m.status) for m in full.matches]
    assert (bare.tex, bare.bib, bare.packages, bare.outputs) == ("", "", [], [])
    assert not any(p.code.startswith("lint") for p in bare.problems)
    assert _files(project) == before  # no section: nothing to write

def test_the_api_names() -> None:
    assert {"load_config", "build", "compile_preview", "sync"} <= set(dir(relwork))
    assert all(callable(getattr(relwork, name))
               for name in ("load_config", "build", "compile_preview", "sync"))
    with pytest.raises(AttributeError):
        relwork.no_such_function  # noqa: B018 - the attribute access is the test


def test_import_relwork_loads_no_stage() -> None:
    code = ("import sys, relwork; "
            "print(sorted(m for m in sys.modules if m.startswith('relwork')))")
    env = {**os.environ, "PYTHONPATH": str(Path(relwork.__file__).parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out.strip() == "['relwork']"
