"""The spelling rule: which words to ask hunspell about; the words accepted without asking."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from ..config import Config
from ..model import Problem
from .hunspell import SUGGEST_LIMIT, suggestions, unknown_words
from .memory import LintMemory
from .rules import Finding

if TYPE_CHECKING:
    from .analysis import Analysis

WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")

#: Technical words hunspell's en_US lacks (compounds it splits are accepted separately).
TECH_WORDS = frozenset("""
pretrained pretraining pretrain finetuned finetune convolutional deconvolutional tokenizer
tokenizers tokenization tokenize tokenized logit logits regularizer regularizers
reparameterization reparametrization reparameterize riemannian lipschitz markovian hessian
jacobian laplacian latents denoise denoises denoised denoiser denoisers downscale downscales
downscaled upscale upscales upscaled upsample upsampled upsamples downsample downsampled
downsamples subsample subsampled softmax relu arxiv github pytorch tensorflow jax overleaf
bibtex biblatex latex markdown zotero dirichlet bernoulli boltzmann kullback leibler wasserstein
gaussians bayes bayesian heteroscedastic homoscedastic disentangled disentanglement
disentangle equivariant equivariance invariances discretized discretize discretization
quantized quantize vectorized parameterized parametrized parameterize parameterizing
parametrization parameterization hyperparameter hyperparameters eigen eigenvector eigenvectors
eigendecomposition backprop minibatches embeddings embedder unnormalized normalizing
nonlinearity nonlinearities nonlinear nonconvex nonparametric multimodal multiscale
preprocessing preprocessed postprocessing interpretable interpretability explainability
generalizable generalizability learnable trainable scalable scalability finetuning
upsampling downsampling inpainting outpainting denoising autoencoding superresolution
dataset datasets codebook codebooks multilabel unimodal submodular
""".split())


def spell_candidates(masked: str) -> list[tuple[int, str]]:
    """Words of ``masked`` the spell check must ask about, before the accepted-words
    filter (applied per run: the accepted words depend on the bib and all titles)."""
    found = []
    for m in WORD_RE.finditer(masked):
        word = _candidate_word(m.group())  # the tests on the word alone: once per word
        if word is None:
            continue
        start, end = m.span()
        if start:  # a digit just before or after, or ".x" after: word2vec, 3D, file.name
            if _DIGIT.search(masked, start - 1, start) or _DIGIT.search(masked, end, end + 1) \
                    or _DOT_WORD.match(masked, end):
                continue
        elif _DIGIT.search(masked, end, end + 2):  # at the very start: the next two
            continue
        if word[0].isupper() and (_mid_sentence(masked, start) or _NAME_NEXT.match(
                masked, end)):
            continue  # a name: inside a sentence (Zhu), or "Arvanitidis et al.", "Vahdat, Kreis"
        found.append((start, word))
    return found


@lru_cache(maxsize=1 << 16)
def _candidate_word(raw: str) -> str | None:
    """``raw`` as the spell check asks about it (without 's), or None when the word alone
    rules it out: a contraction, two letters, an acronym or CamelCase name, a technical
    word."""
    word = _POSSESSIVE.sub("", raw)
    if "'" in word or "\u2019" in word or len(word) <= 2:
        return None
    if not word[1:].islower() and any(c.isupper() for c in word[1:]):
        return None  # acronyms (GANs) and CamelCase names (StyleGAN)
    if word.lower() in TECH_WORDS:
        return None
    return word


_POSSESSIVE = re.compile(r"['\u2019]s$")
_DIGIT = re.compile(r"\d")
_DOT_WORD = re.compile(r"\.\w")
_NAME_NEXT = re.compile(r"(?:['\u2019]s)?(?:\s+et\s+al\b|\s*,\s*[A-Z]|\s+and\s+[A-Z])")
#: a list, heading or quote marker at the start of a line
_LINE_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)]|#{1,6}|>)[ \t]+")


def _mid_sentence(masked: str, start: int) -> bool:
    """True when the text before ``start`` continues a sentence (no . ! ? : or block start
    in the 200 characters before it)."""
    head = masked[max(0, start - 200):start]
    line = head[head.rfind("\n") + 1:]  # only the last line can end the text before
    marker = _LINE_MARKER.match(line)
    if marker:
        line = "\n" + line[marker.end():]
    line = line.rstrip(" \t*_\"'`([\u201c\u2018")
    return bool(line) and line[-1] not in ".!?:\n"


def words_from_titles(titles: Iterable[str], memory: LintMemory | None = None) -> set[str]:
    """Lowercased words of ``titles`` (bib titles, note headings) for ``known_words``
    (each title's words remembered in ``memory``: watch sees the same titles again)."""
    seen = (memory if memory is not None else LintMemory()).title_words
    words: set[str] = set()
    for title in titles:
        found = seen.get(title)
        if found is None:
            found = frozenset(w.lower() for w in
                              WORD_RE.findall(title.replace("{", "").replace("}", "")))
            if len(seen) > 50000:  # bound memory in very long watch sessions
                seen.clear()
            seen[title] = found
        words |= found
    return words


def rule_spelling(analysis: Analysis, known_words: Iterable[str], config: Config,
                   flagged: set[int], suggest_limit: int = SUGGEST_LIMIT,
                   memory: LintMemory | None = None) -> tuple[list[Finding], Problem | None]:
    """Unknown words of one analysed text (not at ``flagged`` offsets); a Problem instead
    when hunspell cannot be run."""
    memory = memory if memory is not None else LintMemory()
    known = accepted_words(known_words, config, memory)
    candidates = [(o, w) for o, w, low in analysis.candidates
                  if o not in flagged and low not in known]
    if not candidates:
        return [], None
    try:
        unknown = unknown_words((w for _, w in candidates), memory)
        hints = suggestions([w for _, w in candidates if w in unknown], limit=suggest_limit,
                            memory=memory)
    except (OSError, subprocess.SubprocessError) as exc:
        return [], Problem("info", f"spell check skipped: {exc}", None,
                           "install hunspell and hunspell-en-us (apt-get)", "spellcheck")
    findings = []
    seen: set[str] = set()
    for offset, word in candidates:
        if word not in unknown or word.lower() in seen:
            continue
        seen.add(word.lower())  # one finding per word and note: the first place it occurs
        better = [s for s in hints.get(word, []) if " " not in s and "-" not in s][:2]
        hint = f'did you mean {" or ".join(f"{s!r}" for s in better)}? ' if better else ""
        hint += "if the word is right, add it to lint.ignore_words in relwork.yaml"
        findings.append(Finding("spelling", offset, word, f'unknown word "{word}"', hint))
    return findings, None


def accepted_words(known_words: Iterable[str], config: Config, memory: LintMemory) -> set[str]:
    """Lower-cased accepted words; remembered in ``memory`` for the last few (words,
    config) pairs (the bib's words: the same set for every note and every rebuild in
    watch, and a run's full set), since lint_entries passes the same large set for every
    note."""
    memo = memory.accepted
    slot = (id(known_words), id(config))
    hit = memo.get(slot)
    if hit is not None and hit[0] is known_words and hit[1] is config:
        memo[slot] = memo.pop(slot)  # most recently used last
        return hit[2]
    known = {w.lower() for w in known_words} | {w.lower() for w in config.lint_ignore_words}
    known |= words_from_titles(config.aliases, memory)
    remember_accepted(known_words, config, known, memory)
    return known


def remember_accepted(words: object, config: Config, known: set[str],
                      memory: LintMemory) -> None:
    """Keep ``known`` as the accepted words of (``words``, ``config``); the last four pairs."""
    memo = memory.accepted
    if len(memo) >= 4:
        memo.pop(next(iter(memo)))
    memo[(id(words), id(config))] = (words, config, known)
