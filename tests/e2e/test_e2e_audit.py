"""A demanding user's day through the command line: the real weekly report, notes in every
shape people keep, and the mistakes the audit found (marked xfail with the defect, so they
turn into passing tests when fixed)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from cli_helpers import run
from paths import FIXTURES, REPO

ROOT = REPO
ALL_KEYS = {"arvanitidis2018latent", "vahdat2021score", "menon2020pulse", "yeh2017learning",
            "pang2020learning", "wu2016learning", "karras2019style", "patashnik2021styleclip"}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """The repository's bib and relwork.yaml, no notes yet."""
    shutil.copytree(ROOT / "bib", tmp_path / "bib")
    shutil.copy(ROOT / "relwork.yaml", tmp_path / "relwork.yaml")
    (tmp_path / "summaries").mkdir()
    return tmp_path


def note(project: Path, name: str, text: str | bytes) -> None:
    path = project / "summaries" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def cited(project: Path) -> list[str]:
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    keys = []
    for group in re.findall(r"\\cite[tp]?\{([^}]*)\}", tex):
        keys += [k.strip() for k in group.split(",")]
    return keys


def test_the_real_weekly_report(project: Path, may30_report: Path) -> None:
    shutil.copy(may30_report, project / "summaries" / "may30_report.md")
    code, out, err = run(project, "build")
    assert code == 0, err
    assert set(cited(project)) == {"arvanitidis2018latent", "vahdat2021score"}  # Detailed only
    assert "Not sure" not in (project / "latex" / "related_work.tex").read_text("utf-8")
    code, out, err = run(project, "check", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 2 and all(r["status"] == "matched" for r in rows)
    (project / "relwork.yaml").write_text(
        (project / "relwork.yaml").read_text().replace("  - Not sure", "  - Nothing"))
    code, out, _ = run(project, "check", "--format", "json")
    rows = json.loads(out)
    assert {r["key"] for r in rows if r["status"] == "matched"} == ALL_KEYS
    assert [r["line"] for r in rows] == [32, 38, 55, 58, 62, 65, 69, 78]
    code, out, _ = run(project, "entries", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 8


def test_front_matter_links_placeholders_and_crlf_notes(project: Path) -> None:
    note(project, "pang.md", "---\ntitle: Learning Latent Space Energy-Based Prior Model\n"
         "authors: [Pang, Han]\nyear: 2020\ntags: [ebm]\n---\n\nAn energy-based prior.\n")
    note(project, "links.md", "# Reading\n\n## [PULSE: Self-Supervised Photo Upsampling via "
         "Latent Space Exploration of Generative Models](https://doi.org/10.1109/CVPR42600.2020."
         "00251)\n\nSearches the latent space.\n\n## Placeholder\n\n* **Title**: Score-based "
         "Generative Modeling in Latent Space\n* **Summary**: an SGM in latent space.\n")
    note(project, "crlf.md", b"# Notes\r\n\r\n## styleclip\r\n\r\nText-driven editing\r\n"
         b"of StyleGAN images.\r\n")
    code, out, err = run(project, "build")
    assert code == 0, err
    assert sorted(cited(project)) == sorted(["pang2020learning", "menon2020pulse",
                                             "vahdat2021score", "patashnik2021styleclip"])
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "\r" not in tex and "of StyleGAN images." in tex
    code, out, _ = run(project, "check")
    assert code == 0 and "summaries/crlf.md:3" in out


def test_empty_notes_folder_is_an_error_unless_allow_empty(project: Path) -> None:
    code, out, err = run(project, "build")
    assert code == 1
    assert "summaries" in err and "no papers selected" in err
    assert not (project / "latex" / "related_work.tex").exists()
    code, out, err = run(project, "build", "--allow-empty")
    assert code == 0
    assert "summaries" in err and "warning" in err
    assert cited(project) == []


def test_papers_under_an_emoji_heading_are_found(project: Path) -> None:
    note(project, "week.md", "# Report\n\n## 📚\n\n### Score-based Generative Modeling in "
         "Latent Space\n\nText.\n")
    code, _, err = run(project, "build")
    assert code == 0, err
    assert cited(project) == ["vahdat2021score"]


def test_authors_written_et_al_do_not_block_an_exact_title(project: Path) -> None:
    note(project, "p.md", "# Papers\n\n## Placeholder\n\n* **Title**: Learning a Probabilistic "
         "Latent Space of Object Shapes via 3D Generative-Adversarial Modeling\n"
         "* **Authors**: Wu et al.\n* **Summary**: 3-D shapes from a latent space.\n")
    code, _, err = run(project, "build")
    assert code == 0, err
    assert cited(project) == ["wu2016learning"]


def test_following_the_accept_review_hint_cites_the_paper(project: Path) -> None:
    """The hint must be true: when it offers --accept-review, that flag cites the paper."""
    note(project, "p.md", "# Papers\n\n## Placeholder\n\n* **Title**: Learning a Probabilistic "
         "Latent Space of Object Shapes via 3D Generative-Adversarial Modeling\n"
         "* **Authors**: Smith, John\n* **Summary**: 3-D shapes from a latent space.\n")
    code, _, err = run(project, "build")
    assert code == 0 and "summaries/p.md:5: warning: " in err
    if "--accept-review" in err:
        code, _, err = run(project, "build", "--accept-review")
        assert "wu2016learning" in cited(project), err


def test_a_paper_summarised_twice_is_reported(project: Path) -> None:
    text = "# Papers\n\n## Score-based Generative Modeling in Latent Space\n\nText {}.\n"
    note(project, "a.md", text.format("one"))
    note(project, "b.md", text.format("two"))
    code, _, err = run(project, "build")
    assert code == 0, err
    assert cited(project).count("vahdat2021score") == 1 or (
        "summaries/a.md:3" in err and "summaries/b.md:3" in err)


def test_huge_note_builds(project: Path) -> None:
    lines = ["# Huge", "", "## Latent Space Oddity: on the Curvature of Deep Generative Models",
             ""]
    for i in range(3000):
        lines.append(f"Sentence {i} about curvature & metrics, 50% more $x_{{{i % 10}}}$.")
        if i % 50 == 49:
            lines.append("")
    note(project, "huge.md", "\n".join(lines) + "\n")
    with (project / "relwork.yaml").open("a", encoding="utf-8") as f:
        f.write("summary: full\n")  # all 3000 sentences go into the section
    code, out, err = run(project, "build")
    assert code == 0, err
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "Sentence 2999 about curvature \\& metrics, 50\\% more $x_{9}$." in tex
    assert cited(project) == ["arvanitidis2018latent"]


def test_stubs_cite_a_paper_missing_from_the_bib(project: Path) -> None:
    note(project, "p.md", "# Papers\n\n## A Paper Not In The Bibliography\n\nText.\n")
    code, out, err = run(project, "build", "--stubs")
    assert code == 0, err
    [key] = cited(project)
    assert key.startswith("missing_")
    written = (project / "latex" / "references.bib").read_text(encoding="utf-8")
    assert f"@misc{{{key}," in written and "summaries/p.md:3" in written


def test_entries_json_is_strict_json(project: Path) -> None:
    note(project, "p.md", "---\ntitle: Score-based Generative Modeling in Latent Space\n"
         "date: 2023-05-30\nrating: .inf\n---\n\nText.\n")
    code, out, _ = run(project, "entries", "--format", "json")
    assert code == 0

    def refuse(name: str) -> None:
        raise ValueError(name)

    [entry] = json.loads(out, parse_constant=refuse)
    assert entry["meta"]["date"] == "2023-05-30"


OPPOSITES = FIXTURES / "e2e" / "opposites"


def test_a_title_with_the_opposite_word_is_never_cited(tmp_path: Path) -> None:
    (tmp_path / "bib").mkdir()
    shutil.copy(OPPOSITES / "library.bib", tmp_path / "bib" / "library.bib")
    (tmp_path / "summaries").mkdir()
    shutil.copy(OPPOSITES / "notes.md", tmp_path / "summaries" / "notes.md")
    (tmp_path / "relwork.yaml").write_text("lint:\n  enabled: false\n")
    code, out, err = run(tmp_path, "check", "--format", "json")
    assert code == 0, err
    status = {row["line"]: (row["status"], row["key"]) for row in json.loads(out)}
    assert status[23] == ("matched", "vahdat2021score")  # a real typo is still cited
    wrong = {line: s for line, s in status.items() if line != 23 and s[0] == "matched"}
    assert wrong == {}


@pytest.mark.parametrize("setting", ["include_groups: [Detaled]", "exclude_groups: [Not sur]"])
def test_a_group_setting_that_matches_no_group_is_reported(project: Path, setting: str) -> None:
    shutil.copy(ROOT / "summaries" / "weekly_report.md", project / "summaries")
    (project / "relwork.yaml").write_text(f"lint:\n  enabled: false\n{setting}\n")
    code, _, err = run(project, "build")
    assert re.search(r"^relwork\.yaml:3: warning: .*(Detaled|Not sur)", err, re.M), err


def test_a_short_name_is_not_its_successor(tmp_path: Path) -> None:
    (tmp_path / "bib").mkdir()
    (tmp_path / "bib" / "refs.bib").write_text(
        "@inproceedings{qi2017pointnetpp,\n  title = {PointNet++: Deep Hierarchical Feature "
        "Learning on Point Sets in a Metric Space},\n  author = {Qi, Charles R.},\n"
        "  year = {2017}\n}\n", encoding="utf-8")
    (tmp_path / "summaries").mkdir()
    (tmp_path / "summaries" / "a.md").write_text("# Papers\n\n## PointNet\n\nPoint clouds.\n",
                                                 encoding="utf-8")
    (tmp_path / "relwork.yaml").write_text("lint:\n  enabled: false\n")
    code, out, err = run(tmp_path, "check", "--format", "json")
    assert code == 0, err
    [row] = json.loads(out)
    assert row["status"] != "matched", row
