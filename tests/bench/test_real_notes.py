"""The benchmark's large case: 360 notes in every shape people keep, read as those shapes."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from paths import REPO

from relwork import notes
from relwork.config import load_config
from relwork.model import Entry

if TYPE_CHECKING:
    from conftest import SharedFolder

sys.path.insert(0, str(REPO / "bench"))
from real_notes import MIX, PARTS, PER_FILE, SUBPARTS, generate  # noqa: E402

CORPUS = ("corpus/ifn-spaml.bib", "corpus/nips-icml.bib", "corpus/refdb.bib")


def digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


@pytest.mark.slow
def test_the_collection_is_deterministic_and_read_in_every_shape(
        tmp_path: Path, shared: SharedFolder) -> None:
    bibs = [shared.require(name) for name in CORPUS]
    files = generate(tmp_path / "notes", bibs)
    assert len(files) == sum(MIX.values()) == 360
    assert digest(files) == digest(generate(tmp_path / "again", bibs))  # same seed, same notes

    config = load_config(None, {"notes": [str(tmp_path / "notes")]})
    found, problems = notes.collect_note_files(config, None)
    parsed = notes.read_notes(found, config)
    assert not [p for p in problems + parsed.problems if p.severity == "error"]
    by_folder: dict[str, list[Entry]] = {}
    for entry in parsed.entries:
        by_folder.setdefault(Path(entry.source.path).parent.name, []).append(entry)
    # every paper of every collection is found (the one-paper notes at least once per file)
    assert len(by_folder["weekly"]) == MIX["weekly"] * PER_FILE["weekly"]
    assert len(by_folder["drafts"]) == MIX["review_draft"] * PER_FILE["review_draft"]
    assert len(by_folder["reading"]) == MIX["link_list"] * PER_FILE["link_list"]
    assert len(by_folder["literature"]) == MIX["literature"]
    assert len(by_folder["paper-notes"]) == MIX["paper_bullets"]
    assert len(by_folder["_posts"]) == MIX["jekyll"] + MIX["jekyll_week"] * PER_FILE["jekyll_week"]
    # no part or sub-part heading of a one-paper note (Method > Architecture) is a paper
    parts = {*PARTS, *(s for subs in SUBPARTS.values() for s in subs), "Notes/Questions",
             "Thoughts"}
    assert not [e.title for e in parsed.entries if e.title in parts]
    per_file: dict[str, int] = {}
    for entry in parsed.entries:
        per_file[entry.source.path] = per_file.get(entry.source.path, 0) + 1
    assert len(per_file) == len(files)  # every file has its papers
    assert {n for path, n in per_file.items() if "/literature/" in path
            or "/paper-notes/" in path or ("/_posts/" in path and "week" not in path)} == {1}
    # and in its shape: groups of a weekly report, [@key] headings, link headings, bullets,
    # front matter, long bodies with the private lines cut out
    assert {e.group[-1] for e in by_folder["weekly"]} >= {"Detailed", "Not sure"}
    assert all(e.ids.get("key") for e in by_folder["drafts"])
    assert all(e.ids.get("url") for e in by_folder["reading"])
    assert all(e.meta.get("heading") == "Paper" for e in by_folder["paper-notes"]
               if e.source.line == 2)
    assert sum(bool(e.ids.get("key")) for e in by_folder["literature"]) > 40  # citekey: 40%
    assert sum(len(e.body) for e in by_folder["literature"]) / MIX["literature"] > 1500
    assert not any("!!" in e.body or "<!--" in e.body for e in parsed.entries)
