"""``relwork watch``: rebuild whenever notes, bibliographies, the config or templates change.

A burst of file events (an editor's save is often several writes, a rename and a chmod)
is coalesced into one rebuild after ``debounce`` seconds of quiet. Errors from the rebuild
are shown and watching goes on; Ctrl-C or ``stop_event`` ends it cleanly. After the first
build only the problems that changed are printed (``ChangeReport``).
"""

from __future__ import annotations

import glob
import itertools
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from pathlib import Path

import click

from ..config import Config
from ..infra.files import STATE_DIR
from ..model import Problem

#: Suffixes of the files a rebuild depends on.
WATCH_SUFFIXES = (".md", ".markdown", ".bib", ".yaml", ".yml", ".j2")
_TEMP_SUFFIXES = (".swp", ".swx", ".swo", ".tmp", ".bak", ".orig", "~")
_IGNORED_DIRS = {STATE_DIR, ".git", "__pycache__", ".ipynb_checkpoints", ".obsidian"}


def show_error(exc: BaseException) -> None:
    """Default ``on_error``: the message on stderr, a traceback only for bugs."""
    if isinstance(exc, click.ClickException):
        exc.show()
    else:
        click.echo(f"error: rebuild failed: {type(exc).__name__}: {exc}", err=True)


def _sameness(problem: Problem) -> Hashable:
    """What makes two rebuilds' problems the same one: all but the line, which moves
    whenever lines are added or removed above it in the note."""
    return (problem.severity, problem.message, problem.source.path if problem.source else None,
            problem.hint, problem.code, problem.key)


class ChangeReport:
    """What each rebuild of ``watch`` prints about problems: all of them the first time,
    after that only the ones that appeared and the ones that went away since the rebuild
    before (a problem whose line only moved is the same problem)."""

    def __init__(self) -> None:
        self.previous: list[Problem] | None = None

    def changes(self, problems: Sequence[Problem]) -> tuple[list[Problem], list[Problem]]:
        """(new, gone): the problems not there last time, and those of last time now gone."""
        previous, self.previous = self.previous, list(problems)
        if previous is None:
            return list(problems), []
        left = Counter(_sameness(p) for p in previous)
        new = []
        for problem in problems:
            if left[_sameness(problem)] > 0:
                left[_sameness(problem)] -= 1
            else:
                new.append(problem)
        gone = []
        for problem in previous:
            if left[_sameness(problem)] > 0:
                left[_sameness(problem)] -= 1
                gone.append(problem)
        return new, gone

    def text(self, problems: Sequence[Problem], *, color: bool, verbose: bool) -> str:
        """The lines to print for this rebuild: each new problem as ``relwork build``
        prints it, each gone one after ``fixed:``; empty when nothing changed."""
        from .output import format_problems

        new, gone = self.changes(problems)
        lines = format_problems(new, color=color, verbose=verbose).splitlines()
        fixed = click.style("fixed:", fg="green") if color else "fixed:"
        lines += [f"{fixed} {line}" for line in
                  format_problems(gone, color=color, verbose=verbose).splitlines()]
        return "\n".join(lines)


def _existing_base(path: Path) -> Path:
    """``path`` or its nearest existing ancestor."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def watched_paths(config: Config) -> list[tuple[Path, bool]]:
    """The folders to watch for ``config`` as (folder, recursive), overlapping ones merged.

    Notes and bib entries (files, folders, globs), the config file's folder and the
    template folders.
    """
    wanted: list[tuple[Path, bool]] = []
    for item in [*config.notes, *config.bib, *config.template_dirs]:
        path = config.resolve(item)
        if glob.has_magic(str(path)):
            parts = path.parts
            cut = next(i for i, p in enumerate(parts) if glob.has_magic(p))
            wanted.append((_existing_base(Path(*parts[:cut])), True))
        elif path.is_dir():
            wanted.append((path, True))
        elif path.is_file():
            wanted.append((path.parent, False))
        else:  # not there yet: watch where it will appear
            wanted.append((_existing_base(path), False))
    wanted.append(((config.path.resolve().parent if config.path else config.root), False))
    return _merge(wanted)


def _merge(wanted: Iterable[tuple[Path, bool]]) -> list[tuple[Path, bool]]:
    result: dict[Path, bool] = {}
    for path, recursive in wanted:
        path = path.resolve()
        result[path] = result.get(path, False) or recursive
    merged = []
    for path, recursive in sorted(result.items()):
        covered = any(r and other != path and path.is_relative_to(other)
                      for other, r in result.items())
        if not covered:
            merged.append((path, recursive))
    return merged


def is_relevant(path: str | os.PathLike[str], config: Config) -> bool:
    """True when a change to ``path`` should trigger a rebuild.

    Notes, bibliographies, the config and templates, by suffix; never relwork's own
    outputs, its ``.relwork/`` state, or editor temporary files (.swp, ~, .#name).
    """
    p = Path(path)
    name = p.name
    if not name or name.startswith((".", "#")) or name.endswith(_TEMP_SUFFIXES):
        return False  # hidden and editor temp files (.#x.md, .x.md.swp, #x.md#, x.md~)
    resolved = p.resolve()
    if config.path is not None and resolved == config.path.resolve():
        return True
    if p.suffix.lower() not in WATCH_SUFFIXES:
        return False
    if any(part in _IGNORED_DIRS for part in resolved.parts):
        return False
    outputs = {config.resolve(config.output_tex).resolve(), config.resolve(config.output_bib)
               .resolve()}
    return resolved not in outputs


def _reload(config: Config) -> Config:
    """``config`` read again from its file (keeping it when the file is broken: the
    rebuild reports that)."""
    from ..config import load_config
    from ..errors import RelworkError
    from ..infra.settings import cached_settings

    try:
        return load_config(config.path, reader=cached_settings)
    except RelworkError:
        return config


class _Pending:
    """Thread-safe 'something changed at time t' flag shared with the observer thread."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.dirty = False
        self.last = 0.0
        self.changed: list[str] = []
        self.rescan = False

    def touch(self, path: str) -> None:
        with self.cond:
            self.dirty = True
            self.last = time.monotonic()
            self.changed.append(path)
            self.cond.notify_all()


def watch(
    config: Config,
    rebuild: Callable[[], object],
    *,
    debounce: float = 0.3,
    on_error: Callable[[BaseException], object] = show_error,
    stop_event: threading.Event | None = None,
    paths_to_watch: Sequence[tuple[Path, bool]] | None = None,
    on_start: Callable[[list[tuple[Path, bool]]], object] | None = None,
    on_change: Callable[[list[str]], object] | None = None,
) -> int:
    """Call ``rebuild()`` once per burst of relevant changes until stopped.

    ``paths_to_watch``: (folder, recursive) pairs, default ``watched_paths(config)``.
    ``on_start`` gets them once watching has begun; ``on_change`` gets the changed paths
    before each rebuild. An exception from ``rebuild`` goes to ``on_error`` and watching
    continues. Returns the number of rebuilds when ``stop_event`` is set or on Ctrl-C.
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.api import BaseObserver
    from watchdog.observers.polling import PollingObserver

    stop = stop_event or threading.Event()
    pending = _Pending()
    current = config
    targets = list(paths_to_watch) if paths_to_watch is not None else watched_paths(config)

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type not in ("created", "modified", "moved", "deleted"):
                return
            if event.is_directory:
                if event.event_type in ("created", "moved"):
                    pending.rescan = True  # a notes/bib/template folder may have appeared
                return
            for raw in (event.src_path, getattr(event, "dest_path", "")):
                path = os.fsdecode(raw) if raw else ""
                if path and is_relevant(path, current):
                    pending.touch(path)
                    return

    handler = Handler()
    scheduled: set[tuple[Path, bool]] = set()

    def schedule(observer: BaseObserver, wanted: Sequence[tuple[Path, bool]]) -> list[Path]:
        added = []
        for folder, recursive in wanted:
            if (folder, recursive) not in scheduled and folder.is_dir():
                observer.schedule(handler, str(folder), recursive=recursive)
                scheduled.add((folder, recursive))
                added.append(folder)
        return added

    def rescan(observer: BaseObserver) -> None:
        """Watch folders that appeared; files written there before that count as changes."""
        for folder in schedule(observer, watched_paths(current)):
            for path in itertools.islice(folder.rglob("*"), 10_000):
                if path.is_file() and is_relevant(path, current):
                    pending.touch(str(path))

    observer: BaseObserver
    try:
        observer = Observer()
        schedule(observer, targets)
        observer.start()
    except OSError:  # inotify watch limit reached: poll instead
        scheduled.clear()
        observer = PollingObserver()
        schedule(observer, targets)
        observer.start()
    rebuilds = 0
    try:
        if on_start is not None:
            on_start(targets)
        while not stop.is_set():
            if pending.rescan and paths_to_watch is None:
                pending.rescan = False
                rescan(observer)
            with pending.cond:
                if not pending.dirty:
                    pending.cond.wait(timeout=0.1)
                    continue
                quiet_for = time.monotonic() - pending.last
                if quiet_for < debounce:
                    pending.cond.wait(timeout=debounce - quiet_for)
                    continue
                pending.dirty = False
                changed, pending.changed = pending.changed, []
            if config.path is not None and paths_to_watch is None and any(
                    Path(c).resolve() == config.path.resolve() for c in changed):
                current = _reload(config)  # notes/bib/template folders may have moved
                rescan(observer)
            if on_change is not None:
                on_change(sorted(set(changed)))
            rebuilds += 1
            try:
                rebuild()
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001 - shown, then keep watching
                on_error(exc)
    except KeyboardInterrupt:
        print(file=sys.stderr)  # end the ^C line cleanly
    finally:
        observer.stop()
        observer.join(timeout=5)
    return rebuilds
