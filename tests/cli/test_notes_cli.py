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


def test_verbose_build_and_entries_list_private_text_at_file_line(tmp_path: Path):
    collections = FIXTURES.parent / "collections"
    cfg = tmp_path / "relwork.yaml"
    cfg.write_text(f"notes:\n  - {collections / 'weekly' / 'notes'}\n"
                   f"bib:\n  - {collections / 'references.bib'}\n"
                   "aliases:\n  simclr: chen2020simple\n  soft actor critic: haarnoja2018soft\n"
                   "lint:\n  enabled: false\n"
                   f"output:\n  tex: {tmp_path / 'rw.tex'}\n  bib: {tmp_path / 'rw.bib'}\n",
                   encoding="utf-8")
    runner = CliRunner()
    for command in ("entries", "build"):
        result = runner.invoke(main, ["--config", str(cfg), "-v", command],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "june13_report.md:52: info: private text left out: a question to the reader " \
               "(1 line)" in result.stderr, command
        assert "Are these fine" not in result.output
        quiet = runner.invoke(main, ["--config", str(cfg), command], catch_exceptions=False)
        assert "private text left out" not in quiet.stderr
    tex = (tmp_path / "rw.tex").read_text(encoding="utf-8")
    assert "Are these fine" not in tex and "polish them" not in tex


def test_lint_counts_findings_and_entries_in_agreeing_words(tmp_path: Path):
    note = tmp_path / "n.md"
    note.write_text("# Papers\n\n## A Paper\n\nThe agent learns aux. tasks; the weights "
                    "$\\theta_q$ are slow. It's fast.\n", encoding="utf-8")
    cfg = tmp_path / "relwork.yaml"
    cfg.write_text(f"notes:\n  - {note}\nbib: []\nlint:\n  disable: [spelling]\n",
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(cfg), "lint"], catch_exceptions=False)
    # the contraction only: "aux. tasks" and "$\theta_q$ are" are ordinary technical prose
    assert "1 finding in 1 entry" in result.stderr, result.stderr
    assert result.stderr.count("warning:") == 1 and 'contraction "It\'s"' in result.stderr
