"""Real-world bibliographies (../shared/corpus, never copied into the repository).

Checks that relwork's splitter agrees with bibtexparser 2.x entry by entry, that the known
defects of these files become the right problems, and the speed goals: a cold load is no
slower than ``bibtexparser.parse_string`` of the same text, a warm load takes <= 0.3 s.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from relwork.bib import load_bib
from relwork.bib.splitter import split_text
from relwork.config import Config

if TYPE_CHECKING:
    from conftest import SharedFolder

NAMES = ("ifn-spaml", "refdb", "nips-icml")


@pytest.fixture(scope="module")
def corpus(shared: SharedFolder) -> Path:
    """The corpus folder, with all three files present."""
    for name in NAMES:
        shared.require(f"corpus/{name}.bib")
    return shared.root / "corpus"


@pytest.fixture
def config(tmp_path: Path, corpus: Path) -> Config:
    return Config(root=tmp_path, bib=[str(corpus)])


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_same_entries_as_bibtexparser(corpus: Path, name: str) -> None:
    import bibtexparser
    from bibtexparser import model

    text = (corpus / f"{name}.bib").read_text(encoding="utf-8")
    library = bibtexparser.parse_string(text, parse_stack=[])  # raw values, no middleware
    theirs = []
    for block in library.blocks:
        if isinstance(block, (model.DuplicateFieldKeyBlock, model.DuplicateBlockKeyBlock)):
            block = block.ignore_error_block  # bibtexparser parsed these fine, then flagged
        if isinstance(block, model.Entry):
            title = next((f.value for f in block.fields if f.key.lower() == "title"), None)
            theirs.append((block.key, title, block.start_line + 1, block.raw))
    parsed = split_text(text)
    mine = [(r[0], r[2].get("title"), r[3], r[4]) for r in parsed.records]
    assert len(mine) == len(theirs)
    assert mine == theirs
    failed_theirs = [b.start_line + 1 for b in library.failed_blocks
                     if type(b) is model.ParsingFailedBlock]
    assert [line for _raw, _err, line, _key in parsed.failed] == failed_theirs


def test_ifn_spaml_broken_block_and_duplicate_fields(config: Config, corpus: Path) -> None:
    index = load_bib([corpus / "ifn-spaml.bib"], config, use_cache=False)
    assert len(index.records) == 1854  # 1857 '@' lines: 2 @comment, 1 broken
    [failed] = index.failed
    assert failed.key == "jensen2016algorithm" and failed.source.line == 7506
    assert "Jelinek1997" in index.records  # the entry after the broken one survives
    codes = sorted(p.code for p in index.problems)
    assert codes == ["bib-duplicate-field", "bib-duplicate-field", "bib-parse"]
    assert all(p.severity == "warning" for p in index.problems)


def test_refdb_duplicate_keys(config: Config, corpus: Path) -> None:
    index = load_bib([corpus / "refdb.bib"], config, use_cache=False)
    assert len(index.records) == 5029  # 5031 entries, 2 repeated keys
    dups = [p for p in index.problems if p.code == "bib-duplicate-key"]
    assert [p.source.line for p in dups] == [27089, 27227]  # type: ignore[union-attr]
    assert "lecun2015deep" in dups[0].message and ":11833" in dups[0].message
    assert "rae2021gopher" in dups[1].message and ":2890" in dups[1].message
    assert index.problems == dups and index.failed == []
    assert index.records["dvijotham2018dual"].arxiv == "1803.06567"


def test_nips_icml_is_clean(config: Config, corpus: Path) -> None:
    index = load_bib([corpus / "nips-icml.bib"], config, use_cache=False)
    assert len(index.records) == 15670
    assert index.problems == [] and index.failed == []
    assert all(r.title_norm and r.year for r in index.records.values())


@pytest.mark.slow
def test_all_three_together(config: Config, corpus: Path) -> None:
    files = [corpus / f"{n}.bib" for n in NAMES]
    index = load_bib(files, config)
    assert len(index.records) == 1854 + 5029 + 15670  # no key repeated across the files...
    cased = [p for p in index.problems if p.code == "bib-case-key"]
    assert len(cased) == 3  # ...but three differ only in case (BibTeX would complain)
    assert any("gama2014survey" in p.message and "Gama2014survey" in p.message for p in cased)
    assert load_bib(files, config) == index  # and again from the cache

