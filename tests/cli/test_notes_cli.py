"""`relwork entries` on the note fixtures: text lines and the JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from paths import FIXTURES

from relwork.cli import main

FIXTURES = FIXTURES / "notes"


def run(tmp_path: Path, *args: str):
    cfg = tmp_path / "relwork.yaml"
    cfg.write_text(f"notes:\n  - {FIXTURES / 'link_headings.md'}\n", encoding="utf-8")
    runner = CliRunner()
    return runner.invoke(main, ["--config", str(cfg), "entries", *args],
                         catch_exceptions=False)


def test_entries_json(tmp_path: Path):
    result = run(tmp_path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(d["line"], d["title"], d["group"]) for d in data] == [
        (3, "Adaptive Computation Time for Recurrent Neural Networks", []),
        (7, "Deep Residual Learning for Image Recognition", []),
        (11, "Layer Normalization", []),
    ]
    assert all(set(d) == {"file", "line", "title", "group", "ids", "meta"} for d in data)
    assert data[0]["file"].endswith("link_headings.md")
    assert data[0]["ids"] == {"arxiv": ["1603.08983"],
                              "url": ["http://arxiv.org/abs/1603.08983"]}


def test_entries_text_and_bad_file_exit_code(tmp_path: Path):
    result = run(tmp_path)
    assert result.exit_code == 0
    assert "link_headings.md:7\t-\tDeep Residual Learning for Image Recognition" in result.stdout
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"# Papers\n\n## X\xff\n")
    result = run(tmp_path, str(bad))
    assert result.exit_code == 1
    assert "not UTF-8" in result.stderr and "bad.md:3" in result.stderr
