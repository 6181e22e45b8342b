"""One push of relwork's commit, and knowing its outcome: git's status line for the branch,
the server's own message, and, when the answer is lost (error, timeout, Ctrl-C, SIGTERM),
the server asked what its branch now holds."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Literal

from ..infra import proc
from ..infra.proc import Finished
from . import git as gitmod
from .git import Git

#: Seconds for asking the server, after a lost answer, where its branch is.
VERIFY_TIMEOUT = 30.0
#: git's reasons for a rejected ref that mean "the branch moved": fetch and try again.
_MOVED = ("non-fast-forward", "fetch first", "stale info")

Landed = Literal["yes", "no", "unknown"]


@dataclass
class PushOutcome:
    """What became of a push: ``landed`` (the commit is on the server's branch, is not, or
    nobody can tell), ``retry`` (rejected because the branch moved: a real race),
    ``status`` (git's status line for the branch), ``server_said`` (the server's last
    message lines), ``answer_lost`` (git ended without the server's answer, so the server
    was asked), ``signum`` (the signal that interrupted relwork during the push) and the
    finished git process, if any."""

    landed: Landed
    retry: bool = False
    status: str = ""
    server_said: str = ""
    answer_lost: bool = False
    signum: int | None = None
    done: Finished | None = None


def push(git: Git, branch: str, commit: str, base: str) -> PushOutcome:
    """Push ``commit`` (made on top of ``base``) to ``branch`` without force, and find out
    what happened even when git's answer never comes."""
    signum: int | None = None
    done: Finished | None = None
    try:
        # Why: no '+' and no --force: the server must accept it as a fast-forward.
        done = git.spawn("push", "--porcelain", "--no-verify", "origin",
                         f"HEAD:refs/heads/{branch}", network=True, grace=gitmod.PUSH_GRACE)
    except subprocess.TimeoutExpired:
        done = None
    except proc.Interrupted as exc:
        signum, done = exc.signum, exc.finished
    if done is not None and done.returncode == 0:
        return PushOutcome("yes", status=_status_line(done, branch), signum=signum, done=done)
    status = _status_line(done, branch) if done is not None else ""
    said = _server_said(done) if done is not None else ""
    if status.startswith("!"):  # the server answered: a rejection of this ref
        reason = status.split("\t")[-1]
        if reason.startswith("[rejected]") and any(m in reason for m in _MOVED):
            return PushOutcome("no", True, reason, said, signum=signum, done=done)
        # Why: "failed to update ref" is a race only when the branch really moved.
        moved = _remote_head(git, branch) not in (None, base) and signum is None
        return PushOutcome("no", moved, reason, said, signum=signum, done=done)
    landed = _verify(git, branch, commit) if signum is None else _verify_interrupted(
        git, branch, commit)
    return PushOutcome(landed, status=status, server_said=said, answer_lost=True,
                       signum=signum, done=done)


def _status_line(done: Finished, branch: str) -> str:
    """git's ``--porcelain`` line for the branch (``<flag>\\t<from>:<to>\\t<summary>``)."""
    target = f"refs/heads/{branch}"
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[1].endswith(":" + target):
            return line
    return ""


def _server_said(done: Finished, n: int = 6) -> str:
    """The server's last message lines (git prints them as ``remote: ...``)."""
    lines = [ln[len("remote:"):].strip() for ln in done.stderr.decode("utf-8", "replace")
             .splitlines() if ln.startswith("remote:")]
    return "\n".join(ln for ln in lines if ln)[-2000:] if lines else "\n".join(
        [ln for ln in done.stderr.decode("utf-8", "replace").splitlines()
         if ln.strip() and not ln.startswith("hint:")][-n:])


def _remote_head(git: Git, branch: str) -> str | None:
    """The commit the server's ``branch`` is at now; None when the server cannot be asked."""
    try:
        done = git.spawn("ls-remote", "origin", f"refs/heads/{branch}", network=True,
                         timeout=min(VERIFY_TIMEOUT, gitmod.NETWORK_TIMEOUT))
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            return sha.strip()
    return None


def _verify(git: Git, branch: str, commit: str) -> Landed:
    """Ask the server whether ``commit`` is on ``branch`` (it, or a commit built on it)."""
    head = _remote_head(git, branch)
    if head is None:
        return "unknown"
    if head == commit:
        return "yes"
    # Why: a co-author may have edited on top of relwork's commit already.
    try:
        fetched = git.spawn("fetch", "--quiet", "--no-tags", "origin",
                            f"+refs/heads/{branch}:refs/remotes/origin/{branch}", network=True,
                            timeout=min(VERIFY_TIMEOUT, gitmod.NETWORK_TIMEOUT))
    except subprocess.TimeoutExpired:
        return "unknown"
    if fetched.returncode != 0:
        return "unknown"
    return "yes" if is_ancestor(git, commit, f"refs/remotes/origin/{branch}") else "no"


def _verify_interrupted(git: Git, branch: str, commit: str) -> Landed:
    """``_verify`` after Ctrl-C or SIGTERM: a second one gives up asking (the commit stays
    pending, and the next run finds out)."""
    try:
        return _verify(git, branch, commit)
    except KeyboardInterrupt:
        return "unknown"


def is_ancestor(git: Git, older: str, newer: str) -> bool:
    """Whether commit ``older`` is in the history of ``newer`` (False when either is unknown)."""
    done = git.run("merge-base", "--is-ancestor", older, newer, check=False)
    return done.returncode == 0
