"""Issue 9 points 4 (compiled sample) and 10 through ``relwork build --compile``.

A user template is trusted LaTeX, so it is how a test puts misbehaving TeX in front of the
compiler: a shell command, an undefined command followed by more output, a read from the
terminal, an endless loop. Then hostile notes and a few generated notes go through the whole
pipeline into real pdflatex. Eleven compiles in all (one of them waits for its 5 s limit).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from paths import FIXTURES, REPO

ROOT = REPO
FIXTURES = FIXTURES / "e2e"
YAML = "aliases:\n  styleclip: patashnik2021styleclip\nlint:\n  enabled: false\n"


def make_project(root: Path, notes: Path, yaml: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "bib", root / "bib")
    shutil.copytree(notes, root / "summaries")
    (root / "relwork.yaml").write_text(YAML + yaml, encoding="utf-8")
    return root


def with_template(project: Path, name: str, body: str) -> None:
    folder = project / "latex" / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.tex.j2").write_text(
        f"((= description: {name} =))\n((( section.heading )))\n{body}\n", encoding="utf-8")


def log(project: Path) -> str:
    return (project / "latex" / "build" / "preview.log").read_text("utf-8", errors="replace")


def tex_processes_in(folder: Path) -> list[int]:
    """TeX processes still running with their working directory inside ``folder``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            name = (proc / "comm").read_text().strip()
        except OSError:
            continue
        if cwd.startswith(str(folder)) and name in ("pdflatex", "latexmk", "perl", "bibtex"):
            found.append(int(proc.name))
    return found


@pytest.fixture()
def project(tmp_path: Path, tex: Any) -> Path:
    return make_project(tmp_path / "p", FIXTURES / "plain")


def test_shell_escape_is_off_and_the_first_error_halts(project: Path) -> None:
    with_template(project, "evil", "\\immediate\\write18{touch pwned}\n\\undefinedcommand\n"
                  "\\typeout{AFTER-THE-ERROR}\n\\immediate\\write18{touch pwned-later}")
    code, _, err = run(project, "build", "-t", "evil", "--compile")
    assert code == 1 and "Traceback" not in err
    assert not list(project.rglob("pwned*"))
    assert "runsystem(touch pwned)...disabled" in log(project)
    assert re.search(r"^latex/related_work\.tex:\d+: error: .*\\undefinedcommand", err, re.M), err
    assert "AFTER-THE-ERROR" not in log(project)  # -halt-on-error: nothing ran after it
    assert "shell command not run: touch pwned" in err


def test_no_interaction_a_read_from_the_terminal_stops_at_once(project: Path) -> None:
    with_template(project, "reader", "\\read16 to \\x\n\\typeout{AFTER-THE-READ}")
    started = time.monotonic()
    code, _, err = run(project, "build", "-t", "reader", "--compile")
    assert time.monotonic() - started < 60
    assert code == 1 and "Traceback" not in err
    text = log(project)
    # nonstopmode: TeX refuses to read the terminal (an Emergency stop at the \read), it does
    # not wait for input, nor read an end of file from it as in errorstopmode
    assert "Emergency stop" in text and "<read *>" in text
    assert "End of file on the terminal" not in text and "AFTER-THE-READ" not in text


@pytest.mark.slow
def test_runaway_loop_is_ended_by_the_time_limit(project: Path) -> None:
    with (project / "relwork.yaml").open("a") as config:
        config.write("compile:\n  timeout: 5\n")
    with_template(project, "loop", "\\def\\x{\\x}\\x")
    started = time.monotonic()
    code, _, err = run(project, "build", "-t", "loop", "--compile")
    elapsed = time.monotonic() - started
    assert 5 <= elapsed < 40
    assert code == 1 and "Traceback" not in err
    assert "compile timed out after 5 s" in err and "compile.timeout" in err
    assert tex_processes_in(project) == []  # the whole process group was ended


@pytest.mark.slow
@pytest.mark.parametrize(("template", "cite"), [("subsections", "natbib"),
                                                ("table", "biblatex")])
def test_hostile_notes_compile(tmp_path: Path, tex: Any, template: str, cite: str) -> None:
    if cite == "biblatex":
        tex.require("biber")
    project = make_project(tmp_path / "p", FIXTURES / "notes")
    code, out, err = run(project, "build", "-t", template, "--cite", cite, "--compile")
    assert code == 0, err
    assert "preview.pdf" in out and ": error: " not in err
    assert (project / "latex" / "preview.pdf").read_bytes().startswith(b"%PDF")
    assert not list(project.rglob("pwned*"))
    assert "undefined" not in log(project).lower().replace("undefined references", "")


def test_table_template_compiles_in_a_two_column_ieee_paper(project: Path) -> None:
    code, _, err = run(project, "build", "-t", "table", "--document", "ieee", "--compile")
    assert code == 0, err


def test_section_without_citations_compiles(tmp_path: Path, tex: Any) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Papers\n\n## A Paper Not in the Bibliography Yet\n\nText.\n",
                                encoding="utf-8")
    project = make_project(tmp_path / "p", notes)
    code, _, err = run(project, "build", "--compile")
    assert code == 0, err


def test_bibtex_findings_name_the_library_given_with_bib(tmp_path: Path, tex: Any) -> None:
    project = make_project(tmp_path / "p", FIXTURES / "plain", "bib: [nowhere.bib]\n")
    library = project / "bib" / "references.bib"
    # give yeh2017learning both volume and number: plainnat's bibtex style warns about it
    text = library.read_text("utf-8")
    entry = text.index("@inproceedings{yeh2017learning")
    at = text.index("volume    = {31},", entry)
    library.write_text(text[:at] + "number    = {1},\n  " + text[at:], encoding="utf-8")
    line = text[:entry].count("\n") + 1
    (project / "summaries" / "week12.md").write_text(
        "# Papers\n\n## Learning Deep Latent Spaces for Multi-Label Classification\n\nText.\n",
        encoding="utf-8")
    code, _, err = run(project, "build", "--bib", "bib/references.bib", "--compile")
    assert code == 0, err
    [warning] = [ln for ln in err.splitlines() if "bibtex" in ln]
    assert warning.startswith(f"bib/references.bib:{line}: "), warning


# ----------------------------------------------------- point 4: a compiled sample, end to end

# No '$' fragments: math is the note's own LaTeX, which relwork checks for safety, not validity.
FRAGMENTS = [
    "\\", "{", "}", "#", "%", "&", "~", "_", "^", "^^", "^^5c", "\\input{/etc/passwd}",
    "\\write18{x}", "\\end{document}", "\\def\\x{\\x}\\x", "\\catcode`\\@=11", "\\csname",
    "[@vahdat2021score]", "<http://e.org/a#b%c>", "[l](http://e.org/}{#%)",
    "http://e.org/a_b#c%d", "**", "`", "\n", "\n\n", "\n- ", "\n1. ", "\n> ", "[^1]",
    "\n\n[^1]: ", "é", "≤", "\u00a0", "<b>", "--", "...", "\"", "''",
]
TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS),
                          st.text(alphabet=st.characters(blacklist_characters="$",
                                                         max_codepoint=0x2FF), max_size=5)),
                min_size=1, max_size=25).map("".join)


# no shrinking: each step would be another LaTeX run on a machine shared by several people
@pytest.mark.slow
@settings(max_examples=4, derandomize=True, deadline=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(group=TEXT, body=TEXT, point=TEXT,
       template=st.sampled_from(["paragraphs", "itemize", "subsections", "table"]))
def test_generated_notes_compile(tmp_path_factory: pytest.TempPathFactory, tex: Any,
                                 group: str, body: str, point: str, template: str) -> None:
    notes = tmp_path_factory.mktemp("notes")
    heading = " ".join(group.split())
    (notes / "a.md").write_text(
        f"# Report\n\n## Group {heading}\n\n"
        "### Score-based Generative Modeling in Latent Space\n\n"
        f"{body}\n\n- {point}\n\n"
        "### Latent Space Oddity: on the Curvature of Deep Generative Models\n\n"
        f"{point}\n\n{body}\n", encoding="utf-8")
    project = make_project(tmp_path_factory.mktemp("p"), notes)
    code, out, err = run(project, "build", "-t", template, "--compile")
    assert "Traceback" not in err
    if code == 1 and "nothing written" in out:
        return  # a build error in the note (reported with its line): nothing to compile
    assert code == 0, f"{(notes / 'a.md').read_text()}\n---\n{err}"
    assert (project / "latex" / "preview.pdf").is_file()
