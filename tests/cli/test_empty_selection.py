"""A build that selects no paper is an error (exit 1) and keeps the previous outputs, unless
--allow-empty."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import run


def _outputs(project: Path) -> dict[str, bytes]:
    return {name: (project / "latex" / name).read_bytes()
            for name in ("related_work.tex", "references.bib")}


def test_empty_glob_keeps_the_previous_outputs(example_project: Path) -> None:
    code, _, err = run(example_project, "build")
    assert code == 0, err
    before = _outputs(example_project)
    assert b"\\cite" in before["related_work.tex"]
    code, _, err = run(example_project, "build", "notes/*.markdown")
    assert code == 1
    assert "no papers selected: 'notes/*.markdown' matched no note files" in err
    assert "--allow-empty" in err
    assert _outputs(example_project) == before
    assert not list((example_project / "latex").glob("*.bak*"))


def test_empty_folder_and_filtered_out_papers(example_project: Path) -> None:
    run(example_project, "build")
    before = _outputs(example_project)
    (example_project / "empty").mkdir()
    code, _, err = run(example_project, "build", "empty")
    assert code == 1 and "'empty' matched no note files" in err
    config = example_project / "relwork.yaml"
    config.write_text(config.read_text() + "include_groups:\n  - No such group\n")
    code, _, err = run(example_project, "build")
    assert code == 1
    assert "none left after include_groups/exclude_groups" in err
    assert "summaries/weekly_report.md:1: error: no papers selected" in err  # the note read
    assert _outputs(example_project) == before


def test_allow_empty_writes_an_empty_section(example_project: Path) -> None:
    run(example_project, "build")
    code, _, err = run(example_project, "build", "--allow-empty", "notes/*.markdown")
    assert code == 0, err
    assert b"\\cite" not in _outputs(example_project)["related_work.tex"]
