"""``sync``: push the section and its bibliography to Overleaf through the git bridge.

relwork keeps its own working copy of the Overleaf project under
``<root>/.relwork/overleaf/``, writes only the two managed files (``overleaf.tex`` and
``overleaf.bib``), commits and pushes on top of whatever co-authors did in the web editor.
It never force-pushes, never pushes to another branch, and refuses to replace a managed
file that someone edited on Overleaf unless asked to (``overwrite``); the replaced text
then stays in the project's history.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..config import Config
from ..errors import ConfigError, SyncError
from ..infra import proc
from .foreign import Foreign, find_foreign, find_renames, foreign_error, rename_error
from .git import Git, Remote
from .includes import unused_warnings
from .paths import check_local_outputs, check_paths, check_working_copy_path, managed_paths
from .push import (
    PushOutcome,
    answer_text,
    failed_push_error,
    interrupted_error,
    is_ancestor,
    push,
    pushed_message,
)
from .secrets import Redactor, parse_remote, resolve_token
from .state import (
    clear_pending,
    load_state,
    locked,
    pending,
    promote_pending,
    save_pending,
    save_state,
    state_map,
    text_digest,
)
from .workdir import blob, prepare_workdir, remote_branch

SyncStatus = Literal["pushed", "unchanged", "dry-run"]

@dataclass
class SyncResult:
    """What ``sync`` did: ``status``, the pushed ``commit`` (or None), the ``diff`` of the
    managed files that was (or, for a dry run, would be) pushed, and messages for the user."""

    status: SyncStatus
    commit: str | None
    diff: str
    messages: list[str] = field(default_factory=list)


def sync(
    config: Config,
    *,
    section_text: str,
    bib_text: str,
    notes: list[str],
    dry_run: bool = False,
    overwrite: bool = False,
    token: str | None = None,
    max_retries: int = 3,
    progress: Callable[[str], None] | None = None,
    before_push: Callable[[int], None] | None = None,
) -> SyncResult:
    """Push ``section_text``/``bib_text`` to the Overleaf project at ``config.overleaf_remote``.

    Writes them to ``config.overleaf_tex``/``config.overleaf_bib`` in relwork's working copy
    (``<root>/.relwork/overleaf/``), commits with a message naming ``notes`` and pushes to the
    project's branch without force, retrying up to ``max_retries`` times when the project
    changed meanwhile. ``dry_run`` returns the diff and pushes nothing. A managed file edited
    on Overleaf since relwork pushed it (or present before relwork's first push) stops the
    sync with SyncError unless ``overwrite``. ``progress`` receives one line per step
    (fetching, pushing, retrying; the outcome is in ``SyncResult.messages``);
    ``before_push(attempt)`` is called just before each push (tests use it to race).
    Raises SyncError on any failure; local files other than ``.relwork/`` are not touched.

    The commit is recorded as pending before the push; when git's answer is lost the server
    is asked whether it landed, and a later run takes a pending commit found in the
    project's history as relwork's own. Ctrl-C or SIGTERM (handled while this runs) raise
    ``SyncInterrupted``/``SyncTerminated`` saying what reached Overleaf; no git process is
    left running. ``SyncResult.messages`` also carries warnings (``warning: ...``) when no
    ``.tex`` of the project includes the section or names the bib.
    """
    check_paths(config)
    redact = Redactor()
    say = (lambda line: progress(redact(line))) if progress else (lambda line: None)
    if not config.overleaf_remote.strip():
        raise ConfigError(
            "no Overleaf project configured (overleaf.remote is empty)",
            source=config.where("overleaf_remote"),
            hint=f"set overleaf.remote in {config.file_name} to the project's git URL "
                 "(https://git.overleaf.com/<project-id>), or use 'relwork zip'",
        )
    remote = parse_remote(config.overleaf_remote)
    messages: list[str] = []
    if remote.password:  # the warning is in config.problems, shown before the build
        redact.add(remote.password)
    try:
        tex_path, bib_path = managed_paths(config)
        contents = {tex_path: section_text.encode("utf-8"), bib_path: bib_text.encode("utf-8")}
        attrs = {tex_path: "overleaf_tex", bib_path: "overleaf_bib"}
        check_local_outputs(config, contents)
        secret, origin = resolve_token(config, token)
        redact.add(secret)
        if secret is not None and any(ord(c) < 32 for c in secret):
            raise SyncError("the Overleaf token contains control characters",
                            hint="copy the token again without line breaks")
        if remote.is_http and secret is None:
            messages.append("no Overleaf token found (OVERLEAF_TOKEN or git credential helper)")
        elif secret is not None:
            say(f"using the Overleaf token from {origin}")
        with proc.terminate_as_interrupt(), locked(config):
            try:
                result = _sync_locked(
                    config, remote, secret, redact, contents, attrs, notes, dry_run=dry_run,
                    overwrite=overwrite, max_retries=max_retries, say=say,
                    before_push=before_push,
                )
            except KeyboardInterrupt as exc:  # outside the push itself
                signum = exc.signum if isinstance(exc, proc.Interrupted) else signal.SIGINT
                found = pending(load_state(config, remote.url))
                raise interrupted_error(signum, "pending" if found else "no",
                                        str(found["commit"]) if found else "") from None
    except SyncError as exc:
        raise type(exc)(redact(exc.message), source=exc.source,
                        hint=redact(exc.hint) if exc.hint else None) from None
    except OSError as exc:
        where = exc.filename if exc.filename else "relwork's working copy"
        raise SyncError(
            redact(f"cannot write {where}: {exc.strerror or exc}; nothing was pushed"),
            hint=f"check permissions and free space under {config.display('.relwork')}, "
                 "or delete that folder (relwork rebuilds it) and re-run",
        ) from None
    result.messages = [redact(m) for m in messages + result.messages]
    result.diff = redact(result.diff)
    return result


def _commit_message(paths: list[str], notes: list[str]) -> str:
    names = ", ".join(paths)
    lines = [f"relwork: update {names}", ""]
    if notes:
        lines.append(f"Generated from {len(notes)} note file{'s' if len(notes) != 1 else ''}:")
        lines += [f"- {n}" for n in notes[:30]]
        if len(notes) > 30:
            lines.append(f"- ... and {len(notes) - 30} more")
    else:
        lines.append("Generated by relwork.")
    return "\n".join(lines) + "\n"


def _sync_locked(
    config: Config, remote: Remote, token: str | None, redact: Redactor,
    contents: dict[str, bytes], attrs: dict[str, str], notes: list[str], *, dry_run: bool,
    overwrite: bool, max_retries: int, say: Callable[[str], None],
    before_push: Callable[[int], None] | None,
) -> SyncResult:
    git, messages = prepare_workdir(config, remote,
                                    lambda wd: Git(wd, remote, token, redact, config))
    identity = git.run("config", "user.email", check=False).stdout.strip()
    if not identity:  # Why: commit needs an author; the user may have none configured
        for var in ("GIT_AUTHOR", "GIT_COMMITTER"):
            git.env[f"{var}_NAME"] = "relwork"
            git.env[f"{var}_EMAIL"] = "relwork@localhost"
    state = load_state(config, remote.url)
    attempts = max(0, int(max_retries)) + 1
    last: PushOutcome | None = None
    for attempt in range(1, attempts + 1):
        say(f"fetching {remote.url}")
        branch, head = _checkout(git, config)
        state = _settle_pending(git, config, remote, state, head, messages)
        remote_blobs = _remote_blobs(git, head, contents, attrs, config)
        renamed = find_renames(git, head, state, remote_blobs, attrs)
        if renamed and not overwrite:
            raise rename_error(renamed, config)
        foreign = find_foreign(git, head, state, contents, remote_blobs, attrs)
        if foreign and not overwrite:
            raise foreign_error(foreign, config, notes)
        overwritten = _overwrite_notes(foreign, head, state, contents, remote_blobs, renamed)
        _write_contents(git, contents)
        warnings = unused_warnings(git.workdir, contents, config)
        git.run("add", "--", *contents)
        staged = git.run("diff", "--cached", "--quiet", check=False)
        if staged.returncode == 0:
            present = {p: b for p, b in remote_blobs.items() if b is not None}
            save_state(config, remote.url, branch, head, present, contents)
            msg = (f"the Overleaf project ({branch} at {head[:12]}) already has this text; "
                   "nothing to push")
            return SyncResult("unchanged", None, "", messages + warnings + [msg])
        diff = git.text("diff", "--cached", "--no-ext-diff", "--no-renames", "--stat", "-p")
        if dry_run:
            git.run("reset", "--quiet", "--hard", head)
            msg = f"dry run: would push this to {remote.url} ({branch}); nothing was pushed"
            return SyncResult("dry-run", None, diff, messages + overwritten + warnings + [msg])
        commit, outcome = _commit_and_push(git, config, remote, state, branch, head,
                                           contents, notes, attempt, say, before_push)
        if outcome.landed == "yes":
            msg = pushed_message(remote, branch, commit, outcome)
            if outcome.signum is not None:
                raise interrupted_error(outcome.signum, "yes", commit, msg)
            return SyncResult("pushed", commit, diff,
                              messages + overwritten + warnings + [msg])
        if outcome.signum is not None or outcome.landed == "unknown" or not outcome.retry:
            raise failed_push_error(git, config, remote, commit, outcome)
        last = outcome
        if attempt < attempts:
            note = (f"the Overleaf project changed while pushing; fetching and trying again "
                    f"({attempt}/{attempts - 1})")
            say(note)
            messages.append(note)
            time.sleep(min(0.5 * attempt, 2.0))
    said = answer_text(last) if last is not None else ""
    raise SyncError(
        f"the Overleaf project kept changing while relwork pushed ({attempts} attempts); "
        f"nothing was pushed{said}",
        source=config.where("overleaf_remote"),
        hint="wait until co-authors pause editing and re-run 'relwork sync'",
    )


def _settle_pending(git: Git, config: Config, remote: Remote, state: dict[str, object],
                    head: str, messages: list[str]) -> dict[str, object]:
    """Take an unconfirmed push of an earlier run as relwork's own when it is in the
    project's history (an interrupted run, a lost answer); leave it pending otherwise."""
    found = pending(state)
    if found is None or not is_ancestor(git, str(found["commit"]), head):
        return state
    messages.append(f"relwork's push of {str(found['commit'])[:12]} from an earlier run had "
                    "landed on Overleaf; it is recorded as relwork's own")
    return promote_pending(config, remote.url, state)


def _commit_and_push(git: Git, config: Config, remote: Remote, state: dict[str, object],
                     branch: str, head: str, contents: dict[str, bytes], notes: list[str],
                     attempt: int, say: Callable[[str], None],
                     before_push: Callable[[int], None] | None) -> tuple[str, PushOutcome]:
    """Commit the staged files on ``head``, record the commit as pending, push it, and
    record the outcome: (commit, outcome)."""
    git.run("commit", "--quiet", "--no-verify", "-F", "-",
            stdin=_commit_message(list(contents), notes).encode("utf-8"))
    commit = git.text("rev-parse", "HEAD").strip()
    pushed = {p: git.text("rev-parse", f"{commit}:{p}").strip() for p in contents}
    save_pending(config, remote.url, state, branch, commit, pushed, contents)
    try:
        if before_push is not None:
            before_push(attempt)
        say(f"pushing {commit[:12]} to {remote.url} ({branch})")
        outcome = push(git, branch, commit, head)
    except KeyboardInterrupt as exc:  # before git push started, or after it was refused
        signum = exc.signum if isinstance(exc, proc.Interrupted) else signal.SIGINT
        clear_pending(config, remote.url, state)
        raise interrupted_error(signum, "no", commit) from None
    if outcome.landed == "yes":
        save_state(config, remote.url, branch, commit, pushed, contents)
    elif outcome.landed == "no":
        clear_pending(config, remote.url, state)
    return commit, outcome


def _checkout(git: Git, config: Config) -> tuple[str, str]:
    """Fetch the project's branch and reset the working copy to it; (branch, commit)."""
    branch, _ = remote_branch(git, config)
    git.run("fetch", "--quiet", "--no-tags", "origin",
            f"+refs/heads/{branch}:refs/remotes/origin/{branch}", network=True,
            what="git fetch")
    head = git.text("rev-parse", "--verify", f"refs/remotes/origin/{branch}^{{commit}}").strip()
    # Why: the working copy is relwork's own; it always starts from the server's state.
    git.run("checkout", "--quiet", "--force", "-B", branch, head)
    git.run("clean", "-ffdxq")
    return branch, head


def _remote_blobs(git: Git, head: str, contents: dict[str, bytes], attrs: dict[str, str],
                  config: Config) -> dict[str, str | None]:
    """The blob of each managed path at ``head`` (None: absent); SyncError for a link or folder."""
    remote_blobs: dict[str, str | None] = {}
    for path in contents:
        check_working_copy_path(git.workdir, path, config, attrs[path])
        tree_entry = blob(git, head, path)
        if tree_entry and ":" in tree_entry:
            raise SyncError(
                f"in the Overleaf project, {path} is not a regular file "
                f"(mode {tree_entry.split(':')[0]}); nothing was pushed",
                source=config.where(attrs[path]),
                hint="remove it from the project or choose another path in relwork.yaml",
            )
        remote_blobs[path] = tree_entry
    return remote_blobs


def _overwrite_notes(foreign: list[Foreign], head: str, state: dict[str, object],
                     contents: dict[str, bytes], remote_blobs: dict[str, str | None],
                     renamed: dict[str, str]) -> list[str]:
    """Messages for Overleaf-side text this push replaces or brings back."""
    notes = [
        f"{f.path}: replaced the version on Overleaf (it stays in the project's history "
        f"at {head[:12]})" for f in foreign
    ]
    notes += [f"{old} was renamed on Overleaf to {new}; relwork writes {old} again "
              "(--overwrite)" for old, new in renamed.items()]
    last_files = state_map(state, "files")
    notes += [
        f"{path} was deleted on Overleaf; relwork writes it again (remove "
        "'relwork sync' from your routine if the project should not have it)"
        for path in contents
        if path in last_files and remote_blobs[path] is None and path not in renamed
    ]
    return notes


def _write_contents(git: Git, contents: dict[str, bytes]) -> None:
    """Write the managed files into the working copy, leaving text that only differs in
    line endings or trailing space as it is."""
    for path, data in contents.items():
        target = git.workdir / path
        if target.is_file() and text_digest(target.read_bytes()) == text_digest(data):
            continue  # Why: rewriting only line endings would make Overleaf churn
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
