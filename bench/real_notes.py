"""Generate a collection of paper notes shaped like the ones people keep, from real bib titles.

Deterministic (seeded). The mix follows public note collections: literature notes with YAML
front matter (Obsidian, Zotero), ``# Paper`` notes with ``* **Title**:`` bullets, Jekyll
posts, reading lists whose headings are links, review drafts with ``[@key]`` headings, and
weekly reports (TODO / Done / Doing, questions, "Conclusion on papers" with groups). Bodies
are long, with many sub-headings, lists, math, code, quotes and images, and with private
parts: "Notes/Questions" and "Thoughts" sections, TODO lines, ``!!`` lines and comments.
Headings carry typos, lower case and dropped subtitles, as real ones do.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path

from notes_gen import vary

FIELD = r"^\s*{name}\s*=\s*[{{\"](.+?)[}}\"],?\s*$"
PATTERNS = {name: re.compile(FIELD.format(name=name), re.M | re.I)
            for name in ("title", "author", "year", "url", "doi")}
KEY = re.compile(r"^@\w+\s*\{\s*([^,\s]+)\s*,", re.M)

#: files of each shape (360 in all) and papers per file for the collections
MIX = {"literature": 170, "paper_bullets": 65, "jekyll": 40, "jekyll_week": 10,
       "link_list": 25, "review_draft": 20, "weekly": 30}
PER_FILE = {"jekyll_week": 3, "link_list": 4, "review_draft": 5, "weekly": 5}

MODELS = ["the encoder", "a diffusion model", "the transformer", "a small CNN", "the policy",
          "the critic", "a graph network", "the decoder", "a VAE", "the generator"]
DATA = ["ImageNet", "CIFAR-10", "COCO", "LibriSpeech", "WMT'14 En-De", "MuJoCo tasks",
        "ShapeNet", "CelebA-HQ", "Penn Treebank", "OGB graphs"]
METRICS = ["FID", "top-1 accuracy", "BLEU", "return", "NLL in bits/dim", "word error rate"]

# Sentences written for this benchmark; {m}, {d}, {k}, {n} are filled per use.
SENTENCES = [
    "The paper argues that {m} wastes capacity on details nobody evaluates.",
    "They train {m} on {d} and report {k} against five baselines.",
    "Main claim: a learned prior beats the fixed Gaussian one by about {n}%.",
    "The objective is $\\mathcal{{L}} = \\mathbb{{E}}_q[\\log p(x|z)] - "
    "\\beta\\,\\mathrm{{KL}}(q\\|p)$ with $\\beta$ annealed.",
    "Training is stable for {n} epochs without any learning-rate warm-up.",
    "The ablation removes the attention block and {k} drops noticeably.",
    "Compared with GANs, *mode coverage* is better but samples are blurrier.",
    "Inference costs $O(n \\log n)$ per step instead of $O(n^2)$.",
    "They release code and checkpoints ([repo](https://github.com/example/project)).",
    "Results on {d} are strong, the transfer to other data less so.",
    "The authors use **{n} GPUs** for a week, which nobody can reproduce cheaply.",
    "A key trick is to normalise the features before the projection head.",
    "The method needs labels only for {n}% of the samples.",
    "Section 4 proves a bound on the error that grows with the depth.",
    "The experiments compare against `ResNet-50` and a ViT of similar size.",
    "Figure 3 shows the latent space is far from isotropic.",
    "Hyper-parameters come from a grid search on the validation split of {d}.",
    "The gains disappear when the baseline is tuned as carefully.",
    "They frame {m} as an energy model and sample with Langevin dynamics.",
    "Quantising the codes to {n} entries keeps most of the quality.",
    "The related-work section of the paper is thin on older methods.",
    "Memory grows linearly with the sequence length, 10--20% below the baseline.",
    "A user study with {n} people prefers their samples 60% of the time.",
    "The loss is a sum of a reconstruction term and a contrastive term.",
]
OWN = [  # what people write for themselves: questions, doubts, reminders
    "Not sure the comparison is fair, the baseline looks under-tuned?",
    "why do they not report variance over seeds??",
    "could this work for our audio setting, ask in the meeting",
    "I think the proof of Lemma 2 skips a step",
    "compare with the paper from last week before writing it up",
    "maybe cite this in the intro instead of related work",
]
PARTS = ["Summary", "Problem", "Method", "Experiments", "Results", "Limitations",
         "Key ideas", "Contributions"]
SUBPARTS = {"Method": ["Architecture", "Training", "Inference"],
            "Experiments": ["Datasets", "Baselines", "Ablations"]}


@dataclass(frozen=True)
class Paper:
    key: str
    title: str
    authors: list[str]
    year: str
    url: str
    doi: str


def corpus_papers(bibs: list[Path]) -> list[Paper]:
    """Papers read with plain regexes from the bibs, independent of relwork."""
    papers = []
    for bib in bibs:
        text = bib.read_text(encoding="utf-8", errors="replace")
        for block in re.split(r"\n(?=@)", text):
            key = KEY.search(block)
            found = {name: p.search(block) for name, p in PATTERNS.items()}
            title = found["title"]
            if not key or not title or title.group(1).startswith("{"):
                continue
            clean = re.sub(r"[{}]", "", title.group(1)).strip()
            if not 4 <= len(clean.split()) <= 20 or "\\" in clean:
                continue
            author = found["author"].group(1) if found["author"] else ""
            authors = [re.sub(r"[{}\\]", "", a).strip() for a in author.split(" and ")][:4]
            papers.append(Paper(
                key.group(1), clean, [a for a in authors if a],
                found["year"].group(1) if found["year"] else "",
                found["url"].group(1) if found["url"] else "",
                found["doi"].group(1) if found["doi"] else ""))
    return papers


def sentence(rng: random.Random) -> str:
    return rng.choice(SENTENCES).format(m=rng.choice(MODELS), d=rng.choice(DATA),
                                        k=rng.choice(METRICS), n=rng.randint(2, 95))


def paragraph(rng: random.Random, low: int = 2, high: int = 5) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(low, high)))


def bullets(rng: random.Random, count: int, *, numbered: bool = False) -> list[str]:
    lines = []
    for n in range(1, count + 1):
        mark = f"{n}." if numbered else "-"
        lines.append(f"{mark} {sentence(rng)}")
        if rng.random() < 0.3:
            lines.append(f"   - {sentence(rng)}")
    return lines


def extra_block(rng: random.Random) -> list[str]:
    """Now and then a quote, a code block, an image or a table, as real notes have."""
    roll = rng.random()
    if roll < 0.15:
        return ["> " + paragraph(rng, 1, 2), ""]
    if roll < 0.25:
        return ["```python", "z = encoder(x)", "x_hat = decoder(quantise(z))",
                "loss = mse(x, x_hat) + beta * commitment(z)", "```", ""]
    if roll < 0.35:
        return [f"![overview](images/fig{rng.randint(1, 9)}.png)", ""]
    if roll < 0.42:
        return ["| model | score |", "|---|---|", f"| theirs | {rng.randint(60, 99)} |",
                f"| baseline | {rng.randint(40, 80)} |", ""]
    return []


def private_bits(rng: random.Random) -> list[str]:
    """Text for the writer only: a TODO line, a ``!!`` line, a comment."""
    lines = []
    if rng.random() < 0.5:
        lines += [f"TODO: {rng.choice(OWN)}", ""]
    if rng.random() < 0.4:
        lines += [f"!! {rng.choice(OWN)}", ""]
    if rng.random() < 0.3:
        lines += [f"<!-- {rng.choice(OWN)} -->", ""]
    if rng.random() < 0.2:
        lines += [f"%% {rng.choice(OWN)} %%", ""]
    return lines


def long_body(rng: random.Random, level: int) -> list[str]:
    """A paper's body: several part headings (some with sub-parts), then private sections."""
    h = "#" * level
    lines: list[str] = []
    for part in rng.sample(PARTS, rng.randint(3, 6)):
        lines += [f"{h} {part}", "", paragraph(rng), ""]
        if rng.random() < 0.5:
            lines += bullets(rng, rng.randint(2, 5)) + [""]
        for sub in SUBPARTS.get(part, [])[: rng.randint(0, 3)]:
            lines += [f"{h}# {sub}", "", paragraph(rng, 1, 3), ""]
        lines += extra_block(rng)
        lines += private_bits(rng)
    if rng.random() < 0.7:
        lines += [f"{h} Notes/Questions", ""] + [f"- {q}" for q in rng.sample(OWN, 2)] + [""]
    if rng.random() < 0.5:
        lines += [f"{h} Thoughts", "", rng.choice(OWN), ""]
    return lines


def short_body(rng: random.Random) -> list[str]:
    """A paper inside a collection: a paragraph or a numbered list, a label now and then."""
    if rng.random() < 0.5:
        label = rng.choice(["Description: ", "Summary: ", "", ""])
        lines = [f"1. {label}{paragraph(rng, 3, 6)}"] + bullets(rng, rng.randint(1, 3),
                                                                numbered=True)[1:]
    else:
        lines = [paragraph(rng, 3, 7)]
    lines.append("")
    if rng.random() < 0.3:
        lines += [rng.choice(OWN), ""]
    return lines + private_bits(rng)


def link(paper: Paper) -> str:
    if paper.doi:
        return f"https://doi.org/{paper.doi}"
    if paper.url:
        return paper.url
    digest = hashlib.sha1(paper.key.encode()).hexdigest()[:10]
    return f"https://openreview.net/forum?id={digest}"


def yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literature(paper: Paper, rng: random.Random) -> list[str]:
    fm = ["---", f"title: {yaml_text(vary(paper.title, rng))}"]
    if rng.random() < 0.4:
        fm.append(f"citekey: {paper.key}")
    if paper.authors:
        fm.append("authors: [" + ", ".join(yaml_text(a) for a in paper.authors) + "]")
    if paper.year:
        fm.append(f"year: {paper.year}")
    fm += [f"tags: [{rng.choice(['generative', 'vision', 'rl', 'nlp'])}, to-cite]",
           f"status: {rng.choice(['read', 'skimmed', 'to-read'])}", "---", ""]
    return fm + [f"# {paper.title}", ""] + long_body(rng, 2)


def paper_bullets(paper: Paper, rng: random.Random) -> list[str]:
    lines = ["# Paper", f"* **Title**: {vary(paper.title, rng)}"]
    if paper.authors:
        lines.append(f"* **Authors**: {', '.join(paper.authors)}")
    lines.append(f"* **Link**: {link(paper)}")
    if paper.year:
        lines.append(f"* **Year**: {paper.year}")
    lines += ["* **Tags**: reading-group", ""]
    return lines + long_body(rng, 2)


def jekyll(paper: Paper, rng: random.Random, day: int) -> list[str]:
    fm = ["---", "layout: post", f"title: {yaml_text(vary(paper.title, rng))}",
          f"date: 2021-{day % 12 + 1:02d}-{day % 28 + 1:02d}", "categories: [paper-notes]",
          "---", ""]
    return fm + [paragraph(rng), ""] + long_body(rng, 2)


def jekyll_week(papers: list[Paper], rng: random.Random, week: int) -> list[str]:
    lines = ["---", "layout: post", f'title: "Week {week} reading"', "tags: [weekly]",
             "---", "", paragraph(rng, 1, 2), "", "## Papers I read", ""]
    for paper in papers:
        lines += [f"### {vary(paper.title, rng)}", ""] + short_body(rng)
    return lines


def link_list(papers: list[Paper], rng: random.Random, n: int) -> list[str]:
    lines = [f"# Reading list {n}: {rng.choice(['generative models', 'representation learning'])}",
             "", paragraph(rng, 1, 2), ""]
    for paper in papers:
        lines += [f"## [{vary(paper.title, rng)}]({link(paper)})", "", paragraph(rng, 3, 6), ""]
        lines += bullets(rng, rng.randint(2, 4)) + [""] + extra_block(rng) + private_bits(rng)
    return lines


def review_draft(papers: list[Paper], rng: random.Random, n: int) -> list[str]:
    lines = [f"# Literature review, part {n}", "", "## TODO", "- merge with the intro", "",
             "## Related work", ""]
    themes = ["Latent variable models", "Training tricks", "Evaluation"]
    for i, paper in enumerate(papers):
        if i % 2 == 0:
            lines += [f"### {themes[(i // 2) % len(themes)]}", ""]
        lines += [f"#### {vary(paper.title, rng)} [@{paper.key}]", "", paragraph(rng, 3, 6), ""]
        lines += bullets(rng, rng.randint(1, 3)) + [""] + private_bits(rng)
    return lines


def weekly(papers: list[Paper], rng: random.Random, week: int) -> list[str]:
    lines = [f"# Week {week} Report", "", "## TODO:", "",
             "1. move the summaries to overleaf", "2. search for more papers on quantisation",
             "", "## Done:", "The summaries listed in: Conclusion on papers", "", "## Doing:",
             "", f"currently reading: {papers[-1].title}", "", "-" * 20, "",
             "### questions to be asked:", ""] + [f"{n}. {q}" for n, q in
                                                  enumerate(rng.sample(OWN, 2), 1)]
    lines += ["", "-" * 20, "", "## Conclusion on papers:", "", "### Detailed:", ""]
    split = rng.randint(2, len(papers) - 1)
    for i, paper in enumerate(papers):
        if i == split:
            lines += ["-" * 20, "", "### Not sure", ""]
        lines += [f"#### {vary(paper.title, rng)}"] + short_body(rng) + ["", ""]
    return lines


def generate(out: Path, bibs: list[Path], seed: int = 19) -> list[Path]:
    """Write the collection under ``out`` (360 files); returns the files written."""
    rng = random.Random(seed)
    papers = corpus_papers(bibs)
    wanted = sum(MIX[k] * PER_FILE.get(k, 1) for k in MIX)
    pool = iter(rng.sample(papers, wanted))
    written = []

    def write(rel: str, lines: list[str]) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)

    def take(kind: str) -> list[Paper]:
        return [next(pool) for _ in range(PER_FILE.get(kind, 1))]

    for _ in range(MIX["literature"]):
        paper = take("literature")[0]
        write(f"literature/{paper.key.replace(':', '_')}.md", literature(paper, rng))
    for n in range(MIX["paper_bullets"]):
        write(f"paper-notes/paper{n:03d}.md", paper_bullets(take("paper_bullets")[0], rng))
    for n in range(MIX["jekyll"]):
        paper = take("jekyll")[0]
        slug = re.sub(r"[^a-z0-9]+", "-", paper.title.lower()).strip("-")[:40]
        write(f"_posts/2021-{n % 12 + 1:02d}-{n % 28 + 1:02d}-{slug}.md",
              jekyll(paper, rng, n))
    for n in range(MIX["jekyll_week"]):
        write(f"_posts/2022-01-{n + 1:02d}-week-{n + 1}.md",
              jekyll_week(take("jekyll_week"), rng, n + 1))
    for n in range(MIX["link_list"]):
        write(f"reading/list{n:02d}.md", link_list(take("link_list"), rng, n + 1))
    for n in range(MIX["review_draft"]):
        write(f"drafts/review{n:02d}.md", review_draft(take("review_draft"), rng, n + 1))
    for n in range(MIX["weekly"]):
        write(f"weekly/week{n + 1:02d}.md", weekly(take("weekly"), rng, n + 1))
    return written
