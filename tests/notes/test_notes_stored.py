"""A note file's parse as the notes cache keeps it: given back exactly, and refused (never
built into an object of another type) when any value in it has another type."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from relwork.infra.cache import CacheFolder, CacheIgnored, Codec
from relwork.model import Point, Problem, Source
from relwork.notes import NotesResult, parse_note
from relwork.notes.stored import load_parses, parse_data, parse_from_data, save_parses

NOTE = """\
---
title: "Denoising Diffusion Probabilistic Models"
authors: ["Ho, Jonathan", "Jain, Ajay", "Abbeel, Pieter"]
year: 2020
read: 2024-03-05
tags: [diffusion, to-cite]
---

# Denoising Diffusion Probabilistic Models

## TL;DR

A chain of small Gaussian steps turns noise into images; the network predicts the noise
added at each step, arXiv 2006.11239.

## Details

- **Loss**: a weighted sum of denoising terms, simplified to plain MSE.
- Samples reach an FID of 3.17 on CIFAR-10.
    - Progressive lossy decompression falls out of the sampler.

!! ask whether the cosine schedule came later

%% compare with the score-matching paper %%
"""

PATH = "notes/ddpm.md"


def _parse() -> NotesResult:
    parsed = parse_note(NOTE, PATH)
    assert parsed.entries and parsed.entries[0].points and parsed.dropped
    assert isinstance(parsed.entries[0].meta.get("read"), datetime.date)
    return parsed


def _round_trip(parsed: NotesResult) -> Any:
    return json.loads(json.dumps(parse_data(parsed, PATH, Codec())))


def test_a_parse_comes_back_exactly() -> None:
    parsed = _parse()
    # a place in another file and a problem without a place are kept as well
    parsed.entries[0].points.append(Point("from elsewhere", Source("notes/other.md", 4)))
    parsed.problems.append(Problem("warning", "no place", None, "a hint", "test-code", "k"))
    back = parse_from_data(_round_trip(parsed), PATH, Codec())
    assert back == parsed
    assert type(back.entries[0].group) is tuple
    assert back.entries[0].meta["read"] == datetime.date(2024, 3, 5)


def _doctored(data: Any, where: tuple[Any, ...], value: Any) -> Any:
    data = copy.deepcopy(data)
    holder = data
    for step in where[:-1]:
        holder = holder[step]
    holder[where[-1]] = value
    return data


@pytest.mark.parametrize(("where", "value"), [
    ((0, 0, 0), 7),                       # a title that is not text
    ((0, 0, 1), "3"),                     # a place that is not a line or [path, line]
    ((0, 0, 1), ["notes/x.md"]),
    ((0, 0, 2), "group"),                 # a group that is not a list of words
    ((0, 0, 3), {"arxiv": "2006.11239"}),  # ids: values are lists
    ((0, 0, 4), [0, ["not", "a", "dict"]]),
    ((0, 0, 4), [1, {"read": {"~": "Runs", "v": ["touch /tmp/x"]}}]),  # an unknown tag
    ((0, 0, 4), [2, {}]),
    ((0, 0, 4), [True, {}]),
    ((0, 0, 6), 8.5),                     # body_line: a whole number
    ((0, 0, 6), True),
    ((0, 0, 7, 0), ["text", 12, None]),   # a point of three values
    ((0, 0, 7, 0, 2), 5),                 # a label that is not text
    ((0, 0, 8), [1, "2"]),
    ((0, 0), ["too", "short"]),
    ((2, 0, 0), "fatal"),                 # a severity that is none
    ((2, 0, 3), ["a", "hint"]),
    ((3,), []),                           # kinds: a mapping
    ((), None),
])
def test_any_value_of_another_type_is_refused(where: tuple[Any, ...], value: Any) -> None:
    data = _round_trip(_parse())
    doctored = value if not where else _doctored(data, where, value)
    with pytest.raises((ValueError, CacheIgnored)):
        parse_from_data(doctored, PATH, Codec())


def test_a_parse_the_data_cannot_give_back_is_not_kept(tmp_path: Path) -> None:
    folder = CacheFolder(tmp_path)
    slot = (PATH, "!!", ((), (), ()), 70)
    good = _parse()
    odd = _parse()
    odd.entries[0].ids = {"arxiv": ("2006.11239",)}  # type: ignore[dict-item]  # a tuple
    other = (PATH.replace("ddpm", "other"), *slot[1:])
    save_parses(folder, "notes.json", "k", {slot: ("d1", good), other: ("d2", odd)}, {})
    found = load_parses(folder, "notes.json", "k")
    assert list(found) == [slot] and found[slot][:2] == ("d1", good) and not folder.notices


def test_a_doctored_line_makes_the_file_ignored_with_a_notice(tmp_path: Path) -> None:
    folder = CacheFolder(tmp_path)
    slot = (PATH, "!!", ((), (), ()), 70)
    save_parses(folder, "notes.json", "k", {slot: ("d1", _parse())}, {})
    line = load_parses(folder, "notes.json", "k")[slot][2]
    row = json.loads(line)
    row[2][0][0][6] = "eight"  # body_line
    save_parses(folder, "notes.json", "k", {slot: ("d1", NotesResult())},
                {slot: json.dumps(row).encode()})  # written as a line read from the file would be
    assert load_parses(folder, "notes.json", "k") == {}
    assert [p.code for p in folder.notices] == ["cache-ignored"]
    assert "unexpected content" in folder.notices[0].message
