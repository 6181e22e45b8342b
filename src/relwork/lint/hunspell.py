"""Running hunspell: finding it and its dictionaries; its verdicts, suggestions and their cache."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..infra.cache import CacheFolder, Codec
from ..model import Problem
from .memory import LintMemory

#: Suggestions cost hunspell ~0.1 s per word: only this many new words get them per run.
SUGGEST_LIMIT = 10


def spell_checker() -> str | None:
    """Path of hunspell when it and the en_US dictionary are usable, else None."""
    return _hunspell()[0]


def _hunspell() -> tuple[str | None, str]:
    """(hunspell path or None, dictionaries): en_US, plus en_GB when installed, so
    British spellings (parallelises) are accepted too."""
    return _probe(shutil.which("hunspell"))


@lru_cache(maxsize=4)
def _probe(exe: str | None) -> tuple[str | None, str]:
    """What ``_hunspell`` says for the hunspell at ``exe`` (asked once per path)."""
    if exe is None:
        return None, ""
    on_disk = _dictionaries_on_disk()
    if "en_US" in on_disk:  # no need to start hunspell to ask it
        return exe, "en_US" + (",en_GB" if "en_GB" in on_disk else "")
    try:
        run = subprocess.run([exe, "-D"], input="", capture_output=True, text=True,
                             timeout=10)
        listing = run.stdout + run.stderr
    except (OSError, subprocess.SubprocessError):
        listing = ""
    if re.search(r"en_US\b", listing):
        return exe, "en_US" + (",en_GB" if re.search(r"en_GB\b", listing) else "")
    return None, ""


#: The cache file of hunspell's answers.
SPELLING_FILE = "hunspell.json"


class SpellStore:
    """hunspell's verdicts and suggestions saved in ``.relwork/cache/hunspell.json``.

    Starting hunspell costs ~0.1 s a run; a build asks it only about words it has never
    seen. Keyed by the dictionaries and relwork's version; a file that cannot be trusted
    is ignored with a notice (``notices``) and written again.
    """

    def __init__(self, root: Path, memory: LintMemory):
        self.memory = memory
        self.folder = CacheFolder(root / ".relwork" / "cache")
        self.path = self.folder.path / SPELLING_FILE
        self.key = ""
        self.before = (len(memory.spelling), len(memory.suggestions))
        exe, dictionaries = _hunspell()
        if exe is None:
            return
        self.key = f"{dictionaries}|{__version__}"
        if memory.spell_files.get(self.path) == self.key:
            return  # read before in this process (watch): the memory holds it all
        memory.spell_files[self.path] = self.key
        data = self.folder.read(SPELLING_FILE, "spelling", self.key, Codec(), _spelling_shape)
        if data is not None:
            for word, known in data["known"].items():
                memory.spelling.setdefault(word, known)
            for word, options in data["suggest"].items():
                memory.suggestions.setdefault(word, options)
        elif self.folder.notices:
            self.before = (-1, -1)  # an untrusted file is written again
            return
        self.before = (len(memory.spelling), len(memory.suggestions))

    @property
    def notices(self) -> list[Problem]:
        """Notes about a cache file that was ignored (code ``cache-ignored``)."""
        return self.folder.notices

    def save(self) -> None:
        memory = self.memory
        if not self.key or (len(memory.spelling), len(memory.suggestions)) == self.before:
            return
        data = {"known": dict(sorted(memory.spelling.items())),
                "suggest": dict(sorted(memory.suggestions.items()))}
        self.folder.write(SPELLING_FILE, "spelling", self.key, data, Codec())


def _spelling_shape(data: object) -> bool:
    return (isinstance(data, dict) and set(data) == {"known", "suggest"}
            and isinstance(data["known"], dict) and isinstance(data["suggest"], dict)
            and all(type(v) is bool for v in data["known"].values())
            and all(type(v) is list and all(type(o) is str for o in v)
                    for v in data["suggest"].values()))


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


def unknown_words(words: Iterable[str], memory: LintMemory | None = None) -> set[str]:
    """The ``words`` hunspell (en_US) does not know and that are not two known words
    run together (autoencoder, hyperparameters are accepted).

    Results are kept in ``memory`` (``relwork watch`` checks only new words).
    Raises ``OSError`` when hunspell cannot be run.
    """
    known = (memory if memory is not None else LintMemory()).spelling
    words = set(words)
    todo = sorted(w for w in words if w not in known)
    if todo:
        bad = set(_run_hunspell(["-l"], todo).split())
        splits = {w: [(w[:i].lower(), w[i:].lower()) for i in range(3, len(w) - 2)]
                  for w in bad}
        parts = sorted({p for pairs in splits.values() for pair in pairs for p in pair})
        bad_parts = set(_run_hunspell(["-l"], parts).split()) if parts else set()
        for w in todo:
            compound = any(a not in bad_parts and b not in bad_parts
                           for a, b in splits.get(w, []))
            known[w] = w not in bad or compound
    return {w for w in words if not known.get(w, True)}


def suggestions(words: Iterable[str], *, limit: int = SUGGEST_LIMIT,
                memory: LintMemory | None = None) -> dict[str, list[str]]:
    """hunspell's suggestions for ``words`` (kept in ``memory``; at most ``limit`` new
    words asked)."""
    found = (memory if memory is not None else LintMemory()).suggestions
    todo = [w for w in dict.fromkeys(words) if w not in found][:limit]
    if todo:
        # "^" makes hunspell's pipe mode treat each line as text, never as a command
        out = _run_hunspell(["-a"], (f"^{w}" for w in todo))
        for line in out.splitlines():
            if line.startswith("&"):
                head, _, tail = line.partition(":")
                found[head.split()[1]] = [t.strip() for t in tail.split(",") if t.strip()]
        for w in todo:
            found.setdefault(w, [])
    return {w: found[w] for w in words if w in found}
