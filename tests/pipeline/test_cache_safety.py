"""Opening a project never runs its data: a doctored ``.relwork/cache`` (a pickle that
would create a file, under every name the caches use, old and new) is never executed;
the build writes what a build without a cache writes, says once per file that it ignored
it, and rebuilds it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from doctored import pickle_payload
from paths import REPO

from relwork.infra.cache import MAGIC

BIB = """\
@article{arvanitidis2018latent,
  title   = {Latent Space Oddity: on the Curvature of Deep Generative Models},
  author  = {Arvanitidis, Georgios and Hansen, Lars Kai and Hauberg, S{\\o}ren},
  journal = {International Conference on Learning Representations},
  year    = {2018},
}

@inproceedings{karras2019style,
  title     = {A Style-Based Generator Architecture for Generative Adversarial Networks},
  author    = {Karras, Tero and Laine, Samuli and Aila, Timo},
  booktitle = {CVPR},
  year      = {2019},
}
"""

NOTE = """\
# Weekly report

## Conclusion on papers

### Latent space oddity
The decoder's Jacobian gives the latent space a Riemannian metric, so shortest paths
follow the data instead of straight lines.

### stylegan
A mapping network turns the latent code into styles that steer each layer.
"""

#: the names relwork's caches had before they were data only: never read again
OLD_NAMES = ("notes.pickle", "matches.pickle", "render-fragments.pickle",
             "lint-analysis.pickle", "spelling.json", "derived-known-words-0.pickle",
             "bib-000000000000-0.pickle")


def relwork(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``relwork ARGS`` as a user runs it: a new process in the project folder."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "relwork", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "summaries").mkdir(parents=True)
    (root / "summaries" / "report.md").write_text(NOTE, encoding="utf-8")
    (root / "refs.bib").write_text(BIB, encoding="utf-8")
    (root / "relwork.yaml").write_text(
        "notes: [summaries]\nbib: [refs.bib]\naliases:\n  stylegan: karras2019style\n",
        encoding="utf-8")
    return root


def outputs(project: Path) -> tuple[str, str]:
    latex = project / "latex"
    return ((latex / "related_work.tex").read_text(encoding="utf-8"),
            (latex / "references.bib").read_text(encoding="utf-8"))


def doctor(file: Path, payload: bytes, how: str) -> None:
    """Put ``payload`` (a pickle) in ``file``: bare, behind relwork's old pickle header, or
    behind a valid header of the current format (right kind, key, size and checksum)."""
    if how == "bare":
        file.write_bytes(payload)
    elif how == "old-format":
        file.write_bytes(b"RWBIB\x00\x00\x04" + zlib.crc32(payload).to_bytes(4, "big")
                         + payload)
    else:
        blob = file.read_bytes()
        head = json.loads(blob[len(MAGIC):blob.index(b"\n", len(MAGIC))])
        head.update(size=len(payload), crc=zlib.crc32(payload))
        file.write_bytes(MAGIC + json.dumps(head).encode() + b"\n" + payload)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["bare", "old-format", "valid-header"])
def test_doctored_cache_is_never_run_and_is_rebuilt(project: Path, tmp_path: Path,
                                                    how: str) -> None:
    first = relwork(project, "build")
    assert first.returncode == 0, first.stderr
    cold = outputs(project)
    cache = project / ".relwork" / "cache"
    names = sorted(p.name for p in cache.iterdir())
    kinds = {"notes.json", "matches.json", "render-fragments.json", "lint-analysis.json"}
    assert kinds <= set(names) and any(n.startswith("bib-") for n in names), names
    assert any(n.startswith("derived-match-lookup-") for n in names), names
    marker = tmp_path / "ran"
    payload = pickle_payload(marker)
    for name in names:
        doctor(cache / name, payload, how)
    for name in OLD_NAMES:
        (cache / name).write_bytes(payload)

    second = relwork(project, "build")
    assert not marker.exists(), "a cache file was unpickled"
    assert second.returncode == 0, second.stderr
    assert outputs(project) == cold
    notes = [line for line in second.stderr.splitlines() if "cache file ignored" in line]
    assert sorted(line.split(":", 1)[0].rsplit("/", 1)[-1] for line in notes) == names
    reason = "damaged content" if how == "valid-header" else "not a relwork cache file"
    assert all(reason in line or "unexpected content" in line for line in notes), notes

    third = relwork(project, "check")  # rebuilt: trusted again, nothing to say
    assert not marker.exists()
    assert "cache file ignored" not in third.stderr
    assert not any(cache.glob("*.pickle")) and not (cache / "spelling.json").exists()
    assert relwork(project, "build").returncode == 0 and outputs(project) == cold
    shutil.rmtree(cache)
