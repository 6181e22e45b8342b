"""What relwork last pushed to the Overleaf project (``.relwork/overleaf-state.json``),
and the lock that lets one sync run at a time."""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ..config import Config
from ..errors import SyncError
from ..infra.files import write_atomic


def _state_path(config: Config) -> Path:
    return config.root / ".relwork" / "overleaf-state.json"


def load_state(config: Config, remote_url: str) -> dict[str, object]:
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


def save_state(config: Config, remote_url: str, branch: str, commit: str,
               files: dict[str, str], contents: dict[str, bytes]) -> None:
    """Record the pushed ``commit`` on ``branch``, its blob per managed path (``files``) and
    the text digests of ``contents``."""
    data = {
        "remote": remote_url,
        "branch": branch,
        "commit": commit,
        "files": files,
        "checksums": {path: text_digest(data) for path, data in contents.items()},
        "synced_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    write_atomic(_state_path(config), json.dumps(data, indent=2) + "\n")


def state_map(state: dict[str, object], key: str) -> dict[str, str]:
    """The string map ``state[key]`` (empty when missing or malformed)."""
    value = state.get(key)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@contextlib.contextmanager
def locked(config: Config) -> Iterator[None]:
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
