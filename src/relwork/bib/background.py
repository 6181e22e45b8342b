"""A large bibliography seen for the first time is parsed on a second core while the notes
are read: a cold build of a 20,000-entry library then waits for the slower of the two
instead of their sum.

The second process only parses the files no parse of which is cached yet and writes their
parse caches (``cache.write_parse``); when none is cached (a first build) it loads them all
as ``load_bib`` does, which also stores the whole index (``stored``). It reads no parse
cache, so there is nothing it could have to report. ``load_bib`` then finds those caches
as on any later build. If the process
fails, is killed or is not done in time, ``load_bib`` parses the files itself: the result is
the same, only slower. Used where ``fork`` is the platform's way to start a process (Linux),
with at least two cores.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from . import cache

#: Below this many bytes to parse, a second process costs more than it saves (~10 ms to
#: start against ~0.1 s of parsing per MB).
MIN_BYTES = 1_000_000


@dataclass
class Background:
    """The process parsing the bib files that have no cached parse yet."""

    process: Any
    files: list[Path]

    def wait(self, timeout: float = 120.0) -> None:
        """Wait for the process (at most ``timeout`` seconds, then stop it): afterwards
        the files' parses are cached, or ``load_bib`` parses them."""
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def start(files: Sequence[Path], config: Config) -> Background | None:
    """Start parsing the files of ``files`` that have no cached parse, when they are large
    enough and a second core can take them; None when nothing is started."""
    if sys.platform != "linux" or (os.cpu_count() or 1) < 2:
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
    import multiprocessing

    # no file has a cached parse (a first build): the process reads them all into the
    # index and stores it too (see stored), which the build then only opens
    whole = len(cold) == len(files)
    process = multiprocessing.get_context("fork").Process(
        target=_quietly, args=(_load, cold, config) if whole else
        (_parse, cold, config.bib_encoding or "utf-8", folder), daemon=True)
    try:
        process.start()
    except OSError:
        return None
    return Background(process, cold)


def _quietly(work: Any, *args: Any) -> None:
    """Run ``work`` in the second process: Ctrl-C is the build's to handle (the process
    is stopped with it), and a failure prints nothing (the build parses the files)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        work(*args)
    except BaseException:  # noqa: BLE001 - nothing to report: the build parses itself
        os._exit(1)


def _load(files: list[Path], config: Config) -> None:
    """The second process, at a first build: what ``load_bib`` leaves in the cache."""
    from .load import load_bib

    load_bib(files, config)


def _parse(files: list[Path], encoding: str, folder: Path) -> None:
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
