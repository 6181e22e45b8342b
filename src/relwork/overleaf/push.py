"""One push of relwork's commit, and knowing its outcome: git's status line for the branch,
the server's own message, and, when the answer is lost (error, timeout, Ctrl-C, SIGTERM),
the server asked what its branch now holds."""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass
from typing import Literal

from ..config import Config
from ..errors import SyncError, SyncInterrupted, SyncTerminated
from ..infra import proc
from ..infra.proc import Finished
from . import git as gitmod
from .git import Git, Remote

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
    what happened even when git's answer never comes. Ctrl-C or SIGTERM during the push
    or while asking the server ends up in ``signum``, never as an exception."""
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
            return PushOutcome("no", signum is None, reason, said, signum=signum, done=done)
        moved = False
        if signum is None:
            # Why: "failed to update ref" is a race only when the branch really moved.
            try:
                moved = _remote_head(git, branch) not in (None, base)
            except KeyboardInterrupt as exc:
                signum = _signum(exc)
        return PushOutcome("no", moved, reason, said, signum=signum, done=done)
    try:
        landed = _verify(git, branch, commit)
    except KeyboardInterrupt as exc:  # a (second) interrupt: the next run finds out
        landed, signum = "unknown", signum if signum is not None else _signum(exc)
    return PushOutcome(landed, status=status, server_said=said, answer_lost=True,
                       signum=signum, done=done)


def _signum(exc: KeyboardInterrupt) -> int:
    return exc.signum if isinstance(exc, proc.Interrupted) else int(signal.SIGINT)


def _status_line(done: Finished, branch: str) -> str:
    """git's ``--porcelain`` line for the branch (``<flag>\\t<from>:<to>\\t<summary>``)."""
    target = f"refs/heads/{branch}"
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[1].endswith(":" + target):
            return line
    return ""


def _server_said(done: Finished, n: int = 6) -> str:
    """The server's last message lines (git prints them as ``remote: ...``), else git's own
    last lines (without its generic hints)."""
    lines = done.stderr.decode("utf-8", "replace").splitlines()
    remote = [ln[len("remote:"):].strip() for ln in lines if ln.startswith("remote:")]
    shown = [ln for ln in remote if ln] or [
        ln for ln in lines if ln.strip() and not ln.startswith("hint:")]
    return "\n".join(shown[-n:])


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


def is_ancestor(git: Git, older: str, newer: str) -> bool:
    """Whether commit ``older`` is in the history of ``newer`` (False when either is unknown)."""
    done = git.run("merge-base", "--is-ancestor", older, newer, check=False)
    return done.returncode == 0


def pushed_message(remote: Remote, branch: str, commit: str, outcome: PushOutcome) -> str:
    """The line that reports a push that landed."""
    msg = f"pushed {commit[:12]} to {remote.url} ({branch})"
    if outcome.answer_lost:
        msg += "; git got no answer to the push, so relwork asked the server: the push had landed"
    return msg


def answer_text(outcome: PushOutcome) -> str:
    """The server's answer to a push, for an error message ('' when it gave none)."""
    parts = []
    if outcome.status:
        parts.append(f"\n  git push: {outcome.status.split(chr(9))[-1]}")
    if outcome.server_said:
        said = "\n    ".join(outcome.server_said.splitlines())
        parts.append(f"\n  the server said: {said}")
    return "".join(parts)


def failed_push_error(git: Git, config: Config, remote: Remote, commit: str,
                      outcome: PushOutcome) -> SyncError:
    """The error for a push that did not land, or whose outcome nobody can tell."""
    if outcome.signum is not None:
        return interrupted_error(outcome.signum, outcome.landed, commit)
    where = config.where("overleaf_remote")
    if outcome.landed == "unknown":
        how = "the push did not finish in time" if outcome.done is None else "the push failed"
        return SyncError(
            f"{how} and the Overleaf git bridge at {remote.url} could not be asked whether "
            f"{commit[:12]} landed; relwork recorded it as pending{answer_text(outcome)}",
            source=where,
            hint="re-run 'relwork sync' when the server answers: it finds out and takes the "
                 "commit as its own if it landed",
        )
    if outcome.done is not None and not outcome.status:
        return git.error("git push", outcome.done)  # no answer for the branch: git's reason
    return SyncError(
        f"the Overleaf git bridge refused the push; nothing was pushed{answer_text(outcome)}",
        source=where,
        hint="do what the server's message asks (e.g. get write access to the project), "
             "then re-run 'relwork sync'",
    )


def interrupted_error(signum: int, landed: str, commit: str,
                      pushed_msg: str = "") -> SyncInterrupted:
    """The error for Ctrl-C (exit 130) or SIGTERM (143), saying what reached Overleaf:
    ``landed`` is "yes", "no", "unknown" (this push) or "pending" (a push of this or an
    earlier run whose outcome the next sync checks)."""
    name = "Ctrl-C" if signum == signal.SIGINT else f"signal {signum}"
    if landed == "yes":
        text = f"stopped by {name} after the push had landed: {pushed_msg}"
    elif landed == "no":
        text = f"stopped by {name}; nothing was pushed"
    elif landed == "unknown":
        text = (f"stopped by {name} during the push of {commit[:12]}; whether it landed is "
                "not known yet, so relwork recorded it as pending")
    else:
        text = (f"stopped by {name}; whether relwork's commit {commit[:12]} reached Overleaf "
                "is checked by the next sync")
    kind = SyncInterrupted if signum == signal.SIGINT else SyncTerminated
    return kind(text, hint="re-run 'relwork sync'; it checks what is on Overleaf first")
