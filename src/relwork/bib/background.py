"""A large bibliography seen for the first time is parsed on a second core while the notes
are read: a cold build of a 20,000-entry library then waits for the slower of the two
instead of their sum.

The second process only parses the files no parse of which is cached yet and writes their
parse caches (``cache.write_parse``); when none is cached (a first build) it loads them all
as ``load_bib`` does, which also stores the whole index (``stored``). It reads no parse
cache, so there is nothing it could have to report. ``load_bib`` then finds those caches
as on any later build. If the process fails, is stopped or is not done in time,
``load_bib`` parses the files itself: the result is the same, only slower. Started with
``infra.jobs.ForkedJob`` (Linux, at least two cores).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..config import Config
from ..infra.jobs import ForkedJob, can_fork
from . import cache

#: Below this many bytes to parse, a second process costs more than it saves (~10 ms to
#: start against ~0.1 s of parsing per MB).
MIN_BYTES = 1_000_000
#: How long a build waits for the second process before parsing the files itself (a
#: 100 MB bibliography parses in about 15 s).
TIMEOUT = 300.0


def start(files: Sequence[Path], config: Config) -> ForkedJob[bool] | None:
    """Start parsing the files of ``files`` that have no cached parse, when they are large
    enough and a second core can take them; None when nothing is started. Its
    ``result()`` waits for it (at most ``TIMEOUT`` seconds, then stops it): afterwards the
    files' parses are cached, or ``load_bib`` parses them. The value is True when the
    process ran to its end, False when it failed or was stopped."""
    if not can_fork():
        return None
    folder = cache.cache_dir(config)
    try:
        names = {entry.name for entry in os.scandir(folder)}
    except OSError:
        names = set()
    cold: list[Path] = []
    size = 0
    for path in files:
        slot = cache.file_cache_path(folder, Path(path), "").name[:-len(".json")]
        if any(name.startswith(slot) for name in names):
            continue  # a parse of some version of it is cached: no cold start
        try:
            size += os.stat(path).st_size
        except OSError:
            return None  # load_bib says what is wrong with it
        cold.append(Path(path))
    if size < MIN_BYTES:
        return None
    # no file has a cached parse (a first build): the process reads them all into the
    # index and stores it too (see stored), which the build then only opens
    encoding = config.bib_encoding or "utf-8"
    work = (lambda: _load(cold, config)) if len(cold) == len(files) else \
        (lambda: _parse(cold, encoding, folder))
    try:
        return ForkedJob(work, lambda done: b"done", lambda data: data == b"done" or None,
                         here=lambda: False, timeout=TIMEOUT)
    except OSError:  # no process could be started
        return None


def _load(files: list[Path], config: Config) -> bool:
    """The second process, at a first build: what ``load_bib`` leaves in the cache."""
    from .load import load_bib

    load_bib(files, config)
    return True


def _parse(files: list[Path], encoding: str, folder: Path) -> bool:
    """The second process: parse ``files`` and cache their parses (nothing else)."""
    from .load import codecs_name, decode_text
    from .splitter import split_text

    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        text, _ = decode_text(data, encoding, str(path))
        if text is None:
            continue
        key = cache.file_key(data, codecs_name(encoding))
        cache.write_parse(cache.file_cache_path(folder, path, key), key, split_text(text))
    return True
