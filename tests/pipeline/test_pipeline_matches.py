"""Match outcomes as the matches cache keeps them: given back exactly, refused when any
value has another type, and left out when the data could not give them back."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from relwork.infra.cache import CacheFolder
from relwork.model import Candidate, IdentifierCitation, Problem, Source
from relwork.pipeline_matches import (
    load_outcomes,
    outcome_data,
    outcome_from_data,
    save_outcomes,
)

KEPT = (("ho2020denoising", "fuzzy", 97.5, "review",
         [Candidate("ho2020denoising", "Denoising Diffusion Probabilistic Models", 97.5),
          Candidate("song2021score", "Score-Based Generative Modeling", 61.0)],
         "the heading resembles the title of ho2020denoising", True, False,
         Source("refs.bib", 12),
         [(IdentifierCitation("doi", "10.5555/x", "doi:10.5555/x", None), True),
          (IdentifierCitation("arxiv", "2006.11239", "arxiv:2006.11239",
                              Source("notes/other.md", 3)), False)]),
        [(Problem("error", "[@doi:10.5555/x] names a DOI that no bib entry has", None,
                  "add the paper", "match-missing-identifier"), True),
         (Problem("info", "ho2020denoising is in the bibliography 2 times",
                  Source("refs.bib", 40), None, "match-duplicate", "ho2020denoising"), False)])


def _data() -> Any:
    return json.loads(json.dumps(outcome_data(KEPT)))


def test_an_outcome_comes_back_exactly(tmp_path: Path) -> None:
    assert outcome_from_data(_data()) == KEPT
    unmatched = ((None, "none", 0, "unmatched", [], "no bib entry", False, True, None, []), [])
    folder = CacheFolder(tmp_path)
    save_outcomes(folder, "matches.json", "k", {"a" * 32: KEPT, "b" * 32: unmatched})
    assert load_outcomes(folder, "matches.json", "k") == {"a" * 32: KEPT, "b" * 32: unmatched}
    assert not folder.notices


@pytest.mark.parametrize(("where", "value"), [
    ((0,), 3), ((1,), None), ((2,), "97"), ((2,), True), ((3,), 1), ((4, 0), ["k", "t"]),
    ((4, 0, 2), "61"), ((5,), None), ((6,), 1), ((7,), "no"), ((8,), ["refs.bib"]),
    ((8,), ["refs.bib", "12"]), ((9, 0, 4), 1), ((9, 1, 3), "notes/other.md:3"),
    ((10, 0, 0), "fatal"), ((10, 0, 3), 4), ((10, 1, 6), None), ((10,), {}),
])
def test_any_value_of_another_type_is_refused(where: tuple[int, ...], value: Any) -> None:
    data = copy.deepcopy(_data())
    holder = data
    for step in where[:-1]:
        holder = holder[step]
    holder[where[-1]] = value
    with pytest.raises(ValueError):
        outcome_from_data(data)


def test_a_doctored_file_is_ignored_with_a_notice_and_odd_outcomes_are_not_kept(
        tmp_path: Path) -> None:
    folder = CacheFolder(tmp_path)
    odd = ((None, "none", 0.0, "unmatched", (), "a tuple of candidates", False, False, None,
            []), [])
    save_outcomes(folder, "matches.json", "k", {"a" * 32: KEPT, "c" * 32: odd})
    assert list(load_outcomes(folder, "matches.json", "k")) == ["a" * 32]
    blob = (tmp_path / "matches.json").read_bytes().replace(b'"fuzzy"', b'["fuzzy"]')
    payload = blob.split(b"\n", 2)[2]  # after the magic line and the header
    folder.write("matches.json", "matches", "k", json.loads(payload), _plain())
    assert load_outcomes(folder, "matches.json", "k") == {}
    assert [p.code for p in folder.notices] == ["cache-ignored"]
    assert "unexpected content" in folder.notices[0].message


def _plain() -> Any:
    from relwork.pipeline_matches import _Plain

    return _Plain()
