"""Golden cases: tests/cases/<name>/relwork.yaml -> expected.tex and expected.bib.

Regenerate after an intended change with ``make golden`` (RELWORK_REGEN=1) and review
the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from paths import CASES

from relwork.config import load_config
from relwork.pipeline import build

REGEN = os.environ.get("RELWORK_REGEN") == "1"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_golden(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = CASES / case
    monkeypatch.chdir(folder)  # paths in messages and headers are shown relative to the case
    config = load_config(
        folder / "relwork.yaml",
        {"output_tex": str(tmp_path / "related_work.tex"),
         "output_bib": str(tmp_path / "references.bib")},
    )
    result = build(config, write=True)
    assert not result.errors, [str(p) for p in result.errors]
    outputs = (("expected.tex", "related_work.tex"), ("expected.bib", "references.bib"))
    for name, produced in outputs:
        text = (tmp_path / produced).read_text(encoding="utf-8")
        expected = folder / name
        if REGEN:
            expected.write_text(text, encoding="utf-8")
        assert expected.exists(), f"{expected} missing: run 'make golden'"
        assert text == expected.read_text(encoding="utf-8"), f"{case}/{name} differs"
