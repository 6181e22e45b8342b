"""The tone check's findings per note file are kept: an edit checks the edited file only."""

from __future__ import annotations

from pathlib import Path

import pytest

from relwork.config import Config, load_config
from relwork.lint import LintMemory, lint_entries
from relwork.notes import read_notes

FIRST = """# Reading

## Attention Is All You Need
It's gonna replace recurrence, the transformer uses only attention.
"""
SECOND = """# More reading

## Deep Residual Learning for Image Recognition
Residual blocks are pretty much identity maps plus a learned correction.
"""


@pytest.fixture()
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.chdir(tmp_path)
    Path("first.md").write_text(FIRST, encoding="utf-8")
    Path("second.md").write_text(SECOND, encoding="utf-8")
    return load_config(None, search=False)


def run(config: Config, memory: LintMemory, key: str | None = "bib-1") -> list[str]:
    parsed = read_notes([Path("first.md"), Path("second.md")], config)
    found = lint_entries(parsed.entries, config, known_words=set(), texts=parsed.texts,
                         memory=memory, words_key=key)
    return [f"{p.source} {p.code}" for p in found]


def test_an_edit_checks_only_the_edited_file(config: Config) -> None:
    cold = run(config, LintMemory())
    assert "first.md:4 lint-contraction" in cold and "second.md:4 lint-slang" in cold
    memory = LintMemory()
    assert run(config, memory) == cold  # from lint-results.json: nothing analysed
    assert memory.analyses == {}
    Path("first.md").write_text(FIRST.replace("It's gonna", "It is going to"),
                                encoding="utf-8")
    memory = LintMemory()
    edited = run(config, memory)
    assert edited == [p for p in cold if not p.startswith("first.md")]
    assert [slot[0] for slot in memory.analyses] == [
        "It is going to replace recurrence, the transformer uses only attention."]


def test_findings_are_kept_only_for_the_same_words(config: Config) -> None:
    cold = run(config, LintMemory())
    memory = LintMemory()
    assert run(config, memory, key="bib-2") == cold  # another bib: checked again
    assert memory.analyses != {}
    memory = LintMemory()
    assert run(config, memory, key=None) == cold  # no key: nothing kept
    assert memory.analyses != {}
