"""The stored whole index: opened instead of parsing and merging when no bib file changed,
equal to a fresh parse, lazy, and ignored (then rebuilt) when it cannot be trusted."""

from __future__ import annotations

import json
import shutil
import zlib
from pathlib import Path

import pytest
from paths import FIXTURES

from relwork.bib import load as bib_load
from relwork.bib import load_bib, stored
from relwork.config import Config
from relwork.infra import cache as blobs


@pytest.fixture
def project(tmp_path: Path) -> tuple[Config, list[Path]]:
    shutil.copytree(FIXTURES / "bib", tmp_path / "bib")
    config = Config(root=tmp_path, bib=["bib"])
    files = [tmp_path / "bib" / "main.bib", tmp_path / "bib" / "more" / "other.bib"]
    return config, files


def index_files(config: Config) -> list[Path]:
    return sorted((config.root / ".relwork" / "cache").glob("bib-index-*.json"))


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> None:
        raise AssertionError("a file was parsed or merged again")

    monkeypatch.setattr(bib_load, "split_text", fail)
    monkeypatch.setattr(bib_load, "merge", fail)


def test_unchanged_bibs_open_the_stored_index_equal_to_a_fresh_parse(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    fresh = load_bib(files, config, use_cache=False)
    load_bib(files, config)
    assert len(index_files(config)) == 1
    no_parsing(monkeypatch)
    warm = load_bib(files, config)
    assert isinstance(warm.records, stored.StoredRecords)
    assert warm == fresh  # records, macros, preambles, failed blocks, problems, files
    assert list(warm.records) == list(fresh.records)  # bib order, first key wins
    assert warm.content_key
    assert any(p.code == "bib-duplicate-key" for p in warm.problems)
    assert warm.failed and warm.failed == fresh.failed
    for table in ("by_doi", "by_arxiv", "by_title", "by_short"):
        assert getattr(warm, table) == getattr(fresh, table), table
    pulse = warm.records["menon2020pulse"]
    assert pulse.fields == fresh.records["menon2020pulse"].fields
    assert pulse.raw == fresh.records["menon2020pulse"].raw
    assert warm.records["menon2020pulse"] is pulse  # made once


def test_records_are_made_only_when_asked_for(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    load_bib(files, config)
    warm = load_bib(files, config)
    records = warm.records
    assert isinstance(records, stored.StoredRecords)
    assert "menon2020pulse" in records and "nobody1999" not in records
    assert records._made == {}
    assert records.get("menon2020pulse") is not None
    assert list(records._made) == ["menon2020pulse"]


def test_a_changed_bib_is_not_served_from_the_old_index(
    project: tuple[Config, list[Path]]
) -> None:
    config, files = project
    load_bib(files, config)
    before = index_files(config)
    other = files[1]
    other.write_text(other.read_text(encoding="utf-8").replace("Olga", "Oksana"),
                     encoding="utf-8")
    index = load_bib(files, config)
    assert index.records["other2021"].fields["author"] == "{Other, Oksana}"
    after = index_files(config)
    assert len(after) == 1 and after != before  # replaced, not left over
    assert load_bib(files, config).records["other2021"].fields["author"] == "{Other, Oksana}"


def rewrite(file: Path, change: dict[str, object] | None = None,
            column: tuple[int, str] | None = None) -> None:
    """Rewrite a stored index with a valid header and checksum but other content: the
    JSON head changed by ``change``, or one column's text replaced."""
    header, payload = file.read_bytes()[len(blobs.MAGIC):].split(b"\n", 1)
    cut = payload.index(b"\n")
    size = int(payload[:cut])
    head = json.loads(payload[cut + 1:cut + 1 + size])
    rest = payload[cut + 1 + size:]
    if column is not None:
        number, text = column
        at = sum(head["sizes"][:number])
        old = head["sizes"][number]
        new = text.encode()
        rest = rest[:at] + new + rest[at + old:]
        head["sizes"][number] = len(new)
    head.update(change or {})
    data = json.dumps(head).encode()
    payload = str(len(data)).encode() + b"\n" + data + rest
    meta = json.loads(header)
    meta.update(size=len(payload), crc=zlib.crc32(payload))
    file.write_bytes(blobs.MAGIC + json.dumps(meta).encode() + b"\n" + payload)


@pytest.mark.parametrize("doctor", [
    {"change": {"files": [7]}},
    {"change": {"problems": [["fatal", "x", None, None, None, "", ""]]}},
    {"change": {"strings": [["a", "b"]]}},
    {"change": {"n": 1}},
    {"column": (8, "1\x1f²")},  # a line number int() would take, but not ASCII digits
    {"column": (11, "9")},  # a file number past the file list
])
def test_a_doctored_index_with_a_valid_checksum_is_ignored_and_rebuilt(
    project: tuple[Config, list[Path]], doctor: dict[str, object]
) -> None:
    config, files = project
    first = load_bib(files, config, use_cache=False)
    load_bib(files, config)
    (file,) = index_files(config)
    rewrite(file, **doctor)  # type: ignore[arg-type]
    again = load_bib(files, config)
    notes = [p for p in again.problems if p.code == blobs.IGNORED]
    assert len(notes) == 1 and "bib-index-" in str(notes[0].source), again.problems
    assert again.records == first.records
    third = load_bib(files, config)  # rebuilt: good again, and nothing to say
    assert isinstance(third.records, stored.StoredRecords)
    assert third == first and not any(p.code == blobs.IGNORED for p in third.problems)


def test_notes_about_ignored_cache_files_are_not_stored(
    project: tuple[Config, list[Path]]
) -> None:
    config, files = project
    load_bib(files, config)
    folder = config.root / ".relwork" / "cache"
    for file in folder.glob("bib-*.json"):
        file.write_bytes(b"damaged")
    again = load_bib(files, config)
    assert sum(p.code == blobs.IGNORED for p in again.problems) == 3
    third = load_bib(files, config)
    assert isinstance(third.records, stored.StoredRecords)
    assert not any(p.code == blobs.IGNORED for p in third.problems)


def test_an_unreadable_bib_is_never_stored(project: tuple[Config, list[Path]]) -> None:
    config, files = project
    missing = files + [config.root / "bib" / "gone.bib"]
    index = load_bib(missing, config)
    assert any(p.code == "bib-read" for p in index.problems)
    assert index_files(config) == [] and index.content_key == ""


def test_the_rewritten_file_is_read_when_nothing_is_changed(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What makes the doctored cases above mean something: a rewrite alone is trusted."""
    config, files = project
    load_bib(files, config)
    (file,) = index_files(config)
    rewrite(file, column=(8, file.read_bytes() and "\x1f".join(
        str(r.source.line) for r in load_bib(files, config).records.values())))
    no_parsing(monkeypatch)
    assert not any(p.code == blobs.IGNORED for p in load_bib(files, config).problems)


def test_all_records_at_once_keep_order_identity_and_changes(
    project: tuple[Config, list[Path]]
) -> None:
    config, files = project
    fresh = load_bib(files, config, use_cache=False)
    load_bib(files, config)
    records = load_bib(files, config).records
    assert isinstance(records, stored.StoredRecords)
    first = records["menon2020pulse"]  # made before all the others
    assert list(records.values()) == list(fresh.records.values())
    assert [k for k, _ in records.items()] == list(fresh.records)
    assert records["menon2020pulse"] is first
    del records["menon2020pulse"]
    records["menon2020pulse"] = first  # set again: now the last, as in a dict
    assert list(records)[-1] == "menon2020pulse"
    assert [r.key for r in records.values()] == list(records)
