"""Generate a realistic set of paper notes from the titles of real bibliographies.

Deterministic (seeded): weekly reports with a heading per paper and one-note-per-paper
files with YAML front matter; headings carry typos, lower case and dropped subtitles;
bodies carry lists, emphasis, math, links and citations, like real notes.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

TITLE = re.compile(r"^\s*title\s*=\s*[{\"](.+?)[}\"],?\s*$", re.M | re.I)
KEY = re.compile(r"^@\w+\s*\{\s*([^,\s]+)\s*,", re.M)

SENTENCES = [
    "The method learns a latent representation with a variational objective and "
    "improves sample quality over prior work.",
    "They evaluate on *ImageNet* and **CIFAR-10** with a loss $\\mathcal{L} = "
    "\\sum_i \\|x_i - \\hat{x}_i\\|^2$.",
    "Key idea: replace the fixed prior by a learned one, trained jointly with the "
    "encoder (see [the code](https://github.com/example/repo#readme)).",
    "Results hold for 10--100 layers; the gain is about 5% at equal cost.",
    "Compared to GANs, training is stable and mode coverage is better.",
    "The analysis relies on a bound of the form $O(n \\log n)$ on the sample complexity.",
]


def corpus_titles(bibs: list[Path]) -> list[tuple[str, str]]:
    """(key, title) pairs read with plain regexes, independent of relwork."""
    pairs = []
    for bib in bibs:
        text = bib.read_text(encoding="utf-8", errors="replace")
        for block in re.split(r"\n(?=@)", text):
            key, title = KEY.search(block), TITLE.search(block)
            if key and title and "{" not in title.group(1)[:1]:
                clean = re.sub(r"[{}]", "", title.group(1)).strip()
                if 4 <= len(clean.split()) <= 20 and "\\" not in clean:
                    pairs.append((key.group(1), clean))
    return pairs


def typo(title: str, rng: random.Random) -> str:
    words = title.split()
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 4:
        j = rng.randrange(1, len(w) - 1)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def vary(title: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return title.lower()
    if roll < 0.45:
        return typo(title, rng)
    if roll < 0.55 and ":" in title:
        return title.split(":", 1)[1].strip()
    return title


def body(rng: random.Random) -> str:
    items = rng.sample(SENTENCES, 3)
    return "\n".join(f"{n}. {s}" for n, s in enumerate(items, 1))


def generate(out: Path, bibs: list[Path], count: int = 300, seed: int = 7) -> list[Path]:
    """Write ``count`` paper notes under ``out``; returns the files written."""
    rng = random.Random(seed)
    pairs = corpus_titles(bibs)
    chosen = rng.sample(pairs, count)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    reports, singles = chosen[: count // 2], chosen[count // 2:]
    for week in range(0, len(reports), 10):
        lines = [f"# Week {week // 10 + 1} report", "", "## TODO:", "1. read more", "",
                 "## Conclusion on papers:", "", "### Detailed:", ""]
        for _, title in reports[week: week + 10]:
            lines += [f"#### {vary(title, rng)}", body(rng), ""]
        path = out / f"week{week // 10 + 1:02d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        written.append(path)
    for n, (key, title) in enumerate(singles):
        fm = ["---", f"title: {json.dumps(vary(title, rng))}", "tags: [generative]",
              "status: read"]
        if rng.random() < 0.3:
            fm.append(f"citekey: {key}")
        fm.append("---")
        path = out / "papers" / f"paper{n:03d}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(fm) + "\n\n" + body(rng) + "\n", encoding="utf-8")
        written.append(path)
    return written
