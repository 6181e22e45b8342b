"""Benchmarks: relwork against the tools a user would otherwise run, measured in one run.

Scenarios (medians; ratios = relwork / anchor, both measured in this run):
  1. the example report rebuilt after a note edit (`relwork build`, caches warm)
     vs `pandoc -f markdown -t latex` on the same file;
  2. `relwork --version` (start-up), next to a bare `python -c pass`;
  3. large: 360 notes shaped like real collections (bench/real_notes.py) against all of
     ../shared/corpus; `relwork check` and `relwork build` each cold (no cache) and warm
     (one note edited: in a private part, and in a summary); anchors: bibtexparser's
     plain parse of the same bibs, pandoc converting the same notes;
  4. a watch-style rebuild after one note changes, bib index already loaded (in process);
  5. peak memory (ru_maxrss of the relwork process) of the large cold runs.
Usage: python bench/run.py [--repeat N] [--cold-repeat N]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(HERE))

from real_notes import generate  # noqa: E402

# The `relwork` console script, as pip writes it, run from this checkout's sources.
RELWORK = [sys.executable, "-c",
           "import sys; from relwork.cli import run; sys.argv[0] = 'relwork'; sys.exit(run())"]
# Measure relwork as installed: byte-compiled, as pip leaves a package (some shells set
# PYTHONDONTWRITEBYTECODE, which would make every run compile the sources again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(ROOT / "src")


@dataclass
class Row:
    name: str
    seconds: float  # wall time (or MB): what the goal is about
    goal: str  # "<= 0.3 s", "<= 1.0x" (of the anchor) or "<= 200 MB"
    anchor: str = "-"
    anchor_seconds: float | None = None
    cpu: float | None = None  # CPU seconds (user + sys, children included), for a busy machine
    anchor_cpu: float | None = None

    @property
    def limit(self) -> float:
        return float(self.goal.split()[1].rstrip("x"))

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.anchor_seconds if self.anchor_seconds else None

    @property
    def met(self) -> bool:
        return (self.ratio if self.goal.endswith("x") else self.seconds) <= self.limit  # type: ignore[operator]


@dataclass
class Run:
    seconds: float
    cpu: float
    max_rss_mb: float


def run(cmd: list[str], cwd: Path) -> Run:
    """Run ``cmd``; its wall time and peak memory (ru_maxrss of that process, from wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: findings (review/unmatched), still a full run
        shown = " ".join(cmd[:6]) + (" ..." if len(cmd) > 6 else "")
        raise SystemExit(f"{shown} failed ({code}):\n{err.decode(errors='replace')[-2000:]}")
    # wait4 counts the process and the children it waited for (hunspell, latexmk)
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # KiB


def timed(fn: Callable[[], Run], repeat: int,
          before: Callable[[], object] | None = None) -> tuple[float, float, list[Run]]:
    """Median wall and CPU time of ``fn`` over ``repeat`` runs (``before`` runs untimed
    each time), and each run."""
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(fn())
    return (statistics.median(r.seconds for r in runs), statistics.median(r.cpu for r in runs),
            runs)


def in_process(fn: Callable[[], object]) -> Run:
    """``fn`` called in this process, timed like a command."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return Run(time.perf_counter() - start, time.process_time() - cpu, 0.0)


def edit_note(path: Path) -> Callable[[], None]:
    """A real edit each time: the note's content changes, so nothing can be skipped."""
    counter = [0]
    original = path.read_text(encoding="utf-8")

    def touch() -> None:
        counter[0] += 1
        path.write_text(original + f"\nAdded sentence number {counter[0]}.\n",
                        encoding="utf-8")

    return touch


def example_project(tmp: Path) -> Path:
    project = tmp / "example"
    for name in ("summaries", "bib"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "relwork.yaml", project / "relwork.yaml")
    return project


def large_project(tmp: Path) -> tuple[Path, list[Path], list[Path]]:
    project = tmp / "large"
    bibs = sorted(CORPUS.glob("*.bib"))
    notes = generate(project / "notes", bibs)
    (project / "relwork.yaml").write_text(
        "notes: [notes]\nbib:\n" + "".join(f"  - {b}\n" for b in bibs), encoding="utf-8")
    return project, notes, bibs


def bench_example(tmp: Path, repeat: int) -> list[Row]:
    example = example_project(tmp)
    note = example / "summaries" / "weekly_report.md"
    run(RELWORK + ["build"], example)  # warms the caches
    t_rel, c_rel, _ = timed(lambda: run(RELWORK + ["build"], example), repeat,
                            edit_note(note))
    t_pan, c_pan, _ = timed(lambda: run(["pandoc", "-f", "markdown", "-t", "latex",
                                         str(note)], example), repeat)
    t_ver, c_ver, _ = timed(lambda: run(RELWORK + ["--version"], example), repeat * 2)
    t_py, c_py, _ = timed(lambda: run([sys.executable, "-c", "pass"], example), repeat * 2)
    return [Row("example rebuild after a note edit", t_rel, "<= 2.0x", "pandoc", t_pan,
                c_rel, c_pan),
            Row("relwork --version", t_ver, "<= 0.06 s", "python -c pass", t_py, c_ver, c_py)]


def bench_large(project: Path, notes: list[Path], bibs: list[Path], repeat: int,
                cold_repeat: int) -> tuple[list[Row], dict[str, float]]:
    cache = project / ".relwork"
    clear = lambda: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731
    parse = ("import bibtexparser, sys\n"
             "for p in sys.argv[1:]:\n"
             "    bibtexparser.parse_string(open(p, encoding='utf-8').read())\n")
    t_btp, c_btp, _ = timed(lambda: run([sys.executable, "-c", parse, *map(str, bibs)],
                                        project), cold_repeat)
    t_pan, c_pan, _ = timed(lambda: run(["pandoc", "-f", "markdown", "-t", "latex",
                                         *map(str, notes)], project), cold_repeat)
    rows, memory = [], {}
    # two kinds of edit: text added to a literature note lands in its private part
    # ("Notes/Questions": nothing rendered changes), text added to a weekly report lands
    # in the summary of its last paper
    edits = (("private part", next(n for n in notes if "literature" in n.parts)),
             ("summary", next(n for n in notes if "weekly" in n.parts)))
    for command in ("check", "build"):
        t_cold, c_cold, runs = timed(lambda c=command: run(RELWORK + [c], project),
                                     cold_repeat, clear)
        memory[command] = max(r.max_rss_mb for r in runs)
        rows += [Row(f"large {command} cold", t_cold, "<= 1.0x", "bibtexparser parse", t_btp,
                     c_cold, c_btp),
                 Row(f"large {command} cold", t_cold, "<= 0.5x", "pandoc on the notes", t_pan,
                     c_cold, c_pan)]
        for what, note in edits:
            run(RELWORK + [command], project)  # the caches this command keeps
            original = note.read_text(encoding="utf-8")
            t_warm, c_warm, _ = timed(lambda c=command: run(RELWORK + [c], project), repeat,
                                      edit_note(note))
            note.write_text(original, encoding="utf-8")
            rows.append(Row(f"large {command} warm, {what} edited", t_warm, "<= 0.3 s",
                            cpu=c_warm))
    return rows, memory


def bench_watch(project: Path, notes: list[Path], repeat: int) -> Row:
    """A rebuild as `relwork watch` does it: in process, index and parses kept."""
    sys.path.insert(0, str(ROOT / "src"))
    from relwork.config import load_config
    from relwork.pipeline import BuildState, build

    cwd = Path.cwd()
    os.chdir(project)
    try:
        config = load_config(project / "relwork.yaml")
        state = BuildState()
        build(config, state=state, write=True)
        weekly = next(n for n in notes if "weekly" in n.parts)
        t_watch, c_watch, _ = timed(
            lambda: in_process(lambda: build(config, state=state, write=True)), repeat * 2,
            edit_note(weekly))
    finally:
        os.chdir(cwd)
    return Row("watch rebuild after one edit", t_watch, "<= 0.05 s", cpu=c_watch)


def print_report(rows: list[Row], size: str, started: float) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.system()}; load average "
          f"{os.getloadavg()[0]:.2f}; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d}")
    print(size)
    print("wall: seconds on the clock (what the goals are about); cpu: user + sys seconds, "
          "which a busy machine inflates less")
    print(f"{'scenario':42} {'relwork':>9} {'cpu':>7} {'anchor':>20} {'wall':>8} {'cpu':>7} "
          f"{'ratio':>7} {'cpu':>6} {'goal':>10}  met")
    for row in rows:
        mb = row.goal.endswith("MB")
        mine = f"{row.seconds:7.1f}MB" if mb else f"{row.seconds:8.3f}s"
        cpu = f"{row.cpu:6.3f}s" if row.cpu is not None else ""
        theirs = f"{row.anchor_seconds:7.3f}s" if row.anchor_seconds is not None else ""
        their_cpu = f"{row.anchor_cpu:6.3f}s" if row.anchor_cpu is not None else ""
        ratio = f"{row.ratio:6.2f}x" if row.ratio is not None and row.goal.endswith("x") else ""
        cpu_ratio = (f"{row.cpu / row.anchor_cpu:5.2f}x" if ratio and row.cpu is not None
                     and row.anchor_cpu else "")
        print(f"{row.name:42} {mine:>9} {cpu:>7} {row.anchor:>20} {theirs:>8} {their_cpu:>7} "
              f"{ratio:>7} {cpu_ratio:>6} {row.goal:>10}  {'yes' if row.met else 'NO'}")
    met = sum(r.met for r in rows)
    print(f"goals met: {met} of {len(rows)}; bench took {time.perf_counter() - started:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the quick scenarios")
    parser.add_argument("--cold-repeat", type=int, default=2,
                        help="runs of the cold large scenarios and their anchors")
    args = parser.parse_args()
    if shutil.which("pandoc") is None:
        raise SystemExit("pandoc is not installed (apt-get install pandoc)")
    if not CORPUS.is_dir():
        raise SystemExit(f"corpus not found at {CORPUS}")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")],
                   env=ENV, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        rows = bench_example(tmp, args.repeat)
        project, notes, bibs = large_project(tmp)
        kb = sum(n.stat().st_size for n in notes) / 1024
        size = (f"large: {len(notes)} note files ({kb:.0f} KB of Markdown), "
                f"{len(bibs)} bibs ({sum(b.stat().st_size for b in bibs) / 2**20:.0f} MB)")
        large, memory = bench_large(project, notes, bibs, args.repeat, args.cold_repeat)
        rows += large
        rows.append(bench_watch(project, notes, args.repeat))
        rows += [Row(f"peak memory, large {c} cold", mb, "<= 200 MB")
                 for c, mb in memory.items()]
    print_report(rows, size, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
