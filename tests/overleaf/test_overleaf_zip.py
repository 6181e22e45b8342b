"""The zip for Overleaf's "Upload project": contents, atomic writing, and a real compile."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from relwork.config import Config, load_config
from relwork.errors import SyncError
from relwork.overleaf import MAX_FILE_BYTES, main_tex, make_zip, required_packages

NATBIB_SECTION = (
    "\\section{Related Work}\\label{sec:related-work}\n"
    "\\citet{he2016deep} introduce residual networks; GANs \\citep{goodfellow2014gan} "
    "generate images. Ünïcode works too.\n"
)
BIBLATEX_SECTION = NATBIB_SECTION.replace("\\citet", "\\textcite").replace(
    "\\citep", "\\parencite")
PLAIN_SECTION = NATBIB_SECTION.replace("\\citet", "\\cite").replace("\\citep", "\\cite")
BIB = """@inproceedings{he2016deep,
  title = {Deep Residual Learning for Image Recognition},
  author = {He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian},
  booktitle = {CVPR},
  year = {2016}
}

@inproceedings{goodfellow2014gan,
  title = {Generative Adversarial Nets},
  author = {Goodfellow, Ian and Pouget-Abadie, Jean},
  booktitle = {NeurIPS},
  year = {2014}
}
"""
if TYPE_CHECKING:
    from conftest import TexTools

SECTIONS = {"natbib": NATBIB_SECTION, "biblatex": BIBLATEX_SECTION, "plain": PLAIN_SECTION}


def make_config(root: Path, extra: str = "") -> Config:
    root.mkdir(parents=True, exist_ok=True)
    (root / "relwork.yaml").write_text(extra or "template: paragraphs\n")
    return load_config(root / "relwork.yaml")


def compile_zip(archive: Path, into: Path, tex: TexTools, engine: str = "-pdf") -> str:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
    proc = subprocess.run(
        [str(tex.latexmk), engine, "-interaction=nonstopmode", "-halt-on-error", "main.tex"],
        cwd=into, capture_output=True, text=True, timeout=300,
    )
    log = (into / "main.log").read_text(errors="replace") if (into / "main.log").exists() else ""
    assert proc.returncode == 0, proc.stdout[-3000:] + log[-3000:]
    assert (into / "main.pdf").stat().st_size > 1000
    return log


def test_zip_contents_default_path(tmp_path: Path) -> None:
    config = make_config(tmp_path / "paper")
    out = make_zip(config, section_text=NATBIB_SECTION, bib_text=BIB)
    assert out == config.root / "latex" / "overleaf.zip"
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["main.tex", "related_work.bib", "related_work.tex"]
        assert zf.read("related_work.tex").decode() == NATBIB_SECTION
        assert zf.read("related_work.bib").decode() == BIB
        main = zf.read("main.tex").decode()
    assert "\\input{related_work}" in main
    assert "\\usepackage[round,sort]{natbib}" in main
    assert "\\bibliography{related_work}" in main
    assert [p.name for p in out.parent.iterdir()] == ["overleaf.zip"]  # no temp files left


def test_zip_is_reproducible_and_replaced_atomically(tmp_path: Path) -> None:
    config = make_config(tmp_path / "paper")
    first = make_zip(config, section_text=NATBIB_SECTION, bib_text=BIB).read_bytes()
    second = make_zip(config, section_text=NATBIB_SECTION, bib_text=BIB).read_bytes()
    assert first == second
    inode_before = (config.root / "latex" / "overleaf.zip").stat().st_ino
    make_zip(config, section_text=PLAIN_SECTION, bib_text=BIB)
    assert (config.root / "latex" / "overleaf.zip").stat().st_ino != inode_before


def test_zip_names_from_config(tmp_path: Path) -> None:
    config = make_config(
        tmp_path / "paper",
        "overleaf:\n  tex: sections/related.tex\n  bib: refs.bib\n",
    )
    out = make_zip(config, section_text=NATBIB_SECTION, bib_text=BIB, out=Path("export.zip"),
                   cite="biblatex")
    assert out == config.root / "export.zip"
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["main.tex", "refs.bib", "sections/related.tex"]
        main = zf.read("main.tex").decode()
    assert "\\input{sections/related}" in main
    assert "\\addbibresource{refs.bib}" in main
    assert "\\printbibliography" in main


def test_zip_refuses_symlinked_output_and_huge_files(tmp_path: Path) -> None:
    config = make_config(tmp_path / "paper")
    with pytest.raises(SyncError, match="over the 50 MiB limit"):
        make_zip(config, section_text="%" * (MAX_FILE_BYTES + 1), bib_text=BIB)
    target = tmp_path / "target.tex"
    target.write_text("x")
    out = config.resolve(config.output_bib)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.symlink_to(target)
    with pytest.raises(SyncError, match="symbolic link"):
        make_zip(config, section_text=NATBIB_SECTION, bib_text=BIB)
    assert not (config.root / "latex" / "overleaf.zip").exists()


def test_zip_rejects_unknown_cite(tmp_path: Path) -> None:
    with pytest.raises(SyncError, match="natbib, biblatex or plain"):
        make_zip(make_config(tmp_path / "paper"), section_text="", bib_text="", cite="apa")


@pytest.mark.slow
@pytest.mark.parametrize("cite", ["natbib", "biblatex", "plain"])
def test_zip_compiles_with_latexmk(tmp_path: Path, tex: TexTools, cite: str) -> None:
    if cite == "biblatex":
        tex.require("biber")
    config = make_config(tmp_path / "paper")
    archive = make_zip(config, section_text=SECTIONS[cite], bib_text=BIB, cite=cite)
    log = compile_zip(archive, tmp_path / "upload", tex)
    assert "There were undefined" not in log
    bbl = (tmp_path / "upload" / "main.bbl").read_text()
    assert "he2016deep" in bbl and "goodfellow2014gan" in bbl


def test_zip_compiles_with_xelatex(tmp_path: Path, tex: TexTools) -> None:
    tex.require("xelatex")
    config = make_config(tmp_path / "paper")
    archive = make_zip(config, section_text=NATBIB_SECTION, bib_text=BIB)
    log = compile_zip(archive, tmp_path / "upload", tex, engine="-xelatex")
    assert "There were undefined" not in log


def test_main_tex_plain_uses_plain_style(tmp_path: Path) -> None:
    main = main_tex(make_config(tmp_path / "paper"), "plain")
    assert "\\bibliographystyle{plain}" in main
    assert "natbib" not in main and "biblatex" not in main


TABLE_SECTION = r"""% Related Work section generated by relwork from Markdown notes.
% Template: table; citations: natbib; engine: pdflatex.
% Requires in the preamble: \usepackage{natbib} \usepackage{booktabs} \usepackage{xltabular}
\section{Related Work}
\begin{xltabular}{\linewidth}{@{}>{\raggedright\arraybackslash}p{0.3\linewidth}l X@{}}
\toprule
Paper & Year & Key idea \\
\midrule
\emph{Deep Residual Learning}~\citep{he2016deep} & 2016 & residual blocks \\
\emph{GANs}~\citep{goodfellow2014gan} & 2014 & adversarial training \\
\bottomrule
\end{xltabular}
"""


def test_required_packages_from_section_header() -> None:
    assert required_packages(TABLE_SECTION) == ["natbib", "booktabs", "xltabular"]
    assert required_packages("% Requires in the preamble: no extra packages\n") == []
    assert required_packages("\\usepackage{evil}\n") == []  # only the header comment counts


def test_zip_with_table_template_compiles(tmp_path: Path, tex: TexTools) -> None:
    config = make_config(tmp_path / "paper")
    archive = make_zip(config, section_text=TABLE_SECTION, bib_text=BIB)
    with zipfile.ZipFile(archive) as zf:
        main = zf.read("main.tex").decode()
    assert "\\usepackage{xltabular}" in main
    assert main.count("{natbib}") == 1
    log = compile_zip(archive, tmp_path / "upload", tex)
    assert "There were undefined" not in log
