"""Each note collection of fixtures/collections/ built through every built-in template: every
paper matched to its key, no private text anywhere in the section, the summaries' points and
inline citations kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from paths import FIXTURES

from relwork.config import load_config
from relwork.model import BuildResult
from relwork.pipeline import build

COLLECTIONS = FIXTURES / "collections"
NOT_YET: set[str] = set()
NAMES = sorted(p.parent.name for p in COLLECTIONS.glob("*/expected.yaml")
               if p.parent.name not in NOT_YET)
BUILTINS = ("paragraphs", "subsections", "itemize", "compact", "table")


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (COLLECTIONS / name / "expected.yaml").read_text(encoding="utf-8"))
    return data


def plain(text: str) -> str:
    """Typeset-like text of a section: no comments, line breaks or ties; quotes as written."""
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("%"))
    text = text.replace("~", " ").replace("``", '"').replace("''", '"')
    return " ".join(text.split())


def build_collection(name: str, tmp_path: Path, template: str) -> BuildResult:
    spec = expected(name)
    folder = COLLECTIONS / name
    settings = {"notes": [str(folder / spec.get("notes", "notes"))],
                "bib": [str((folder / spec["bib"]).resolve())],
                "template": template, "template_dirs": [],
                "lint": {"enabled": False}, **(spec.get("config") or {})}
    (tmp_path / "relwork.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    config = load_config(tmp_path / "relwork.yaml")
    return build(config, write=False)


@pytest.mark.parametrize("name", NAMES)
def test_every_paper_is_matched_to_its_key(name: str, tmp_path: Path) -> None:
    result = build_collection(name, tmp_path, "paragraphs")
    want = [p["key"] for f in expected(name)["files"].values() for p in f["papers"]]
    got = [m.key for m in result.matches]
    assert sorted(got, key=str) == sorted(want), name
    assert all(m.status == "matched" for m in result.matches), [
        (m.entry.title, m.status) for m in result.matches if m.status != "matched"]
    assert not result.errors, result.errors


@pytest.mark.parametrize("template", BUILTINS)
@pytest.mark.parametrize("name", NAMES)
def test_no_private_text_reaches_the_section(name: str, template: str, tmp_path: Path) -> None:
    spec = expected(name)
    result = build_collection(name, tmp_path, template)
    text = plain(result.tex)
    forbidden = list(spec.get("forbidden_everywhere", []))
    for file in spec["files"].values():
        forbidden += file.get("private", [])
    for phrase in forbidden:
        assert plain(phrase) not in text, (template, phrase)
    # every paper is cited once in a list of titles
    for file in spec["files"].values():
        for paper in file["papers"]:
            assert paper["key"] in result.cited_keys, (template, paper["key"])
    if template == "compact":
        for key in result.cited_keys:
            assert len(re.findall(rf"[{{,]{re.escape(key)}[,}}]", result.tex)) <= 1, key


@pytest.mark.parametrize("name", NAMES)
def test_summaries_keep_their_points_and_citations(name: str, tmp_path: Path) -> None:
    spec = expected(name)
    result = build_collection(name, tmp_path, "paragraphs")
    text = plain(result.tex)
    for file in spec["files"].values():
        for paper in file["papers"]:
            for kept in paper.get("summary_kept", []):
                assert plain(kept)[1:] in text, kept  # the first letter may be capitalised
            for cut in paper.get("summary_cut", []):
                assert plain(cut) not in text, cut
            for key in paper.get("cites", []):
                assert re.search(rf"\\cite[tp]?\{{[^}}]*\b{re.escape(key)}\b", result.tex), key
                assert key in result.cited_keys
    # a paper cited only inside another's summary is not an entry of its own
    entry_keys = {m.key for m in result.matches}
    for file in spec["files"].values():
        for paper in file["papers"]:
            for key in paper.get("cites", []):
                if key not in {p["key"] for f in spec["files"].values() for p in f["papers"]}:
                    assert key not in entry_keys


def test_table_key_idea_is_one_sentence(tmp_path: Path) -> None:
    result = build_collection("twelve", tmp_path, "table")
    ideas = re.findall(r"^  \\relworkSep (.*) \\relworkEnd$", result.tex, re.M)
    assert len(ideas) == 12
    for idea in ideas:
        assert len(re.findall(r"[.!?](?:\s|$)", idea)) <= 1, idea


def test_obsidian_wikilinks_embeds_and_metadata(tmp_path: Path) -> None:
    spec = expected("obsidian-vault")
    result = build_collection("obsidian-vault", tmp_path, "paragraphs")
    by_file = {m.entry.source.path.split("notes/", 1)[-1]: m.entry for m in result.matches}
    lines = result.tex.split("\n")
    for rel, file in spec["files"].items():
        entry = by_file.get(rel)
        for link in file.get("wikilinks", []):
            assert entry is not None
            source = entry.source.path
            if link["line"] not in entry.summary_lines:
                continue  # a detail section: not in the section, resolved all the same
            out = [lines[i] for i, src in enumerate(result.line_map)
                   if src is not None and src.path == source and src.line == link["line"]]
            assert out, (rel, link)
            if "cite" in link:
                assert any(re.search(rf"\\cite[tp]?\{{{link['cite']}\}}", ln) for ln in out), link
            else:
                assert any(link["text"] in ln for ln in out), link
                assert any(p.code == "wikilink" and p.source is not None
                           and p.source.line == link["line"] and link["link"] in p.message
                           for p in result.problems), link
        for embed in file.get("embeds", []):
            assert any(p.code == "embed" and p.severity == "warning" and p.source is not None
                       and p.source.path.endswith(rel) and p.source.line == embed["line"]
                       and embed["embed"] in p.message for p in result.problems), embed
        for key, value in (file.get("meta") or {}).items():
            assert entry is not None
            got = entry.meta.get(key) if key != "citekey" else entry.first_id("key")
            if isinstance(got, list):
                got = ", ".join(got)
            assert str(got) == str(value), (rel, key, got)
    for mark in ("[[", "]]", "[!", "==", "::", "^a1b2c3"):
        assert mark not in plain(result.tex), mark
