"""relwork.yaml's settings read through ``.relwork/cache/config.json``.

Parsing the config needs PyYAML, about 30 ms of import; a warm run reads the settings
parsed last time instead, keyed by the file's text and relwork's code (which includes the
YAML library). Only where a build has made the cache folder: reading a config never
creates it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..config import Setting, read_settings
from ..model import Problem
from .cache import CacheFolder, Codec, code_key

CACHE_FILE = "config.json"
KIND = "config"


def cached_settings(path: Path, text: str, shown: str) -> tuple[list[Setting], list[Problem]]:
    """``read_settings(text, shown)`` of the config file ``path``, from the cache when it
    holds this text's reading, and the notes about a cache file that was ignored."""
    folder = CacheFolder(path.resolve().parent / ".relwork" / "cache")
    if not folder.path.is_dir():
        return read_settings(text, shown), []
    key = hashlib.sha256(f"{code_key()}\x00{text}".encode()).hexdigest()
    codec = Codec()
    found = folder.read(CACHE_FILE, KIND, key, codec, _is_settings)
    if found is not None:
        return list(found), folder.notices
    settings = read_settings(text, shown)  # bad YAML raises: nothing is cached
    folder.write(CACHE_FILE, KIND, key, settings, codec)
    return settings, folder.notices


def _is_settings(value: Any) -> bool:
    return type(value) is list and all(
        type(s) is tuple and len(s) == 4 and type(s[0]) is str and type(s[1]) is int
        and (s[3] is None or (type(s[3]) is tuple and all(type(n) is int for n in s[3])))
        for s in value)
