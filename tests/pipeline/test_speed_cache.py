"""Caches under .relwork/cache (note parses, matches, Markdown->LaTeX fragments, lint):
a build that uses them writes exactly what a build without them writes, notices every
change of a note, the bib or the config, and ignores a damaged or stale cache file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relwork import bib, lint
from relwork.config import load_config
from relwork.infra.cache import CacheFolder
from relwork.notes import NotesResult, stored
from relwork.notes.reader import content_digest
from relwork.pipeline import BuildState, build

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
# Papers

## A Style-Based Generator Architecture for Generative Adversarial Networks
The generator maps a latent code through a mapping network and controls each layer
with adaptive instance normalization.

## Score-based Generative Modeling in Latent Space
The model trains a score-based prior in the latent space of an autoencoder, like
@karras2019style did for style. It's gonna be fast.
"""

CACHE_FILES = ("notes.json", "render-fragments.json", "lint-analysis.json", "lint-results.json",
               "matches.json", "section.json", "cited-bib.json")


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "papers.md").write_text(NOTE, encoding="utf-8")
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "relwork.yaml").write_text(
        "notes: [notes]\nbib: [refs.bib]\ncite: plain\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(project: Path, *, cold: bool) -> tuple[str, str, list[str]]:
    """One build as a new process would do it: the two outputs and the problems as
    printed."""
    if cold:
        shutil.rmtree(project / ".relwork", ignore_errors=True)
    config = load_config(project / "relwork.yaml")
    result = build(config, write=True, force=True)
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    cited = (project / "latex" / "references.bib").read_text(encoding="utf-8")
    return tex, cited, [f"{p.severity} {p.source} {p.message} ({p.hint}) {p.code}"
                        for p in result.problems]


def _warm_equals_cold(project: Path) -> tuple[str, str, list[str]]:
    warm = _run(project, cold=False)
    assert warm == _run(project, cold=True)
    return warm


def test_caches_are_written_and_a_warm_build_writes_the_same(project: Path) -> None:
    cold = _run(project, cold=True)
    cache = project / ".relwork" / "cache"
    for name in CACHE_FILES:
        assert (cache / name).is_file(), name
    assert _run(project, cold=False) == cold
    tex, _, problems = cold
    assert "Karras et al.~\\cite{karras2019style}" in tex  # inline citation, plain style
    assert any("lint-slang" in p for p in problems)


def test_note_edit_is_seen(project: Path) -> None:
    _run(project, cold=True)
    note = project / "notes" / "papers.md"
    note.write_text(NOTE.replace("adaptive instance normalization", "a learned style")
                    .replace("It's gonna be fast.", "It isn't slow."), encoding="utf-8")
    tex, _, problems = _warm_equals_cold(project)
    assert "a learned style" in tex and "adaptive instance" not in tex
    assert any("lint-contraction" in p and "isn't" in p for p in problems)
    assert not any("lint-slang" in p for p in problems)


def test_bib_edit_is_seen(project: Path) -> None:
    _run(project, cold=True)
    (project / "refs.bib").write_text(BIB.replace("Karras, Tero", "Carras, Tero"),
                                      encoding="utf-8")
    tex, cited, _ = _warm_equals_cold(project)
    assert "Carras et al.~\\cite{karras2019style}" in tex  # the cached fragment is not reused
    assert "Carras, Tero" in cited


def test_config_change_is_seen(project: Path) -> None:
    _run(project, cold=True)
    (project / "relwork.yaml").write_text(
        "notes: [notes]\nbib: [refs.bib]\ncite: natbib\nlint:\n  max_sentence_words: 5\n",
        encoding="utf-8")
    tex, _, problems = _warm_equals_cold(project)
    assert "\\citet{karras2019style}" in tex and "Karras et al.~" not in tex
    assert any("lint-long-sentence" in p for p in problems)


@pytest.mark.parametrize("name", CACHE_FILES)
@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped"])
def test_damaged_cache_is_ignored_and_rebuilt(project: Path, name: str, damage: str) -> None:
    cold = _run(project, cold=True)
    file = project / ".relwork" / "cache" / name
    blob = file.read_bytes()
    if damage == "garbage":
        file.write_bytes(b"not a cache")
    elif damage == "truncated":
        file.write_bytes(blob[: len(blob) // 2])
    else:
        file.write_bytes(blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:])
    if name == "render-fragments.json":  # read only when the section is rendered again
        (project / ".relwork" / "cache" / "section.json").unlink()
    tex, cited, problems = _run(project, cold=False)
    notes = [p for p in problems if p.endswith(" cache-ignored")]
    assert len(notes) == 1 and f"cache/{name}" in notes[0], problems  # one line, naming it
    assert (tex, cited, [p for p in problems if p not in notes]) == cold
    assert file.read_bytes() == blob  # written again, as a cold build writes it
    assert _run(project, cold=False) == cold  # and trusted again: no note


def _note_slot(project: Path) -> tuple[tuple[object, ...], bytes]:
    data = (project / "notes" / "papers.md").read_bytes()
    return ("notes/papers.md", "!!", ((), (), ()), 70), data


def test_cache_of_another_relwork_version_is_ignored(project: Path) -> None:
    cold = _run(project, cold=True)
    folder = CacheFolder(project / ".relwork" / "cache")
    slot, data = _note_slot(project)
    kept = stored.load_parses(folder, "notes.json", bib.code_key())
    assert list(kept) == [slot] and not folder.notices  # the slot forged here
    assert kept[slot][0] == content_digest(data)
    forged = {slot: (content_digest(data), NotesResult())}  # "this file has no papers"
    stored.save_parses(folder, "notes.json", "another version", forged, {})
    assert _run(project, cold=False) == cold
    # the same forged parse under the current key is used: the check above is meaningful
    stored.save_parses(folder, "notes.json", bib.code_key(), forged, {})
    config = load_config(project / "relwork.yaml")
    assert build(config, write=False).entries == []


def test_watch_state_seeded_from_disk_sees_edits(project: Path) -> None:
    _run(project, cold=True)
    config = load_config(project / "relwork.yaml")
    state = BuildState()
    first = build(config, state=state, write=True)
    assert state.notes_cache  # seeded from .relwork/cache
    note = project / "notes" / "papers.md"
    note.write_text(NOTE.replace("mapping network", "deep mapping network"), encoding="utf-8")
    again = build(config, state=state, write=True, force=True)
    tex = (project / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "deep mapping network" in tex
    assert [m.key for m in again.matches] == [m.key for m in first.matches]
    assert tex == _run(project, cold=True)[0]


def _report(result: object) -> tuple[list[tuple[str, ...]], list[str]]:
    matches = [(m.entry.title, str(m.key), m.method, m.status, m.reason)
               for m in result.matches]  # type: ignore[attr-defined]
    return matches, [str(p) for p in result.problems]  # type: ignore[attr-defined]


def test_watch_rebuilds_match_and_report_as_fresh_builds(project: Path) -> None:
    # the same paper twice in the bib (reported once, for the first note citing it), and
    # two notes on it: one is edited between rebuilds
    twin = BIB.split("\n\n")[0].replace("karras2019style", "karras2019twin")
    (project / "refs.bib").write_text(BIB + "\n" + twin + "\n", encoding="utf-8")
    (project / "notes" / "again.md").write_text(
        "# Papers\n\n## A Style-Based Generator Architecture for Generative Adversarial "
        "Networks\nA second note on the same paper.\n", encoding="utf-8")
    config = load_config(project / "relwork.yaml")
    state = BuildState()
    watched = _report(build(config, state=state, write=False))
    assert watched == _report(build(config, write=False))
    assert sum("is in the bibliography 2 times" in p for p in watched[1]) == 1
    note = project / "notes" / "papers.md"
    for text in (NOTE.replace("# Papers", "# Papers\n\n## Unknown Paper on Nothing\nText."),
                 NOTE.replace("mapping network", "mapping net"), NOTE):
        note.write_text(text, encoding="utf-8")
        watched = _report(build(config, state=state, write=False))
        assert watched == _report(build(config, write=False))
    config.accept_review = True  # a setting the cached matches depend on
    assert _report(build(config, state=state, write=False)) == _report(
        build(config, write=False))


def test_alias_and_accept_review_changes_are_seen(project: Path) -> None:
    note = project / "notes" / "papers.md"
    note.write_text(NOTE + "\n## stylegan\nA generator with style inputs.\n",
                    encoding="utf-8")
    _, _, problems = _run(project, cold=True)
    assert any("stylegan" in p and "unmatched" in p for p in problems)
    (project / "relwork.yaml").write_text(
        "notes: [notes]\nbib: [refs.bib]\ncite: plain\naliases:\n  stylegan: karras2019style\n",
        encoding="utf-8")
    tex, _, problems = _warm_equals_cold(project)
    assert not any("stylegan" in p and "unmatched" in p for p in problems)
    assert "A generator with style inputs." in tex


def test_tone_check_reads_a_note_changed_after_it_was_parsed(project: Path) -> None:
    from relwork.notes import read_notes

    config = load_config(project / "relwork.yaml")
    note = project / "notes" / "papers.md"
    parsed = read_notes([note], config)
    before = lint.lint_entries(parsed.entries, config)
    assert any(p.code == "lint-slang" for p in before)
    # same lines, now with the ignore marker on the slang line: not the text parsed above
    note.write_text(NOTE.replace("It's gonna be fast.",
                                 "It's gonna be fast. <!-- relwork: ignore-line -->"),
                    encoding="utf-8")
    after = lint.lint_entries(parsed.entries, config)
    assert not any(p.code == "lint-slang" for p in after)


TWINS_BIB = """\
@inproceedings{vaswani2017attention,
  title     = {Attention Is All You Need},
  author    = {Vaswani, Ashish and Shazeer, Noam},
  booktitle = {NeurIPS},
  year      = {2017}
}

@article{vaswani2017attentionarxiv,
  title   = {Attention is all you need},
  author  = {Vaswani, Ashish and Shazeer, Noam},
  journal = {arXiv preprint arXiv:1706.03762},
  year    = {2017}
}
"""


def test_a_paper_twice_in_the_bib_is_reported_once_cold_and_warm(project: Path) -> None:
    """Two summaries of a paper the bib holds twice: one note, keyed by Problem.key (the
    message says the same words for another key)."""
    (project / "refs.bib").write_text(TWINS_BIB, encoding="utf-8")
    (project / "notes" / "papers.md").write_text(
        "# Papers\n\n## Attention is all you need\nSelf-attention replaces recurrence.\n",
        encoding="utf-8")
    (project / "notes" / "again.md").write_text(
        "# More\n\n## Attention Is All You Need\nThe transformer drops recurrence.\n",
        encoding="utf-8")
    config = load_config(project / "relwork.yaml")
    for _ in ("cold", "warm"):
        result = build(config, write=False)
        twins = [p for p in result.problems if p.code == "match-duplicate"]
        assert [p.key for p in twins] == ["vaswani2017attention"], result.problems
        assert [m.key for m in result.matches] == ["vaswani2017attention"] * 2


class Renders:
    """Counts the real renders of the section (the rest come from section.json)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import relwork.section as section

        self.calls = 0
        self._render = section.render_section
        monkeypatch.setattr(section, "render_section", self)

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        return self._render(*args, **kwargs)


def test_an_edit_that_reaches_no_summary_reuses_the_section(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(project, cold=True)
    note = project / "notes" / "papers.md"
    note.write_text(NOTE + "\n## Notes\nTODO ask about the ablation\n", encoding="utf-8")
    renders = Renders(monkeypatch)
    warm = _run(project, cold=False)
    assert renders.calls == 0  # the private section changed nothing that is rendered
    assert warm == _run(project, cold=True) and renders.calls == 1


def test_a_summary_edit_renders_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(project, cold=True)
    note = project / "notes" / "papers.md"
    note.write_text(NOTE.replace("adaptive instance", "adaptive group"), encoding="utf-8")
    renders = Renders(monkeypatch)
    tex, _, _ = _warm_equals_cold(project)
    assert renders.calls == 2 and "adaptive group" in tex


def test_a_template_file_edit_renders_again(project: Path) -> None:
    folder = project / "templates"
    folder.mkdir()
    (folder / "mine.tex.j2").write_text(
        "((* for e in entries *))(((e.citet))) first.\n((* endfor *))", encoding="utf-8")
    (project / "relwork.yaml").write_text(
        "notes: [notes]\nbib: [refs.bib]\ncite: plain\ntemplate: mine\n"
        "template_dirs: [templates]\n", encoding="utf-8")
    assert "first." in _run(project, cold=True)[0]
    (folder / "mine.tex.j2").write_text(
        "((* for e in entries *))(((e.citet))) second.\n((* endfor *))", encoding="utf-8")
    tex, _, _ = _warm_equals_cold(project)
    assert "second." in tex and "first." not in tex


def test_the_cited_bib_follows_the_bib_and_the_drop_setting(project: Path) -> None:
    _run(project, cold=True)
    (project / "relwork.yaml").write_text(
        "notes: [notes]\nbib: [refs.bib]\ncite: plain\nbib_drop_fields: [booktitle]\n",
        encoding="utf-8")
    _, cited, _ = _warm_equals_cold(project)
    assert "booktitle" not in cited and "journal" in cited
    (project / "refs.bib").write_text(BIB.replace("Latent Space}", "Latent Spaces}"),
                                      encoding="utf-8")
    _, cited, _ = _warm_equals_cold(project)
    assert "Latent Spaces}" in cited
