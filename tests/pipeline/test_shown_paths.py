"""How note paths are shown: the quick way for paths below the current folder gives what
``Config.display`` gives for every path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from relwork.config import load_config
from relwork.pipeline_cache import BuildState, shown_paths


def test_shown_paths_are_config_display(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "project" / "notes").mkdir(parents=True)
    (tmp_path / "project" / "relwork.yaml").write_text("notes: [notes]\n", encoding="utf-8")
    config = load_config(tmp_path / "project" / "relwork.yaml")
    root = tmp_path / "project"
    paths = [root / "notes" / "a.md", root / "notes" / "..hidden" / "b.md",
             Path(f"{root}/notes/../notes/c.md"), Path(f"{root}//notes/d.md"),
             tmp_path / "elsewhere" / "e.md", Path("notes/f.md"), Path("/g.md"),
             Path(str(root) + "-twin") / "h.md"]
    for folder in (root, root / "notes", tmp_path, Path("/")):
        monkeypatch.chdir(folder)
        expected = [config.display(p) for p in paths]
        assert shown_paths(paths, config, None) == expected
        state = BuildState()
        assert shown_paths(paths, config, state) == expected
        assert shown_paths(paths[::-1], config, state) == expected[::-1]
    monkeypatch.chdir(root)
    assert shown_paths(paths[:1], config, None) == [os.path.join("notes", "a.md")]
