"""Matching quality and speed on a labelled set of note headings against the real corpus.

Data: bench/data/match/cases.tsv (kind, expected keys or "-", heading, note, truth title;
see bench/data/match/README.md),
matched against ../shared/corpus/*.bib (about 22,000 entries; read in place, never copied)
plus bench/data/match/extra.bib (entries of our own the corpus lacks).

Prints:
  - label check: every expected key exists and its title is the truth title; every paper
    labelled absent really has no entry with that title;
  - precision of the auto-cited (status "matched") and the wrong auto-cites (goal: none);
  - recall over findable papers: matched to a right key (goal: >= 95%), and matched or a
    right key first among the candidates of a review/unmatched entry (goal: >= 97%);
  - works cited under two keys when all cases form one section (goal: none);
  - counts by status and by kind of heading;
  - matching time for 1,000 entries (lookup tables built once per index, timed apart);
  - larger unlabelled checks: perturbed corpus titles, changed-word traps, and the notes
    written by bench/notes_gen.py read through the notes stage.

Usage: python bench/match_eval.py [--corpus DIR] [--verbose] [--scorer NAME] [--generated N]
  --scorer ratio|token_sort|max|wratio  swaps the fuzzy scorer (default: the shipped one)
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from rapidfuzz import fuzz

from relwork import match as match_mod
from relwork.bib import BibIndex, load_bib, normalize_title, works_of
from relwork.config import Config
from relwork.model import Entry, Match, Source

HERE = Path(__file__).resolve().parent
CASES = HERE / "data" / "match" / "cases.tsv"
#: entries the corpus lacks (math in titles, versions of one work, traps), read after it
EXTRA_BIB = HERE / "data" / "match" / "extra.bib"
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"

SCORERS = {
    "ratio": lambda q, c: fuzz.ratio(q, c) if c else 0.0,
    "token_sort": lambda q, c: fuzz.token_sort_ratio(q, c) if c else 0.0,
    "max": lambda q, c: max(fuzz.ratio(q, c), fuzz.token_sort_ratio(q, c)) if c else 0.0,
    "wratio": lambda q, c: fuzz.WRatio(q, c) if c else 0.0,
}


def read_cases(path: Path) -> list[dict[str, str]]:
    """The labelled cases, one dict per row (kind, expected, heading, note, truth, line)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    for n, row in enumerate(rows, start=2):
        row["line"] = str(n)
    return rows


def case_entry(row: dict[str, str]) -> tuple[Entry, dict[str, str]]:
    """An Entry as the notes stage would build it, plus the aliases the case needs."""
    entry = Entry(title=row["heading"], source=Source(str(CASES.name), int(row["line"])))
    aliases: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in row["note"].split(";"))):
        name, _, value = part.partition("=")
        if name == "authors":
            entry.meta["authors"] = [a.strip() for a in value.split(",")]
        elif name == "year":
            entry.meta["year"] = int(value)
        elif name == "alias":
            aliases[row["heading"]] = value
        else:
            entry.add_id(name, value)
    return entry, aliases


def check_labels(rows: list[dict[str, str]], index: BibIndex) -> list[str]:
    """Disagreements between the labels and the corpus (should be none)."""
    issues = []
    for row in rows:
        truths = [normalize_title(t) for t in row["truth"].split(" | ") if t.strip()]
        truth = truths[0] if truths else ""
        expected = [] if row["expected"] == "-" else row["expected"].split("|")
        for key in expected:
            rec = index.records.get(key)
            if rec is None:
                issues.append(f"line {row['line']}: {key} is not in the corpus")
            elif truths and max(fuzz.ratio(t, rec.title_norm) for t in truths) < 90:
                issues.append(f"line {row['line']}: {key} is '{rec.title}', not '{row['truth']}'")
        if truth and not expected and row["kind"] == "absent" and truth in index.by_title:
            issues.append(f"line {row['line']}: labelled absent but the corpus has "
                          f"{index.by_title[truth]}")
        if truth and expected:
            missing = set(index.by_title.get(truth, [])) - set(expected)
            if missing and row["kind"] not in ("meta", "citation", "work", "trap", "idcite"):
                issues.append(f"line {row['line']}: {sorted(missing)} have the same title too")
    return issues


def evaluate(rows: list[dict[str, str]], matches: list[Match]) -> dict[str, object]:
    """Precision, recall, wrong auto-cites and per-kind counts."""
    auto = correct_auto = findable = found = matched_right = 0
    wrong: list[str] = []
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    status = Counter(m.status for m in matches)
    for row, m in zip(rows, matches, strict=True):
        expected = set() if row["expected"] == "-" else set(row["expected"].split("|"))
        kind = by_kind[row["kind"]]
        kind["cases"] += 1
        if m.status == "matched":
            auto += 1
            if m.key in expected:
                correct_auto += 1
            else:
                wrong.append(f"line {row['line']} '{row['heading']}' -> {m.key} "
                             f"({m.method} {m.score:.0f}; expected {row['expected']})")
                kind["wrong"] += 1
        first = m.key if m.key else (m.candidates[0].key if m.candidates else None)
        if expected:
            findable += 1
            kind["findable"] += 1
            if m.status == "matched" and m.key in expected:
                matched_right += 1
            if first in expected and (m.status != "matched" or m.key in expected):
                found += 1
                kind["found"] += 1
                kind["auto" if m.status == "matched" else "flagged"] += 1
        elif m.status != "matched":
            kind["absent-ok"] += 1
    return {
        "auto": auto, "correct_auto": correct_auto, "wrong": wrong, "findable": findable,
        "found": found, "status": status, "by_kind": by_kind, "matched_right": matched_right,
    }


def split_works(index: BibIndex, matches: list[Match]) -> list[str]:
    """Works cited under two or more keys when all the matches are one section (goal: none)."""
    works = works_of(index)
    keys: dict[str, set[str]] = defaultdict(set)
    for m in matches:
        if m.status == "matched" and m.key:
            keys[works.work(m.key).preferred].add(m.key)
    return [f"{work}: {sorted(cited)}" for work, cited in keys.items() if len(cited) > 1]


def timing_entries(index: BibIndex, rows: list[dict[str, str]], n: int = 1000
                   ) -> tuple[list[Entry], list[str | None]]:
    """``n`` distinct headings: the labelled ones plus perturbed corpus titles (seeded).

    Also returns, per heading, the normalised title it was made from (None for the
    labelled ones), so the synthetic part doubles as a larger precision check.
    """
    rng = random.Random(7)
    titles = [r.title for r in index.records.values() if len(r.title.split()) >= 2]
    entries = [case_entry(row)[0] for row in rows]
    origin: list[str | None] = [None] * len(entries)
    while len(entries) < n:
        title = source = rng.choice(titles)
        kind = rng.randrange(4)
        if kind == 0 and len(title) > 8:  # a typo: two letters swapped
            i = rng.randrange(1, len(title) - 2)
            title = title[:i] + title[i + 1] + title[i] + title[i + 2:]
        elif kind == 1:
            title = title.lower()
        elif kind == 2 and ":" in title:
            title = title.split(":", 1)[0]
        elif kind == 3:  # the words in another order
            words = title.split()
            rng.shuffle(words)
            title = " ".join(words)
        entries.append(Entry(title=title, source=Source("timing.md", len(entries) + 1)))
        origin.append(normalize_title(source))
    return entries[:n], origin[:n]


def changed_word_entries(index: BibIndex, n: int = 1000) -> tuple[list[Entry], list[str]]:
    """Corpus titles with one word (5+ letters) replaced by another title word (seeded):
    headings of papers that are not in the bibliography but look 90-97% like one that is."""
    rng = random.Random(11)
    records = [r for r in index.records.values() if len(r.title.split()) >= 4]
    vocab = sorted({w for r in records for w in r.title_norm.split() if len(w) >= 5})
    entries, origin = [], []
    while len(entries) < n:
        rec = rng.choice(records)
        words = rec.title.split()
        spots = [i for i, w in enumerate(words) if len(w) >= 5]
        if not spots:
            continue
        i = rng.choice(spots)
        new_word = rng.choice(vocab)
        if normalize_title(words[i]) == new_word:
            continue
        words[i] = new_word
        entries.append(Entry(title=" ".join(words), source=Source("changed.md", len(entries) + 1)))
        origin.append(rec.title_norm)
    return entries, origin


def generated_notes_check(index: BibIndex, bibs: list[Path], count: int) -> str:
    """Notes written by bench/notes_gen.py (weekly reports and front-matter notes), read by
    the notes stage and matched; the generator's own (heading -> title) choices are the
    truth. A cite counts as right when its title is the truth or 95% like it (the corpus
    has near-identical duplicates)."""
    import shutil
    import tempfile

    import notes_gen  # type: ignore[import-not-found]

    from relwork import notes

    truth: dict[str, str] = {}
    vary = notes_gen.vary

    def recording_vary(title: str, rng: random.Random) -> str:
        varied = vary(title, rng)
        truth[varied] = title
        return str(varied)

    notes_gen.vary = recording_vary
    folder = Path(tempfile.mkdtemp(prefix="relwork-match-"))
    try:
        files = notes_gen.generate(folder / "notes", bibs, count=count)
        parsed = notes.read_notes(files, Config(root=folder))
    finally:
        notes_gen.vary = vary
        shutil.rmtree(folder, ignore_errors=True)
    matches, _ = match_mod.match_entries(parsed.entries, index)
    auto = found = 0
    wrong = []
    for m in matches:
        title = truth.get(m.entry.title)
        if title is None:
            continue
        key = m.key or (m.candidates[0].key if m.candidates else None)
        right = key is not None and fuzz.ratio(index.records[key].title_norm,
                                               normalize_title(title)) >= 95
        found += right
        if m.status == "matched":
            auto += 1
            if not right:
                wrong.append(f"  '{m.entry.title}' -> {m.key}")
    return "\n".join([f"generated notes (bench/notes_gen.py, {count} papers): "
                      f"{len(matches)} entries, {auto} auto-cited, {len(wrong)} wrong, "
                      f"{found} found", *wrong])


def synthetic_check(index: BibIndex, matches: list[Match], origin: list[str | None]
                    ) -> tuple[int, int, int, list[str]]:
    """(headings, auto-cited, found, wrong) over the perturbed corpus titles."""
    total = auto = found = 0
    wrong = []
    for m, title in zip(matches, origin, strict=True):
        if title is None:
            continue
        total += 1
        key = m.key or (m.candidates[0].key if m.candidates else None)
        right = key is not None and index.records[key].title_norm == title
        if m.status == "matched":
            auto += 1
            if not right:
                wrong.append(f"'{m.entry.title}' -> {m.key} ({m.method} {m.score:.0f})")
        found += right
    return total, auto, found, wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--verbose", action="store_true", help="print every case")
    parser.add_argument("--scorer", choices=sorted(SCORERS), help="try another fuzzy scorer")
    parser.add_argument("--repeat", type=int, default=5, help="timing runs (median)")
    parser.add_argument("--generated", type=int, default=300, metavar="N",
                        help="also match N papers of notes written by bench/notes_gen.py "
                        "(0: skip)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a numeric setting of relwork.match, e.g. AUTO_MARGIN=5")
    args = parser.parse_args(argv)

    bibs = sorted(args.corpus.glob("*.bib"))
    if not bibs:
        print(f"no .bib files in {args.corpus}", file=sys.stderr)
        return 2
    for setting in args.set:
        name, _, value = setting.partition("=")
        setattr(match_mod, name, type(getattr(match_mod, name))(value))
    if args.scorer:
        scorer = SCORERS[args.scorer]
        match_mod._score = scorer  # type: ignore[assignment]
        match_mod._score_many = (  # type: ignore[assignment]
            lambda q, choices: [float(scorer(q, c)) for c in choices])
    index = load_bib([*bibs, EXTRA_BIB], Config(root=HERE), use_cache=False)
    print(f"corpus: {len(index.records)} entries from {', '.join(b.name for b in bibs)}")

    rows = read_cases(CASES)
    issues = check_labels(rows, index)
    print(f"labels: {len(rows)} cases, {len(issues)} disagreements with the corpus")
    for issue in issues:
        print("  " + issue)

    entries, aliases = [], {}
    for row in rows:
        entry, extra = case_entry(row)
        entries.append(entry)
        aliases.update(extra)
    matches, _problems = match_mod.match_entries(entries, index, aliases=aliases)
    result = evaluate(rows, matches)
    if args.verbose:
        for row, m in zip(rows, matches, strict=True):
            cands = ", ".join(f"{c.key}:{c.score:.0f}" for c in m.candidates)
            print(f"{row['line']:>4} {row['kind']:<9} {m.status:<9} {str(m.key):<24} "
                  f"{row['heading'][:50]:<50} | {m.reason[:110]} | {cands}")

    auto, correct = int(result["auto"]), int(result["correct_auto"])  # type: ignore[call-overload]
    findable, found = int(result["findable"]), int(result["found"])  # type: ignore[call-overload]
    wrong: list[str] = result["wrong"]  # type: ignore[assignment]
    print(f"status: {dict(result['status'])}")  # type: ignore[call-overload]
    print(f"precision of auto-cited: {correct}/{auto} = {100 * correct / max(auto, 1):.1f}%")
    print(f"wrong auto-cites: {len(wrong)}")
    for line in wrong:
        print("  " + line)
    matched_right = int(result["matched_right"])  # type: ignore[call-overload]
    print(f"recall (matched to a right key) over findable: {matched_right}/{findable} = "
          f"{100 * matched_right / max(findable, 1):.1f}%")
    print(f"recall (matched or first candidate) over findable: {found}/{findable} = "
          f"{100 * found / max(findable, 1):.1f}%")
    split = split_works(index, matches)
    print(f"works cited under two keys (all cases as one section): {len(split)}")
    for line in split:
        print("  " + line)
    missing_ids = [c.written for m in matches for c in m.missing_ids]
    print(f"identifier citations not in the bib (reported as data): {missing_ids}")
    accepted, _ = match_mod.match_entries(entries, index, aliases=aliases, accept_review=True)
    acc = evaluate(rows, accepted)
    acc_wrong: list[str] = acc["wrong"]  # type: ignore[assignment]
    print(f"with accept_review: {acc['auto']} cited, {len(acc_wrong)} wrong")
    for line in acc_wrong:
        print("  " + line)
    print("by kind: cases findable found(auto+flagged) wrong absent-ok")
    for kind, c in sorted(result["by_kind"].items()):  # type: ignore[attr-defined]
        print(f"  {kind:<9} {c['cases']:>4} {c['findable']:>4} {c['found']:>4}"
              f"({c['auto']}+{c['flagged']}) {c['wrong']:>3} {c['absent-ok']:>4}")

    timed, origin = timing_entries(index, rows)
    t0 = time.perf_counter()
    match_mod.build_lookup(index)
    build = time.perf_counter() - t0
    runs, cpu = [], []
    for _ in range(max(1, args.repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        match_mod.match_entries(timed, index, aliases=aliases)
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU time is the steadier figure on a shared machine; wall time is what a user waits
    print(f"timing: lookup tables {build:.3f} s once per index; matching {len(timed)} "
          f"entries: median {statistics.median(runs):.3f} s wall, "
          f"{statistics.median(cpu):.3f} s CPU (first run {runs[0]:.3f} s wall, "
          f"{cpu[0]:.3f} s CPU: fills the lazy acronym caches); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    synthetic, _ = match_mod.match_entries(timed, index, aliases=aliases)
    total, s_auto, s_found, s_wrong = synthetic_check(index, synthetic, origin)
    print(f"synthetic (corpus titles with a typo, lower case, subtitle dropped or words "
          f"reordered): {total} headings, {s_auto} auto-cited, {len(s_wrong)} of them wrong, "
          f"{s_found} found ({100 * s_found / max(total, 1):.1f}%)")
    for line in s_wrong:
        print("  " + line)
    changed, changed_origin = changed_word_entries(index)
    c_matches, _ = match_mod.match_entries(changed, index)
    c_auto = [m for m in c_matches if m.status == "matched"]
    c_flagged = sum(1 for m, t in zip(c_matches, changed_origin, strict=True)
                    if m.status == "review" and m.key and index.records[m.key].title_norm == t)
    print(f"changed-word traps (one word of a corpus title replaced): {len(changed)} headings, "
          f"{len(c_auto)} auto-cited, {c_flagged} flagged for review with the look-alike first")
    for m in c_auto[:10]:
        print(f"  '{m.entry.title}' -> {m.key} ({m.score:.0f})")

    if args.generated:
        print(generated_notes_check(index, bibs, args.generated))
    return 0 if not wrong and not split else 1


if __name__ == "__main__":
    sys.exit(main())
