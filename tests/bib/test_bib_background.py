"""A large new bibliography is parsed on a second core while the notes are read: the
second process leaves the parse caches, load_bib reads them; any failure of it only means
load_bib parses the files itself."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest
from paths import FIXTURES, REPO
from splits import SplitCounter

from relwork.bib import background, load_bib
from relwork.config import Config

pytestmark = pytest.mark.skipif(sys.platform != "linux",
                                reason="the second process is started with fork (Linux only)")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Config, list[Path]]:
    shutil.copytree(FIXTURES / "bib", tmp_path / "bib")
    monkeypatch.setattr(background, "MIN_BYTES", 1)  # the fixtures are small
    monkeypatch.setattr(background.os, "cpu_count", lambda: 2)
    config = Config(root=tmp_path, bib=["bib"])
    return config, [tmp_path / "bib" / "main.bib", tmp_path / "bib" / "more" / "other.bib"]


def parse_caches(config: Config) -> list[Path]:
    return sorted(p for p in (config.root / ".relwork" / "cache").glob("bib-*.json")
                  if not p.name.startswith("bib-index-"))


def test_the_second_process_leaves_parses_that_load_bib_reads(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    fresh = load_bib(files, config, use_cache=False)
    started = background.start(files, config)
    assert started is not None
    assert started.result() is True  # done in the other process
    assert len(parse_caches(config)) == 2
    splits = SplitCounter(monkeypatch)
    index = load_bib(files, config)
    assert splits.calls == 0  # both files came from the caches the process wrote
    assert index == fresh and index.problems == fresh.problems


def test_nothing_is_started_for_files_parsed_before_or_small_ones(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    load_bib(files[:1], config)
    started = background.start(files, config)
    assert started is not None and started.result() is True  # the new file only
    splits = SplitCounter(monkeypatch)
    load_bib(files, config)
    assert splits.calls == 0
    assert background.start(files, config) is None  # all cached now
    other = Config(root=config.root / "elsewhere", bib=config.bib)
    monkeypatch.setattr(background, "MIN_BYTES", 10**9)
    assert background.start(files, other) is None  # too small to be worth a process


def test_a_failed_second_process_only_means_parsing_here(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project
    fresh = load_bib(files, config, use_cache=False)
    (config.root / ".relwork").write_text("a file where the cache folder would go")
    started = background.start(files, config)
    assert started is not None
    started.result()
    splits = SplitCounter(monkeypatch)
    index = load_bib(files, config)
    assert splits.calls == 2 and index.records == fresh.records
    assert [p for p in index.problems if p.code != "cache-ignored"] == fresh.problems


def test_a_crash_in_the_second_process_prints_nothing(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str]
) -> None:
    config, files = project

    def crash(*_args: object) -> bool:
        raise RuntimeError("the parser broke")

    monkeypatch.setattr(background, "_load", crash)  # the fork copies this process
    started = background.start(files, config)
    assert started is not None
    assert started.result() is False  # nothing done there: load_bib parses here
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert load_bib(files, config).records


def test_a_second_process_not_done_in_time_is_stopped(
    project: tuple[Config, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, files = project

    def stuck(*_args: object) -> bool:
        time.sleep(60)
        return True

    monkeypatch.setattr(background, "_load", stuck)
    monkeypatch.setattr(background, "TIMEOUT", 0.5)
    start = time.monotonic()
    started = background.start(files, config)
    assert started is not None and started.result() is False
    assert time.monotonic() - start < 10
    assert parse_caches(config) == []


def test_a_build_with_the_second_process_equals_one_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from relwork import build
    from relwork.config import load_config

    monkeypatch.setattr(background.os, "cpu_count", lambda: 2)
    results = []
    for name, least in (("alone", 10**12), ("second-core", 1)):
        root = tmp_path / name
        root.mkdir()
        for part in ("summaries", "bib"):  # the bundled example
            shutil.copytree(REPO / part, root / part)
        shutil.copy(REPO / "relwork.yaml", root / "relwork.yaml")
        monkeypatch.setattr(background, "MIN_BYTES", least)
        monkeypatch.chdir(root)
        result = build(load_config(root / "relwork.yaml"))
        assert any(root.glob(".relwork/cache/bib-*.json"))
        results.append((result.tex, result.bib, [str(p) for p in result.problems]))
    assert results[0] == results[1]
    assert "\\cite" in results[0][0]

