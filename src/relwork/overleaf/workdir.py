"""relwork's own working copy of the Overleaf project (``.relwork/overleaf/``): creating it,
finding the project's branch, reading blobs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from ..config import Config
from ..errors import SyncError
from .git import Git, Remote, check_git_version


def _workdir(config: Config) -> Path:
    return config.root / ".relwork" / "overleaf"


def prepare_workdir(config: Config, remote: Remote,
                    git_factory: Callable[[Path], Git]) -> tuple[Git, list[str]]:
    """Create or re-use the working copy and point its ``origin`` at the clean remote URL.

    The copy is relwork's own and the caller holds relwork's lock, so a git lock file in it
    is stale (left by a killed run) and is removed, and a copy git cannot read is rebuilt
    from the remote; the returned messages say so.
    """
    workdir = _workdir(config)
    if workdir.is_symlink():
        raise SyncError(
            f"{config.display(workdir)} is a symbolic link; relwork keeps its own copy there",
            hint=f"delete {config.display(workdir)} and re-run",
        )
    workdir.mkdir(parents=True, exist_ok=True)
    git = git_factory(workdir)
    check_git_version(git)
    messages: list[str] = []
    inside = git.run("rev-parse", "--absolute-git-dir", check=False)
    found = Path(inside.stdout.decode().strip()).resolve() if inside.returncode == 0 else None
    if found != (workdir / ".git").resolve():
        if (workdir / ".git").exists():
            # Why: a broken copy is relwork's own cache; start it again from the server.
            shutil.rmtree(workdir / ".git")
            messages.append(f"relwork's working copy {config.display(workdir)} was broken; "
                            "rebuilt it from the Overleaf project")
        git.run("init", "--quiet")
    else:
        messages += _remove_stale_locks(config, workdir / ".git")
        probe = git.run("ls-files", "--", ":(literal).relwork-probe", check=False)
        if probe.returncode != 0:
            said = probe.stderr.decode("utf-8", "replace").strip().splitlines()
            shutil.rmtree(workdir / ".git")
            git.run("init", "--quiet")
            messages.append(
                f"relwork's working copy {config.display(workdir)} was unusable "
                f"({said[-1] if said else 'git failed'}); rebuilt it from the Overleaf project")
    urls = git.run("remote", "get-url", "origin", check=False)
    if urls.returncode != 0:
        git.run("remote", "add", "origin", remote.url)
    elif urls.stdout.decode().strip() != remote.url:
        git.run("remote", "set-url", "origin", remote.url)
    return git, messages


def _remove_stale_locks(config: Config, git_dir: Path) -> list[str]:
    """Remove git's lock files (``index.lock``, ``HEAD.lock``, ref locks) from relwork's copy:
    under relwork's lock no git of relwork runs there, so they are left by a killed run."""
    messages = []
    places = [git_dir] + [git_dir / sub for sub in ("refs", "logs")]
    for place in places:
        if not place.is_dir():
            continue
        found = place.glob("*.lock") if place == git_dir else place.rglob("*.lock")
        for lock in sorted(found):
            if lock.is_file() or lock.is_symlink():
                lock.unlink()
                messages.append(f"removed {config.display(lock)}, a stale git lock left by an "
                                "interrupted run in relwork's working copy")
    return messages


def remote_branch(git: Git, config: Config) -> tuple[str, str]:
    """The branch to push (configured, else the remote HEAD) and its current commit."""
    listing = git.text("ls-remote", "--symref", "origin", network=True, what="git ls-remote")
    heads: dict[str, str] = {}
    head_target = None
    for line in listing.splitlines():
        if line.startswith("ref: ") and line.endswith("\tHEAD"):
            head_target = line[5:].split("\t", 1)[0]
            continue
        sha, _, ref = line.partition("\t")
        if ref.startswith("refs/heads/"):
            heads[ref[len("refs/heads/"):]] = sha
    if not heads:
        raise SyncError(
            f"the Overleaf project at {git.remote.url} has no commits yet",
            hint="open the project in Overleaf once (it creates main.tex), then re-run",
        )
    wanted = config.overleaf_branch.strip()
    if wanted:
        if wanted not in heads:
            raise SyncError(
                f"the project has no branch '{wanted}' (it has: {', '.join(sorted(heads))}); "
                "relwork never creates branches; nothing was pushed",
                source=config.where("overleaf_branch"),
                hint="remove overleaf.branch from relwork.yaml to use the project's own branch",
            )
        return wanted, heads[wanted]
    if head_target and head_target.startswith("refs/heads/"):
        name = head_target[len("refs/heads/"):]
        if name in heads:
            return name, heads[name]
    if len(heads) == 1:
        name = next(iter(heads))
        return name, heads[name]
    raise SyncError(
        f"cannot tell the project's branch: the server does not name its HEAD "
        f"(branches: {', '.join(sorted(heads))})",
        hint="set overleaf.branch in relwork.yaml (Overleaf projects use 'master')",
    )


def blob(git: Git, rev: str, path: str) -> str | None:
    """The blob id of ``path`` at ``rev``; None if absent; ``"<mode>:<sha>"`` for a link or
    a folder (callers refuse those)."""
    out = git.text("ls-tree", "-z", rev, "--", path).strip("\0")
    if not out:
        return None
    meta, _, _ = out.partition("\t")
    mode, kind, sha = meta.split()
    if mode == "120000" or kind != "blob":
        return f"{mode}:{sha}"
    return sha


def read_blob(git: Git, sha: str | None) -> str | None:
    """The text of blob ``sha``; None when there is none or it is gone."""
    if not sha:
        return None
    proc = git.run("cat-file", "blob", sha, check=False)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None
