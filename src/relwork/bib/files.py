"""The ``.bib`` files a project names: files, folders searched recursively, and globs."""

from __future__ import annotations

import glob
import re
from collections.abc import Sequence
from pathlib import Path

from ..config import Config
from ..model import Problem

_GLOB_CHARS = re.compile(r"[*?\[]")


def collect_bib_files(
    config: Config, paths: Sequence[str] | None = None
) -> tuple[list[Path], list[Problem]]:
    """The ``.bib`` files named by ``paths`` (default: ``config.bib``), in the order given.

    Items are files, folders (searched recursively for ``*.bib``, hidden folders skipped)
    or globs, relative to the config's folder. Missing items become error Problems.
    Returns the files (as found, de-duplicated) and the problems.
    """
    from_config = not paths  # None or empty (click's multiple=True gives ()): use the config
    items = list(config.bib if from_config else paths or [])
    fix = (f"fix the 'bib' list in {config.file_name}" if from_config
           else "check the path given with --bib")
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            files.append(path)

    for number, item in enumerate(items):
        # a missing item is reported at its own line of the 'bib:' list
        where = config.where_item("bib", number) if from_config else None
        target = config.resolve(item)
        if _GLOB_CHARS.search(item):
            found = sorted(Path(p) for p in glob.glob(str(target), recursive=True))
            found = [p for p in found if p.is_file()]
            if not found:
                problems.append(Problem(
                    "error", f"no file matches the bib pattern '{item}'", where,
                    f"{fix}, or create the file", "bib-missing"))
            for p in found:
                add(p)
        elif target.is_dir():
            found = sorted(
                p for p in target.rglob("*.bib")
                if p.is_file() and not any(
                    part.startswith(".") for part in p.relative_to(target).parts[:-1])
            )
            if not found:
                problems.append(Problem(
                    "error", f"no .bib files in folder {config.display(target)}", where,
                    f"export your library there (e.g. Zotero/Better BibTeX) or {fix}",
                    "bib-missing"))
            for p in found:
                add(p)
        elif target.is_file():
            add(target)
        else:
            problems.append(Problem(
                "error", f"bib file not found: {config.display(target)}", where,
                f"{fix}, or export your library to that path", "bib-missing"))
    if not items:
        problems.append(Problem(
            "error", "no bibliography given", config.where("bib") if from_config else None,
            f"list your .bib files under 'bib:' in {config.file_name} or pass --bib FILE",
            "bib-missing"))
    return files, problems
