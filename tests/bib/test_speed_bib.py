"""Records read from the bib cache decode their fields and raw text on first use: they
behave exactly as the records of a fresh parse (values, equality, copies, writing)."""

from __future__ import annotations

import dataclasses
import pickle
import shutil
from pathlib import Path

import pytest
from paths import FIXTURES

from relwork import bib
from relwork.config import Config
from relwork.model import BibRecord, Source

FIXTURES = FIXTURES / "bib"


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[bib.BibIndex, bib.BibIndex]:
    """(fresh parse, the same files read from the cache)."""
    shutil.copytree(FIXTURES, tmp_path / "bib")
    config = Config(root=tmp_path, bib=["bib"])
    files = [tmp_path / "bib" / "main.bib", tmp_path / "bib" / "more" / "other.bib"]
    cold = bib.load_bib(files, config)
    warm = bib.load_bib(files, config)
    return cold, warm


def test_cached_records_have_the_values_of_parsed_ones(
        loaded: tuple[bib.BibIndex, bib.BibIndex]) -> None:
    cold, warm = loaded
    assert list(warm.records) == list(cold.records) and cold.records
    lazy = [r for r in warm.records.values() if type(r) is not BibRecord]
    assert len(lazy) == len(warm.records)  # all from the cache
    for key, fresh in cold.records.items():
        cached = warm.records[key]
        for f in dataclasses.fields(BibRecord):
            assert getattr(cached, f.name) == getattr(fresh, f.name), (key, f.name)
        assert cached == fresh and fresh == cached
        assert isinstance(cached.source, Source) and cached.fields is cached.fields


def test_cached_records_copy_pickle_and_change_like_parsed_ones(
        loaded: tuple[bib.BibIndex, bib.BibIndex]) -> None:
    cold, warm = loaded
    key = next(iter(cold.records))
    cached, fresh = warm.records[key], cold.records[key]
    assert pickle.loads(pickle.dumps(cached)) == fresh
    renamed = dataclasses.replace(cached, key="other")
    assert renamed.key == "other" and renamed.raw == fresh.raw and renamed.fields == fresh.fields
    assert renamed != fresh
    cached.fields = {"title": "{X}"}
    cached.raw = "@misc{x,}"
    cached.source = Source("elsewhere.bib", 3)
    assert (cached.fields, cached.raw, cached.source) == (
        {"title": "{X}"}, "@misc{x,}", Source("elsewhere.bib", 3))
    assert cached != fresh


def test_cited_bib_is_the_same_from_the_cache(
        loaded: tuple[bib.BibIndex, bib.BibIndex]) -> None:
    cold, warm = loaded
    keys = list(cold.records)
    assert bib.cited_bib_text(warm, keys) == bib.cited_bib_text(cold, keys)
    missing = [keys[0].swapcase() if keys[0].swapcase() != keys[0] else keys[0] + "X"]
    assert bib.cited_bib_text(warm, missing) == bib.cited_bib_text(cold, missing)


def test_cited_bib_kept_for_the_same_keys_only(
        loaded: tuple[bib.BibIndex, bib.BibIndex]) -> None:
    cold, warm = loaded
    keys = list(cold.records)
    first = bib.cited_bib_text(warm, keys[:2])
    assert bib.cited_bib_text(warm, keys[:2]) == first
    fewer = bib.cited_bib_text(warm, keys[:1])
    assert fewer != first and fewer == bib.cited_bib_text(cold, keys[:1])
    stub = BibRecord("missing_x", "misc", {"title": "{X}"}, Source("n.md", 1),
                     raw="@misc{missing_x,\n  title = {X},\n}")
    with_stub = bib.cited_bib_text(warm, keys[:1], [stub])
    assert "missing_x" in with_stub[0] and with_stub == bib.cited_bib_text(cold, keys[:1], [stub])
    other = dataclasses.replace(stub, raw=stub.raw.replace("{X}", "{Y}"))
    assert "{Y}" in bib.cited_bib_text(warm, keys[:1], [other])[0]


def test_derived_tables_of_other_relwork_code_are_made_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from relwork.infra import cache
    from relwork.match import lookup as match
    from relwork.pipeline import load_index

    shutil.copytree(FIXTURES, tmp_path / "bib")
    config = Config(root=tmp_path, bib=["bib"])
    made: list[int] = []
    real = match.build_lookup
    monkeypatch.setattr(match, "build_lookup", lambda index: made.append(1) or real(index))
    load_index(config)
    load_index(config)
    assert len(made) == 1  # the second came from the cache
    monkeypatch.setattr(cache, "code_key", lambda: "another relwork")
    index, _ = load_index(config)
    assert len(made) == 2
    assert index.memo.lookup.keys == list(index.records)
