"""The "Requires in the preamble" line is honest: a blank article that loads exactly the
announced packages compiles the section, and the preview loads exactly those packages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from relwork import build, load_config
from relwork.latex.document import preview_source
from relwork.latex.math import MATH_COMMANDS
from relwork.latex.packages import MATH_PACKAGES, packages_used

NOTE = r"""# Reading

## Score-based generative modeling in latent space [@vahdat2021score]

The prior lives on $\mathbb{R}^d$ with $\boldsymbol{\theta} \coloneqq \operatorname*{arg\,min}
\lVert x \rVert$, $\bm{z}$ and $\mathscr{L}$, $\text{KL} \leq 10⁻⁶$, see
[the code](https://github.com/NVlabs/LSGM) and $\begin{pmatrix} a & b \end{pmatrix}$.
"""


def _section(project: Path, note: str = NOTE) -> tuple[str, list[str]]:
    (project / "math.md").write_text(note, encoding="utf-8")
    result = build(load_config(project / "relwork.yaml"), paths=["math.md"], write=True)
    assert not result.errors, [str(p) for p in result.errors]
    return result.tex, [p.name for p in result.packages]


def test_every_allowed_math_command_has_its_package() -> None:
    assert MATH_COMMANDS == frozenset().union(*MATH_PACKAGES.values())
    assert packages_used([r"$\mathbb{R} \bm{x} \abs{y}$ \href{u}{t}"]) == [
        "amssymb", "bm", "physics", "hyperref"]
    assert packages_used([r"$\frac{a}{b} \alpha$ \emph{x}"]) == []


def test_requires_line_names_the_math_packages(example_project: Path) -> None:
    tex, packages = _section(example_project)
    assert packages == ["natbib", "amsmath", "amssymb", "mathtools", "mathrsfs", "bm",
                        "hyperref"]
    requires = next(line for line in tex.splitlines() if "Requires in the preamble" in line)
    assert requires.split(":", 1)[1].split() == [f"\\usepackage{{{p}}}" for p in packages]


def _compile_blank(tmp: Path, packages: list[str]) -> tuple[int, str]:
    (tmp / "paper.tex").write_text(
        "\\documentclass{article}\n" + "".join(f"\\usepackage{{{p}}}\n" for p in packages)
        + "\\begin{document}\n\\input{latex/related_work}\n\\bibliographystyle{plainnat}\n"
        "\\bibliography{latex/references}\n\\end{document}\n", encoding="utf-8")
    run = subprocess.run(["latexmk", "-pdf", "-halt-on-error", "-interaction=nonstopmode",
                          "paper.tex"], cwd=tmp, capture_output=True, text=True, timeout=240)
    log = (tmp / "paper.log").read_text(errors="replace") if (tmp / "paper.log").exists() else ""
    return run.returncode, log


@pytest.mark.slow
def test_section_compiles_in_a_blank_article_with_exactly_those_packages(
        tex, example_project: Path) -> None:  # type: ignore[no-untyped-def]
    _, packages = _section(example_project)
    code, log = _compile_blank(example_project, packages)
    assert code == 0, log[-2000:]
    assert "Undefined control sequence" not in log
    pdftotext = tex.require("pdftotext")
    text = subprocess.run([str(pdftotext), "paper.pdf", "-"], cwd=example_project,
                          capture_output=True, text=True).stdout
    assert "Vahdat" in text and "10−6" in text
    # the line is not padded either: without amssymb (\mathbb) the paper fails
    code, log = _compile_blank(example_project, [p for p in packages if p != "amssymb"])
    assert code != 0 and "Undefined control sequence" in log


def test_preview_loads_exactly_the_required_packages(example_project: Path) -> None:
    _, packages = _section(example_project)
    preview = preview_source("related_work", "references", packages=packages)
    loaded = re.findall(r"\\usepackage(?:\[[^\]]*\])?\{([^}]*)\}", preview)
    fonts = ["fontenc", "inputenc", "lmodern"]  # the engine's font setup, not the section's
    assert loaded[:3] == fonts
    assert sorted(loaded[3:]) == sorted(packages)  # natbib after the others, hyperref last
    assert loaded[-1] == "hyperref"


def test_zip_main_tex_loads_exactly_the_required_packages(example_project: Path) -> None:
    from relwork.overleaf import main_tex

    _, packages = _section(example_project)
    main = main_tex(load_config(example_project / "relwork.yaml"), "natbib", packages)
    loaded = re.findall(r"\\usepackage(?:\[[^\]]*\])?\{([^}]*)\}", main)
    fonts = ["iftex", "fontenc", "inputenc", "lmodern", "fontspec"]  # any engine
    assert loaded[:5] == fonts
    assert sorted(loaded[5:]) == sorted(packages)
