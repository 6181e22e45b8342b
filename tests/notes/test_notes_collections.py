"""Every note collection in fixtures/collections/ parses as its expected.yaml says: the kind of
each file, exactly its papers (titles, groups, arXiv ids), no section heading as a paper, the
summary's kept and cut sentences, and no private text in any entry's summary or body."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from paths import FIXTURES

from relwork.notes import NotesResult, parse_note
from relwork.notes.wikilinks import WIKILINK_RE

COLLECTIONS = FIXTURES / "collections"
#: Obsidian syntax (wikilinks, callouts, embeds) is read by its own rules, tested apart.
NOT_YET: set[str] = set()
NAMES = sorted(p.parent.name for p in COLLECTIONS.glob("*/expected.yaml")
               if p.parent.name not in NOT_YET)


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (COLLECTIONS / name / "expected.yaml").read_text(encoding="utf-8"))
    return data


def plain(text: str) -> str:
    """Whitespace collapsed; wikilinks as their shown text (the pipeline resolves them)."""
    text = WIKILINK_RE.sub(lambda m: (m.group(3) or m.group(1)).lstrip("@"), text)
    return " ".join(text.split())


def parse_file(name: str, rel: str) -> NotesResult:
    path = COLLECTIONS / name / expected(name).get("notes", "notes") / rel
    return parse_note(path.read_text(encoding="utf-8"), rel)


def cases() -> list[tuple[str, str]]:
    return [(name, rel) for name in NAMES for rel in expected(name)["files"]]


def test_every_note_file_is_listed_in_its_expected_yaml() -> None:
    for name in NAMES:
        notes = COLLECTIONS / name / expected(name).get("notes", "notes")
        found = {p.relative_to(notes).as_posix() for p in notes.rglob("*")
                 if p.suffix in (".md", ".markdown")}
        assert found == set(expected(name)["files"]), name


@pytest.mark.parametrize(("name", "rel"), cases())
def test_titles_kind_and_groups(name: str, rel: str) -> None:
    spec = expected(name)["files"][rel]
    result = parse_file(name, rel)
    assert [e.title for e in result.entries] == [p["title"] for p in spec["papers"]]
    assert result.kinds[rel] == spec["kind"]
    for entry, paper in zip(result.entries, spec["papers"], strict=True):
        if "arxiv" in paper:
            assert entry.first_id("arxiv") == paper["arxiv"], entry.title
        if "group" in paper:
            want = paper["group"] if isinstance(paper["group"], list) else [paper["group"]]
            assert [g.rstrip(":") for g in entry.group[-len(want):]] == want, entry.title
    # the only problems: each embed dropped, at its line; a note that is not a paper
    embeds = {(e["line"], e["embed"]) for e in spec.get("embeds", [])}
    found = {(p.source.line, p.message.removeprefix("embed ").split(" dropped")[0])
             for p in result.problems if p.code == "embed" and p.source}
    assert found == embeds
    others = [p for p in result.problems if p.code != "embed"]
    assert others == [] or (spec["kind"] == "none" and [p.severity for p in others] == ["info"])


@pytest.mark.parametrize(("name", "rel"), cases())
def test_no_section_heading_becomes_a_paper(name: str, rel: str) -> None:
    spec = expected(name)["files"][rel]
    titles = {plain(e.title).lower() for e in parse_file(name, rel).entries}
    for heading in spec.get("not_papers", []):
        assert plain(str(heading)).rstrip(":").lower() not in titles, heading


@pytest.mark.parametrize(("name", "rel"), cases())
def test_summary_keeps_the_point_and_private_text_stays_out(name: str, rel: str) -> None:
    spec = expected(name)["files"][rel]
    result = parse_file(name, rel)
    for entry, paper in zip(result.entries, spec["papers"], strict=True):
        summary = plain(entry.summary)
        for kept in paper.get("summary_kept", []):
            assert plain(kept) in summary, (entry.title, kept)
        for cut in paper.get("summary_cut", []):
            assert plain(cut) not in summary, (entry.title, cut)
        assert summary.split()[:1] != ["TLDR;"] and "Description:" not in summary
        for private in spec.get("private", []) + expected(name).get("forbidden_everywhere", []):
            if private in ("layout", "[[", "]]"):  # front matter; wikilinks: resolved later
                continue
            assert plain(private) not in summary, (entry.title, private)
            assert plain(private) not in plain(entry.body), (entry.title, private)


def test_summaries_keep_to_the_default_budget() -> None:
    low, high = expected("twelve")["budget"]["summary_words"]
    for rel in expected("twelve")["files"]:
        for entry in parse_file("twelve", rel).entries:
            words = len(entry.summary.split())
            assert 15 <= words <= high, (rel, words)


def test_private_text_left_out_is_listed_at_its_line() -> None:
    result = parse_file("link-headings", "deep-residual-learning.md")
    left_out = [(p.source.line, p.message) for p in result.dropped if p.source]
    assert (3, "private text left out: link bullet (1 line)") in left_out
    assert (8, "private text left out: image and its caption (1 line)") in left_out
    assert (23, "private text left out: section 'Some Notes' (5 lines)") in left_out
    assert (31, "private text left out: 'FIXME' line (1 line)") in left_out
    result = parse_file("weekly", "june13_report.md")
    assert [(p.source.line, p.message) for p in result.dropped if p.source] == [
        (52, "private text left out: a question to the reader (1 line)"),
        (69, "private text left out: a note in the first person (1 sentence)")]


def test_a_note_without_heading_or_link_is_titled_by_its_cleaned_file_name() -> None:
    result = parse_note("Beam search with groups that penalise each other.\n",
                        "notes/diverse-beam-search.md")
    assert [e.title for e in result.entries] == ["Diverse beam search"]
    result = parse_note("Text.\n", "_posts/2019-03-04-attention_is-all.markdown")
    assert [e.title for e in result.entries] == ["Attention is all"]


def test_summary_full_keeps_the_whole_note_but_its_private_text() -> None:
    path = COLLECTIONS / "twelve" / "notes" / "vq-vae.md"
    entry = parse_note(path.read_text(encoding="utf-8"), "vq-vae.md",
                       summary_words=None).entries[0]
    assert "The prior over the codes is not fixed but learned afterwards" in entry.summary
    assert "Loss = reconstruction" in entry.summary  # a detail section
    assert "reread the VQ-VAE-2 paper" not in entry.summary  # "My notes" is private


def test_configured_roles_move_a_section() -> None:
    from relwork.notes.roles import Roles

    text = "# [A Paper](https://arxiv.org/abs/1234.56789)\n\n## Gist of it\n\nShort.\n\n" \
           "## Ablations\n\nDetail.\n\n## Notes\n\nMine.\n"
    entry = parse_note(text, "a.md").entries[0]
    assert entry.summary == "Short." and "Mine." not in entry.body
    roles = Roles(summary=("ablations",), private=("gist of it",))
    entry = parse_note(text, "a.md", roles=roles).entries[0]
    assert entry.summary == "Detail." and "Short." not in entry.body


def test_files_named_in_expected_exist() -> None:
    for name in NAMES:
        notes = Path(COLLECTIONS / name / expected(name).get("notes", "notes"))
        for rel in expected(name)["files"]:
            assert (notes / rel).is_file(), (name, rel)
