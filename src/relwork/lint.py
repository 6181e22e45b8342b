"""Tone check: flag note text that reads as notes, not as a paper.

Input: entries (their Markdown ``body``) and the config; output: ``Problem`` warnings, one
per finding, each naming the phrase and its exact line in the note file (``body_line`` plus
the offset, mapped through the file because the notes stage drops private lines).

Rules (code ``lint-<rule>``): ``first-person`` (I, me, my; "we" is normal in papers),
``contraction`` (don't, it's, dont'), ``slang`` (gonna, stuff, pretty much), ``question``
(a sentence ending in "?"), ``lowercase`` (a sentence inside a paragraph starting in
lowercase), ``spelling`` (words hunspell does not know), ``long-sentence``.

Silencing: ``lint: false`` (or a list of rules) in a note's front matter,
``<!-- relwork: no-lint -->`` (optionally followed by rule names) in the body, and
``<!-- relwork: ignore-line -->`` at the end of a line. Code, math, URLs, citations and
LaTeX commands are never checked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .config import Config
from .files import write_atomic
from .model import Entry, Problem, Source

#: rule name -> what it flags (codes are ``lint-<name>``; the README lists them).
RULES: dict[str, str] = {
    "first-person": "first person singular: I, I'm, me, my, mine, myself",
    "contraction": "contractions: don't, it's, dont', isnt",
    "slang": "informal words: gonna, wanna, kinda, stuff, pretty much, a lot",
    "question": "questions: a sentence ending in '?'",
    "lowercase": "a sentence inside a paragraph that starts in lowercase",
    "spelling": "words the spell checker (hunspell, en_US) does not know",
    "long-sentence": "sentences longer than lint.max_sentence_words",
}

NO_LINT_RE = re.compile(r"<!--\s*relwork:\s*no-lint\b([^>]*?)-->", re.IGNORECASE)
IGNORE_LINE_RE = re.compile(r"<!--\s*relwork:\s*ignore-line\s*-->\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class _Finding:
    rule: str
    offset: int  # into the body
    phrase: str
    message: str
    hint: str


# --- masking: parts of the text that are not prose --------------------------------------

_MASKS = [
    re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.MULTILINE | re.DOTALL),  # fences
    re.compile(r"<!--.*?-->", re.DOTALL),  # HTML comments (relwork markers)
    re.compile(r"(`+).+?\1", re.DOTALL),  # inline code
    re.compile(r"\$\$.+?\$\$", re.DOTALL),  # display math
    re.compile(r"\\\[.+?\\\]", re.DOTALL),
    re.compile(r"\\\(.+?\\\)", re.DOTALL),
    re.compile(r"(?<![\\$\w])\$(?=\S)[^$\n]+?(?<=\S)\$(?!\d)"),  # inline math, not "$5"
    re.compile(r"<(?:https?|ftp|mailto):[^>\s]+>"),  # autolinks
    re.compile(r"\b(?:https?|ftp)://\S*[^\s.,;:!?'\")\]]|\bwww\.\S*[^\s.,;:!?'\")\]]"),  # URLs
    re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"),  # link targets (link text stays)
    re.compile(r"\S+@\S+\.\w+"),  # e-mail addresses
    re.compile(r"\[-?@[^\]]*\]"),  # pandoc citations [@key; @other]
    re.compile(r"(?<![\w@])-?@[\w:./-]+"),  # bare @key
    re.compile(r"\\(?:cite\w*|ref|eqref|autoref|cref|Cref|label|url|href|input|include\w*)"
               r"\*?(?:\[[^\]]*\])*\{[^}]*\}"),  # LaTeX commands whose argument is not prose
    re.compile(r"\\[A-Za-z]+\*?|\\."),  # other LaTeX commands: the name only
    re.compile(r"\b10\.\d{4,9}/\S*[^\s.,;:!?'\")\]]"),  # DOIs
    re.compile(r"</?[A-Za-z][^>\n]*>"),  # HTML tags
    re.compile(r"\b\w+(?:[._/]\w+)*\.(?:py|md|tex|bib|yaml|json|txt|pdf|png|cpp|sh)\b"),  # files
    re.compile(r"\b\w*_\w*\b"),  # identifiers with underscores
]


def _mask(text: str) -> str:
    """``text`` with code, math, URLs, citations and LaTeX replaced by spaces (same offsets)."""
    chars = list(text)
    for pattern in _MASKS:
        for m in pattern.finditer(text):
            for i in range(m.start(), m.end()):
                if chars[i] != "\n":
                    chars[i] = " "
        text = "".join(chars)
    return text


# --- blocks and sentences ---------------------------------------------------------------

_BLOCK_START = re.compile(r"^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+|#{1,6}[ \t]|>[ \t]?)")
_RULE_LINE = re.compile(r"^[ \t]*([-*_=])(?:[ \t]*\1){2,}[ \t]*$")
_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "et al", "al", "vs", "cf", "fig", "figs", "eq", "eqs", "sec", "tab",
    "resp", "approx", "no", "vol", "pp", "ch", "ref", "refs", "dr", "prof", "mr", "ms", "st",
    "jr", "inc", "ltd", "w.r.t", "a.k.a", "i.i.d", "viz", "ca", "esp", "incl",
}
_SENT_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s|$)")


@dataclass(frozen=True)
class _Sentence:
    start: int  # offset of the first word
    end: int
    first_in_block: bool
    question: bool


def _blocks(masked: str) -> list[tuple[int, int]]:
    """(start, end) offsets of paragraphs, list items and headings."""
    blocks: list[tuple[int, int]] = []
    start: int | None = None
    offset = 0
    for line in masked.splitlines(keepends=True):
        bare = line.strip()
        if not bare or _RULE_LINE.match(line):
            if start is not None:
                blocks.append((start, offset))
                start = None
        else:
            marker = _BLOCK_START.match(line)
            if marker or start is None:
                if start is not None:
                    blocks.append((start, offset))
                start = offset + (marker.end() if marker else 0)
        offset += len(line)
    if start is not None:
        blocks.append((start, offset))
    return blocks


def _is_abbreviation(masked: str, dot: int) -> bool:
    """True when the period at ``dot`` ends an abbreviation or an initial, not a sentence."""
    head = masked[max(0, dot - 12):dot]
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", head)
    if not word:
        return False
    token = word.group(1).lower()
    if token in _ABBREVIATIONS or token.rstrip(".") in _ABBREVIATIONS:
        return True
    if re.search(r"et\s+al$", head, re.IGNORECASE):
        return True
    # single capital initial ("J. Smith"), but not a single-letter sentence end
    return len(token) == 1 and word.group(1).isupper() and dot + 2 < len(masked) and \
        masked[dot + 1] == " " and masked[dot + 2].isupper()


def _sentences(masked: str) -> list[_Sentence]:
    found: list[_Sentence] = []
    for block_start, block_end in _blocks(masked):
        pos = block_start
        first = True
        for m in _SENT_END.finditer(masked, block_start, block_end):
            if "?" not in m.group() and "!" not in m.group() and _is_abbreviation(
                masked, m.start()
            ):
                continue
            sentence = _make_sentence(masked, pos, m.end(), first, "?" in m.group())
            if sentence:
                found.append(sentence)
                first = False
            pos = m.end()
        sentence = _make_sentence(masked, pos, block_end, first, False)
        if sentence:
            found.append(sentence)
    return found


def _make_sentence(masked: str, start: int, end: int, first: bool, question: bool
                   ) -> _Sentence | None:
    m = re.compile(r"[^\W_]").search(masked, start, end)
    if m is None:
        return None
    return _Sentence(m.start(), end, first, question)


# --- rules -------------------------------------------------------------------------------

_ROMAN_CONTEXT = {
    "type", "part", "phase", "stage", "level", "class", "figure", "fig", "table", "section",
    "chapter", "appendix", "case", "experiment", "setting", "model", "category", "series",
    "step", "task", "version", "war", "method", "algorithm", "condition", "group", "study",
}
_FIRST_PERSON = re.compile(
    r"(?<![\w.'\u2019(-])(?:(I|i)(?:['\u2019](?:m|ll|ve|d))?|[Mm]y|[Mm]e|mine|[Mm]yself)"
    r"(?![\w'\u2019)-]|\.\w)"  # not i.e., (i), i)
)
_NT_WORDS = (
    "dont|doesnt|didnt|isnt|arent|wasnt|werent|hasnt|havent|hadnt|shouldnt|couldnt|"
    "wouldnt|mustnt|neednt|thats|theres|whats|youre|theyre|ive|im"
)
_CONTRACTION = re.compile(
    r"(?<![\w'\u2019])(?:"
    r"[A-Za-z]+n['\u2019]t"  # don't, isn't, can't
    r"|(?:it|that|there|here|what|who|he|she|let|where|how|this|everything|nothing)"
    r"['\u2019]s"
    r"|[A-Za-z]+['\u2019](?:re|ll|ve|d|m)"
    rf"|(?:{_NT_WORDS})['\u2019](?!\w)"  # "dont'" with a misplaced apostrophe
    r"|(?:dont|doesnt|didnt|isnt|arent|wasnt|werent|hasnt|havent|hadnt|shouldnt|couldnt"
    r"|wouldnt|mustnt|thats|youre|theyre)"
    r")(?![\w'\u2019])",
    re.IGNORECASE,
)
_EXPAND = {
    "won't": "will not", "can't": "cannot", "shan't": "shall not", "let's": "let us",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "isnt": "is not",
    "arent": "are not", "wasnt": "was not", "werent": "were not", "hasnt": "has not",
    "havent": "have not", "hadnt": "had not", "shouldnt": "should not",
    "couldnt": "could not", "wouldnt": "would not", "mustnt": "must not",
    "neednt": "need not", "thats": "that is", "theres": "there is", "whats": "what is",
    "youre": "you are", "theyre": "they are", "ive": "I have", "im": "I am",
}
_SUFFIX_EXPAND = {"n't": " not", "'s": " is", "'re": " are", "'ll": " will", "'ve": " have",
                  "'d": " would", "'m": " am"}
_SLANG: dict[str, str] = {
    "gonna": "going to", "wanna": "want to", "gotta": "have to", "kinda": "somewhat",
    "sorta": "somewhat", "dunno": "do not know", "lemme": "let me", "gimme": "give me",
    "stuff": "name the things", "pretty much": "almost, or drop it", "a lot": "much or many",
    "lots of": "many", "alot": "much or many", "a bunch of": "several", "basically": "drop it",
    "okay": "acceptable or adequate", "ok": "acceptable or adequate", "yeah": "drop it",
    "yep": "drop it", "nope": "no", "tbh": "drop it", "btw": "drop it",
    "imo": "state the argument", "imho": "state the argument", "idk": "drop it",
    "fyi": "drop it", "thx": "drop it", "awesome": "a precise adjective", "w/o": "without",
    "w/": "with", "tho": "though", "bc": "because", "b/c": "because", "cuz": "because",
}
_SLANG_RE = re.compile(
    r"(?<![\w/-])(?:"
    + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_SLANG, key=len, reverse=True))
    + r")(?![\w/-])",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")

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


def _expansion(phrase: str) -> str:
    low = phrase.lower().replace("\u2019", "'").rstrip("'")
    if low in _EXPAND:
        return _EXPAND[low]
    for suffix, full in _SUFFIX_EXPAND.items():
        if low.endswith(suffix):
            return low[: -len(suffix)] + full
    return "the full form"


def _shorten(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _rule_first_person(body: str, masked: str, sentences: Sequence[_Sentence]) -> list[_Finding]:
    found = []
    for m in _FIRST_PERSON.finditer(masked):
        word = body[m.start():m.end()]
        if m.group(1) == "I" and "'" not in word and "\u2019" not in word:
            before = re.search(r"(\w+)\W*$", masked[max(0, m.start() - 20):m.start()])
            if before and before.group(1).lower() in _ROMAN_CONTEXT:
                continue  # "Type I error", "Table I"
        hint = 'a paper speaks for its authors: rephrase with "we" or impersonally'
        if m.group(1) == "i":
            hint = 'notes-style lowercase "i": ' + hint
        found.append(_Finding("first-person", m.start(), word,
                              f'first person "{word}" reads as a note, not a paper', hint))
    return found


def _rule_contraction(body: str, masked: str, sentences: Sequence[_Sentence]) -> list[_Finding]:
    found = []
    for m in _CONTRACTION.finditer(masked):
        word = body[m.start():m.end()]
        if re.match(r"[Ii]['\u2019]", word):
            continue  # I'm, I'll: reported as first person
        found.append(_Finding("contraction", m.start(), word, f'contraction "{word}"',
                              f'write "{_expansion(word)}"'))
    return found


def _rule_slang(body: str, masked: str, sentences: Sequence[_Sentence]) -> list[_Finding]:
    found = []
    for m in _SLANG_RE.finditer(masked):
        word = body[m.start():m.end()]
        if word == "OK" and masked[m.end():m.end() + 1] == "-":
            continue
        better = _SLANG[" ".join(word.lower().split())]
        if not better.startswith(("drop", "name", "state", "a precise")):
            better = "write " + " or ".join(f'"{b}"' for b in better.split(" or "))
        found.append(_Finding("slang", m.start(), word,
                              f'informal word "{" ".join(word.split())}"', better))
    return found


def _rule_question(body: str, masked: str, sentences: Sequence[_Sentence],
                   private_marker: str) -> list[_Finding]:
    found = []
    for s in sentences:
        if s.question:
            text = _shorten(body[s.start:s.end])
            found.append(_Finding(
                "question", s.start, text, f'question "{text}"',
                "a paper states: answer it in the text, or start the line with "
                f"'{private_marker}' to keep it as a private note",
            ))
    return found


def _rule_lowercase(body: str, masked: str, sentences: Sequence[_Sentence]) -> list[_Finding]:
    found = []
    for s in sentences:
        if s.first_in_block or masked[s.start - 1:s.start] in ("(", '"', "'", "\u201c"):
            continue  # may follow a citation or a label ("Description: ..."), or a bracket
        word_m = re.compile(r"\S+").match(masked, s.start)
        word = word_m.group() if word_m else ""
        if not word[:1].islower() or re.fullmatch(r"i\b.*", word):
            continue
        if not re.fullmatch(r"[a-z]+[,;:]?", word) or re.match(r"[a-z]-", word):
            continue  # word2vec, k-means, iPhone: names written in lowercase on purpose
        text = _shorten(body[s.start:s.end], 50)
        found.append(_Finding("lowercase", s.start, text,
                              f'sentence starts in lowercase: "{text}"',
                              "capitalise the first word"))
    return found


def _rule_long(body: str, masked: str, sentences: Sequence[_Sentence],
               limit: int) -> list[_Finding]:
    found = []
    for s in sentences:
        count = len(re.findall(r"[^\W_]+(?:['\u2019.-][^\W_]+)*", masked[s.start:s.end]))
        if count > limit:
            text = _shorten(body[s.start:s.end], 40)
            found.append(_Finding("long-sentence", s.start, text,
                                  f'sentence of {count} words (limit {limit}): "{text}"',
                                  "split it into shorter sentences"))
    return found


# --- analysis cache ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Analysis:
    """What the rules find in one text, independent of the run: every non-spelling finding
    (all rules; callers drop the skipped ones) and the spell-check candidates."""

    findings: tuple[_Finding, ...]
    candidates: tuple[tuple[int, str, str], ...]  # offset, word, word lower-cased


#: (text, sentence limit, private marker) -> analysis, for this process (watch) and, through
#: _AnalysisStore, across runs; the text is the key, so an edited note is analysed again.
_analysis_cache: dict[tuple[str, int, str], _Analysis] = {}
_analysis_used: set[tuple[str, int, str]] = set()
#: cache file -> (key, slots it holds), for the files this process read or wrote
_analysis_files: dict[Path, tuple[str, frozenset[tuple[str, int, str]]]] = {}


def _analyse(text: str, config: Config) -> _Analysis:
    """The rules' findings and spell candidates for ``text`` (cached by text and settings)."""
    slot = (text, config.lint_max_sentence_words, config.private_marker)
    _analysis_used.add(slot)
    hit = _analysis_cache.get(slot)
    if hit is not None:
        return hit
    masked = _mask(text)
    sentences = _sentences(masked)
    findings: list[_Finding] = []
    for rule in (_rule_first_person, _rule_contraction, _rule_slang, _rule_lowercase):
        findings += rule(text, masked, sentences)
    findings += _rule_question(text, masked, sentences, config.private_marker)
    findings += _rule_long(text, masked, sentences, config.lint_max_sentence_words)
    result = _Analysis(tuple(findings),
                       tuple((o, w, w.lower()) for o, w in _spell_candidates(masked)))
    if len(_analysis_cache) > 20000:  # bound memory in very long watch sessions
        _analysis_cache.clear()
    _analysis_cache[slot] = result
    return result


class _AnalysisStore:
    """The analyses of the last run in ``.relwork/cache/lint-analysis.pickle``, so a build
    analyses only notes whose text changed. Keyed by relwork's version and code; a damaged
    or stale file is ignored (bib's cache file format: magic, CRC, key)."""

    def __init__(self, root: Path):
        from .bib import code_key, read_cache_file

        self.path = root / ".relwork" / "cache" / "lint-analysis.pickle"
        self.key = code_key()
        _analysis_used.clear()
        self.loaded: frozenset[tuple[str, int, str]] = frozenset()
        known = _analysis_files.get(self.path)
        if known is not None and known[0] == self.key:  # read before (watch): in memory
            self.loaded = known[1]
            return
        stored = read_cache_file(self.path, self.key)
        if isinstance(stored, dict):
            for slot, value in stored.items():
                if isinstance(value, _Analysis):
                    _analysis_cache.setdefault(slot, value)
            self.loaded = frozenset(stored)
        _analysis_files[self.path] = (self.key, self.loaded)

    def save(self) -> None:
        """Keep what this run used (a note removed is forgotten); write only on change."""
        from .bib import write_cache_file

        if _analysis_used == self.loaded:
            return
        kept = {slot: _analysis_cache[slot] for slot in _analysis_used if slot in _analysis_cache}
        write_cache_file(self.path, self.key, kept)
        _analysis_files[self.path] = (self.key, frozenset(kept))


# --- spelling ----------------------------------------------------------------------------

_spell_cache: dict[str, bool] = {}  # word -> known (by hunspell, or as a compound of known words)
_suggest_cache: dict[str, list[str]] = {}  # unknown word -> hunspell's suggestions
#: Suggestions cost hunspell ~0.1 s per word: only this many new words get them per run.
SUGGEST_LIMIT = 10


def spell_checker() -> str | None:
    """Path of hunspell when it and the en_US dictionary are usable, else None."""
    return _hunspell()[0]


_hunspell_found: tuple[str | None, str] | None = None


def _hunspell() -> tuple[str | None, str]:
    """(hunspell path or None, dictionaries): en_US, plus en_GB when installed, so
    British spellings (parallelises) are accepted too."""
    global _hunspell_found
    if _hunspell_found is not None and _hunspell_found[0] == shutil.which("hunspell"):
        return _hunspell_found
    exe = shutil.which("hunspell")
    found: tuple[str | None, str] = (None, "")
    on_disk = _dictionaries_on_disk()
    if exe is not None and "en_US" in on_disk:  # no need to start hunspell to ask it
        extra = ",en_GB" if "en_GB" in on_disk else ""
        _hunspell_found = (exe, "en_US" + extra)
        return _hunspell_found
    if exe is not None:
        try:
            run = subprocess.run([exe, "-D"], input="", capture_output=True, text=True,
                                 timeout=10)
            listing = run.stdout + run.stderr
        except (OSError, subprocess.SubprocessError):
            listing = ""
        if re.search(r"en_US\b", listing):
            extra = ",en_GB" if re.search(r"en_GB\b", listing) else ""
            found = (exe, "en_US" + extra)
    _hunspell_found = found
    return found


_spell_files: dict[Path, str] = {}  # spelling.json files read by this process -> their key


class _SpellStore:
    """hunspell's verdicts and suggestions saved in ``.relwork/cache/spelling.json``.

    Starting hunspell costs ~0.1 s a run; a build asks it only about words it has never
    seen. Keyed by the dictionaries and relwork's version; a damaged file is ignored.
    """

    def __init__(self, root: Path):
        self.path = root / ".relwork" / "cache" / "spelling.json"
        self.key = ""
        self.before = (len(_spell_cache), len(_suggest_cache))
        exe, dictionaries = _hunspell()
        if exe is None:
            return
        self.key = f"{dictionaries}|{__version__}"
        if _spell_files.get(self.path) == self.key:
            return  # read before in this process (watch): the memory holds it all
        _spell_files[self.path] = self.key
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("key") == self.key:
                for word, known in data.get("known", {}).items():
                    _spell_cache.setdefault(str(word), bool(known))
                for word, options in data.get("suggest", {}).items():
                    _suggest_cache.setdefault(str(word), [str(o) for o in options])
        except (OSError, ValueError, AttributeError):
            pass  # missing or damaged: hunspell answers again
        self.before = (len(_spell_cache), len(_suggest_cache))

    def save(self) -> None:
        if not self.key or (len(_spell_cache), len(_suggest_cache)) == self.before:
            return
        text = json.dumps({"key": self.key, "known": _spell_cache, "suggest": _suggest_cache},
                          ensure_ascii=False, sort_keys=True)
        try:
            write_atomic(self.path, text)
        except OSError:
            pass  # a cache that cannot be written only costs time


def _dictionaries_on_disk() -> set[str]:
    """Names of the en_US/en_GB dictionaries in hunspell's usual folders (and DICPATH)."""
    folders = [p for p in os.environ.get("DICPATH", "").split(os.pathsep) if p]
    folders += ["/usr/share/hunspell", "/usr/share/myspell", "/usr/share/myspell/dicts",
                "/usr/local/share/hunspell", "/opt/homebrew/share/hunspell",
                str(Path.home() / "Library" / "Spelling"), "/Library/Spelling"]
    found = set()
    for name in ("en_US", "en_GB"):
        if any((Path(f) / f"{name}.dic").is_file() and (Path(f) / f"{name}.aff").is_file()
               for f in folders):
            found.add(name)
    return found


def _run_hunspell(options: Sequence[str], lines: Iterable[str]) -> str:
    exe, dictionaries = _hunspell()
    if exe is None:
        raise OSError("hunspell with an en_US dictionary is not installed")
    env = dict(os.environ, LC_ALL="C.UTF-8")
    run = subprocess.run([exe, *options, "-d", dictionaries, "-i", "utf-8"],
                         input="".join(f"{line}\n" for line in lines), capture_output=True,
                         text=True, timeout=120, env=env)
    if run.returncode != 0:
        raise OSError(run.stderr.strip() or f"hunspell exited with {run.returncode}")
    return run.stdout


def unknown_words(words: Iterable[str]) -> set[str]:
    """The ``words`` hunspell (en_US) does not know and that are not two known words
    run together (autoencoder, hyperparameters are accepted).

    Results are cached for the process (``relwork watch`` checks only new words).
    Raises ``OSError`` when hunspell cannot be run.
    """
    words = set(words)
    todo = sorted(w for w in words if w not in _spell_cache)
    if todo:
        bad = set(_run_hunspell(["-l"], todo).split())
        splits = {w: [(w[:i].lower(), w[i:].lower()) for i in range(3, len(w) - 2)]
                  for w in bad}
        parts = sorted({p for pairs in splits.values() for pair in pairs for p in pair})
        bad_parts = set(_run_hunspell(["-l"], parts).split()) if parts else set()
        for w in todo:
            compound = any(a not in bad_parts and b not in bad_parts
                           for a, b in splits.get(w, []))
            _spell_cache[w] = w not in bad or compound
    return {w for w in words if not _spell_cache.get(w, True)}


def suggestions(words: Iterable[str], *, limit: int = SUGGEST_LIMIT) -> dict[str, list[str]]:
    """hunspell's suggestions for ``words`` (cached; at most ``limit`` new words asked)."""
    todo = [w for w in dict.fromkeys(words) if w not in _suggest_cache][:limit]
    if todo:
        # "^" makes hunspell's pipe mode treat each line as text, never as a command
        out = _run_hunspell(["-a"], (f"^{w}" for w in todo))
        for line in out.splitlines():
            if line.startswith("&"):
                head, _, tail = line.partition(":")
                _suggest_cache[head.split()[1]] = [t.strip() for t in tail.split(",")
                                                   if t.strip()]
        for w in todo:
            _suggest_cache.setdefault(w, [])
    return {w: _suggest_cache[w] for w in words if w in _suggest_cache}


def _spell_candidates(masked: str) -> list[tuple[int, str]]:
    """Words of ``masked`` the spell check must ask about, before the accepted-words
    filter (applied per run: the accepted words depend on the bib and all titles)."""
    found = []
    for m in _WORD.finditer(masked):
        word = re.sub(r"['\u2019]s$", "", m.group())
        if "'" in word or "\u2019" in word or len(word) <= 2:
            continue
        if any(c.isupper() for c in word[1:]):
            continue  # acronyms (GANs) and CamelCase names (StyleGAN)
        around = masked[max(0, m.start() - 1):m.start()] + masked[m.end():m.end() + 2]
        if re.search(r"\d", around[:2]) or re.match(r"\.\w", around[1:]):
            continue  # word2vec, 3D, file.name
        if word.lower() in TECH_WORDS:
            continue
        if word[0].isupper() and (_mid_sentence(masked, m.start()) or _NAME_NEXT.match(
                masked, m.end())):
            continue  # a name: inside a sentence (Zhu), or "Arvanitidis et al.", "Vahdat, Kreis"
        found.append((m.start(), word))
    return found


_NAME_NEXT = re.compile(r"(?:['\u2019]s)?(?:\s+et\s+al\b|\s*,\s*[A-Z]|\s+and\s+[A-Z])")


def _mid_sentence(masked: str, start: int) -> bool:
    """True when the text before ``start`` continues a sentence (no . ! ? : or block start)."""
    head = masked[max(0, start - 200):start]
    head = re.sub(r"(?m)^[ \t]*(?:[-*+]|\d{1,9}[.)]|#{1,6}|>)[ \t]+", "\n", head)
    head = head.rstrip(" \t*_\"'`([\u201c\u2018")
    return bool(head) and head[-1] not in ".!?:\n"


# --- entry points ------------------------------------------------------------------------


def words_from_titles(titles: Iterable[str]) -> set[str]:
    """Lowercased words of ``titles`` (bib titles, note headings) for ``known_words``."""
    words: set[str] = set()
    for title in titles:
        found = _title_words.get(title)
        if found is None:
            found = frozenset(w.lower() for w in
                              _WORD.findall(title.replace("{", "").replace("}", "")))
            if len(_title_words) > 50000:  # bound memory in very long watch sessions
                _title_words.clear()
            _title_words[title] = found
        words |= found
    return words


_title_words: dict[str, frozenset[str]] = {}  # title -> its words (watch: the same titles)


def _disabled_rules(config: Config) -> set[str]:
    return {r.lower().removeprefix("lint-") for r in config.lint_disable}


def check_config(config: Config) -> list[Problem]:
    """Warnings for unknown rule names in ``lint.disable``."""
    bad = sorted(_disabled_rules(config) - set(RULES))
    if not bad:
        return []
    return [Problem("warning", f"unknown lint rule(s) in lint.disable: {', '.join(bad)}",
                    config.where("lint_disable"),
                    f"known rules: {', '.join(RULES)}", "config")]


def lint_text(
    text: str,
    source: Source,
    config: Config,
    *,
    known_words: set[str] | frozenset[str] = frozenset(),
    skip_rules: Iterable[str] = (),
    line_numbers: Sequence[int] | None = None,
    ignored_lines: Iterable[int] = (),
    suggest_limit: int = SUGGEST_LIMIT,
) -> list[Problem]:
    """Tone findings for one Markdown ``text`` whose first line is ``source``.

    Returns warnings with code ``lint-<rule>``, each at the note line of its phrase:
    ``line_numbers[i]`` is the file line of text line ``i`` (default: consecutive from
    ``source.line``). Findings on ``ignored_lines`` (file lines) or on lines of ``text``
    ending in the ignore-line marker are dropped. ``known_words`` (lowercase) and
    ``config.lint_ignore_words`` are accepted by the spell check; ``config.lint_disable``
    and ``skip_rules`` switch rules off.
    """
    skip = _disabled_rules(config) | {r.lower().removeprefix("lint-") for r in skip_rules}
    marker = NO_LINT_RE.search(text)
    if marker:
        named = {r.lower().removeprefix("lint-") for r in re.split(r"[\s,]+", marker.group(1))
                 if r}
        skip |= named if named else set(RULES)
    if skip >= set(RULES):
        return []
    lines = text.split("\n")

    def file_line(index: int) -> int:
        if line_numbers is not None and index < len(line_numbers):
            return line_numbers[index]
        return source.line + index if source.line else 0

    ignored = set(ignored_lines) | {file_line(i) for i, line in enumerate(lines)
                                    if IGNORE_LINE_RE.search(line)}
    analysis = _analyse(text, config)
    findings = [f for f in analysis.findings if f.rule not in skip]

    problems = []
    if "spelling" not in skip:
        flagged = {f.offset for f in findings if f.rule in ("contraction", "slang")}
        spelled, problem = _rule_spelling(analysis, known_words, config, flagged,
                                          suggest_limit)
        findings += spelled
        if problem is not None:
            problems.append(Problem(problem.severity, problem.message, source, problem.hint,
                                    problem.code))

    for f in sorted(findings, key=lambda f: (f.offset, f.rule)):
        line = file_line(text.count("\n", 0, f.offset))
        if line and line in ignored:
            continue
        where = Source(source.path, line)
        problems.append(Problem("warning", f.message, where, f.hint, f"lint-{f.rule}"))
    return problems


def _rule_spelling(analysis: _Analysis, known_words: Iterable[str], config: Config,
                   flagged: set[int], suggest_limit: int = SUGGEST_LIMIT
                   ) -> tuple[list[_Finding], Problem | None]:
    known = _known(known_words, config)
    candidates = [(o, w) for o, w, low in analysis.candidates
                  if o not in flagged and low not in known]
    if not candidates:
        return [], None
    try:
        unknown = unknown_words(w for _, w in candidates)
        hints = suggestions([w for _, w in candidates if w in unknown], limit=suggest_limit)
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
        findings.append(_Finding("spelling", offset, word, f'unknown word "{word}"', hint))
    return findings, None


#: (id of words, id of config) -> (words, config, lower-cased accepted words): the bib's
#: words (the same set for every note, and every rebuild in watch) and a run's full set
_known_memo: dict[tuple[int, int], tuple[object, object, set[str]]] = {}


def _known(known_words: Iterable[str], config: Config) -> set[str]:
    """Lower-cased accepted words; remembered for the last few (words, config) pairs, since
    lint_entries passes the same large set for every note."""
    slot = (id(known_words), id(config))
    hit = _known_memo.get(slot)
    if hit is not None and hit[0] is known_words and hit[1] is config:
        _known_memo[slot] = _known_memo.pop(slot)  # most recently used last
        return hit[2]
    known = {w.lower() for w in known_words} | {w.lower() for w in config.lint_ignore_words}
    known |= words_from_titles(config.aliases)
    _remember_known(known_words, config, known)
    return known


def _remember_known(words: object, config: Config, known: set[str]) -> None:
    if len(_known_memo) >= 4:
        _known_memo.pop(next(iter(_known_memo)))
    _known_memo[(id(words), id(config))] = (words, config, known)


@dataclass
class _NoteFile:
    """A note file as written: its lines and what its front matter says about linting."""

    lines: list[str]
    clean: list[str]  # the same lines with comments cut out
    headings: list[int]  # 1-based lines of ATX headings
    lint: object = True  # front matter 'lint' value


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|%%.*?%%", re.DOTALL)
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])?\s*")


_note_memo: dict[str, _NoteFile] = {}  # file text -> what it says (watch reads it again)


def _read_note(path: str, texts: Mapping[str, tuple[str, tuple[int, int]]]) -> _NoteFile | None:
    """The note file at ``path``: from ``texts`` (what the notes stage read) while the
    file's stamp is unchanged, else read again."""
    text: str | None = None
    seen = texts.get(os.path.abspath(path))
    if seen is not None and not seen[0].startswith("\ufeff"):
        try:
            st = os.stat(path)
            if (st.st_mtime_ns, st.st_size) == seen[1]:
                text = seen[0]
        except OSError:
            pass
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            return None
    note = _note_memo.get(text)
    if note is None:
        note = _note_file(text)
        if len(_note_memo) > 2000:  # bound memory in very long watch sessions
            _note_memo.clear()
        _note_memo[text] = note
    return note


def _note_file(text: str) -> _NoteFile:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    clean = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text).split("\n")
    headings = [i + 1 for i, line in enumerate(lines) if re.match(r" {0,3}#{1,6}(\s|$)", line)]
    setting: object = True
    front = re.match(r"---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.DOTALL)
    if front and re.search(r"^lint\s*:", front.group(1), re.M):  # parse only when it matters
        import yaml

        try:
            data = yaml.safe_load(front.group(1))
        except yaml.YAMLError:
            data = None
        if isinstance(data, dict) and "lint" in data:
            setting = data["lint"]
    return _NoteFile(lines, clean, headings, setting)


def _map_lines(body: str, note: _NoteFile, first: int) -> list[int]:
    """The file line of each line of ``body`` (the notes stage drops private lines,
    metadata and sub-headings, so the body is not one contiguous range of the file)."""
    mapped: list[int] = []
    cursor = max(first, 1)
    for line in body.split("\n"):
        content = _LIST_MARK.sub("", line, count=1).strip()
        found = 0
        if content:
            probes = [content, content[:24], content[-24:]]
            for k in range(cursor, len(note.clean) + 1):
                if any(p and p in note.clean[k - 1] for p in probes):
                    found = k
                    break
        if found:
            cursor = found + 1
        else:
            found = mapped[-1] + 1 if mapped else first
        mapped.append(found)
    return mapped


def _setting_skips(setting: object) -> set[str] | None:
    """Rules a ``lint:`` setting switches off (None: the whole note)."""
    if setting is False or (isinstance(setting, str) and setting.lower() in
                            ("false", "off", "no")):
        return None
    if isinstance(setting, (list, tuple)):
        return {str(r).lower().removeprefix("lint-") for r in setting}
    if isinstance(setting, str) and setting.lower() not in ("true", "on", "yes"):
        return {r.lower().removeprefix("lint-") for r in re.split(r"[\s,]+", setting) if r}
    return set()


def lint_entries(
    entries: Sequence[Entry],
    config: Config,
    *,
    known_words: set[str] | frozenset[str] = frozenset(),
    texts: Mapping[str, tuple[str, tuple[int, int]]] | None = None,
) -> list[Problem]:
    """Tone findings for the bodies of ``entries`` (the text headed for the section).

    ``known_words``: lowercase words the spell check accepts (bib titles). Words of the
    entries' own titles are accepted too. Each entry's note file (``entry.source.path``,
    relative to the current folder) is read again for what the notes stage cuts out: the
    ``<!-- relwork: ... -->`` markers, file-wide front matter, and the exact line of every
    body line; ``texts`` (``NotesResult.texts``) saves reading a file the notes stage
    read and that has not changed since. ``lint: false`` (front matter of the note or of
    its file) skips a note; ``lint: [rule, ...]`` skips those rules. Returns warnings
    (``--strict`` makes them errors in the CLI); ``lint.enabled`` is the caller's call.
    """
    # the bib's words lower-cased once per bib (watch), then this run's titles and authors
    known = _known(known_words, config) | words_from_titles(e.title for e in entries)
    for e in entries:  # authors' names are written in the summaries too
        authors = e.meta.get("authors") or []
        known |= words_from_titles(authors if isinstance(authors, list) else [str(authors)])
    _remember_known(known, config, known)  # already lower-cased: _known(known) is known
    problems: list[Problem] = check_config(config)
    analyses = _AnalysisStore(config.root)
    texts = texts or {}
    if "spelling" not in _disabled_rules(config):
        store = _SpellStore(config.root)  # verdicts kept across runs: hunspell is slow to start
        _prefetch_spelling(entries, known, config)
        store.save()
    skipped_notice = False
    files: dict[str, _NoteFile | None] = {}
    starts: dict[str, list[int]] = {}
    for entry in entries:
        starts.setdefault(entry.source.path, []).append(entry.source.line or entry.body_line)
    for entry in entries:
        path = entry.source.path
        if path not in files:
            files[path] = _read_note(path, texts)
        note = files[path]
        skip = _setting_skips(entry.meta.get("lint", True))
        file_skip = _setting_skips(note.lint) if note is not None else set()
        if skip is None or file_skip is None or not entry.body.strip():
            continue
        skip |= file_skip
        source = Source(path, entry.body_line)
        body_lines = entry.body_lines
        line_numbers: list[int] | None = None
        if len(body_lines) == entry.body.count("\n") + 1:
            line_numbers = body_lines  # recorded by the notes stage
        ignored: set[int] = set()
        if note is not None and entry.body_line:
            if line_numbers is None:
                line_numbers = _map_lines(entry.body, note, entry.body_line)
            begin = entry.source.line or entry.body_line
            end = _region_end(note, max(line_numbers), begin, starts[path])
            region = "\n".join(note.lines[begin - 1:end - 1])
            marker = NO_LINT_RE.search(region)
            if marker:
                named = {r.lower().removeprefix("lint-")
                         for r in re.split(r"[\s,]+", marker.group(1)) if r}
                if not named:
                    continue
                skip |= named
            ignored = {n for n in range(begin, end) if IGNORE_LINE_RE.search(note.lines[n - 1])}
        found = lint_text(entry.body, source, config, known_words=known, skip_rules=skip,
                          line_numbers=line_numbers, ignored_lines=ignored, suggest_limit=0)
        for p in found:
            if p.severity == "info":  # the spell check is missing: say it once
                if skipped_notice:
                    continue
                skipped_notice = True
                p = Problem(p.severity, p.message, None, p.hint, p.code)
            problems.append(p)
    analyses.save()
    return problems


def _prefetch_spelling(entries: Sequence[Entry], known: set[str], config: Config) -> None:
    """One hunspell run for all entries' words, and suggestions for the first
    ``SUGGEST_LIMIT`` unknown ones, instead of a run per entry."""
    words: list[str] = []
    for entry in entries:
        if entry.body.strip():
            words += [w for _, w, low in _analyse(entry.body, config).candidates
                      if low not in known]
    try:
        unknown = unknown_words(words)
        suggestions([w for w in words if w in unknown])
    except (OSError, subprocess.SubprocessError):
        pass  # reported by the spelling rule, once


def _region_end(note: _NoteFile, last: int, begin: int, starts: Sequence[int]) -> int:
    """First line after an entry's part of its file: the next heading after its body or
    the next entry, whichever comes first (exclusive, 1-based)."""
    end = len(note.lines) + 1
    for h in note.headings:
        if h > last:
            end = min(end, h)
            break
    for s in starts:
        if s > begin:
            end = min(end, s)
    return max(end, last + 1)
