"""Matching against the real bibliographies in ../shared/corpus (skipped when absent)."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from paths import REPO

from relwork import bib
from relwork.config import Config
from relwork.match import match_entries
from relwork.model import Entry, Source

if TYPE_CHECKING:
    from conftest import SharedFolder

ROOT = REPO


@pytest.fixture(scope="module")
def refdb(tmp_path_factory: pytest.TempPathFactory, shared: SharedFolder) -> bib.BibIndex:
    config = Config(root=tmp_path_factory.mktemp("corpus"))
    return bib.load_bib([shared.require("corpus/refdb.bib")], config, use_cache=False)


def _typo(title: str, rng: random.Random) -> str:
    """Swap two letters inside the longest word, as fast typing does."""
    words = title.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) >= 5:
        i = rng.randrange(1, len(word) - 2)
        words[longest] = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return " ".join(words)


def test_sample_of_refdb_headings(refdb: bib.BibIndex) -> None:
    """Lower-cased, misspelt and subtitle-less headings of 150 sampled entries: no entry
    is cited under another title, and nearly all are cited or flagged with the right one
    first."""
    rng = random.Random(2024)
    records = [r for r in refdb.records.values() if len(r.title.split()) >= 4]
    sample = rng.sample(records, 150)
    entries, truth = [], []
    for n, rec in enumerate(sample):
        kind = n % 3
        title = rec.title.lower() if kind == 0 else _typo(rec.title, rng) if kind == 1 \
            else rec.title.split(":")[0]
        entries.append(Entry(title=title, source=Source("sample.md", n + 1)))
        truth.append(rec.title_norm)
    matches, problems = match_entries(entries, refdb)
    assert not [p for p in problems if p.severity == "error"]
    wrong = [(m.entry.title, m.key) for m, t in zip(matches, truth, strict=True)
             if m.cited and refdb.records[m.key].title_norm != t]  # type: ignore[index]
    assert wrong == []
    found = sum(
        1 for m, t in zip(matches, truth, strict=True)
        if (m.key or (m.candidates[0].key if m.candidates else None))
        and refdb.records[m.key or m.candidates[0].key].title_norm == t
    )
    assert found >= 0.9 * len(sample), f"only {found}/{len(sample)} found"


@pytest.mark.slow
def test_labelled_cases_against_the_whole_corpus(tmp_path: Path, shared: SharedFolder) -> None:
    """The labelled benchmark set: no wrong auto-cite, >= 95% of findable papers found."""
    corpus = shared.require("corpus")
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import match_eval  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    index = bib.load_bib([*sorted(corpus.glob("*.bib")), match_eval.EXTRA_BIB],
                         Config(root=tmp_path), use_cache=False)
    rows = match_eval.read_cases(match_eval.CASES)
    assert len(rows) >= 150
    assert match_eval.check_labels(rows, index) == []
    entries, aliases = [], {}
    for row in rows:
        e, extra = match_eval.case_entry(row)
        entries.append(e)
        aliases.update(extra)
    matches, _ = match_entries(entries, index, aliases=aliases)
    result = match_eval.evaluate(rows, matches)
    assert result["wrong"] == []
    assert result["found"] >= 0.97 * result["findable"]  # type: ignore[operator]
    assert match_eval.split_works(index, matches) == []  # one key per work
