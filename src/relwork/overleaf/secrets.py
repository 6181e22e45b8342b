"""The Overleaf token: where it comes from, and keeping it out of every message.

The token is never written to disk or shown: git receives it through a credential helper
that reads an environment variable of the git process (``overleaf.git``), and every message
passes through a ``Redactor``.
"""

from __future__ import annotations

import os
import re
import subprocess
import urllib.parse

from ..config import Config
from ..infra import proc
from .git import LOCAL_TIMEOUT, Remote, base_env

_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")


class Redactor:
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
        text = redact_url(text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages)."""
    return _URL_PASSWORD.sub(r"\1:***@", url)


#: Ports a URL of that scheme has when it names none.
_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_remote(raw: str) -> Remote:
    """Split the configured remote into a clean URL and the credentials written into it.

    The clean URL is normalised, so a cosmetic change to ``overleaf.remote`` is the same
    project: scheme and host in lower case, no default port, no trailing ``/``.
    """
    text = raw.strip()
    parts = urllib.parse.urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return Remote(text.rstrip("/") or text, "git", None, False)
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port and port != _DEFAULT_PORTS[scheme] else host
    path = parts.path.rstrip("/")
    clean = urllib.parse.urlunsplit((scheme, netloc, path, parts.query, ""))
    username = urllib.parse.unquote(parts.username) if parts.username else "git"
    password = urllib.parse.unquote(parts.password) if parts.password else None
    return Remote(clean, username, password, True)


def resolve_token(config: Config, token: str | None = None) -> tuple[str | None, str]:
    """The Overleaf token and where it came from (never the token in that description).

    Order: the ``token`` argument, ``$OVERLEAF_TOKEN``, a password written into
    ``overleaf.remote`` (discouraged), then ``git credential fill`` for the remote's URL.
    Returns ``(None, "none")`` for non-HTTP remotes or when nothing is found.
    """
    remote = parse_remote(config.overleaf_remote)
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


def _credential_fill(remote: Remote) -> str | None:
    """Ask the user's git credential helpers (without prompting) for the remote's password."""
    parts = urllib.parse.urlsplit(remote.url)
    request = (
        f"protocol={parts.scheme}\nhost={parts.netloc}\npath={parts.path.lstrip('/')}\n"
        f"username={remote.username}\n\n"
    )
    env = base_env(None, remote.username)
    try:
        done = proc.run(["git", "-c", "core.askPass=", "credential", "fill"], env=env,
                        timeout=LOCAL_TIMEOUT, stdin=request.encode())
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("password="):
            return line[len("password="):] or None
    return None
