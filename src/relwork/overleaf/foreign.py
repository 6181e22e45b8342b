"""Managed files edited on Overleaf since relwork pushed them (or there before it): found,
shown as diffs, and refused unless the user asks to overwrite."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from ..config import Config
from ..errors import SyncError
from .git import Git
from .state import state_map, text_digest
from .workdir import read_blob

_DIFF_LINES = 80


@dataclass
class Foreign:
    """A managed file whose text on Overleaf is not relwork's: ``kind`` says whether it was
    ``edited`` since relwork pushed it or was ``preexisting``; ``diff`` shows the change."""

    path: str
    attr: str
    kind: Literal["edited", "preexisting"]
    diff: str
    commits: list[str]


def _unified(old: str, new: str, old_label: str, new_label: str) -> str:
    lines = list(difflib.unified_diff(old.splitlines(keepends=True),
                                      new.splitlines(keepends=True), old_label, new_label))
    if len(lines) > _DIFF_LINES:
        rest = len(lines) - _DIFF_LINES
        lines = lines[:_DIFF_LINES] + [f"... ({rest} more diff lines)\n"]
    return "".join(ln if ln.endswith("\n") else ln + "\n" for ln in lines)


def find_foreign(git: Git, head: str, state: dict[str, object], contents: dict[str, bytes],
                  remote_blobs: dict[str, str | None],
                  attrs: dict[str, str]) -> list[Foreign]:
    """Managed files whose text on the server is not what relwork last pushed."""
    files = state_map(state, "files")
    checksums = state_map(state, "checksums")
    last_commit = state.get("commit") if isinstance(state.get("commit"), str) else None
    found = []
    for path, data in contents.items():
        remote_blob = remote_blobs[path]
        if remote_blob is None:
            continue
        pushed = files.get(path)
        if pushed == remote_blob:
            continue  # exactly what relwork pushed last time
        raw = git.run("cat-file", "blob", remote_blob).stdout
        digest = text_digest(raw)
        if digest == text_digest(data) or digest == checksums.get(path):
            continue  # the same text relwork writes now or wrote last time (re-saved)
        current = raw.decode("utf-8", "replace")
        commits: list[str] = []
        if isinstance(pushed, str):
            before = read_blob(git, pushed)
            if before is None:
                before = ""
                note = " (its earlier text is no longer in the working copy)"
            else:
                note = ""
            diff = _unified(before, current, f"a/{path} (as relwork last pushed it{note})",
                            f"b/{path} (on Overleaf now)")
            if last_commit:
                log = git.run("log", "--no-merges", "--format=%h %ad %an: %s", "--date=short",
                              "-n", "5", f"{last_commit}..{head}", "--", path, check=False)
                if log.returncode == 0:
                    commits = log.stdout.decode("utf-8", "replace").splitlines()
            found.append(Foreign(path, attrs[path], "edited", diff, commits))
        else:
            new = contents[path].decode("utf-8", "replace")
            diff = _unified(current, new, f"a/{path} (on Overleaf now)",
                            f"b/{path} (what relwork would write)")
            found.append(Foreign(path, attrs[path], "preexisting", diff, commits))
    return found


def foreign_error(found: list[Foreign], config: Config, notes: list[str]) -> SyncError:
    """The SyncError that shows every foreign edit and the two ways on."""
    blocks = []
    for item in found:
        if item.kind == "edited":
            head = f"{item.path} was edited on Overleaf since relwork last pushed it"
            if item.commits:
                head += " (" + "; ".join(item.commits) + ")"
        else:
            head = (f"{item.path} already exists in the Overleaf project and was not written "
                    "by relwork")
        blocks.append(f"{head}:\n{item.diff.rstrip()}")
    where = ", ".join(notes[:3]) + (" ..." if len(notes) > 3 else "") if notes else "your notes"
    return SyncError(
        "\n".join(blocks) + "\nnothing was pushed; the Overleaf text is untouched",
        source=config.where(found[0].attr) or config.where("overleaf_remote"),
        hint=f"either move the edit into the Markdown notes ({where}) and re-run 'relwork sync', "
             "or re-run 'relwork sync --overwrite' to replace it (the edited version stays "
             "in the project's history on Overleaf)",
    )
