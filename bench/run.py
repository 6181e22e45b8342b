"""Benchmarks: relwork against the tools a user would otherwise run, measured in one run.

Scenarios (medians of several runs; ratios = relwork / anchor):
  1. the example report rebuilt after a note edit (`relwork build`, bib cache warm)
     vs `pandoc -f markdown -t latex` on the same file;
  2. large: generated notes against all of ../shared/corpus, cold (no cache) and warm;
     anchors: bibtexparser's plain parse of the same bibs, pandoc on the same notes;
  3. watch-style rebuild after one note changes, bib index already loaded (in process);
  4. peak memory of the large cold build.
Usage: python bench/run.py [--repeat N] [--notes N]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(HERE))

from notes_gen import generate  # noqa: E402

RELWORK = [sys.executable, "-m", "relwork"]
# Measure relwork as installed: byte-compiled, as pip leaves a package (some shells set
# PYTHONDONTWRITEBYTECODE, which would make every run compile the sources again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(fn: Callable[[], object], repeat: int, before: Callable[[], object] | None = None
          ) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs (``before`` runs untimed each time)."""
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=ENV)
    if proc.returncode not in (0, 1):  # 1: findings (review/unmatched), still a full build
        shown = " ".join(cmd[:6]) + (" ..." if len(cmd) > 6 else "")
        raise SystemExit(f"{shown} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")


def edit_note(path: Path) -> Callable[[], None]:
    """A real edit each time: the note's content changes, so nothing can be skipped."""
    counter = [0]
    original = path.read_text(encoding="utf-8")

    def touch() -> None:
        counter[0] += 1
        path.write_text(original + f"\n<!-- edit {counter[0]} -->\n", encoding="utf-8")

    return touch


def example_project(tmp: Path) -> Path:
    project = tmp / "example"
    for name in ("summaries", "bib"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "relwork.yaml", project / "relwork.yaml")
    return project


def large_project(tmp: Path, count: int) -> tuple[Path, list[Path], list[Path]]:
    project = tmp / "large"
    bibs = sorted(CORPUS.glob("*.bib"))
    notes = generate(project / "notes", bibs, count=count)
    (project / "relwork.yaml").write_text(
        "notes: [notes]\nbib:\n" + "".join(f"  - {b}\n" for b in bibs)
        + "", encoding="utf-8")
    return project, notes, bibs


def peak_memory_mb(cmd: list[str], cwd: Path) -> float:
    probe = (
        "import resource, subprocess, sys\n"
        f"subprocess.run({cmd!r}, cwd={str(cwd)!r}, capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=ENV)
    return int(out.stdout.strip()) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--notes", type=int, default=300)
    args = parser.parse_args()
    if shutil.which("pandoc") is None:
        raise SystemExit("pandoc is not installed (apt-get install pandoc)")
    if not CORPUS.is_dir():
        raise SystemExit(f"corpus not found at {CORPUS}")
    rows: list[tuple[str, float, str, float | None, str, str]] = []
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")],
                   env=ENV, capture_output=True)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # 1. the example, rebuilt after a note edit, bib cache warm
        example = example_project(tmp)
        note = example / "summaries" / "weekly_report.md"
        run(RELWORK + ["build"], example)  # warms the bib cache
        t_rel = timed(lambda: run(RELWORK + ["build"], example), args.repeat, edit_note(note))
        t_pan = timed(lambda: run(["pandoc", "-f", "markdown", "-t", "latex", str(note)],
                                  example), args.repeat)
        rows.append(("example rebuild after edit", t_rel, "pandoc", t_pan, "<= 1.0x", "ratio"))

        # 2. large, cold and warm
        project, notes, bibs = large_project(tmp, args.notes)
        cache = project / ".relwork" / "cache"
        clear = lambda: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731
        t_cold = timed(lambda: run(RELWORK + ["build"], project), args.repeat, clear)
        parse = ("import bibtexparser, sys\n"
                 "for p in sys.argv[1:]:\n"
                 "    bibtexparser.parse_string(open(p, encoding='utf-8').read())\n")
        t_btp = timed(lambda: run([sys.executable, "-c", parse, *map(str, bibs)], project),
                      max(1, args.repeat // 2))
        t_pan_notes = timed(
            lambda: run(["pandoc", "-f", "markdown", "-t", "latex", *map(str, notes)], project),
            args.repeat)
        rows.append((f"large cold ({len(notes)} notes, 3 bibs)", t_cold,
                     "bibtexparser parse", t_btp, "<= 1.0x", "ratio"))
        rows.append((f"large cold ({len(notes)} notes, 3 bibs)", t_cold,
                     "pandoc on the notes", t_pan_notes, "<= 0.5x", "ratio"))
        run(RELWORK + ["build"], project)
        t_warm = timed(lambda: run(RELWORK + ["build"], project), args.repeat,
                       edit_note(notes[0]))
        rows.append(("large warm", t_warm, "-", None, "<= 0.3 s", "abs"))

        # 3. watch-style rebuild in process, index loaded
        sys.path.insert(0, str(ROOT / "src"))
        from relwork.config import load_config
        from relwork.pipeline import BuildState, build

        cwd = Path.cwd()
        os.chdir(project)
        try:
            config = load_config(project / "relwork.yaml")
            state = BuildState()
            build(config, state=state, write=True)
            t_watch = timed(lambda: build(config, state=state, write=True), args.repeat * 2,
                            edit_note(notes[1]))
        finally:
            os.chdir(cwd)
        rows.append(("rebuild, index loaded (watch)", t_watch, "-", None, "<= 0.05 s", "abs"))

        # 4. peak memory of the large cold build
        clear()
        mem = peak_memory_mb(RELWORK + ["build"], project)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.system()}")
    print(f"{'scenario':38} {'relwork':>9} {'anchor':>20} {'anchor s':>9} {'ratio':>7} "
          f"{'goal':>9}  met")
    for name, mine, anchor, theirs, goal, kind in rows:
        if kind == "ratio" and theirs:
            ratio = mine / theirs
            limit = float(goal.split()[1].rstrip("x"))
            met = ratio <= limit
            print(f"{name:38} {mine:9.3f} {anchor:>20} {theirs:9.3f} {ratio:6.2f}x "
                  f"{goal:>9}  {'yes' if met else 'NO'}")
        else:
            limit = float(goal.split()[1])
            print(f"{name:38} {mine:9.3f} {anchor:>20} {'':>9} {'':>7} {goal:>9}  "
                  f"{'yes' if mine <= limit else 'NO'}")
    print(f"{'peak memory, large cold (MB)':38} {mem:9.1f} {'':>20} {'':>9} {'':>7} "
          f"{'<= 200':>9}  {'yes' if mem <= 200 else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
