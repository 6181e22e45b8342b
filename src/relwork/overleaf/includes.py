"""Whether the Overleaf project still uses the managed files: some ``.tex`` must
``\\input`` or ``\\include`` the section, and name the bib in ``\\bibliography`` or
``\\addbibresource``."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from ..config import Config

#: Files larger than this are not read for includes (a generated table, a data dump).
_MAX_SCAN_BYTES = 2 * 1024 * 1024
_COMMENT = re.compile(r"(?<!\\)%.*")
_INPUT = re.compile(r"\\(?:input|include|subfile|InputIfFileExists)\s*\{([^{}]+)\}"
                    r"|\\input\s+([^\s{}\\%]+)")  # \input name, TeX's own form
_IMPORT = re.compile(r"\\(?:sub)?(?:import|inputfrom|includefrom)\*?\s*\{([^{}]*)\}\s*\{([^{}]+)\}")
_BIB = re.compile(r"\\(?:bibliography|addbibresource|addglobalbib|nobibliography)"
                  r"\s*(?:\[[^\]]*\])?\s*\{([^{}]+)\}")


def _norm(name: str, default_suffix: str) -> str:
    """A project-relative POSIX path for a name as written in LaTeX (``./a/b`` → ``a/b.tex``)."""
    pure = PurePosixPath(name.strip().replace("\\", "/"))
    parts = [p for p in pure.parts if p not in (".", "")]
    text = "/".join(parts)
    return text if PurePosixPath(text).suffix else text + default_suffix


def _targets(text: str, folder: str) -> tuple[set[str], set[str]]:
    """(included .tex paths, named .bib paths) of one file's text, each both as written
    (Overleaf compiles from the project's top folder) and relative to the file's folder."""
    text = "\n".join(_COMMENT.sub("", line) for line in text.splitlines())
    tex: set[str] = set()
    bib: set[str] = set()

    def both(name: str, suffix: str, into: set[str]) -> None:
        into.add(_norm(name, suffix))
        if folder:
            into.add(_norm(f"{folder}/{name}", suffix))

    for match in _INPUT.finditer(text):
        both(match.group(1) or match.group(2), ".tex", tex)
    for match in _IMPORT.finditer(text):
        both(f"{match.group(1).rstrip('/')}/{match.group(2)}", ".tex", tex)
    for match in _BIB.finditer(text):
        for name in match.group(1).split(","):
            if name.strip():
                both(name, ".bib", bib)
    return tex, bib


def unused_warnings(workdir: Path, contents: dict[str, bytes], config: Config) -> list[str]:
    """Warnings for managed files no ``.tex`` of the project (other than the section itself)
    uses; none when the project has no ``.tex`` of its own (nothing to judge by)."""
    tex_path, bib_path = list(contents)
    included: set[str] = set()
    named: set[str] = set()
    scanned = 0
    for path in sorted(workdir.rglob("*.tex")):
        rel = path.relative_to(workdir).as_posix()
        if rel == tex_path or rel.startswith(".git/") or path.is_symlink():
            continue
        try:
            if path.stat().st_size > _MAX_SCAN_BYTES:
                continue
            text = path.read_text("utf-8", "replace")
        except OSError:
            continue
        scanned += 1
        tex, bib = _targets(text, PurePosixPath(rel).parent.as_posix().strip("."))
        included |= tex
        named |= bib
    if not scanned:
        return []
    warnings = []
    stem = tex_path[: -len(".tex")]
    if tex_path not in included:
        warnings.append(
            f"warning: no .tex file in the Overleaf project \\input's or \\include's {tex_path},"
            f" so the paper does not show it: add \\input{{{stem}}} to the paper, or set "
            f"overleaf.tex in {config.file_name} to the file the paper includes"
        )
    bib_stem = bib_path[: -len(".bib")]
    if bib_path not in named:
        warnings.append(
            f"warning: no \\bibliography or \\addbibresource in the Overleaf project names "
            f"{bib_path}: add it (\\bibliography{{{bib_stem}}} or "
            f"\\addbibresource{{{bib_path}}}), or set overleaf.bib in {config.file_name}"
        )
    return warnings
