"""Files and encodings: folders, globs, CRLF, BOM, tabs, files that are not UTF-8."""

from __future__ import annotations

from pathlib import Path

from paths import FIXTURES

from relwork.config import Config
from relwork.notes import collect_note_files, parse_note, read_notes

FIXTURES = FIXTURES / "notes"


def config_for(root: Path, notes: list[str]) -> Config:
    return Config(root=root, notes=notes)


def test_folder_is_read_recursively_md_and_markdown():
    cfg = config_for(FIXTURES, ["folder"])
    files, problems = collect_note_files(cfg)
    assert [f.relative_to(FIXTURES).as_posix() for f in files] == [
        "folder/a.md", "folder/sub/b.markdown"]  # .obsidian and .txt skipped
    assert problems == []
    result = read_notes(files, cfg)
    assert [(Path(e.source.path).name, e.source.line, e.title) for e in result.entries] == [
        ("a.md", 3, "Paper in a folder"), ("b.markdown", 3, "Another Paper")]
    assert result.entries[1].ids["arxiv"] == ["2001.00001"]


def test_globs_files_dedup_and_missing_paths():
    cfg = config_for(FIXTURES, [])
    files, problems = collect_note_files(
        cfg, ["link_*.md", "link_headings.md", "folder/sub", "nope.md", "zz*.md"])
    assert [f.name for f in files] == ["b.markdown", "link_headings.md"]
    assert [(p.severity, p.code) for p in problems] == [("error", "notes"), ("warning", "notes")]
    assert "nope.md" in problems[0].message and "zz*.md" in problems[1].message


def test_configured_notes_default_and_source():
    cfg = config_for(FIXTURES, ["folder/a.md"])
    files, problems = collect_note_files(cfg)
    assert files == [(FIXTURES / "folder" / "a.md").resolve()] and problems == []


def test_crlf_bom_and_tabs_keep_lines(tmp_path: Path, may30_report: Path):
    text = may30_report.read_text(encoding="utf-8")
    crlf = tmp_path / "crlf.md"
    crlf.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    cfg = config_for(tmp_path, [str(tmp_path)])
    files, _ = collect_note_files(cfg)
    result = read_notes(files, cfg)
    lf = parse_note(text, "x")
    assert [(e.source.line, e.group, e.title, e.body, e.body_line) for e in result.entries] == [
        (e.source.line, e.group, e.title, e.body, e.body_line) for e in lf.entries]
    assert len(result.entries) == 8
    assert "\r" not in "".join(e.body for e in result.entries)


def test_tabs():
    text = "#\tPapers\n\n##\tTabbed Title\n\n-\tfirst point\n\t-\tnested point\n-\tNote:\tthird\n"
    r = parse_note(text, "t.md")
    assert [(e.source.line, e.title) for e in r.entries] == [(3, "Tabbed Title")]
    pts = r.entries[0].points
    assert [(p.text, p.depth, p.source.line, p.label) for p in pts] == [
        ("first point", 0, 5, None), ("nested point", 1, 6, None), ("third", 0, 7, "Note")]


def test_old_mac_line_endings():
    r = parse_note("# Papers\r\r## One Paper\rIts text.\r", "cr.md")
    assert [(e.source.line, e.title, e.body, e.body_line) for e in r.entries] == [
        (3, "One Paper", "Its text.", 4)]


def test_not_utf8_is_an_error_and_other_files_still_read(tmp_path: Path):
    bad = tmp_path / "a_latin1.md"
    bad.write_bytes("# Papers\n\n## Caf\xe9 paper\n".encode("latin-1"))
    good = tmp_path / "b_good.md"
    good.write_text("# Papers\n\n## Good Paper\n\nText.\n", encoding="utf-8")
    cfg = config_for(tmp_path, ["."])
    files, _ = collect_note_files(cfg)
    result = read_notes(files, cfg)
    assert [e.title for e in result.entries] == ["Good Paper"]
    assert len(result.problems) == 1
    p = result.problems[0]
    assert (p.severity, p.code, p.source.line if p.source else None) == ("error", "encoding", 3)
    assert "a_latin1.md" in p.message and "byte offset 16" in p.message
    assert p.source is not None and p.source.path.endswith("a_latin1.md")


def test_each_missing_notes_item_is_reported_at_its_own_line(tmp_path: Path):
    from relwork.config import load_config

    (tmp_path / "summaries").mkdir()
    (tmp_path / "summaries" / "week1.md").write_text("# Papers\n\n## A Paper\n\nText.\n")
    (tmp_path / "relwork.yaml").write_text(
        "# where my notes are\nnotes:\n  - summaries\n  - drafts/*.md\n  - old/week0.md\n"
        "bib: []\n", encoding="utf-8")
    cfg = load_config(tmp_path / "relwork.yaml")
    files, problems = collect_note_files(cfg)
    assert [f.name for f in files] == ["week1.md"]
    assert [(p.severity, p.source.line if p.source else None) for p in problems] == [
        ("warning", 4), ("error", 5)]
    assert all(p.source and p.source.path.endswith("relwork.yaml") for p in problems)
    # a flow list has one line for all its items: that line
    (tmp_path / "relwork.yaml").write_text("bib: []\nnotes: [summaries, old/week0.md]\n",
                                           encoding="utf-8")
    _, problems = collect_note_files(load_config(tmp_path / "relwork.yaml"))
    assert [(p.code, p.source.line if p.source else None) for p in problems] == [("notes", 2)]
    # paths given on the command line are not in the config: no config line
    _, problems = collect_note_files(cfg, ["old/week0.md"])
    assert [p.source for p in problems] == [None]
