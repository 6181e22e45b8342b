"""relwork.yaml read through the cache: the same Config as parsing it, for any settings."""

from __future__ import annotations

from pathlib import Path

from relwork.config import load_config
from relwork.infra.cache import MAGIC
from relwork.infra.settings import CACHE_FILE, cached_settings

CONFIG = """\
notes:
  - summaries
  - drafts/*.md
bib: refs.bib
cite: biblatex
section:
  title: Background
  level: subsection
match:
  accept_review: true
aliases:
  Attention: vaswani2017attention
lint:
  max_sentence_words: 45
colour: blue
"""


def _same(a: object, b: object) -> None:
    assert vars(a) == vars(b)


def test_the_cached_reading_gives_the_same_config(tmp_path: Path) -> None:
    cfg = tmp_path / "relwork.yaml"
    cfg.write_text(CONFIG, "utf-8")
    parsed = load_config(cfg)
    # no cache folder: nothing is written
    _same(load_config(cfg, reader=cached_settings), parsed)
    assert not (tmp_path / ".relwork").exists()
    cache = tmp_path / ".relwork" / "cache"
    cache.mkdir(parents=True)
    _same(load_config(cfg, reader=cached_settings), parsed)  # parsed, then written
    assert (cache / CACHE_FILE).read_bytes().startswith(MAGIC)
    cached = load_config(cfg, reader=cached_settings)  # read from the cache
    _same(cached, parsed)
    assert cached.item_locations["notes"][1].line == 3
    assert [p.message for p in cached.problems] == ["unknown config key 'colour' ignored"]
    # the cache holds a reading of this text only: an edit is parsed again
    cfg.write_text(CONFIG.replace("biblatex", "plain"), "utf-8")
    assert load_config(cfg, reader=cached_settings).cite == "plain"


def test_a_damaged_cache_file_is_noted_and_replaced(tmp_path: Path) -> None:
    cfg = tmp_path / "relwork.yaml"
    cfg.write_text(CONFIG, "utf-8")
    cache = tmp_path / ".relwork" / "cache"
    cache.mkdir(parents=True)
    load_config(cfg, reader=cached_settings)
    (cache / CACHE_FILE).write_bytes(b"not a cache\n")
    config = load_config(cfg, reader=cached_settings)
    assert config.cite == "biblatex"
    assert any(p.code == "cache-ignored" for p in config.problems)
    assert (cache / CACHE_FILE).read_bytes().startswith(MAGIC)
    _same(load_config(cfg, reader=cached_settings), load_config(cfg))

