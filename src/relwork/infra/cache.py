"""Keyed blob files under ``.relwork/cache``: atomic write, checked read, and the code keys
that make a cache stale when relwork or a library it depends on changes.

A blob file is ``MAGIC``, a CRC-32 of the payload, then the pickled ``(key, value)``; a read
returns the value only when the file is whole and the stored key is the one asked for.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import tempfile
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import __version__

#: Bumped when what the caches hold changes shape.
CACHE_FORMAT = 5
MAGIC = b"RWBIB\x00\x00\x04"

#: Libraries whose behaviour is part of what the caches hold (Markdown parsing, YAML
#: front matter, fuzzy scores): an upgrade of one makes the caches stale.
_LIBRARIES = ("markdown_it", "mdit_py_plugins", "yaml", "rapidfuzz")

#: relwork's package folder: its modules and templates make up the code key.
_PACKAGE = Path(__file__).parent.parent


@lru_cache(maxsize=16)
def code_stamp(*files: str) -> str:
    """Size and mtime of ``files`` (module paths): the key part that ties a cache to the
    exact code that wrote it."""
    parts = []
    for file in files:
        try:
            st = os.stat(file)
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_size}:{st.st_mtime_ns}")
    return ",".join(parts)


@lru_cache(maxsize=1)
def code_key() -> str:
    """relwork's version, the size and mtime of its modules and templates (all of its
    packages) and of the libraries in _LIBRARIES: the key of caches whose content depends
    on code (notes, matches, lint, rendering, bib tables). Any change of relwork's code
    makes them stale, not only of the module that made them: safe, and an upgrade changes
    them all anyway. The libraries are located, not imported (imports cost start-up time)."""
    import importlib.util

    parts = [__version__, str(CACHE_FORMAT), sys.version]
    for folder, dirs, names in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(names):
            if name.endswith((".py", ".j2")):
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                shown = os.path.relpath(path, _PACKAGE).replace(os.sep, "/")
                parts.append(f"{shown}:{st.st_size}:{st.st_mtime_ns}")
    for library in _LIBRARIES:
        found: os.stat_result | None = None
        try:
            spec = importlib.util.find_spec(library)
            if spec is not None and spec.origin:
                found = os.stat(spec.origin)
        except (ImportError, ValueError, OSError):
            pass
        parts.append(f"{library}:{found.st_size}:{found.st_mtime_ns}" if found
                     else f"{library}:-")
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def read_blob(file: Path, key: str) -> Any:
    """The object cached in ``file`` under ``key``, or None if absent, corrupt, truncated
    or stale."""
    try:
        blob = file.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + 4
    if len(blob) < head or not blob.startswith(MAGIC):
        return None
    payload = memoryview(blob)[head:]
    # CRC-32 finds damage (not tampering: the cache is the user's own file) 4x faster than
    # a cryptographic hash, which matters for a 20 MB cache read on every run
    if zlib.crc32(payload).to_bytes(4, "big") != blob[len(MAGIC):head]:
        return None
    try:
        stored_key, value = pickle.loads(payload)
    except Exception:  # a damaged cache is never trusted
        return None
    return value if stored_key == key else None


def write_blob(file: Path, key: str, value: Any) -> None:
    """Write ``(key, value)`` atomically (temp file + os.replace); drop older caches of the
    same slot (the file name up to its last '-'). Errors are ignored: a cache only saves
    time."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        digest = zlib.crc32(payload).to_bytes(4, "big")
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(MAGIC)
                fh.write(digest)
                fh.write(payload)
            os.replace(tmp, file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        slot = file.name.rsplit("-", 1)[0]
        for old in file.parent.glob(f"{slot}-*.pickle"):
            if old != file:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # the cache is an optimisation; a read-only project still builds


def read_cache_file(file: Path, key: str) -> Any:
    """The value ``write_cache_file`` stored in ``file`` under ``key``; None when the file
    is missing, damaged, truncated or has another key (a cache is never trusted)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small objects, no cycles
    try:
        return read_blob(file, key)
    finally:
        if gc_was_enabled:
            gc.enable()


def write_cache_file(file: Path, key: str, value: Any) -> None:
    """Store ``value`` under ``key`` atomically (errors ignored: a cache only saves time)."""
    write_blob(file, key, value)
