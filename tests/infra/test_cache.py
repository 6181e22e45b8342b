"""Cache files are data only: the header (format, kind, key, size, CRC) is checked before
the payload is read, the payload is JSON, and a file that cannot be trusted is refused
with a short reason (the caller rebuilds it and reports it once)."""

from __future__ import annotations

import datetime
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from doctored import pickle_payload

from relwork.infra.cache import (
    CACHE_FORMAT,
    IGNORED,
    MAGIC,
    CacheFolder,
    CacheIgnored,
    Codec,
    read_payload,
    write_payload,
)
from relwork.model import Problem, Source


def header(kind: str, key: str, payload: bytes, fmt: int = CACHE_FORMAT) -> bytes:
    return MAGIC + json.dumps({"format": fmt, "kind": kind, "key": key, "size": len(payload),
                               "crc": zlib.crc32(payload)}).encode() + b"\n"


def test_written_payload_reads_back_only_for_its_kind_and_key(tmp_path: Path) -> None:
    file = tmp_path / "c.json"
    write_payload(file, "notes", "k1", b'{"a":1}')
    assert bytes(read_payload(file, "notes", "k1") or b"") == b'{"a":1}'
    assert read_payload(file, "notes", "k2") is None  # stale: replaced without a word
    with pytest.raises(CacheIgnored, match="holds 'notes' data"):
        read_payload(file, "matches", "k1")
    assert read_payload(tmp_path / "missing.json", "notes", "k1") is None


@pytest.mark.parametrize(("content", "reason"), [
    (b"\x80\x05garbage", "not a relwork cache file"),
    (b"", "not a relwork cache file"),
    (MAGIC + b"{not json\n{}", "damaged header"),
    (MAGIC + b"x" * 5000, "damaged header"),
    (header("notes", "k", b"{}", fmt=5) + b"{}", "another cache format (5)"),
    (header("notes", "k", b'{"a":1}') + b'{"a":2}', "damaged (size or checksum)"),
    (header("notes", "k", b'{"a":1}') + b'{"a"', "damaged (size or checksum)"),
])
def test_untrusted_files_are_refused_with_a_reason(tmp_path: Path, content: bytes,
                                                   reason: str) -> None:
    file = tmp_path / "c.json"
    file.write_bytes(content)
    with pytest.raises(CacheIgnored, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_payload(file, "notes", "k")


def test_a_pickle_with_a_valid_header_is_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    data = pickle_payload(marker)
    folder = CacheFolder(tmp_path, display=lambda p: p.name)
    (tmp_path / "notes.json").write_bytes(header("notes", "k", data) + data)
    assert folder.read("notes.json", "notes", "k", Codec()) is None
    assert not marker.exists()
    assert folder.notices == [Problem("info", "cache file ignored (damaged content); it is "
                                      "rebuilt", Source("notes.json"), None, IGNORED)]
    folder.read("notes.json", "notes", "k", Codec())
    assert len(folder.notices) == 1  # once per file


@dataclass(frozen=True)
class Sample:
    name: str
    when: datetime.date
    tags: tuple[str, ...]


def test_codec_keeps_values_exactly(tmp_path: Path) -> None:
    folder = CacheFolder(tmp_path)
    codec = Codec((Sample, Source))
    value = {("a", 1): [Sample("x", datetime.date(2024, 5, 30), ("t",)), None, 1.5, True],
             "plain": {"~": "not a tag", "v": {1, 2}}, "set": frozenset({"q"}),
             "when": datetime.datetime(2024, 5, 30, 12, 0), "src": Source("n.md", 3)}
    folder.write("s.json", "sample", "k", value, codec)
    again = folder.read("s.json", "sample", "k", codec)
    assert again == value and repr(again) == repr(value)
    assert folder.notices == []


def test_codec_refuses_classes_it_was_not_given(tmp_path: Path) -> None:
    folder = CacheFolder(tmp_path)
    folder.write("s.json", "sample", "k", Sample("x", datetime.date(2024, 1, 1), ()),
                 Codec((Sample,)))
    assert folder.read("s.json", "sample", "k", Codec((Source,))) is None
    assert "unknown type 'Sample'" in folder.notices[0].message
    folder.write("t.json", "sample", "k", object(), Codec())  # cannot be kept: not written
    assert not (tmp_path / "t.json").exists()


def test_shape_check_refuses_data_of_another_shape(tmp_path: Path) -> None:
    folder = CacheFolder(tmp_path)
    folder.write("s.json", "sample", "k", [1, 2], Codec())
    assert folder.read("s.json", "sample", "k", Codec(), lambda v: isinstance(v, dict)) is None
    assert "unexpected content" in folder.notices[0].message


def test_writing_replaces_the_slot_and_removes_old_pickle_caches(tmp_path: Path) -> None:
    (tmp_path / "notes.pickle").write_bytes(b"old")
    (tmp_path / "spelling.json").write_text("{}")
    write_payload(tmp_path / "bib-1-aaa.json", "bib-parse", "aaa", b"{}")
    write_payload(tmp_path / "bib-1-bbb.json", "bib-parse", "bbb", b"{}",
                  replaces="bib-1-*.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bib-1-bbb.json"]
