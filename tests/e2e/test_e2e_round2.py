"""End-to-end checks from following the README as a new user (round 2): open defects."""

from __future__ import annotations

import re
from pathlib import Path

from cli_helpers import run

BIB_A = """@inproceedings{vaswani2017attention,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS)},
  year = {2017}
}
"""

BIB_B = """@article{kingma2013auto,
  title = {Auto-Encoding Variational {Bayes}},
  author = {Kingma, Diederik P. and Welling, Max},
  journal = {arXiv preprint arXiv:1312.6114},
  year = {2013}
}
"""


def _project(tmp_path: Path, note: str) -> Path:
    """A folder without relwork.yaml holding n.md, a.bib and b.bib."""
    (tmp_path / "n.md").write_text(note, encoding="utf-8")
    (tmp_path / "a.bib").write_text(BIB_A, encoding="utf-8")
    (tmp_path / "b.bib").write_text(BIB_B, encoding="utf-8")
    return tmp_path


NOTE = """# Notes
## Models
### Attention Is All You Need
The Transformer uses self-attention only.

### Auto-Encoding Variational Bayes
Kingma and Welling introduce the reparameterisation trick.
"""


def test_bib_file_given_as_note_path_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path, NOTE)
    code, out, err = run(project, "check", "n.md", "--bib", "a.bib", "b.bib")
    assert code != 0
    assert "b.bib" in err and "--bib" in err


def test_repeated_bib_option_reads_both_files(tmp_path: Path) -> None:
    project = _project(tmp_path, NOTE)
    code, out, err = run(project, "check", "n.md", "--bib", "a.bib", "--bib", "b.bib")
    assert code == 0, err
    assert "2 entries: 2 matched" in out


def test_table_venue_of_arxiv_preprint_has_no_unbreakable_id(tmp_path: Path) -> None:
    project = _project(tmp_path, NOTE)
    code, _, err = run(project, "build", "n.md", "--bib", "a.bib", "--bib", "b.bib",
                       "--template", "table")
    assert code == 0, err
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    row = next(line for line in tex.splitlines()
               if line.strip().startswith("\\relworkSep 2013"))
    assert not re.search(r"arXiv:\d{4}\.\d{4,5}", row), row


def test_paragraphs_does_not_glue_citation_to_this_paper(tmp_path: Path) -> None:
    note = ("# Notes\n## Models\n### Attention Is All You Need\n"
            "this paper aims at replacing recurrence with attention.\n")
    project = _project(tmp_path, note)
    code, _, err = run(project, "build", "n.md", "--bib", "a.bib")
    assert code == 0, err
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "\\citet{vaswani2017attention} this paper" not in tex


def test_requires_line_names_hyperref_when_section_has_links(tmp_path: Path) -> None:
    note = ("# Notes\n## Models\n### Attention Is All You Need\n"
            "The Transformer, see the [paper](https://arxiv.org/abs/1706.03762).\n")
    project = _project(tmp_path, note)
    code, _, err = run(project, "build", "n.md", "--bib", "a.bib")
    assert code == 0, err
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "\\href{" in tex
    requires = next(line for line in tex.splitlines() if "Requires in the preamble" in line)
    assert "hyperref" in requires


def test_init_project_has_the_template_folder_the_readme_writes_to(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "init", "p")
    assert code == 0, err
    assert (tmp_path / "p" / "latex" / "templates").is_dir()



def test_stubbed_paper_is_reported_not_counted_as_matched(tmp_path: Path) -> None:
    note = NOTE.replace("### Auto-Encoding Variational Bayes", "### A Paper Nobody Has Indexed")
    project = _project(tmp_path, note)
    code, out, err = run(project, "build", "n.md", "--bib", "a.bib", "--stubs")
    assert code == 0, err
    bib = (project / "latex" / "references.bib").read_text(encoding="utf-8")
    assert "@misc{missing_" in bib
    assert "1 matched" in out + err
    assert "n.md:6" in err
