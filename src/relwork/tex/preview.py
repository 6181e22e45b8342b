"""``compile_preview``: the preview document, one latexmk run, its diagnostics, page images."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import display_path
from ..errors import CompileError
from ..infra import proc
from ..infra.files import write_atomic
from ..latex.document import (
    CITE_STYLES,
    DOCUMENTS,
    ENGINES,
    PREVIEW_NAME,
    check_choice,
    cites_anything,
    preview_source,
)
from ..latex.packages import CITE_PACKAGES, packages_used
from ..model import Problem, Source
from .locate import Locator
from .log import LogMessage, parse_biber_log, parse_bibtex_log, parse_log
from .run import BUILD_DIR, LATEXMK_ENGINE, find_latexmk, run_latexmk

#: at most this many problems are returned; the rest are counted in one last message
MAX_PROBLEMS = 40


@dataclass
class CompileResult:
    """What a preview compile produced.

    ``pdf``: ``<out_dir>/preview.pdf`` when LaTeX produced one; ``pngs``: page images
    (``png=True``); ``problems``: diagnostics mapped to notes and bib entries; ``log_path``:
    the LaTeX log; ``ok``: a PDF was made and no problem is an error.
    """

    pdf: Path | None
    pngs: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    log_path: Path | None = None
    ok: bool = False


def compile_preview(
    tex_path: Path,
    bib_path: Path,
    *,
    out_dir: Path,
    cite: str = "natbib",
    document: str = "article",
    engine: str = "pdflatex",
    line_map: Sequence[Source | None] = (),
    bib_index: Any = None,
    timeout: int = 120,
    png: bool = False,
    verbose: bool = False,
    progress: Callable[[str], None] | None = None,
    packages: Sequence[str] | None = None,
) -> CompileResult:
    """Compile a preview of the section ``tex_path`` with the bibliography ``bib_path``.

    Writes ``out_dir/preview.tex``, runs latexmk in ``out_dir`` (aux files in
    ``out_dir/build/``), copies the PDF to ``out_dir/preview.pdf`` and, with ``png``,
    writes ``out_dir/preview-<n>.png``. ``line_map[i]`` is the note line that produced line
    ``i + 1`` of ``tex_path``; ``bib_index`` (``BibIndex``) maps bib keys to the user's own
    ``.bib``. ``packages`` are the packages the section requires (its "Requires in the
    preamble" line; ``None``: found from the section's commands): the preview loads exactly
    those. Problems are returned, not raised; ``CompileError`` is raised only when the
    tools are missing or the inputs cannot be used.
    """
    check_choice("cite", cite, CITE_STYLES)
    check_choice("document", document, DOCUMENTS)
    check_choice("engine", engine, ENGINES)
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir).resolve()
    tex_path, bib_path = Path(tex_path).resolve(), Path(bib_path).resolve()
    _check_inputs(tex_path, bib_path, out_dir)
    latexmk = find_latexmk(engine, cite)
    build = out_dir / BUILD_DIR
    build.mkdir(parents=True, exist_ok=True)
    _clean(build, out_dir)
    main = out_dir / f"{PREVIEW_NAME}.tex"
    section_text = tex_path.read_text(encoding="utf-8", errors="replace")
    if packages is None:
        packages = [*CITE_PACKAGES[cite], *packages_used(section_text.split("\n"))]
    write_atomic(main, preview_source(tex_path.stem, bib_path.stem, cite=cite,
                                      document=document, engine=engine,
                                      bibliography=cites_anything(section_text),
                                      packages=packages))
    say(f"compiling {display_path(main)} with latexmk {LATEXMK_ENGINE[engine]} "
        f"(time limit {timeout} s)")
    log_path = build / f"{PREVIEW_NAME}.log"
    output = build / "latexmk.out"
    timed_out = run_latexmk(latexmk, main, engine=engine, tex_dir=tex_path.parent,
                            bib_dir=bib_path.parent, timeout=timeout, output=output)
    # made after the run: it reads the .bbl the run wrote
    locator = Locator(section=tex_path, line_map=line_map, bib=bib_path, bib_index=bib_index,
                      main=main, bbl=build / f"{PREVIEW_NAME}.bbl")
    messages = _read_logs(build, tex_path.name, cite=cite, verbose=verbose, locator=locator)
    problems: list[Problem] = []
    if timed_out:
        problems.append(Problem(
            "error", f"compile timed out after {timeout} s", Source(display_path(main)),
            "a macro in the section may loop forever (like \\def\\x{\\x}\\x); look at the last"
            f" lines of {display_path(log_path)}, or raise compile.timeout in relwork.yaml",
            "compile-timeout"))
    problems += _dedupe(locator.problem(m) for m in messages)
    built_pdf = build / f"{PREVIEW_NAME}.pdf"
    pdf: Path | None = None
    if built_pdf.is_file() and not timed_out:
        pdf = out_dir / f"{PREVIEW_NAME}.pdf"
        write_atomic(pdf, built_pdf.read_bytes())
    elif not problems:
        tail = output.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        problems.append(Problem("error", "latexmk made no PDF: " + " / ".join(tail),
                                Source(display_path(main)),
                                f"see {display_path(log_path)}", "compile-latexmk"))
    pngs: list[Path] = []
    if png and pdf is not None:
        say("writing PNG page images")
        pngs, png_problem = _pngs(pdf, out_dir, timeout)
        problems += [png_problem] if png_problem else []
    # every message says where to look next, even those without a specific hint
    problems = [p if p.hint else replace(p, hint=f"details in {display_path(log_path)}")
                for p in _order(problems)]
    ok = pdf is not None and not any(p.severity == "error" for p in problems)
    return CompileResult(pdf=pdf, pngs=pngs, problems=problems,
                         log_path=log_path if log_path.is_file() else None, ok=ok)


def _check_inputs(tex_path: Path, bib_path: Path, out_dir: Path) -> None:
    """CompileError when the section is missing or a file name cannot go into LaTeX."""
    if not tex_path.is_file():
        raise CompileError(f"section file not found: {display_path(tex_path)}",
                           hint="run 'relwork build' first")
    if tex_path.name == f"{PREVIEW_NAME}.tex" and tex_path.parent == out_dir:
        raise CompileError(f"{display_path(tex_path)} would be overwritten by the preview",
                           hint="choose another output.tex name in relwork.yaml")
    for path in (tex_path, bib_path):
        if not re.fullmatch(r"[\w.+-]+", path.stem):
            # \input{...} and \bibliography{...} cannot take spaces or TeX specials
            raise CompileError(f"cannot compile a file named '{path.name}'",
                               source=Source(display_path(path)),
                               hint="use letters, digits, '-', '_' or '.' in output.tex/output.bib")


def _read_logs(build: Path, section: str, *, cite: str, verbose: bool,
               locator: Locator) -> list[LogMessage]:
    """The messages of the LaTeX log and the BibTeX/Biber log of the run in ``build``."""
    log = build / f"{PREVIEW_NAME}.log"
    log_text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    messages = parse_log(log_text, section=section, verbose=verbose)
    blg = build / f"{PREVIEW_NAME}.blg"
    blg_text = blg.read_text(encoding="utf-8", errors="replace") if blg.is_file() else ""
    bib_messages = parse_biber_log(blg_text) if cite == "biblatex" else parse_bibtex_log(blg_text)
    return _merge(messages, bib_messages, locator)


def _clean(build: Path, out_dir: Path) -> None:
    """Remove earlier preview outputs, so nothing stale is reported or shown."""
    for old in build.glob(f"{PREVIEW_NAME}.*"):
        if old.is_file():
            old.unlink()
    for old in [out_dir / f"{PREVIEW_NAME}.pdf", *out_dir.glob(f"{PREVIEW_NAME}-*.png")]:
        if old.is_file():
            old.unlink()


def _merge(latex: list[LogMessage], bib: list[LogMessage], locator: Locator) -> list[LogMessage]:
    """Bib tool messages first, then LaTeX's; drop consequences already explained."""
    undefined = {m.key for m in latex if m.code == "cite-undefined"}
    bib = [m for m in bib if not (m.code == "missing-entry" and m.key in undefined)]
    if any(m.severity == "error" for m in bib + latex):
        # LaTeX stopped or the bib tool failed, so keys that are in the .bib look undefined
        in_bib = {s.key for s in locator.spans}
        latex = [m for m in latex if not (m.code == "cite-undefined" and m.key in in_bib)]
    return bib + latex


def _dedupe(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[tuple[str, str, str]] = set()
    out: list[Problem] = []
    for p in problems:
        ident = (p.severity, p.message, str(p.source))
        if ident not in seen:
            seen.add(ident)
            out.append(p)
    return out


def _order(problems: list[Problem]) -> list[Problem]:
    """Errors first, then warnings, then info; at most MAX_PROBLEMS."""
    rank = {"error": 0, "warning": 1, "info": 2}
    ordered = sorted(problems, key=lambda p: rank[p.severity])
    if len(ordered) > MAX_PROBLEMS:
        rest = len(ordered) - MAX_PROBLEMS + 1
        ordered = ordered[: MAX_PROBLEMS - 1] + [Problem(
            "info", f"{rest} more compile messages not shown", None,
            "see the LaTeX log in the build folder", "compile-more")]
    return ordered


def _pngs(pdf: Path, out_dir: Path, timeout: int) -> tuple[list[Path], Problem | None]:
    """Page images ``preview-<n>.png`` at 80 dpi via pdftoppm."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return [], Problem("warning", "pdftoppm not found, no PNG pages written", None,
                           "install poppler-utils", "compile-png")
    try:
        run = proc.run([tool, "-png", "-r", "80", pdf.name, PREVIEW_NAME], cwd=out_dir,
                       timeout=timeout)
    except subprocess.TimeoutExpired:
        return [], Problem("warning", f"pdftoppm timed out after {timeout} s", None, None,
                           "compile-png")
    if run.returncode != 0:
        stderr = run.stderr.decode("utf-8", "replace")
        return [], Problem("warning", f"pdftoppm failed: {stderr.strip()[:200]}",
                           Source(display_path(pdf)), None, "compile-png")
    pages = [(int(m.group(1)), p) for p in out_dir.glob(f"{PREVIEW_NAME}-*.png")
             if (m := re.fullmatch(rf"{PREVIEW_NAME}-(\d+)\.png", p.name))]
    # pdftoppm pads page numbers to the page count's width (preview-01.png from 10 pages
    # on): renamed to preview-1.png, preview-10.png, so a page's name never depends on
    # how many pages there are
    named = []
    for number, path in sorted(pages):
        target = out_dir / f"{PREVIEW_NAME}-{number}.png"
        if path != target:
            os.replace(path, target)
        named.append(target)
    return named, None
