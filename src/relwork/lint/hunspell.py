"""Running hunspell: finding it and its dictionaries; its verdicts, suggestions and their cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from .. import __version__
from ..infra.files import write_atomic

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


class SpellStore:
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
