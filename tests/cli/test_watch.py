"""relwork watch: one save -> one rebuild, errors keep it watching, outputs never trigger."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from relwork.cli.init import init_project
from relwork.cli.watch import ChangeReport, is_relevant, watch, watched_paths
from relwork.config import load_config
from relwork.model import Problem, Source
from relwork.pipeline import BuildState, build

DEBOUNCE = 0.3


@dataclass
class Watcher:
    """A running watch() in a thread, counting rebuilds."""

    root: Path
    calls: list[float] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    fail: bool = False
    result: list[int] = field(default_factory=list)

    def rebuild(self) -> None:
        self.calls.append(time.monotonic())
        if self.fail:
            raise RuntimeError("broken note")

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < end:
            time.sleep(0.02)
        assert len(self.calls) >= count, f"expected {count} rebuilds, got {len(self.calls)}"

    def settle(self) -> None:
        """Wait long enough that any further (unwanted) rebuild would have happened."""
        time.sleep(DEBOUNCE * 4 + 0.5)


W = TypeVar("W", bound=Watcher)


@dataclass
class ReportingWatcher(Watcher):
    """A watcher whose rebuild is the real build, keeping what ``relwork watch`` prints
    about the problems of each rebuild."""

    report: ChangeReport = field(default_factory=ChangeReport)
    state: BuildState = field(default_factory=BuildState)
    printed: list[str] = field(default_factory=list)

    def rebuild(self) -> None:
        config = load_config(self.root / "relwork.yaml")
        result = build(config, write=True, state=self.state)
        self.printed.append(self.report.text(config.problems + result.problems, color=False,
                                             verbose=False))
        super().rebuild()


@pytest.fixture()
def watcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Watcher]:
    yield from _watching(Watcher(tmp_path), monkeypatch)


@pytest.fixture()
def reporting_watcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                      ) -> Iterator[ReportingWatcher]:
    yield from _watching(ReportingWatcher(tmp_path), monkeypatch)


def _watching(w: W, monkeypatch: pytest.MonkeyPatch) -> Iterator[W]:
    """``w`` watching a new project in its root, until the test ends."""
    tmp_path = w.root
    init_project(tmp_path)
    # start without latex/templates: test_template_folder_created_later_is_watched makes it
    (tmp_path / "latex" / "templates" / ".gitkeep").unlink()
    (tmp_path / "latex" / "templates").rmdir()
    monkeypatch.chdir(tmp_path)
    config = load_config(tmp_path / "relwork.yaml")
    stop = threading.Event()
    ready = threading.Event()
    thread = threading.Thread(
        target=lambda: w.result.append(watch(
            config, w.rebuild, debounce=DEBOUNCE, on_error=w.errors.append,
            stop_event=stop, on_start=lambda _targets: ready.set())),
        daemon=True,
    )
    thread.start()
    assert ready.wait(10), "watch did not start"
    yield w
    stop.set()
    thread.join(10)
    assert not thread.is_alive(), "watch did not stop on stop_event"
    assert w.result == [len(w.calls)]


def burst(path: Path, n: int = 5, append: Callable[[int], str] = lambda i: f"\nedit {i}\n"
          ) -> None:
    for i in range(n):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(append(i))
        time.sleep(0.01)


@pytest.mark.slow
def test_a_burst_of_writes_is_one_rebuild(watcher: Watcher) -> None:
    burst(watcher.root / "summaries" / "example.md", n=6)
    watcher.wait_for(1)
    watcher.settle()
    assert len(watcher.calls) == 1


@pytest.mark.slow
def test_error_keeps_watching_and_next_change_rebuilds(watcher: Watcher) -> None:
    watcher.fail = True
    burst(watcher.root / "summaries" / "example.md", n=3)
    watcher.wait_for(1)
    watcher.settle()
    assert len(watcher.errors) == 1 and "broken note" in str(watcher.errors[0])
    watcher.fail = False
    burst(watcher.root / "bib" / "references.bib", n=2, append=lambda i: f"\n% {i}\n")
    watcher.wait_for(2)
    watcher.settle()
    assert len(watcher.calls) == 2 and len(watcher.errors) == 1


@pytest.mark.slow
def test_config_template_and_new_note_trigger(watcher: Watcher) -> None:
    (watcher.root / "relwork.yaml").write_text("template: paragraphs\n", encoding="utf-8")
    watcher.wait_for(1)
    watcher.settle()
    (watcher.root / "summaries" / "sub").mkdir()
    (watcher.root / "summaries" / "sub" / "new.md").write_text("# New\n", encoding="utf-8")
    watcher.wait_for(2)
    watcher.settle()
    assert len(watcher.calls) == 2


@pytest.mark.slow
def test_outputs_state_and_editor_files_do_not_trigger(watcher: Watcher) -> None:
    root = watcher.root
    (root / "latex" / "related_work.tex").write_text("% out\n", encoding="utf-8")
    (root / "latex" / "references.bib").write_text("% out\n", encoding="utf-8")
    (root / ".relwork").mkdir()
    (root / ".relwork" / "cache.yaml").write_text("x: 1\n", encoding="utf-8")
    for name in (".example.md.swp", "example.md~", ".#example.md", "notes.txt", "4913"):
        (root / "summaries" / name).write_text("x", encoding="utf-8")
    watcher.settle()
    assert watcher.calls == []


@pytest.mark.slow
def test_editor_save_by_rename_is_one_rebuild(watcher: Watcher) -> None:
    note = watcher.root / "summaries" / "example.md"
    tmp = note.with_name(".example.md.tmp")
    tmp.write_text(note.read_text(encoding="utf-8") + "\nmore\n", encoding="utf-8")
    tmp.replace(note)  # how vim, VS Code and relwork itself save atomically
    watcher.wait_for(1)
    watcher.settle()
    assert len(watcher.calls) == 1


def test_relevance_rules(tmp_path: Path) -> None:
    init_project(tmp_path)
    config = load_config(tmp_path / "relwork.yaml")
    yes = ["summaries/a.md", "summaries/x/b.markdown", "bib/refs.bib", "relwork.yaml",
           "latex/templates/mine.tex.j2"]
    no = ["latex/related_work.tex", "latex/references.bib", ".relwork/index.bib",
          "summaries/.a.md.swp", "summaries/a.md~", "summaries/.#a.md", "summaries/#a.md#",
          "latex/paper.aux", "summaries/readme.txt"]
    for rel in yes:
        assert is_relevant(tmp_path / rel, config), rel
    for rel in no:
        assert not is_relevant(tmp_path / rel, config), rel


def test_watched_paths_cover_notes_bib_config_templates(tmp_path: Path) -> None:
    init_project(tmp_path)
    (tmp_path / "relwork.yaml").write_text(
        "notes: ['notes/**/*.md', summaries]\nbib: [bib/references.bib]\n", encoding="utf-8")
    (tmp_path / "notes").mkdir()
    config = load_config(tmp_path / "relwork.yaml")
    targets = dict(watched_paths(config))
    root = tmp_path.resolve()
    assert targets[root / "notes"] is True
    assert targets[root / "summaries"] is True
    assert targets[root / "bib"] is False  # a single file: its folder, not recursive
    assert targets[root] is False  # relwork.yaml; latex/templates does not exist yet


def test_ctrl_c_exits_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init_project(tmp_path)
    config = load_config(tmp_path / "relwork.yaml")
    # A shell starts a backgrounded job with SIGINT ignored; a terminal's Ctrl-C reaches
    # relwork with Python's own handler installed, so install it for this test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    stop = threading.Event()
    # Ctrl-C arrives in the main thread while watch() waits for changes
    ctrl_c = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    give_up = threading.Timer(10, stop.set)  # a missed Ctrl-C fails the test, never hangs it
    give_up.start()
    started = time.monotonic()
    try:
        count = watch(config, lambda: None, debounce=DEBOUNCE, stop_event=stop,
                      on_start=lambda _targets: ctrl_c.start())
        elapsed = time.monotonic() - started
    finally:
        ctrl_c.cancel()
        give_up.cancel()
        for timer in (ctrl_c, give_up):
            if timer.ident is not None:
                timer.join(5)
        signal.signal(signal.SIGINT, previous)
    assert not stop.is_set(), "watch did not stop on Ctrl-C"
    assert count == 0 and elapsed < 5
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.slow
def test_template_folder_created_later_is_watched(watcher: Watcher) -> None:
    templates = watcher.root / "latex" / "templates"
    templates.mkdir()
    time.sleep(0.5)  # the new folder is picked up on the next loop
    (templates / "mine.tex.j2").write_text("((* for e in entries *))x((* endfor *))\n",
                                           encoding="utf-8")
    watcher.wait_for(1)
    watcher.settle()
    assert len(watcher.calls) == 1


@pytest.mark.slow
def test_notes_folder_named_in_changed_config_is_watched(watcher: Watcher) -> None:
    root = watcher.root
    (root / "papers").mkdir()
    (root / "relwork.yaml").write_text("notes: [papers]\n", encoding="utf-8")
    watcher.wait_for(1)
    watcher.settle()
    (root / "papers" / "new.md").write_text("# New\n", encoding="utf-8")
    watcher.wait_for(2)
    watcher.settle()
    assert len(watcher.calls) == 2


NOTES = """# Reading notes

## Unread

### Coral Reef Mapping from Drone Imagery
Maps reefs from the air.

### Attention Is All You Need
Self-attention only.

### Tidal Forecasts with Sparse Gauges
Forecasts tides from few gauges.
"""


@pytest.mark.slow
def test_rebuilds_print_only_the_problems_that_changed(
        reporting_watcher: ReportingWatcher) -> None:
    w = reporting_watcher
    note = w.root / "summaries" / "example.md"
    note.write_text(NOTES, encoding="utf-8")
    w.wait_for(1)
    w.settle()
    first = w.printed[-1]
    assert "example.md:5: warning: 'Coral Reef Mapping" in first
    assert "example.md:11: warning: 'Tidal Forecasts" in first
    # lines added above both (their lines move), one paper gone, a broken key added
    note.write_text(NOTES.replace("## Unread\n", "## Unread\n\nTo read this week.\n\n")
                    .replace("### Coral Reef Mapping from Drone Imagery\nMaps reefs from the "
                             "air.\n", "### Attention, again [@vaswani2017atention]\nAgain.\n"),
                    encoding="utf-8")
    w.wait_for(2)
    w.settle()
    second = w.printed[-1].splitlines()
    assert len(second) == 3, "\n".join(second)
    assert second[0].startswith("summaries/example.md:8: error: key 'vaswani2017atention'")
    assert second[1].startswith("summaries/example.md:8: warning: 'Attention, again'")
    assert second[2].startswith("fixed: summaries/example.md:5: warning: 'Coral Reef Mapping")
    assert not any("Tidal" in line for line in second)  # still there, only moved
    note.write_text(NOTES + "\n", encoding="utf-8")  # back as it was
    w.wait_for(3)
    w.settle()
    third = w.printed[-1].splitlines()
    assert [line.split(": ")[0:2] for line in third] == [
        ["summaries/example.md:5", "warning"], ["fixed", "summaries/example.md:8"],
        ["fixed", "summaries/example.md:8"]]
    note.write_text(NOTES + "\n\n", encoding="utf-8")  # no change in problems: nothing
    w.wait_for(4)
    w.settle()
    assert w.printed[-1] == ""


def test_change_report_counts_repeated_problems() -> None:
    report = ChangeReport()
    same = Problem("warning", "unknown word 'teh'", Source("a.md", 3), None, "lint-spelling")
    assert report.changes([same, same]) == ([same, same], [])
    moved = Problem("warning", "unknown word 'teh'", Source("a.md", 9), None, "lint-spelling")
    assert report.changes([moved]) == ([], [same])  # one of the two is gone
    assert report.changes([moved, same]) == ([same], [])
    assert "fixed: a.md:9: warning" in report.text([same], color=False, verbose=False)
