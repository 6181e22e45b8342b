"""The parse cache: used when valid, ignored and rebuilt when corrupt, truncated or stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from paths import FIXTURES
from splits import SplitCounter

from relwork.bib import BibIndex, load_bib
from relwork.bib import cache as bib_cache
from relwork.config import Config

FIXTURES = FIXTURES / "bib"


@pytest.fixture
def project(tmp_path: Path) -> tuple[Config, list[Path]]:
    shutil.copytree(FIXTURES, tmp_path / "bib")
    config = Config(root=tmp_path, bib=["bib"])
    files = [tmp_path / "bib" / "main.bib", tmp_path / "bib" / "more" / "other.bib"]
    return config, files


def cache_files(config: Config) -> list[Path]:
    folder = config.root / ".relwork" / "cache"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def parse_caches(config: Config) -> list[Path]:
    """The per-file parse caches (not the stored whole index, bib-index-*)."""
    return [p for p in cache_files(config) if not p.name.startswith("bib-index-")]


def test_second_load_comes_from_the_cache_and_is_equal(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    counter = SplitCounter(monkeypatch)
    cold = load_bib(files, config)
    assert counter.calls == 2
    assert len(parse_caches(config)) == 2 and len(cache_files(config)) == 3
    warm = load_bib(files, config)
    assert counter.calls == 2  # nothing parsed again
    assert warm == cold
    assert isinstance(warm, BibIndex) and warm.records["menon2020pulse"].authors


def test_use_cache_false_neither_reads_nor_writes(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    counter = SplitCounter(monkeypatch)
    load_bib(files, config, use_cache=False)
    load_bib(files, config, use_cache=False)
    assert counter.calls == 4
    assert cache_files(config) == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty"])
def test_damaged_cache_is_ignored_and_rebuilt(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    config, files = project
    first = load_bib(files, config)
    for cache in cache_files(config):
        blob = cache.read_bytes()
        if damage == "garbage":
            cache.write_bytes(b"not a cache at all" * 10)
        elif damage == "truncated":
            cache.write_bytes(blob[: len(blob) // 2])
        elif damage == "flipped":  # still the right length and header, payload changed
            middle = len(blob) // 2
            cache.write_bytes(blob[:middle] + bytes([blob[middle] ^ 0xFF]) + blob[middle + 1:])
        else:
            cache.write_bytes(b"")
    counter = SplitCounter(monkeypatch)
    again = load_bib(files, config)
    assert counter.calls == 2  # both files parsed again
    notes = [p for p in again.problems if p.code == "cache-ignored"]
    assert len(notes) == 3, again.problems  # each file's parse and the whole index
    assert all(p.severity == "info" and p.source and "bib-" in p.source.path for p in notes)
    assert again.records == first.records
    assert [p for p in again.problems if p not in notes] == first.problems
    third = load_bib(files, config)  # the rebuilt cache is good, and says nothing
    assert counter.calls == 2 and third == first


def test_changed_file_is_parsed_again_and_old_cache_dropped(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    load_bib(files, config)
    before = parse_caches(config)
    other = files[1]
    other.write_text(other.read_text(encoding="utf-8").replace("Olga", "Oksana"),
                     encoding="utf-8")
    counter = SplitCounter(monkeypatch)
    index = load_bib(files, config)
    assert counter.calls == 1  # only the changed file
    assert index.records["other2021"].fields["author"] == "{Other, Oksana}"
    after = parse_caches(config)
    assert len(after) == 2 and after != before  # one replaced, none left over
    assert len(cache_files(config)) == 3  # and the whole index replaced


def test_encoding_and_version_are_part_of_the_key(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    load_bib(files, config)
    counter = SplitCounter(monkeypatch)
    config.bib_encoding = "latin-1"
    load_bib(files, config)
    assert counter.calls == 2
    monkeypatch.setattr(bib_cache, "__version__", "999.0")
    load_bib(files, config)
    assert counter.calls == 4


def test_cached_records_show_paths_as_seen_from_the_current_folder(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    monkeypatch.chdir(config.root)
    assert load_bib(files, config).records["other2021"].source.path == "bib/more/other.bib"
    monkeypatch.chdir(config.root / "bib")
    warm = load_bib(files, config)
    assert warm.records["other2021"].source.path == "more/other.bib"
    assert any("more/other.bib:1 duplicates main.bib:60" in p.message for p in warm.problems)


def test_no_temporary_files_are_left(project: tuple[Config, list[Path]]) -> None:
    config, files = project
    load_bib(files, config)
    load_bib(files, config)
    names = [p.name for p in cache_files(config)]
    assert all(n.startswith("bib-") and n.endswith(".json") for n in names), names


def test_unwritable_cache_folder_still_loads(project: tuple[Config, list[Path]]) -> None:
    config, files = project
    (config.root / ".relwork").write_text("a file where the cache folder would go")
    index = load_bib(files, config)
    assert "menon2020pulse" in index.records


@pytest.mark.parametrize("char", ["\x1e", "\x1f", "\x00"])
def test_a_value_holding_a_cache_separator_is_read_back_right(
    tmp_path: Path, char: str
) -> None:
    """The cache joins values with control characters: a value holding one is never
    split wrongly (such a file is then simply not cached)."""
    bib = tmp_path / "odd.bib"
    bib.write_text("@article{odd2020,\n  title = {Odd" + char + "Title},\n"
                   "  author = {Doe, Jane},\n  note = {a" + char + "b},\n  year = {2020}\n}\n",
                   encoding="utf-8")
    config = Config(root=tmp_path, bib=["odd.bib"])
    first = load_bib([bib], config)
    again = load_bib([bib], config)
    third = load_bib([bib], config)
    for index in (again, third):
        assert index.records["odd2020"].fields["note"] == "{a" + char + "b}"
        assert index.records["odd2020"].raw == first.records["odd2020"].raw
        assert index == first


def test_a_bib_without_entries_is_cached_and_read_back(tmp_path: Path) -> None:
    bib = tmp_path / "empty.bib"
    bib.write_text("% nothing here yet\n@string{ja = {Journal A}}\n", encoding="utf-8")
    config = Config(root=tmp_path, bib=["empty.bib"])
    first = load_bib([bib], config)
    again = load_bib([bib], config)
    assert first.records == {} and again.records == {}
    assert again.strings == first.strings and "ja" in again.strings
    assert not any(p.code == "cache-ignored" for p in again.problems)
