"""Running git in relwork's working copy: a locked-down environment, time limits, and
failures turned into SyncErrors that say what to do."""

from __future__ import annotations

import os
import re
import subprocess
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import SyncError
from ..infra import proc
from ..infra.proc import Finished

#: Seconds before a git call that talks to the server is stopped.
NETWORK_TIMEOUT = 120.0
#: Seconds before a local git call is stopped.
LOCAL_TIMEOUT = 60.0
#: Seconds a push may go on after Ctrl-C or SIGTERM, so relwork knows whether it landed.
PUSH_GRACE = 5.0
#: Environment variable holding the token in the git child process (never the user's shell).
_TOKEN_VAR = "RELWORK_OVERLEAF_TOKEN"
_USER_VAR = "RELWORK_OVERLEAF_USER"
_HOST_VAR = "RELWORK_OVERLEAF_HOST"
#: Credential helper given to git on the command line, scoped to the remote's URL: answers
#: "get" from the environment, and only when git asks for the configured host.
_HELPER = (
    f'!f() {{ test "$1" = get || exit 0; h=; while read -r l; do case "$l" in host=*) '
    f'h="${{l#host=}}";; esac; done; test -n "$h" && test "$h" = "${{{_HOST_VAR}}}" || exit 0; '
    f'echo "username=${{{_USER_VAR}}}"; echo "password=${{{_TOKEN_VAR}}}"; }}; f'
)
#: Variables that would point git at another repository or another prompt.
_DROPPED_ENV = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
    "GIT_ASKPASS", "SSH_ASKPASS", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR",
)
#: Fragments of git's (English, lower-cased) messages that tell a failure's cause.
_AUTH_FAILED = (
    "authentication failed", "could not read username", "could not read password",
    "terminal prompts disabled", "http basic: access denied", "returned error: 401",
    "returned error: 403",
)
_UNREACHABLE = (
    "could not resolve host", "failed to connect", "connection refused", "connection timed out",
    "couldn't connect", "network is unreachable", "operation timed out", "empty reply",
    "recv failure", "connection reset", "ssl certificate", "ssl_connect", "gnutls",
    "no route to host", "proxy",
)
_REDIRECTED = ("returned error: 30", "redirect")
_NOT_FOUND = (
    "repository not found", "not found", "does not appear to be a git repository",
    "returned error: 404", "does not exist",
)


@dataclass(frozen=True)
class Remote:
    """The configured Overleaf remote, split from any credentials written into it."""

    url: str  # without user info: safe to store in .git/config and to show
    username: str
    password: str | None  # a password that was written into the configured URL
    is_http: bool


def base_env(token: str | None, username: str) -> dict[str, str]:
    """The environment of a git process: no prompts, English messages, the token (if any)
    only in ``_TOKEN_VAR``, and nothing that points git at another repository. Only git
    commands that talk to the remote get a token."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password on the terminal
    env["GCM_INTERACTIVE"] = "never"
    env["LC_ALL"] = "C"  # English messages, which Git.error reads
    env.pop("LANGUAGE", None)
    env[_USER_VAR] = username
    if token is not None:
        env[_TOKEN_VAR] = token
    else:
        env.pop(_TOKEN_VAR, None)
    return env


class Git:
    """git in relwork's working copy, with the token supplied only through the environment."""

    def __init__(self, workdir: Path, remote: Remote, token: str | None,
                 redact: Callable[[str], str], config: Config):
        self.workdir = workdir
        self.remote = remote
        self.token = token
        self.redact = redact
        self.config = config
        # Why: local commands never see the token; network ones add it (``_network_env``).
        self.env = base_env(None, remote.username)
        # Why: never fall through to a repository around the working copy (the user's own).
        self.env["GIT_CEILING_DIRECTORIES"] = str(workdir.parent)
        # Why: an empty credential.helper first drops the user's helpers, so git never stores
        # the token anywhere; hooks are off because this copy belongs to relwork.
        self.prefix = [
            "git", "-c", "credential.helper=", "-c", "core.askPass=",
            "-c", "core.autocrlf=false", "-c", "core.quotePath=false",
            "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false",
            "-c", f"core.hooksPath={os.devnull}", "-c", "protocol.version=2",
            "-c", "color.ui=false", "-c", "advice.detachedHead=false",
            # Why: a redirect could lead git (and a token) to another host.
            "-c", "http.followRedirects=false",
            # Why: a detached auto-gc would outlive relwork, out of reach of its process group.
            "-c", "gc.autoDetach=false", "-c", "maintenance.autoDetach=false",
        ]
        # Why: housekeeping after a fetch would run with the token in its environment.
        self.network_prefix = self.prefix + ["-c", "gc.auto=0", "-c", "maintenance.auto=false"]
        if token is not None and remote.is_http:
            # Why: scoped to the remote's scheme, host and port; the helper checks host= too.
            self.network_prefix += ["-c", f"credential.{_origin(remote.url)}.helper={_HELPER}"]

    def _network_env(self) -> dict[str, str]:
        env = dict(self.env)
        if self.token is not None:
            env[_TOKEN_VAR] = self.token
            env[_HOST_VAR] = _host(self.remote.url)
        return env

    def spawn(self, *args: str, network: bool = False, stdin: bytes | None = None,
              timeout: float | None = None, grace: float = 0.0) -> Finished:
        """Run ``git args`` unchecked; ``subprocess.TimeoutExpired`` and ``proc.Interrupted``
        go on to the caller (the push needs to tell them apart)."""
        if timeout is None:
            timeout = NETWORK_TIMEOUT if network else LOCAL_TIMEOUT
        prefix, env = (self.network_prefix, self._network_env()) if network else (
            self.prefix, self.env)
        return proc.run(prefix + list(args), cwd=self.workdir, env=env, timeout=timeout,
                        stdin=stdin, grace=grace)

    def run(self, *args: str, network: bool = False, check: bool = True,
            stdin: bytes | None = None, what: str | None = None) -> Finished:
        """Run ``git args`` in the working copy; SyncError (redacted) on failure if ``check``."""
        timeout = NETWORK_TIMEOUT if network else LOCAL_TIMEOUT
        label = what or f"git {args[0]}"
        try:
            done = self.spawn(*args, network=network, stdin=stdin, timeout=timeout)
        except FileNotFoundError:
            raise SyncError(
                "git is not installed or not on PATH",
                hint="install git (2.30 or newer) or use 'relwork zip' and upload the zip",
            ) from None
        except subprocess.TimeoutExpired:
            raise SyncError(
                f"{label} did not finish within {timeout:.0f} s "
                f"(remote {self.remote.url}); nothing was pushed",
                source=self.config.where("overleaf_remote"),
                hint="check your network and re-run 'relwork sync'",
            ) from None
        if check and done.returncode != 0:
            raise self.error(label, done)
        return done

    def text(self, *args: str, network: bool = False, stdin: bytes | None = None,
             what: str | None = None) -> str:
        """Like ``run`` (checked), returning stdout as text."""
        return self.run(*args, network=network, stdin=stdin, what=what).stdout.decode(
            "utf-8", "replace")

    def error(self, label: str, done: Finished) -> SyncError:
        """Turn a failed git call into a SyncError that says what to do."""
        # Why: with --porcelain the rejected ref line is on stdout, the server's hints on stderr.
        detail = self.redact("\n".join(
            part.decode("utf-8", "replace").strip() for part in (done.stderr, done.stdout)
            if part.strip()
        ))
        low = detail.lower()
        shown = self.remote.url
        where = self.config.where("overleaf_remote")
        if any(s in low for s in _REDIRECTED):
            return SyncError(
                f"the server at {shown} answered with a redirect; relwork does not follow "
                "redirects, so the token goes to no other host; nothing was pushed\n"
                f"  git said: {_last_lines(detail)}",
                source=where,
                hint="copy the project's git URL again from Overleaf (Menu > Sync > Git) "
                     "into overleaf.remote",
            )
        if any(s in low for s in _AUTH_FAILED):
            if self.token is None:
                message = f"the Overleaf git bridge at {shown} asked for a token and none is set"
            else:
                message = f"the Overleaf git bridge at {shown} rejected the token"
            return SyncError(
                f"{message}; nothing was pushed\n  git said: {_last_lines(detail)}",
                source=where,
                hint="create a git token in Overleaf (Account Settings > Git integration) and "
                     "export OVERLEAF_TOKEN=<token>, or store it with your git credential helper",
            )
        if any(s in low for s in _UNREACHABLE):
            return SyncError(
                f"cannot reach the Overleaf git bridge at {shown}; nothing was pushed and "
                f"local output is intact\n  git said: {_last_lines(detail)}",
                source=where,
                hint="check your network connection and overleaf.remote, then re-run "
                     "'relwork sync' (or use 'relwork zip' and upload the zip)",
            )
        if any(s in low for s in _NOT_FOUND) and label.startswith(("git ls-remote", "git fetch")):
            return SyncError(
                f"no Overleaf project at {shown}; nothing was pushed\n"
                f"  git said: {_last_lines(detail)}",
                source=where,
                hint="copy the git URL from Overleaf (Menu > Sync > Git) into overleaf.remote "
                     "in relwork.yaml",
            )
        return SyncError(
            f"{label} failed (remote {shown}); nothing was pushed\n"
            f"  git said: {_last_lines(detail)}",
            source=where,
            hint="fix the problem git reports and re-run 'relwork sync'",
        )


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the part git's ``credential.<url>`` matches."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _host(url: str) -> str:
    """The ``host=`` git's credential protocol names for ``url`` (with a port if any)."""
    return urllib.parse.urlsplit(url).netloc


def _last_lines(text: str, n: int = 10) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return "\n  ".join(lines[-n:]) if lines else "(no output)"


#: Oldest git known to work (ls-remote --symref, rev-parse --absolute-git-dir, protocol v2).
MIN_GIT = (2, 20)


def parse_git_version(text: str) -> tuple[int, ...] | None:
    """``(2, 39, 5)`` from ``git version 2.39.5`` (vendor suffixes ignored); None if unreadable."""
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not found:
        return None
    return tuple(int(part) for part in found.groups() if part is not None)


def check_git_version(git: Git) -> None:
    """SyncError when the installed git is older than ``MIN_GIT``."""
    shown = git.text("--version").strip()
    version = parse_git_version(shown)
    if version is not None and version[:2] < MIN_GIT:
        raise SyncError(
            f"{shown} is too old for 'relwork sync' (needs {MIN_GIT[0]}.{MIN_GIT[1]} or newer)",
            hint="update git, or use 'relwork zip' and upload the zip to Overleaf",
        )
