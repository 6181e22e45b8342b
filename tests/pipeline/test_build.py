"""The pipeline in one process: group selection, and rebuilds that reuse what did not change."""

from __future__ import annotations

from pathlib import Path

import pytest
from paths import REPO

from relwork.config import load_config
from relwork.model import Entry, Source
from relwork.pipeline import BuildState, build, select_entries

ROOT = REPO


@pytest.fixture()
def project(example_project: Path) -> Path:
    return example_project


def test_select_entries_by_group_and_tag() -> None:
    config = load_config(search=False)
    config.exclude_groups = ["not sure"]
    a = Entry("A", Source("n.md", 1), group=("Detailed",))
    b = Entry("B", Source("n.md", 2), group=("Not sure:",))
    c = Entry("C", Source("n.md", 3), meta={"tags": ["survey"]})
    assert select_entries([a, b, c], config) == [a, c]
    config.exclude_groups, config.include_groups = [], ["survey"]
    assert select_entries([a, b, c], config) == [c]


def test_rebuild_with_state_reuses_parses_and_gives_the_same_output(project: Path) -> None:
    config = load_config(project / "relwork.yaml")
    state = BuildState()
    first = build(config, state=state, write=True)
    tex = project / "latex" / "related_work.tex"
    text = tex.read_text(encoding="utf-8")
    index = state.index
    assert index is not None and index.memo.fragments
    again = build(config, state=state, write=True)
    assert state.index is index  # bib unchanged: not loaded again
    assert tex.read_text(encoding="utf-8") == text
    assert again.line_map == first.line_map
    assert [m.key for m in again.matches] == [m.key for m in first.matches]


def test_rebuild_with_state_sees_a_note_edit(project: Path) -> None:
    config = load_config(project / "relwork.yaml")
    state = BuildState()
    build(config, state=state, write=True)
    note = project / "summaries" / "weekly_report.md"
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("is curved", "is strongly curved"), encoding="utf-8")
    build(config, state=state, write=True)
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "strongly curved" in tex


def test_rebuild_with_state_sees_a_bib_edit(project: Path) -> None:
    config = load_config(project / "relwork.yaml")
    state = BuildState()
    build(config, state=state, write=True)
    bib = project / "bib" / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace(
        "{Score-based Generative Modeling in Latent Space}",
        "{Score-Based Generative Modeling in Latent Space}"), encoding="utf-8")
    build(config, state=state, write=True)
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "Score-Based Generative" in tex


def test_errors_leave_previous_outputs_intact(project: Path) -> None:
    config = load_config(project / "relwork.yaml")
    build(config, write=True)
    tex = project / "latex" / "related_work.tex"
    before = tex.read_text(encoding="utf-8")
    note = project / "summaries" / "weekly_report.md"
    note.write_text(note.read_text(encoding="utf-8").replace(
        "#### Score-based Generative Modeling in Latent Space",
        "#### Score-based Generative Modeling in Latent Space [@nosuchkey2099]"), encoding="utf-8")
    result = build(config, write=True)
    assert result.errors and any("nosuchkey2099" in p.message for p in result.errors)
    assert any(p.source and p.source.path.endswith("weekly_report.md") for p in result.errors)
    assert tex.read_text(encoding="utf-8") == before


def test_alias_to_a_missing_key_is_reported_with_the_config_line(project: Path) -> None:
    config_file = project / "relwork.yaml"
    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + "  pulse: menon2020plse\n", encoding="utf-8")
    result = build(load_config(config_file), write=False)
    (problem,) = [p for p in result.problems if p.code == "alias"]
    assert "menon2020plse" in problem.message and "menon2020pulse" in (problem.hint or "")
    assert problem.source is not None and problem.source.path.endswith("relwork.yaml")
    assert problem.source.line > 0


def test_matching_tables_come_from_the_cache_and_a_damaged_one_is_rebuilt(project: Path) -> None:
    from relwork.match import lookup_for
    from relwork.pipeline import load_index

    config = load_config(project / "relwork.yaml")
    first, _ = load_index(config)
    made = lookup_for(first)
    cached = sorted((project / ".relwork" / "cache").glob("derived-match-lookup-*.json"))
    assert len(cached) == 1
    second, _ = load_index(config)
    look = second.memo.lookup
    assert look is not made and look.keys == made.keys and look.titles == made.titles
    assert look.records == [second.records[k] for k in look.keys]
    cached[0].write_bytes(cached[0].read_bytes()[:100])  # truncated: never trusted
    third, _ = load_index(config)
    assert lookup_for(third).titles == made.titles
    assert cached[0].read_bytes() != cached[0].read_bytes()[:100]  # written again
    result = build(config, write=False)
    assert [m.key for m in result.matches] == ["arvanitidis2018latent", "vahdat2021score"]


def test_derived_cache_follows_the_bib_content(project: Path) -> None:
    from relwork.pipeline import load_index

    config = load_config(project / "relwork.yaml")
    first, _ = load_index(config)
    bib = project / "bib" / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n@misc{extra2024,\n  title = {An "
                   "Extra Paper on Latent Spaces},\n  year = {2024}\n}\n", encoding="utf-8")
    second, _ = load_index(config)
    assert second.content_key != first.content_key
    assert "extra2024" in second.memo.lookup.keys


def test_math_macros_from_the_config_are_allowed_in_formulas(project: Path) -> None:
    note = project / "summaries" / "weekly_report.md"
    note.write_text(note.read_text(encoding="utf-8").replace(
        "is curved,", "is curved in $\\R^n$,"), encoding="utf-8")
    config = load_config(project / "relwork.yaml")
    result = build(config, write=True)
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "$\\R^n$" not in tex  # an unknown command: written as text, with a warning
    assert any("\\R" in p.message and p.source and p.source.line == 32
               for p in result.problems), [str(p) for p in result.problems]
    config.math_macros = ["R"]
    result = build(config, write=True)
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "is curved in $\\R^n$," in tex


def test_one_stub_per_missing_paper_even_when_summarised_twice(project: Path) -> None:
    note = project / "summaries" / "more.md"
    note.write_text("## Papers\n\n### A Paper Nobody Has In The Bib\nFirst summary.\n\n"
                    "### A Paper Nobody Has In The Bib\nSecond summary.\n", encoding="utf-8")
    config = load_config(project / "relwork.yaml")
    config.stubs = True
    result = build(config, write=True)
    bib = (project / "latex" / "references.bib").read_text(encoding="utf-8")
    assert bib.count("@misc{missing_") == 1
    assert any(p.code == "twice" for p in result.problems)


def test_authors_written_last_first_stay_one_author() -> None:
    from relwork.notes import parse_note

    text = ("# Paper\n* **Title**: Some Title Here\n* **Authors**: Smith, John\n\nBody.\n")
    (entry,) = parse_note(text, "n.md").entries
    assert entry.meta["authors"] == ["Smith, John"]
