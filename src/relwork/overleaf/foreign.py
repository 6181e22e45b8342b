"""Managed files edited, renamed or moved on Overleaf since relwork pushed them (or there
before it): found, shown as diffs, and refused unless the user asks to overwrite."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from ..config import Config
from ..errors import SyncError
from .git import Git
from .state import state_map, text_digest
from .workdir import read_blob

_DIFF_LINES = 80
#: git's id of the empty blob
_EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


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
        if pushed is None and _moved_here(path, remote_blob, digest, files, checksums):
            continue  # relwork's own text, renamed to the path the config now names
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


def _moved_here(path: str, remote_blob: str, digest: str, files: dict[str, str],
                checksums: dict[str, str]) -> bool:
    """Whether a file at ``path`` (not one relwork pushed) holds exactly the text relwork
    last pushed to another path of the same kind: the user followed a rename on Overleaf."""
    suffix = PurePosixPath(path).suffix
    return any(PurePosixPath(old).suffix == suffix
               and (files.get(old) == remote_blob or checksums.get(old) == digest)
               for old in set(files) | set(checksums) if old != path)


def find_renames(git: Git, head: str, state: dict[str, object],
                 remote_blobs: dict[str, str | None], attrs: dict[str, str]) -> dict[str, str]:
    """{managed path: its new path} for managed files that relwork pushed, that are gone from
    ``head``, and whose text (as pushed, or edited a little) is now under another path."""
    files = state_map(state, "files")
    # Why: an empty file says nothing about where relwork's text went.
    gone = [p for p, b in remote_blobs.items()
            if b is None and p in files and files[p] != _EMPTY_BLOB]
    if not gone:
        return {}
    found: dict[str, str] = {}
    listing = git.text("ls-tree", "-r", "-z", head).split("\0")
    by_blob: dict[str, str] = {}
    for entry in listing:
        meta, _, name = entry.partition("\t")
        if name and meta.split()[1:2] == ["blob"]:
            by_blob.setdefault(meta.split()[2], name)
    for path in gone:
        new = by_blob.get(files[path])
        if new and new not in remote_blobs and \
                PurePosixPath(new).suffix == PurePosixPath(path).suffix:
            found[path] = new
    last_commit = state.get("commit")
    rest = [p for p in gone if p not in found]
    if rest and isinstance(last_commit, str) and git.run(
            "cat-file", "-e", f"{last_commit}^{{commit}}", check=False).returncode == 0:
        # Why: a rename with an edit is found by git's own similarity detection.
        out = git.text("diff", "--name-status", "-z", "-M50%", "--diff-filter=R",
                       last_commit, head).split("\0")
        for i in range(0, len(out) - 2, 3):
            old, new = out[i + 1], out[i + 2]
            if old in rest and new not in remote_blobs and \
                    PurePosixPath(new).suffix == PurePosixPath(old).suffix:
                found[old] = new
    return {p: found[p] for p in remote_blobs if p in found and attrs.get(p)}


def rename_error(renamed: dict[str, str], config: Config) -> SyncError:
    """The SyncError for managed files renamed on Overleaf: relwork would write a file the
    paper no longer uses."""
    path, new = next(iter(renamed.items()))
    attr = "overleaf.tex" if path.endswith(".tex") else "overleaf.bib"
    lines = [f"{old} was renamed on Overleaf to {to}; writing {old} again would not reach "
             "the paper" for old, to in renamed.items()]
    return SyncError(
        "\n".join(lines) + "\nnothing was pushed; the Overleaf project is untouched",
        source=config.where("overleaf_tex" if path.endswith(".tex") else "overleaf_bib")
        or config.where("overleaf_remote"),
        hint=f"set {attr}: {new} in {config.file_name} so relwork updates the file where it "
             f"is now (or re-run with --overwrite to write {path} again)",
    )


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
