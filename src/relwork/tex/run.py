"""Running latexmk on the preview: the tools it needs, a locked-down environment, a time limit."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..errors import CompileError
from ..infra import proc

BUILD_DIR = "build"
#: latexmk's option for each engine
LATEXMK_ENGINE = {"pdflatex": "-pdf", "xelatex": "-xelatex", "lualatex": "-lualatex"}


def find_latexmk(engine: str, cite: str) -> str:
    """The path of latexmk; CompileError naming every tool the compile needs and lacks."""
    latexmk = shutil.which("latexmk")
    tools = [engine] + (["biber"] if cite == "biblatex" else ["bibtex"])
    missing = [t for t in ["latexmk", *tools] if shutil.which(t) is None]
    if latexmk is None or missing:
        raise CompileError(f"cannot compile the preview: {', '.join(missing)} not found",
                           hint="install TeX Live (e.g. apt install texlive-full latexmk biber)"
                           " or build without --compile")
    return latexmk


def run_latexmk(latexmk: str, main: Path, *, engine: str, tex_dir: Path, bib_dir: Path,
                timeout: int, output: Path) -> bool:
    """Run latexmk on ``main`` in its folder (aux files in ``BUILD_DIR``), stdout and stderr
    to ``output``. True when it was stopped at the ``timeout``."""
    command = [
        latexmk, "-norc", LATEXMK_ENGINE[engine], "-halt-on-error", "-interaction=nonstopmode",
        "-file-line-error", "-no-shell-escape", f"-outdir={BUILD_DIR}",
        # latexmk passes %O to the engine; keep shell escape off even if a default turns it on
        "-e", f"${engine}='{engine} -no-shell-escape %O %S'",
        main.name,
    ]
    env = _environment(tex_dir, bib_dir, main.parent)
    try:
        proc.run(command, cwd=main.parent, env=env, timeout=timeout, output=output)
    except subprocess.TimeoutExpired:
        return True
    return False


def _environment(tex_dir: Path, bib_dir: Path, out_dir: Path) -> dict[str, str]:
    """The tools' environment: paranoid file access, no shell escape, unwrapped logs."""
    env = dict(os.environ)
    env.update(
        openin_any="p",  # no reading of dot files, parent folders or absolute paths
        openout_any="p",  # nor writing there
        shell_escape="f",
        max_print_line="10000",  # one log line per message, so the parser sees whole lines
        error_line="254",
        half_error_line="238",
    )
    # the section or bib may live outside out_dir: let TeX's path search find them there
    for var, folder in (("TEXINPUTS", tex_dir), ("BIBINPUTS", bib_dir)):
        if folder != out_dir:
            env[var] = f"{folder}{os.pathsep}{env.get(var, '')}"
    return env
