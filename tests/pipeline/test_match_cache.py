"""The kept match outcomes (.relwork/cache/matches.json and watch's memory) are keyed by
what matching reads of an entry: editing a summary's text reuses its outcome, editing its
title or identifiers matches it again, and a summary moved to another line keeps problems
that name its new line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from relwork import pipeline_matches as stored
from relwork.config import load_config
from relwork.infra.cache import MAGIC, CacheFolder
from relwork.model import BuildResult
from relwork.pipeline import BuildState, build
from relwork.pipeline_cache import MATCHES_FILE

BIB = """\
@inproceedings{karras2019style,
  title     = {A Style-Based Generator Architecture for Generative Adversarial Networks},
  author    = {Karras, Tero and Laine, Samuli and Aila, Timo},
  booktitle = {IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2019},
}

@article{vahdat2021score,
  title   = {Score-based Generative Modeling in Latent Space},
  author  = {Vahdat, Arash and Kreis, Karsten and Kautz, Jan},
  journal = {Advances in Neural Information Processing Systems},
  year    = {2021},
}
"""

NOTE = """\
# Reading group

## A Style-Based Generator Architecture for Generative Adversarial Networks
The generator maps a latent code through a mapping network and steers each layer with
adaptive instance normalization.

## Score-based Generative Modeling in Latent Space [@vahdat2021scor]
A score-based prior trained in the latent space of an autoencoder.

## Diffusion Without Noise [@doi:10.5555/no.such.paper]
Deterministic degradations instead of Gaussian noise.
"""

#: the marker put into every kept outcome's reason: seen again only if the outcome is reused
KEPT = " [kept]"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "group.md").write_text(NOTE, encoding="utf-8")
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "relwork.yaml").write_text(
        "notes: [notes]\nbib: [refs.bib]\ncite: plain\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(project: Path, state: BuildState | None = None) -> BuildResult:
    return build(load_config(project / "relwork.yaml"), write=False, render=False, state=state)


def _report(result: BuildResult) -> tuple[list[tuple[str, ...]], list[str]]:
    """The matches and problems as a check reports them (a reuse marker taken out)."""
    matches = [(m.entry.title, str(m.entry.source), str(m.key), m.method, m.status,
                m.reason.removesuffix(KEPT), repr(m.missing_ids)) for m in result.matches]
    return matches, [f"{p} {p.code}" for p in result.problems]


def _cold(project: Path) -> BuildResult:
    shutil.rmtree(project / ".relwork", ignore_errors=True)
    found = _check(project)
    shutil.rmtree(project / ".relwork", ignore_errors=True)
    return found


def _mark_kept(project: Path) -> None:
    """Append KEPT to the reason of every outcome in matches.json (under its own key)."""
    file = project / ".relwork" / "cache" / MATCHES_FILE
    blob = file.read_bytes()
    key = json.loads(blob[len(MAGIC):blob.index(b"\n", len(MAGIC))])["key"]
    folder = CacheFolder(file.parent)
    kept = stored.load_outcomes(folder, MATCHES_FILE, key)
    assert kept and not folder.notices
    for slot, (outcome, problems) in kept.items():
        kept[slot] = (outcome[:5] + (outcome[5] + KEPT,) + outcome[6:], problems)
    stored.save_outcomes(folder, MATCHES_FILE, key, kept)
    assert stored.load_outcomes(folder, MATCHES_FILE, key) == kept


def _edit(project: Path, old: str, new: str) -> None:
    note = project / "notes" / "group.md"
    text = note.read_text(encoding="utf-8")
    assert old in text
    note.write_text(text.replace(old, new), encoding="utf-8")


def _reasons(result: BuildResult) -> dict[str, bool]:
    return {m.entry.title: m.reason.endswith(KEPT) for m in result.matches}


def test_a_text_edit_reuses_the_outcomes_and_a_title_edit_matches_again(project: Path) -> None:
    _check(project)
    _mark_kept(project)
    assert all(_reasons(_check(project)).values())  # the marked file is what a build uses

    _edit(project, "adaptive instance normalization.", "adaptive instance norm layers.")
    assert all(_reasons(_check(project)).values())  # the text is not what matching reads

    _edit(project, "Generative Modeling in Latent Space", "Generative Modelling in Latent Space")
    result = _check(project)
    assert _reasons(result) == {
        "A Style-Based Generator Architecture for Generative Adversarial Networks": True,
        "Score-based Generative Modelling in Latent Space": False,
        "Diffusion Without Noise": True}
    assert _report(result) == _report(_cold(project))


def test_a_citation_added_to_the_text_matches_again(project: Path) -> None:
    _check(project)
    _mark_kept(project)
    _edit(project, "instead of Gaussian noise.", "instead of Gaussian noise, as in "
          "[@karras2019style].")
    result = _check(project)
    assert not _reasons(result)["Diffusion Without Noise"]
    assert _report(result) == _report(_cold(project))


def test_moved_summaries_keep_outcomes_with_their_new_place(project: Path) -> None:
    first = _check(project)
    lines = {p.code: p.source.line for p in first.problems if p.source is not None}
    assert lines["match-missing-key"] == 7 and lines["match-missing-identifier"] == 10
    assert first.matches[2].missing_ids[0].source.line == 10  # type: ignore[union-attr]
    _mark_kept(project)
    # three lines more above the two summaries with problems: both move down
    _edit(project, "adaptive instance normalization.",
          "adaptive instance normalization.\n\nA second paragraph\non three lines.")
    moved = _check(project)
    assert all(_reasons(moved).values())  # reused
    lines = {p.code: p.source.line for p in moved.problems if p.source is not None}
    assert lines["match-missing-key"] == 10 and lines["match-missing-identifier"] == 13
    assert moved.matches[2].missing_ids[0].source.line == 13  # type: ignore[union-attr]
    assert _report(moved) == _report(_cold(project))


def test_a_renamed_note_keeps_outcomes_with_its_new_name(project: Path) -> None:
    _check(project)
    _mark_kept(project)
    (project / "notes" / "group.md").rename(project / "notes" / "reading.md")
    result = _check(project)
    assert all(_reasons(result).values())
    where = {str(p.source) for p in result.problems if p.code.startswith("match-missing")}
    assert where == {"notes/reading.md:7", "notes/reading.md:10"}


def test_watch_reuses_outcomes_across_text_edits(project: Path) -> None:
    state = BuildState()
    first = _check(project, state)
    for slot, (outcome, problems) in state.match_cache.items():
        state.match_cache[slot] = (outcome[:5] + (outcome[5] + KEPT,) + outcome[6:], problems)
    _edit(project, "adaptive instance normalization.",
          "adaptive instance normalization.\n\nOne more line.")
    again = _check(project, state)
    assert all(_reasons(again).values())
    assert [p.source for p in again.problems if p.code.startswith("match-missing")] == [
        type(p.source)(p.source.path, p.source.line + 2)  # type: ignore[union-attr]
        for p in first.problems if p.code.startswith("match-missing")]
    _edit(project, "Diffusion Without Noise", "Diffusion Without Any Noise")
    changed = _check(project, state)
    assert not _reasons(changed)["Diffusion Without Any Noise"]
