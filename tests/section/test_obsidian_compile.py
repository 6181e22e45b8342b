"""The section of the Obsidian vault (fixtures/collections/obsidian-vault) compiles with real
TeX Live, with every citation defined, including those that were wikilinks."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from paths import FIXTURES

from relwork.config import load_config
from relwork.pipeline import build

VAULT = FIXTURES / "collections" / "obsidian-vault"


@pytest.mark.slow
@pytest.mark.parametrize("template", ["paragraphs", "table"])
def test_vault_section_compiles(tex, tmp_path: Path, template: str) -> None:
    settings = {"notes": [str(VAULT / "notes")],
                "bib": [str(VAULT.parent / "references.bib")], "template": template,
                "template_dirs": [], "lint": {"enabled": False}}
    (tmp_path / "relwork.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    result = build(load_config(tmp_path / "relwork.yaml"), write=False)
    assert not result.errors, result.errors
    # the wikilinks of the summaries cite their papers inside the text
    assert "\\citep{ho2020denoising}" in result.tex or template == "table"
    (tmp_path / "section.tex").write_text(result.tex, encoding="utf-8")
    shutil.copy(VAULT.parent / "references.bib", tmp_path / "refs.bib")
    packages = "".join(p.usepackage() + "\n" for p in result.packages)
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n" + packages
        + "\\begin{document}\n\\input{section}\n\\bibliographystyle{plainnat}\n"
        "\\bibliography{refs}\n\\end{document}\n", encoding="utf-8")
    proc = subprocess.run(
        [str(tex.latexmk), "-pdf", "-no-shell-escape", "-halt-on-error",
         "-interaction=nonstopmode", "main.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    log = (tmp_path / "main.log").read_text(encoding="latin-1")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert not re.findall(r"Citation [`'](\S+?)' .*undefined", log)
    assert "There were undefined references" not in log
