"""Overleaf: push the section and its bibliography through the git bridge, or build a zip.

``sync`` keeps relwork's own working copy of the Overleaf project under
``<root>/.relwork/overleaf/``, writes only the two managed files (``overleaf.tex`` and
``overleaf.bib``), commits and pushes on top of whatever co-authors did in the web editor.
It never force-pushes, never pushes to another branch, and refuses to replace a managed
file that someone edited on Overleaf unless asked to (``overwrite``); the replaced text
then stays in the project's history.

The token is never written to disk or shown: git receives it through a credential helper
that reads an environment variable of the git process, and every message is redacted.

``make_zip`` builds ``overleaf.zip`` (section, bib, a ``main.tex`` that compiles them) for
Overleaf's "Upload project" when the git bridge is not available.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import difflib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unicodedata
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from .config import Config
from .errors import ConfigError, SyncError

SyncStatus = Literal["pushed", "unchanged", "dry-run"]

#: Largest file relwork pushes or zips (Overleaf's own upload limit is 50 MB per file).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Seconds before a git call that talks to the server is stopped.
NETWORK_TIMEOUT = 120.0
#: Seconds before a local git call is stopped.
LOCAL_TIMEOUT = 60.0
#: Environment variable holding the token in the git child process (never the user's shell).
_TOKEN_VAR = "RELWORK_OVERLEAF_TOKEN"
_USER_VAR = "RELWORK_OVERLEAF_USER"
#: Credential helper given to git on the command line: answers "get" from the environment.
_HELPER = (
    f'!f() {{ test "$1" = get || exit 0; echo "username=${{{_USER_VAR}}}"; '
    f'echo "password=${{{_TOKEN_VAR}}}"; }}; f'
)
#: Variables that would point git at another repository or another prompt.
_DROPPED_ENV = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
    "GIT_ASKPASS", "SSH_ASKPASS", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR",
)
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")
_RETRYABLE_PUSH = (
    "non-fast-forward", "fetch first", "stale info", "cannot lock ref", "failed to lock",
    "failed to update ref", "incorrect old value",
)
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
_NOT_FOUND = (
    "repository not found", "not found", "does not appear to be a git repository",
    "returned error: 404", "does not exist",
)
_DIFF_LINES = 80


@dataclass
class SyncResult:
    """What ``sync`` did: ``status``, the pushed ``commit`` (or None), the ``diff`` of the
    managed files that was (or, for a dry run, would be) pushed, and messages for the user."""

    status: SyncStatus
    commit: str | None
    diff: str
    messages: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# secrets


class _Redactor:
    """Removes the token (raw and URL-encoded) and any URL password from text."""

    def __init__(self) -> None:
        self.secrets: list[str] = []

    def add(self, secret: str | None) -> None:
        if not secret:
            return
        for form in (secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote(secret)):
            if form and form not in self.secrets:
                self.secrets.append(form)
        self.secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = _URL_PASSWORD.sub(r"\1:***@", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages)."""
    return _URL_PASSWORD.sub(r"\1:***@", url)


@dataclass(frozen=True)
class _Remote:
    url: str  # without user info: safe to store in .git/config and to show
    username: str
    password: str | None  # a password that was written into the configured URL
    is_http: bool


def _parse_remote(raw: str) -> _Remote:
    """Split the configured remote into a clean URL and the credentials written into it."""
    text = raw.strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return _Remote(text, "git", None, False)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    username = urllib.parse.unquote(parts.username) if parts.username else "git"
    password = urllib.parse.unquote(parts.password) if parts.password else None
    return _Remote(clean, username, password, True)


def resolve_token(config: Config, token: str | None = None) -> tuple[str | None, str]:
    """The Overleaf token and where it came from (never the token in that description).

    Order: the ``token`` argument, ``$OVERLEAF_TOKEN``, a password written into
    ``overleaf.remote`` (discouraged), then ``git credential fill`` for the remote's URL.
    Returns ``(None, "none")`` for non-HTTP remotes or when nothing is found.
    """
    remote = _parse_remote(config.overleaf_remote)
    if not remote.is_http:
        return None, "none"
    if token:
        return token, "argument"
    env_token = os.environ.get("OVERLEAF_TOKEN", "").strip()
    if env_token:
        return env_token, "OVERLEAF_TOKEN"
    if remote.password:
        return remote.password, "overleaf.remote"
    found = _credential_fill(remote)
    if found:
        return found, "git credential helper"
    return None, "none"


def _credential_fill(remote: _Remote) -> str | None:
    """Ask the user's git credential helpers (without prompting) for the remote's password."""
    parts = urllib.parse.urlsplit(remote.url)
    request = (
        f"protocol={parts.scheme}\nhost={parts.netloc}\npath={parts.path.lstrip('/')}\n"
        f"username={remote.username}\n\n"
    )
    env = _base_env(None, remote.username)
    try:
        proc = _run(["git", "-c", "core.askPass=", "credential", "fill"], cwd=None, env=env,
                    timeout=LOCAL_TIMEOUT, stdin=request.encode())
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("password="):
            return line[len("password="):] or None
    return None


# ---------------------------------------------------------------------------------------
# running git


@dataclass
class _Proc:
    returncode: int
    stdout: bytes
    stderr: bytes


def _run(args: Sequence[str], *, cwd: Path | None, env: dict[str, str], timeout: float,
         stdin: bytes | None = None) -> _Proc:
    """Run a command in its own process group so a timeout also stops git's helpers."""
    proc = subprocess.Popen(
        list(args), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        # Why: killing only git would leave git-remote-https holding the pipes open.
        if hasattr(os, "killpg"):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
        proc.communicate()
        raise
    return _Proc(proc.returncode, out, err)


def _base_env(token: str | None, username: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password on the terminal
    env["GCM_INTERACTIVE"] = "never"
    env["LC_ALL"] = "C"  # English messages, which _classify reads
    env.pop("LANGUAGE", None)
    env[_USER_VAR] = username
    if token is not None:
        env[_TOKEN_VAR] = token
    else:
        env.pop(_TOKEN_VAR, None)
    return env


class _Git:
    """git in relwork's working copy, with the token supplied only through the environment."""

    def __init__(self, workdir: Path, remote: _Remote, token: str | None, redact: _Redactor,
                 config: Config):
        self.workdir = workdir
        self.remote = remote
        self.token = token
        self.redact = redact
        self.config = config
        self.env = _base_env(token, remote.username)
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
        ]
        if token is not None:
            self.prefix += ["-c", f"credential.helper={_HELPER}"]

    def run(self, *args: str, network: bool = False, check: bool = True,
            stdin: bytes | None = None, what: str | None = None) -> _Proc:
        """Run ``git args`` in the working copy; SyncError (redacted) on failure if ``check``."""
        timeout = NETWORK_TIMEOUT if network else LOCAL_TIMEOUT
        label = what or f"git {args[0]}"
        try:
            proc = _run(self.prefix + list(args), cwd=self.workdir, env=self.env,
                        timeout=timeout, stdin=stdin)
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
        if check and proc.returncode != 0:
            raise self.error(label, proc)
        return proc

    def text(self, *args: str, network: bool = False, stdin: bytes | None = None,
             what: str | None = None) -> str:
        """Like ``run`` (checked), returning stdout as text."""
        proc = self.run(*args, network=network, stdin=stdin, what=what)
        return proc.stdout.decode("utf-8", "replace")

    def error(self, label: str, proc: _Proc) -> SyncError:
        """Turn a failed git call into a SyncError that says what to do."""
        # Why: with --porcelain the rejected ref line is on stdout, the server's hints on stderr.
        detail = self.redact("\n".join(
            part.decode("utf-8", "replace").strip() for part in (proc.stderr, proc.stdout)
            if part.strip()
        ))
        low = detail.lower()
        shown = self.remote.url
        where = self.config.where("overleaf_remote")
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


def _last_lines(text: str, n: int = 10) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return "\n  ".join(lines[-n:]) if lines else "(no output)"


# ---------------------------------------------------------------------------------------
# state


def _state_path(config: Config) -> Path:
    return config.root / ".relwork" / "overleaf-state.json"


def _load_state(config: Config, remote_url: str) -> dict[str, object]:
    """What relwork last pushed to ``remote_url``: {"commit", "branch", "files": {path: blob}}."""
    path = _state_path(config)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("remote") != remote_url:
        return {}  # state of another project says nothing about this one
    files = data.get("files")
    if not isinstance(files, dict):
        return {}
    return data


def text_digest(data: bytes) -> str:
    """SHA-256 of text with the differences an editor's round trip may add removed.

    Line endings, trailing spaces, trailing blank lines, a BOM and Unicode composition do
    not count, so Overleaf re-saving relwork's file is not taken for a co-author's edit.
    """
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _save_state(config: Config, remote_url: str, branch: str, commit: str,
                files: dict[str, str], contents: dict[str, bytes]) -> None:
    data = {
        "remote": remote_url,
        "branch": branch,
        "commit": commit,
        "files": files,
        "checksums": {path: text_digest(data) for path, data in contents.items()},
        "synced_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    _write_atomic(_state_path(config), (json.dumps(data, indent=2) + "\n").encode())


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(config: Config) -> Iterator[None]:
    """One sync at a time per project folder."""
    lock_path = config.root / ".relwork" / "overleaf.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock
            yield
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SyncError(
                "another 'relwork sync' is running for this project",
                hint="wait for it to finish, then re-run",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------
# checks


#: characters a file name may have so that \input{...} and \bibliography{...} take it as is
_TEX_SAFE_NAME = re.compile(r"[A-Za-z0-9_.+/-]+")


def check_paths(config: Config) -> None:
    """Check ``overleaf.tex`` and ``overleaf.bib`` before any work; ConfigError (exit 2) if bad.

    Each must be a relative path inside the Overleaf project (no ``..``, not absolute, not
    in ``.git``) ending in ``.tex`` / ``.bib``, made of letters, digits and ``_ . + - /``
    (braces, ``%``, ``#``, spaces, backslashes and the like break ``\\input``), and the two
    must differ. The error names the config file and line of the value.
    """
    _managed_paths(config)


def _managed_paths(config: Config) -> list[str]:
    """The two project paths relwork owns, validated (ConfigError) and in POSIX form."""
    paths = []
    for attr, suffix in (("overleaf_tex", ".tex"), ("overleaf_bib", ".bib")):
        raw = str(getattr(config, attr)).strip()
        name = "overleaf." + attr.split("_", 1)[1]
        default = "related_work" + suffix
        pure = PurePosixPath(raw.replace("\\", "/"))
        hint_place = f"set {name} in {config.file_name}"
        if (not raw or pure.is_absolute() or ".." in pure.parts or raw.endswith(("/", "\\"))
                or any(part.lower() == ".git" for part in pure.parts)
                or re.match(r"^[A-Za-z]:", raw)):
            raise ConfigError(
                f"config value '{name}': {raw!r} is not a file path inside the project",
                source=config.where(attr),
                hint=f"{hint_place} to a relative path such as {default} or sections/{default}",
            )
        bad = sorted({c for c in raw if not _TEX_SAFE_NAME.fullmatch(c)})
        if bad:
            shown = " ".join("space" if c == " " else repr(c) for c in bad)
            raise ConfigError(
                f"config value '{name}': {raw!r} has characters LaTeX cannot \\input: {shown}",
                source=config.where(attr),
                hint=f"{hint_place} to a name of letters, digits, '_', '-', '.' and '/'"
                     f" (e.g. {default})",
            )
        if pure.suffix != suffix:
            raise ConfigError(
                f"config value '{name}': {raw!r} does not end in {suffix}",
                source=config.where(attr),
                hint=f"{hint_place} to a {suffix} file name such as {default}",
            )
        paths.append(str(pure))
    if paths[0] == paths[1]:
        raise ConfigError(
            f"overleaf.tex and overleaf.bib are the same path ({paths[0]})",
            source=config.where("overleaf_bib"),
            hint=f"give the .bib its own name (overleaf.bib in {config.file_name})",
        )
    return paths


def _check_local_outputs(config: Config, contents: dict[str, bytes]) -> None:
    """Refuse symlinked outputs and contents over the size limit before touching anything."""
    for attr in ("output_tex", "output_bib"):
        local = config.resolve(getattr(config, attr))
        if local.is_symlink():
            raise SyncError(
                f"{config.display(local)} is a symbolic link (to {os.readlink(local)}); "
                "relwork does not push linked files; nothing was pushed",
                source=config.where(attr),
                hint="replace the link with a regular file (delete it and run 'relwork build')",
            )
    for path, data in contents.items():
        if len(data) > MAX_FILE_BYTES:
            raise SyncError(
                f"{path} would be {len(data) / 2**20:.1f} MiB, over the 50 MiB limit; "
                "nothing was pushed",
                hint="cite fewer entries or split the bibliography; Overleaf rejects files "
                     "this large",
            )


def _check_working_copy_path(workdir: Path, rel: str, config: Config, attr: str) -> None:
    """Refuse a managed path that is (or lies under) a symlink or a folder in the project."""
    current = workdir
    parts = PurePosixPath(rel).parts
    for i, part in enumerate(parts):
        current = current / part
        if current.is_symlink():
            what = "the managed file" if i == len(parts) - 1 else "a folder on the managed path"
            raise SyncError(
                f"in the Overleaf project, {'/'.join(parts[: i + 1])} ({what} {rel}) is a "
                "symbolic link; relwork does not write through links; nothing was pushed",
                source=config.where(attr),
                hint="remove the link from the project, or set overleaf."
                     f"{attr.split('_', 1)[1]} to another path in relwork.yaml",
            )
        if i == len(parts) - 1 and current.is_dir():
            raise SyncError(
                f"in the Overleaf project, {rel} is a folder, not a file; nothing was pushed",
                source=config.where(attr),
                hint=f"set overleaf.{attr.split('_', 1)[1]} to a file path in relwork.yaml",
            )
        if i < len(parts) - 1 and current.exists() and not current.is_dir():
            raise SyncError(
                f"in the Overleaf project, {'/'.join(parts[: i + 1])} is a file, so {rel} "
                "cannot be written; nothing was pushed",
                source=config.where(attr),
                hint=f"set overleaf.{attr.split('_', 1)[1]} to another path in relwork.yaml",
            )


# ---------------------------------------------------------------------------------------
# sync


@dataclass
class _Foreign:
    path: str
    attr: str
    kind: Literal["edited", "preexisting"]
    diff: str
    commits: list[str]


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
    """
    check_paths(config)
    redact = _Redactor()
    say = (lambda line: progress(redact(line))) if progress else (lambda line: None)
    if not config.overleaf_remote.strip():
        raise ConfigError(
            "no Overleaf project configured (overleaf.remote is empty)",
            source=config.where("overleaf_remote"),
            hint=f"set overleaf.remote in {config.file_name} to the project's git URL "
                 "(https://git.overleaf.com/<project-id>), or use 'relwork zip'",
        )
    remote = _parse_remote(config.overleaf_remote)
    messages: list[str] = []
    if remote.password:
        redact.add(remote.password)
        messages.append(
            f"{config.where('overleaf_remote') or 'relwork.yaml'}: overleaf.remote contains a "
            "password; remove it from the URL and set OVERLEAF_TOKEN instead"
        )
    try:
        tex_path, bib_path = _managed_paths(config)
        contents = {tex_path: section_text.encode("utf-8"), bib_path: bib_text.encode("utf-8")}
        attrs = {tex_path: "overleaf_tex", bib_path: "overleaf_bib"}
        _check_local_outputs(config, contents)
        secret, origin = resolve_token(config, token)
        redact.add(secret)
        if secret is not None and any(ord(c) < 32 for c in secret):
            raise SyncError("the Overleaf token contains control characters",
                            hint="copy the token again without line breaks")
        if remote.is_http and secret is None:
            messages.append("no Overleaf token found (OVERLEAF_TOKEN or git credential helper)")
        elif secret is not None:
            say(f"using the Overleaf token from {origin}")
        with _locked(config):
            result = _sync_locked(
                config, remote, secret, redact, contents, attrs, notes, dry_run=dry_run,
                overwrite=overwrite, max_retries=max_retries, say=say, before_push=before_push,
            )
    except SyncError as exc:
        raise SyncError(redact(exc.message), source=exc.source,
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


#: Oldest git known to work (ls-remote --symref, rev-parse --absolute-git-dir, protocol v2).
MIN_GIT = (2, 20)


def parse_git_version(text: str) -> tuple[int, ...] | None:
    """``(2, 39, 5)`` from ``git version 2.39.5`` (vendor suffixes ignored); None if unreadable."""
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not found:
        return None
    return tuple(int(part) for part in found.groups() if part is not None)


def _check_git_version(git: _Git) -> None:
    shown = git.text("--version").strip()
    version = parse_git_version(shown)
    if version is not None and version[:2] < MIN_GIT:
        raise SyncError(
            f"{shown} is too old for 'relwork sync' (needs {MIN_GIT[0]}.{MIN_GIT[1]} or newer)",
            hint="update git, or use 'relwork zip' and upload the zip to Overleaf",
        )


def _workdir(config: Config) -> Path:
    return config.root / ".relwork" / "overleaf"


def _prepare_workdir(config: Config, remote: _Remote, git_factory: Callable[[Path], _Git]) -> _Git:
    """Create or re-use the working copy and point its ``origin`` at the clean remote URL."""
    workdir = _workdir(config)
    if workdir.is_symlink():
        raise SyncError(
            f"{config.display(workdir)} is a symbolic link; relwork keeps its own copy there",
            hint=f"delete {config.display(workdir)} and re-run",
        )
    workdir.mkdir(parents=True, exist_ok=True)
    git = git_factory(workdir)
    _check_git_version(git)
    inside = git.run("rev-parse", "--absolute-git-dir", check=False)
    found = Path(inside.stdout.decode().strip()).resolve() if inside.returncode == 0 else None
    if found != (workdir / ".git").resolve():
        if (workdir / ".git").exists():
            # Why: a broken copy is relwork's own cache; start it again from the server.
            shutil.rmtree(workdir / ".git")
        git.run("init", "--quiet")
    urls = git.run("remote", "get-url", "origin", check=False)
    if urls.returncode != 0:
        git.run("remote", "add", "origin", remote.url)
    elif urls.stdout.decode().strip() != remote.url:
        git.run("remote", "set-url", "origin", remote.url)
    return git


def _remote_branch(git: _Git, config: Config) -> tuple[str, str]:
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


def _blob(git: _Git, rev: str, path: str) -> str | None:
    """The blob id of ``path`` at ``rev``; None if absent. Refuses links and folders."""
    out = git.text("ls-tree", "-z", rev, "--", path).strip("\0")
    if not out:
        return None
    meta, _, _ = out.partition("\t")
    mode, kind, sha = meta.split()
    if mode == "120000" or kind != "blob":
        return f"{mode}:{sha}"
    return sha


def _read_blob(git: _Git, sha: str | None) -> str | None:
    if not sha:
        return None
    proc = git.run("cat-file", "blob", sha, check=False)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def _unified(old: str, new: str, old_label: str, new_label: str) -> str:
    lines = list(difflib.unified_diff(old.splitlines(keepends=True),
                                      new.splitlines(keepends=True), old_label, new_label))
    if len(lines) > _DIFF_LINES:
        rest = len(lines) - _DIFF_LINES
        lines = lines[:_DIFF_LINES] + [f"... ({rest} more diff lines)\n"]
    return "".join(ln if ln.endswith("\n") else ln + "\n" for ln in lines)


def _state_map(state: dict[str, object], key: str) -> dict[str, str]:
    value = state.get(key)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _find_foreign(git: _Git, head: str, state: dict[str, object], contents: dict[str, bytes],
                  remote_blobs: dict[str, str | None],
                  attrs: dict[str, str]) -> list[_Foreign]:
    """Managed files whose text on the server is not what relwork last pushed."""
    files = _state_map(state, "files")
    checksums = _state_map(state, "checksums")
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
            before = _read_blob(git, pushed)
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
            found.append(_Foreign(path, attrs[path], "edited", diff, commits))
        else:
            new = contents[path].decode("utf-8", "replace")
            diff = _unified(current, new, f"a/{path} (on Overleaf now)",
                            f"b/{path} (what relwork would write)")
            found.append(_Foreign(path, attrs[path], "preexisting", diff, commits))
    return found


def _foreign_error(found: list[_Foreign], config: Config, notes: list[str]) -> SyncError:
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


def _is_retryable(text: str) -> bool:
    low = text.lower()
    return any(s in low for s in _RETRYABLE_PUSH)


def _sync_locked(
    config: Config, remote: _Remote, token: str | None, redact: _Redactor,
    contents: dict[str, bytes], attrs: dict[str, str], notes: list[str], *, dry_run: bool,
    overwrite: bool, max_retries: int, say: Callable[[str], None],
    before_push: Callable[[int], None] | None,
) -> SyncResult:
    git = _prepare_workdir(config, remote, lambda wd: _Git(wd, remote, token, redact, config))
    identity = git.run("config", "user.email", check=False).stdout.strip()
    if not identity:  # Why: commit needs an author; the user may have none configured
        for var in ("GIT_AUTHOR", "GIT_COMMITTER"):
            git.env[f"{var}_NAME"] = "relwork"
            git.env[f"{var}_EMAIL"] = "relwork@localhost"
    state = _load_state(config, remote.url)
    messages: list[str] = []
    attempts = max(0, int(max_retries)) + 1
    for attempt in range(1, attempts + 1):
        say(f"fetching {remote.url}")
        branch, _ = _remote_branch(git, config)
        git.run("fetch", "--quiet", "--no-tags", "origin",
                f"+refs/heads/{branch}:refs/remotes/origin/{branch}", network=True,
                what="git fetch")
        head = git.text("rev-parse", "--verify", f"refs/remotes/origin/{branch}^{{commit}}").strip()
        # Why: the working copy is relwork's own; it always starts from the server's state.
        git.run("checkout", "--quiet", "--force", "-B", branch, head)
        git.run("clean", "-ffdxq")
        remote_blobs: dict[str, str | None] = {}
        for path in contents:
            _check_working_copy_path(git.workdir, path, config, attrs[path])
            tree_entry = _blob(git, head, path)
            if tree_entry and ":" in tree_entry:
                raise SyncError(
                    f"in the Overleaf project, {path} is not a regular file "
                    f"(mode {tree_entry.split(':')[0]}); nothing was pushed",
                    source=config.where(attrs[path]),
                    hint="remove it from the project or choose another path in relwork.yaml",
                )
            remote_blobs[path] = tree_entry
        foreign = _find_foreign(git, head, state, contents, remote_blobs, attrs)
        if foreign and not overwrite:
            raise _foreign_error(foreign, config, notes)
        overwritten = [
            f"{f.path}: replaced the version on Overleaf (it stays in the project's history "
            f"at {head[:12]})" for f in foreign
        ]
        last_files = _state_map(state, "files")
        overwritten += [
            f"{path} was deleted on Overleaf; relwork writes it again (remove "
            "'relwork sync' from your routine if the project should not have it)"
            for path in contents if path in last_files and remote_blobs[path] is None
        ]
        for path, data in contents.items():
            target = git.workdir / path
            if target.is_file() and text_digest(target.read_bytes()) == text_digest(data):
                continue  # Why: rewriting only line endings would make Overleaf churn
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        git.run("add", "--", *contents)
        staged = git.run("diff", "--cached", "--quiet", check=False)
        if staged.returncode == 0:
            present = {p: b for p, b in remote_blobs.items() if b is not None}
            _save_state(config, remote.url, branch, head, present, contents)
            msg = (f"the Overleaf project ({branch} at {head[:12]}) already has this text; "
                   "nothing to push")
            return SyncResult("unchanged", None, "", messages + [msg])
        diff = git.text("diff", "--cached", "--no-ext-diff", "--no-renames", "--stat", "-p")
        if dry_run:
            git.run("reset", "--quiet", "--hard", head)
            msg = f"dry run: would push this to {remote.url} ({branch}); nothing was pushed"
            return SyncResult("dry-run", None, diff, messages + overwritten + [msg])
        git.run("commit", "--quiet", "--no-verify", "-F", "-",
                stdin=_commit_message(list(contents), notes).encode("utf-8"))
        commit = git.text("rev-parse", "HEAD").strip()
        if before_push is not None:
            before_push(attempt)
        say(f"pushing {commit[:12]} to {remote.url} ({branch})")
        # Why: no '+' and no --force: the server must accept it as a fast-forward.
        push = git.run("push", "--porcelain", "--no-verify", "origin",
                       f"HEAD:refs/heads/{branch}", network=True, check=False, what="git push")
        output = push.stdout.decode("utf-8", "replace") + push.stderr.decode("utf-8", "replace")
        if push.returncode == 0:
            pushed = {p: git.text("rev-parse", f"{commit}:{p}").strip() for p in contents}
            _save_state(config, remote.url, branch, commit, pushed, contents)
            msg = f"pushed {commit[:12]} to {remote.url} ({branch})"
            return SyncResult("pushed", commit, diff, messages + overwritten + [msg])
        if not _is_retryable(output):
            raise git.error("git push", push)
        if attempt < attempts:
            note = (f"the Overleaf project changed while pushing; fetching and trying again "
                    f"({attempt}/{attempts - 1})")
            say(note)
            messages.append(note)
            time.sleep(min(0.5 * attempt, 2.0))
    raise SyncError(
        f"the Overleaf project kept changing while relwork pushed ({attempts} attempts); "
        "nothing was pushed",
        source=config.where("overleaf_remote"),
        hint="wait until co-authors pause editing and re-run 'relwork sync'",
    )


# ---------------------------------------------------------------------------------------
# zip


_BASE_PACKAGES = ("amsmath", "amssymb", "graphicx", "booktabs", "array", "tabularx",
                  "longtable", "xcolor", "url")
_REQUIRES_LINE = re.compile(r"^%\s*Requires in the preamble:(.*)$", re.MULTILINE)
_USEPACKAGE = re.compile(r"\\usepackage(?:\[[^\]]*\])?\{([^}]*)\}")


def required_packages(section_text: str) -> list[str]:
    """Packages named in the section's ``% Requires in the preamble:`` header comment."""
    found: list[str] = []
    for line in _REQUIRES_LINE.findall(section_text[:8000]):
        for group in _USEPACKAGE.findall(line):
            for name in group.split(","):
                name = name.strip()
                if re.fullmatch(r"[A-Za-z][\w-]*", name) and name not in found:
                    found.append(name)
    return found


def main_tex(config: Config, cite: str = "natbib", packages: Sequence[str] = ()) -> str:
    """A ``main.tex`` that typesets the section and its bibliography (any TeX engine).

    ``packages`` are loaded too (e.g. from ``required_packages(section_text)``); the
    citation package always follows ``cite``.
    """
    tex_name = str(PurePosixPath(config.overleaf_tex.replace("\\", "/")).with_suffix(""))
    bib_name = str(PurePosixPath(config.overleaf_bib.replace("\\", "/")).with_suffix(""))
    lines = [
        "% Generated by relwork: a minimal document around the Related Work section.",
        "\\documentclass[11pt]{article}",
        "\\usepackage{iftex}",
        "\\ifPDFTeX",
        "  \\usepackage[T1]{fontenc}",
        "  \\usepackage[utf8]{inputenc}",
        "  \\usepackage{lmodern}",
        "\\else",
        "  \\usepackage{fontspec}",
        "\\fi",
    ]
    lines += [f"\\usepackage{{{name}}}" for name in _BASE_PACKAGES]
    skip = set(_BASE_PACKAGES) | {"natbib", "biblatex", "hyperref", "inputenc", "fontenc",
                                  "fontspec", "iftex"}
    lines += [f"\\usepackage{{{name}}}" for name in packages if name not in skip]
    if cite == "biblatex":
        lines += [
            "\\usepackage[backend=biber,style=authoryear,natbib=true]{biblatex}",
            f"\\addbibresource{{{bib_name}.bib}}",
        ]
    elif cite == "natbib":
        lines += ["\\usepackage[round,sort]{natbib}"]
    lines += [
        "\\usepackage[hidelinks]{hyperref}",
        "",
        "\\title{Related Work}",
        "\\date{}",
        "",
        "\\begin{document}",
        f"\\input{{{tex_name}}}",
        "",
    ]
    if cite == "biblatex":
        lines += ["\\printbibliography"]
    else:
        style = "plainnat" if cite == "natbib" else "plain"
        lines += [f"\\bibliographystyle{{{style}}}", f"\\bibliography{{{bib_name}}}"]
    lines += ["\\end{document}", ""]
    return "\n".join(lines)


def _zip_time() -> tuple[int, int, int, int, int, int]:
    """A fixed timestamp (or SOURCE_DATE_EPOCH) so the same input gives the same zip."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        stamp = _dt.datetime.fromtimestamp(max(int(epoch), 315532800), _dt.timezone.utc)
        return (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    return (1980, 1, 1, 0, 0, 0)


def make_zip(
    config: Config,
    *,
    section_text: str,
    bib_text: str,
    out: Path | None = None,
    cite: str = "natbib",
) -> Path:
    """Write a zip for Overleaf's "Upload project" and return its path.

    It holds ``config.overleaf_tex`` (``section_text``), ``config.overleaf_bib``
    (``bib_text``) and a ``main.tex`` that compiles them with natbib, biblatex (biber) or
    plain BibTeX according to ``cite``, plus the packages the section's header names.
    ``out`` defaults to ``overleaf.zip`` next to ``config.output_tex``
    (``latex/overleaf.zip``). Written atomically; SyncError on symlinked outputs, files
    over 50 MiB or a path clash.
    """
    check_paths(config)
    if cite not in ("natbib", "biblatex", "plain"):
        raise SyncError(f"unknown citation style {cite!r} for the zip: use natbib, biblatex "
                        "or plain", source=config.where("cite"),
                        hint=f"set cite in {config.file_name} to one of them")
    tex_path, bib_path = _managed_paths(config)
    if tex_path == "main.tex":
        raise ConfigError(
            "overleaf.tex is main.tex, which the zip needs for the document",
            source=config.where("overleaf_tex"),
            hint=f"set overleaf.tex in {config.file_name} to another name, e.g. related_work.tex",
        )
    contents = {
        "main.tex": main_tex(config, cite, required_packages(section_text)).encode("utf-8"),
        tex_path: section_text.encode("utf-8"),
        bib_path: bib_text.encode("utf-8"),
    }
    _check_local_outputs(config, contents)
    target = out if out is not None else config.resolve(config.output_tex).parent / "overleaf.zip"
    target = config.resolve(target)
    if target.is_symlink() or target.is_dir():
        raise SyncError(f"{config.display(target)} is a link or a folder; the zip was not written",
                        hint="choose another path with --out or remove it")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in contents.items():
                    info = zipfile.ZipInfo(name, date_time=_zip_time())
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
