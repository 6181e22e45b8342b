"""Issue 9 points 7 and 8 through the command line: atomic outputs and hand edits.

A failed write is a real one: ``relwork build`` runs in a child process whose file size
limit (RLIMIT_FSIZE) is below the size of the new output, so the kernel refuses the write
(EFBIG) exactly as a full disk or quota would.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run
from paths import REPO

ROOT = REPO
YAML = "template: compact\nlint:\n  enabled: false\n"
ONE = "# P\n\n## Score-based Generative Modeling in Latent Space\n\nLatent score models.\n"
MORE = [
    "Latent Space Oddity: on the Curvature of Deep Generative Models",
    "PULSE: Self-Supervised Photo Upsampling via Latent Space Exploration of Generative Models",
    "Learning Latent Space Energy-Based Prior Model",
    "Learning Deep Latent Spaces for Multi-Label Classification",
]


def make_project(root: Path, note: str = ONE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "bib", root / "bib")
    (root / "summaries").mkdir()
    (root / "summaries" / "papers.md").write_text(note, encoding="utf-8")
    (root / "relwork.yaml").write_text(YAML, encoding="utf-8")
    return root


def outputs(project: Path) -> dict[str, bytes]:
    latex = project / "latex"
    return {p.name: p.read_bytes() for p in sorted(latex.iterdir()) if p.is_file()}


def build_with_file_limit(project: Path, limit: int) -> subprocess.CompletedProcess[str]:
    """``relwork build`` in a child process that cannot write files larger than ``limit``."""
    def lower_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "relwork", "build"], cwd=project,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=lower_limit)


def new_sizes(tmp: Path, note: str) -> dict[str, int]:
    """Sizes of the outputs a build of ``note`` writes (measured in a scratch project)."""
    scratch = make_project(tmp / "scratch", note)
    assert run(scratch, "build")[0] == 0
    return {name: len(data) for name, data in outputs(scratch).items()}


def longer_note() -> str:
    return ONE + "".join(f"\n## {title}\n\nSummary.\n" for title in MORE)


# --------------------------------------------------------------------- point 8: hand edits


@pytest.mark.parametrize("name", ["related_work.tex", "references.bib"])
def test_hand_edited_output_is_refused_then_forced_with_a_backup(tmp_path: Path,
                                                                 name: str) -> None:
    project = make_project(tmp_path)
    assert run(project, "build")[0] == 0
    edited = project / "latex" / name
    edited.write_text(edited.read_text(encoding="utf-8") + "% polished by hand\n", "utf-8")
    kept = outputs(project)
    (project / "summaries" / "papers.md").write_text(longer_note(), encoding="utf-8")
    code, _, err = run(project, "build")
    assert code == 1
    lines = err.strip().splitlines()
    assert 1 <= len(lines) <= 2 and "Traceback" not in err
    assert f"latex/{name}" in lines[0] and "--force" in err
    assert outputs(project) == kept  # neither output was touched
    code, _, err = run(project, "build", "--force")
    assert code == 0, err
    assert b"% polished by hand" not in (project / "latex" / name).read_bytes()
    assert b"Learning Latent Space Energy-Based Prior Model" in (
        project / "latex" / "related_work.tex").read_bytes()
    backups = list((project / ".relwork" / "backups").iterdir())
    assert [b.read_bytes() for b in backups] == [kept[name]]
    assert run(project, "build")[0] == 0  # relwork's own output again: no complaint


def test_unchanged_build_does_not_rewrite_or_refuse(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert run(project, "build")[0] == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in (project / "latex").iterdir()}
    assert run(project, "build")[0] == 0
    assert {p.name: p.stat().st_mtime_ns for p in (project / "latex").iterdir()} == stamps


# ------------------------------------------------------------------- point 7: atomic writes


def test_failed_write_keeps_the_previous_files_and_leaves_no_temporary(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert run(project, "build")[0] == 0
    before = outputs(project)
    note = longer_note() + "\n".join(["More text about latent spaces."] * 200) + "\n"
    sizes = new_sizes(tmp_path, note)
    limit = min(sizes.values()) - 1  # neither new file fits
    assert limit > max(len(b) for b in before.values())  # ... but the old ones would
    (project / "summaries" / "papers.md").write_text(note, encoding="utf-8")
    done = build_with_file_limit(project, limit)
    assert done.returncode == 1
    assert outputs(project) == before
    leftovers = [p for p in project.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_failed_write_is_a_message_naming_the_file_not_a_traceback(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert run(project, "build")[0] == 0
    note = longer_note()
    limit = min(new_sizes(tmp_path, note).values()) - 1
    (project / "summaries" / "papers.md").write_text(note, encoding="utf-8")
    done = build_with_file_limit(project, limit)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "latex/" in done.stderr and len(done.stderr.strip().splitlines()) <= 2


def test_output_path_that_is_a_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (project / "latex" / "references.bib").mkdir(parents=True)
    code, _, err = run(project, "build")
    assert code in (1, 2)
    assert "latex/references.bib" in err and len(err.strip().splitlines()) <= 2


def test_outputs_stay_a_consistent_pair_when_the_second_write_fails(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert run(project, "build")[0] == 0
    before = outputs(project)
    note = longer_note()
    sizes = new_sizes(tmp_path, note)
    assert sizes["related_work.tex"] < sizes["references.bib"]
    (project / "summaries" / "papers.md").write_text(note, encoding="utf-8")
    done = build_with_file_limit(project, sizes["references.bib"] - 1)
    assert done.returncode == 1
    assert outputs(project) == before


def test_after_a_failed_write_relwork_does_not_call_its_own_file_hand_edited(
        tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert run(project, "build")[0] == 0
    note = longer_note()
    sizes = new_sizes(tmp_path, note)
    (project / "summaries" / "papers.md").write_text(note, encoding="utf-8")
    assert build_with_file_limit(project, sizes["references.bib"] - 1).returncode == 1
    (project / "summaries" / "papers.md").write_text(note + "\n## Learning a Probabilistic Latent "
                                                     "Space of Object Shapes via 3D "
                                                     "Generative-Adversarial Modeling\n\nMore.\n",
                                                     encoding="utf-8")
    code, _, err = run(project, "build")
    assert code == 0, err


def test_hand_edit_message_names_the_file_once(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert run(project, "build")[0] == 0
    edited = project / "latex" / "related_work.tex"
    edited.write_text(edited.read_text(encoding="utf-8") + "% by hand\n", encoding="utf-8")
    (project / "summaries" / "papers.md").write_text(longer_note(), encoding="utf-8")
    code, _, err = run(project, "build")
    assert code == 1 and err.splitlines()[0].count("latex/related_work.tex") == 1
