"""Obsidian markup inside a sentence: highlights, tags and Dataview fields are read in the
prose but never inside code spans or math, where ``==``, ``#`` and ``::`` are the text's own."""

from __future__ import annotations

from relwork.notes import parse_note

NOTE = """---
title: "Score-based Generative Modeling in Latent Space"
citekey: vahdat2021score
---

## Summary

The check `x==y and z==w` stays code, as do $a == b$, `#include` and `std::vector`. It
appeared at [venue:: NeurIPS] in (year:: 2021), see item #3 and ==the speed-up==.
"""


def test_code_and_math_keep_their_own_markup_characters() -> None:
    [entry] = parse_note(NOTE, "lsgm.md").entries
    assert "`x==y and z==w`" in entry.summary and "$a == b$" in entry.summary
    assert "`#include`" in entry.summary and "`std::vector`" in entry.summary
    assert "*the speed-up*" in entry.summary and "==" not in entry.summary.replace(
        "`x==y and z==w`", "").replace("$a == b$", "")


def test_inline_fields_in_a_sentence_are_metadata() -> None:
    [entry] = parse_note(NOTE, "lsgm.md").entries
    assert entry.meta["venue"] == "NeurIPS" and entry.meta["year"] == 2021
    # "[k:: v]" is metadata only; "(k:: v)" is shown by Obsidian as its value
    assert "It appeared at in 2021, see item #3" in " ".join(entry.summary.split())
    assert "::" not in entry.summary.replace("`std::vector`", "")


def test_a_parenthesis_without_a_space_after_the_colons_stays_prose() -> None:
    text = NOTE.replace("`std::vector`", "(std::vector)")
    [entry] = parse_note(text, "lsgm.md").entries
    assert "(std::vector)" in entry.summary and "std" not in entry.meta

