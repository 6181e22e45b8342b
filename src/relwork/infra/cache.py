"""Cache files under ``.relwork/cache``: data only (JSON), checked before they are trusted.

A cache file is ``MAGIC``, one JSON header line, then the payload::

    relwork-cache\\n
    {"format": 6, "kind": "notes", "key": "...", "size": 1234, "crc": 5678}\\n
    <size bytes of payload>

A read checks the magic, the format, the kind and the key from the header before it
looks at the payload, then the payload's size and CRC-32, and only then decodes it. The
payload is JSON (or, for the bib parse, JSON followed by raw bytes): nothing in a cache
file can run code, whoever wrote it. A file that is not a relwork cache, was written by
another cache format, holds another kind of data or is damaged is ignored (the caller
rebuilds it) and reported in a one-line ``Problem`` with code ``cache-ignored``; a file
made from other input (another key) is stale, replaced without a word.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..model import Problem, Source

#: Bumped when what the caches hold changes shape.
CACHE_FORMAT = 7
MAGIC = b"relwork-cache\n"
#: The code of the notice about a cache file that was ignored.
IGNORED = "cache-ignored"
#: Cache files of relwork's old formats (pickles; hunspell's answers before the header):
#: never read, deleted when a cache file is written
_LEGACY = ("*.pickle", "spelling.json")
#: The header line is small; a longer first line is not a relwork cache.
_MAX_HEADER = 4096

#: Libraries whose behaviour is part of what the caches hold (Markdown parsing, YAML
#: front matter, fuzzy scores): an upgrade of one makes the caches stale.
_LIBRARIES = ("markdown_it", "mdit_py_plugins", "yaml", "rapidfuzz")

#: relwork's package folder: its modules and templates make up the code key.
_PACKAGE = Path(__file__).parent.parent


class CacheIgnored(Exception):
    """A cache file that cannot be trusted; the message says why, in a few words."""


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


def read_payload(file: Path, kind: str, key: str) -> memoryview | None:
    """The payload stored in ``file`` for ``kind`` under ``key``; None when the file is
    missing or stale (made for another key). Raises ``CacheIgnored`` when the file is not
    a relwork cache of this format and kind, or is damaged."""
    try:
        blob = file.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CacheIgnored(f"cannot be read ({exc.strerror})") from None
    if not blob.startswith(MAGIC):
        raise CacheIgnored("not a relwork cache file")
    end = blob.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER)
    if end < 0:
        raise CacheIgnored("damaged header")
    try:
        header = json.loads(blob[len(MAGIC):end])
    except ValueError:
        raise CacheIgnored("damaged header") from None
    if not isinstance(header, dict):
        raise CacheIgnored("damaged header")
    if header.get("format") != CACHE_FORMAT:
        raise CacheIgnored(f"written by another cache format ({header.get('format')!r})")
    if header.get("kind") != kind:
        raise CacheIgnored(f"holds {header.get('kind')!r} data, not {kind!r}")
    if header.get("key") != key:
        return None  # made from other input or code: stale, not suspicious
    payload = memoryview(blob)[end + 1:]
    # CRC-32 finds damage 4x faster than a cryptographic hash (a 20 MB file on every run);
    # tampering is harmless: the payload is decoded as data, never run
    if len(payload) != header.get("size") or zlib.crc32(payload) != header.get("crc"):
        raise CacheIgnored("damaged (size or checksum)")
    return payload


def write_payload(file: Path, kind: str, key: str, payload: bytes,
                  *, replaces: str | None = None) -> None:
    """Write ``payload`` for ``kind`` under ``key`` atomically (temp file + os.replace).

    ``replaces``: a glob of older files of the same slot to delete once it is written.
    Cache files of relwork's old formats are deleted too: they are never read.
    Errors are ignored: a cache only saves time (a read-only project still builds)."""
    header = json.dumps({"format": CACHE_FORMAT, "kind": kind, "key": key,
                         "size": len(payload), "crc": zlib.crc32(payload)})
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(MAGIC)
                fh.write(header.encode("ascii"))
                fh.write(b"\n")
                fh.write(payload)
            os.replace(tmp, file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        old = list(file.parent.glob(replaces)) if replaces else []
        for pattern in _LEGACY:
            old += file.parent.glob(pattern)
        for path in old:
            if path != file:
                path.unlink(missing_ok=True)
    except OSError:
        pass


def notice(file: Path, reason: str, display: Callable[[Path], str] | None = None) -> Problem:
    """The one-line note about a cache file that was ignored (and will be rebuilt)."""
    shown = display(file) if display is not None else str(file)
    return Problem("info", f"cache file ignored ({reason}); it is rebuilt", Source(shown),
                   None, IGNORED)


# -- a data-only codec for the small caches (notes, matches, fragments, lint) --------------


class Codec:
    """JSON with tags for what JSON lacks: tuples, sets, dicts with other keys than
    strings, dates, and the classes a cache names (dataclasses rebuilt from their fields,
    str subclasses from their text). Decoding makes nothing else: a tag naming another
    class makes the file untrusted."""

    def __init__(self, classes: Iterable[type] = ()):
        self.classes = {cls.__name__: cls for cls in classes}
        #: class name -> number of constructor fields (dataclasses) or -1 (str subclasses)
        self.arity = {name: -1 if issubclass(cls, str) else
                      len([f for f in fields(cls) if f.init]) if is_dataclass(cls) else -2
                      for name, cls in self.classes.items()}

    def dumps(self, value: Any) -> bytes:
        """``value`` as JSON bytes; ``TypeError`` for a value it cannot keep exactly."""
        return json.dumps(self._plain(value), ensure_ascii=False, allow_nan=True,
                          separators=(",", ":")).encode("utf-8")

    def loads(self, data: bytes | memoryview) -> Any:
        """The value ``dumps`` made; ``CacheIgnored`` when the data is not such a value."""
        try:
            return json.loads(bytes(data), object_hook=self._typed)
        except CacheIgnored:
            raise
        except (ValueError, TypeError, KeyError, IndexError):
            raise CacheIgnored("damaged content") from None

    def plain(self, value: Any) -> Any:
        """``value`` as the JSON-ready data ``dumps`` writes (``TypeError`` as there)."""
        return self._plain(value)

    def revive(self, value: Any) -> Any:
        """The value ``plain`` made ``value`` from, once read back by plain ``json.loads``
        (a part of a larger document); ``CacheIgnored`` as ``loads``."""
        try:
            return self._revive(value)
        except CacheIgnored:
            raise
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            raise CacheIgnored("damaged content") from None

    def _revive(self, value: Any) -> Any:
        kind = type(value)
        if kind is list:
            return [self._revive(v) for v in value]
        if kind is dict:  # inner values first, as json's object_hook sees them
            return self._typed({k: self._revive(v) for k, v in value.items()})
        return value

    def _plain(self, value: Any) -> Any:
        kind = type(value)
        if value is None or kind in (bool, int, float, str):
            return value
        if kind is list:
            return [self._plain(v) for v in value]
        if kind is dict:
            if all(type(k) is str for k in value) and "~" not in value:
                return {k: self._plain(v) for k, v in value.items()}
            return {"~": "dict", "v": [[self._plain(k), self._plain(v)]
                                       for k, v in value.items()]}
        if kind is tuple:
            return {"~": "tuple", "v": [self._plain(v) for v in value]}
        if kind in (set, frozenset):
            return {"~": kind.__name__, "v": sorted((self._plain(v) for v in value), key=repr)}
        if kind is datetime.datetime or kind is datetime.date:
            return {"~": kind.__name__, "v": value.isoformat()}
        name = kind.__name__
        if self.classes.get(name) is not kind:
            raise TypeError(f"a cache cannot hold {kind.__qualname__}")
        if isinstance(value, str):
            return {"~": name, "v": str(value)}
        if is_dataclass(value):
            return {"~": name, "v": [self._plain(getattr(value, f.name))
                                     for f in fields(value) if f.init]}
        raise TypeError(f"a cache cannot hold {kind.__qualname__}")

    def _typed(self, obj: dict[str, Any]) -> Any:
        tag = obj.get("~")
        if tag is None:
            return obj
        value = obj["v"]
        arity = self.arity.get(tag) if type(tag) is str else None
        if arity is not None and arity >= 0:  # the common case: a dataclass
            if type(value) is not list or len(value) != arity:
                raise CacheIgnored(f"a damaged {tag}")
            return self.classes[tag](*value)
        if tag == "tuple":
            return tuple(value)
        if tag == "dict":
            return {_hashable(k): v for k, v in value}
        if tag == "set":
            return {_hashable(v) for v in value}
        if tag == "frozenset":
            return frozenset(_hashable(v) for v in value)
        if tag == "datetime":
            return datetime.datetime.fromisoformat(value)
        if tag == "date":
            return datetime.date.fromisoformat(value)
        if arity == -1:  # a str subclass
            if type(value) is not str:
                raise CacheIgnored(f"a damaged {tag}")
            return self.classes[tag](value)
        raise CacheIgnored(f"names an unknown type {str(tag)[:40]!r}")


def _hashable(value: Any) -> Any:
    if isinstance(value, (list, dict, set)):
        raise CacheIgnored("damaged content")
    return value


@dataclass
class CacheFolder:
    """The cache folder of one build, and the notes about cache files it ignored."""

    path: Path
    display: Callable[[Path], str] | None = None
    notices: list[Problem] = field(default_factory=list)

    def read(self, name: str, kind: str, key: str, codec: Codec,
             check: Callable[[Any], bool] = lambda _value: True) -> Any:
        """The value cached in ``name`` for ``kind`` under ``key``, or None (missing,
        stale, or untrusted: then a notice is kept). ``check`` tells whether the decoded
        value has the shape the caller needs."""
        file = self.path / name
        try:
            payload = read_payload(file, kind, key)
            if payload is None:
                return None
            value = codec.loads(payload)
            if not check(value):
                raise CacheIgnored("unexpected content")
            return value
        except CacheIgnored as exc:
            self.ignored(file, str(exc))
            return None

    def write(self, name: str, kind: str, key: str, value: Any, codec: Codec) -> None:
        """Store ``value`` (errors ignored: a cache only saves time)."""
        try:
            payload = codec.dumps(value)
        except (TypeError, ValueError, RecursionError):
            return  # a value the codec cannot keep exactly is simply not cached
        write_payload(self.path / name, kind, key, payload)

    def ignored(self, file: Path, reason: str) -> None:
        """Keep the note that ``file`` was ignored (once per file)."""
        found = notice(file, reason, self.display)
        if found not in self.notices:
            self.notices.append(found)
