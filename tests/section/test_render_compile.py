"""Every built-in template, in each cite style, compiles with real TeX (latexmk).

One document per cite style holds the output of all five built-ins for the example notes
(plus a note full of LaTeX specials), so three latexmk runs cover 5 x 3 renderings.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from test_render import (
    BUILTINS,
    FIXTURES,
    REPO,
    example_config,
    example_matches,
)

from relwork import bib, notes
from relwork.model import Match
from relwork.section import render_section

PREAMBLE = {
    "natbib": ("\\usepackage{natbib}\n", "\\bibliographystyle{plainnat}\n\\bibliography{refs}\n"),
    "biblatex": ("\\usepackage[backend=biber,style=authoryear]{biblatex}\n"
                 "\\addbibresource{refs.bib}\n", "\\printbibliography\n"),
    "plain": ("", "\\bibliographystyle{plain}\n\\bibliography{refs}\n"),
}
#: The evil note cites evil2024; TeX gets a harmless copy of it (the bib is not under test).
SAFE_EVIL_BIB = """
@misc{evil2024,
  title  = {Braces and Nested Braces},
  author = {Evil, Eve and Doe, John},
  year   = {2024}
}
"""


def _undefined(log: str) -> list[str]:
    return re.findall(r"Citation [`'](\S+?)' (?:on page \d+ )?undefined", log)


@pytest.mark.slow
@pytest.mark.parametrize("style", ["natbib", "biblatex", "plain"])
def test_builtins_compile_without_errors_or_undefined_citations(tex, tmp_path, style):
    if style == "biblatex" and tex.biber is None:
        pytest.fail("biber is missing: TeX Live is installed without biber")
    packages: list[str] = []
    parts: list[str] = []
    for template in BUILTINS:
        config = example_config(template=template, cite=style,
                                section_label=f"sec:rw-{template}")
        matches, index, note_files = example_matches(config)
        rendered = render_section(matches, index, config, notes=note_files)
        assert not [p for p in rendered.problems if p.severity == "error"], rendered.problems
        (tmp_path / f"{template}.tex").write_text(rendered.text, encoding="utf-8")
        packages += [p.name for p in rendered.packages if p.name not in packages]
        parts.append(template)

    evil_note = (FIXTURES / "evil.md").read_text(encoding="utf-8")
    entry = notes.parse_note(evil_note, "notes/evil.md").entries[0]
    evil_index = bib.parse_bib_text((FIXTURES / "evil.bib").read_text("utf-8"), "evil.bib")
    for template in ("paragraphs", "table"):
        config = example_config(template=template, cite=style, section_title="Evil & Co_1",
                                section_label=f"sec:evil-{template}")
        rendered = render_section([Match(entry, "evil2024", "key", 100.0, "matched")],
                                  evil_index, config, notes=["notes/evil.md"])
        (tmp_path / f"evil-{template}.tex").write_text(rendered.text, encoding="utf-8")
        parts.append(f"evil-{template}")

    refs = (REPO / "bib" / "references.bib").read_text(encoding="utf-8") + SAFE_EVIL_BIB
    (tmp_path / "refs.bib").write_text(refs, encoding="utf-8")
    use, bibliography = PREAMBLE[style]
    extra = "".join(f"\\usepackage{{{p}}}\n" for p in packages
                    if p not in ("natbib", "biblatex"))
    body = "".join(f"\\input{{{name}}}\n" for name in parts)
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n" + use + extra
        + "\\usepackage{hyperref}\n\\begin{document}\n" + body + bibliography
        + "\\end{document}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [str(tex.latexmk), "-pdf", "-no-shell-escape", "-halt-on-error",
         "-interaction=nonstopmode", "-file-line-error", "main.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    log = (tmp_path / "main.log").read_text(encoding="latin-1")
    errors = [ln for ln in log.splitlines() if ln.startswith("!") or re.match(r"\./.*:\d+: ", ln)]
    assert proc.returncode == 0, "\n".join(errors) or proc.stdout[-3000:]
    assert not errors
    assert not _undefined(log), _undefined(log)
    assert "There were undefined references" not in log
    warnings = re.findall(r"^(?:LaTeX|Package \w+|pdfTeX) [Ww]arning.*", log, re.M)
    # latexmk may stop one run early when the .aux changed within the same second: the
    # cross-references then ask for a rerun; that is latexmk's timing, not the section
    warnings = [w for w in warnings if "Label(s) may have changed" not in w]
    assert not warnings, warnings
    assert "(/etc/passwd" not in log  # TeX never opened it: the note's input command was printed
    blg = (tmp_path / "main.blg").read_text(encoding="latin-1")
    assert not re.search(r"^ERROR|error message", blg, re.M), blg[-2000:]
    assert (tmp_path / "main.pdf").stat().st_size > 10_000
    pdftotext = shutil.which("pdftotext")
    if pdftotext:  # the cited names really made it into the typeset text
        text = subprocess.run([pdftotext, "main.pdf", "-"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60).stdout
        assert "Karras" in text and "StyleCLIP" in text
