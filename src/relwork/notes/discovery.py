"""Which files are notes: paths, folders and globs from the config or the command line."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Problem

if TYPE_CHECKING:
    from ..config import Config

NOTE_SUFFIXES = (".md", ".markdown")


def collect_note_files(
    config: Config, paths: Sequence[str] | None = None
) -> tuple[list[Path], list[Problem]]:
    """Note files named by ``paths`` (default: ``config.notes``): files, folders or globs.

    Folders are searched recursively for ``*.md`` and ``*.markdown`` (hidden folders such
    as ``.obsidian`` are skipped). Returns absolute paths, sorted and de-duplicated, and a
    Problem for every path that does not exist or glob that matches nothing.
    """
    from_config = not paths
    items = list(config.notes if from_config else paths or [])
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for number, item in enumerate(items):
        # the item's own line of a block list in the config; nothing for a command line path
        where = config.where_item("notes", number) if from_config else None
        target = config.resolve(item)
        if any(ch in item for ch in "*?["):
            hits = [Path(h) for h in glob.glob(str(target), recursive=True)]
            files = [h.resolve() for h in hits
                     if h.is_file() and h.suffix.lower() in NOTE_SUFFIXES]
            for h in hits:
                if h.is_dir():
                    files.extend(_notes_in(h))
            if not files:
                problems.append(Problem(
                    "warning", f"no note files match '{item}'", where,
                    "check the pattern; folders are searched for *.md and *.markdown", "notes",
                ))
        elif target.is_dir():
            files = _notes_in(target)
            if not files:
                problems.append(Problem(
                    "warning", f"no .md or .markdown files in folder '{item}'", where,
                    f"put your paper notes there or change 'notes' in {config.file_name}",
                    "notes",
                ))
        elif target.is_file():
            files = [target.resolve()]
        else:
            problems.append(Problem(
                "error", f"note path not found: '{item}'", where,
                f"fix the path in 'notes' ({config.file_name}) or on the command line", "notes",
            ))
            continue
        for f in files:  # resolved already (symbolic links followed)
            found.setdefault(os.path.normcase(str(f)), f)
    return sorted(found.values(), key=lambda p: str(p)), problems


def _notes_in(folder: Path) -> list[Path]:
    """Note files below ``folder``, resolved: the walk starts at the resolved folder and
    does not follow links to folders, so only a file that is itself a link needs resolving
    (one stat instead of one per path component: watch lists the folder every rebuild)."""
    files = []
    for dirpath, dirnames, filenames in os.walk(folder.resolve()):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]  # .git, .obsidian, .trash
        for name in filenames:
            if name.lower().endswith(NOTE_SUFFIXES) and not name.startswith("."):
                path = os.path.join(dirpath, name)
                # a link is followed, unless it leads nowhere: then the name in the folder
                # is what the user knows
                link = os.path.islink(path) and os.path.exists(path)
                files.append(Path(path).resolve() if link else Path(path))
    return files
