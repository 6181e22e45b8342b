"""What relwork last pushed to the Overleaf project (``.relwork/overleaf-state.json``),
the push it started but could not confirm (``pending``), and the lock that lets one sync
run at a time."""

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
from ..files import write_atomic
from .secrets import parse_remote


def _state_path(config: Config) -> Path:
    return config.root / ".relwork" / "overleaf-state.json"


def load_state(config: Config, remote_url: str) -> dict[str, object]:
    """What relwork last pushed to ``remote_url``: {"commit", "branch", "files": {path: blob},
    "checksums", and "pending" (a push not yet confirmed, with the same keys) if any}."""
    path = _state_path(config)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    if parse_remote(str(data.get("remote", ""))).url != remote_url:
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


def save_pending(config: Config, remote_url: str, state: dict[str, object], branch: str,
                 commit: str, files: dict[str, str], contents: dict[str, bytes]) -> None:
    """Record, before pushing it, that ``commit`` may land on ``branch``: kept next to the
    confirmed ``state`` so that a run that cannot learn the push's outcome (interrupted,
    killed, answer lost) leaves the next run able to recognise the commit as relwork's."""
    data = dict(state) if state else {"remote": remote_url, "files": {}}
    data["remote"] = remote_url
    data["pending"] = {
        "commit": commit,
        "branch": branch,
        "files": files,
        "checksums": {path: text_digest(raw) for path, raw in contents.items()},
    }
    write_atomic(_state_path(config), json.dumps(data, indent=2) + "\n")


def clear_pending(config: Config, remote_url: str, state: dict[str, object]) -> None:
    """Write ``state`` back without a pending push (the push is known not to have landed)."""
    if not state:
        _state_path(config).unlink(missing_ok=True)
        return
    data = {k: v for k, v in state.items() if k != "pending"}
    data["remote"] = remote_url
    write_atomic(_state_path(config), json.dumps(data, indent=2) + "\n")


def pending(state: dict[str, object]) -> dict[str, object] | None:
    """The unconfirmed push recorded in ``state`` (None when there is none or it is malformed)."""
    found = state.get("pending")
    if not isinstance(found, dict) or not isinstance(found.get("commit"), str):
        return None
    if not isinstance(found.get("files"), dict):
        return None
    return found


def promote_pending(config: Config, remote_url: str, state: dict[str, object]) -> \
        dict[str, object]:
    """The state with its pending push taken as confirmed (it was found on the remote)."""
    found = pending(state)
    if found is None:
        return state
    data = {k: v for k, v in state.items() if k != "pending"}
    data.update({k: found[k] for k in ("commit", "branch", "files", "checksums") if k in found})
    data["remote"] = remote_url
    data["synced_at"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    write_atomic(_state_path(config), json.dumps(data, indent=2) + "\n")
    return data


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
