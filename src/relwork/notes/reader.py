"""Reading note files: bytes -> UTF-8 text -> one parse per file, with an optional cache."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import summary_words
from ..model import Problem, Source
from .result import NotesResult

if TYPE_CHECKING:
    from ..config import Config
    from .roles import Roles


def read_notes(
    files: Sequence[Path],
    config: Config,
    *,
    cache: dict[tuple[Any, ...], tuple[str, NotesResult]] | None = None,
    shown_paths: Sequence[str] | None = None,
) -> NotesResult:
    """Read and parse every file; paths in Sources are shown as ``config.display`` gives.

    A file that cannot be read or is not UTF-8 becomes an error Problem; the other files
    are still read. ``cache`` (kept by a long-running caller such as watch) maps a file
    to the digest of its last content (``content_digest``) and its parse, so an unchanged
    file is not parsed again.
    ``shown_paths``: ``config.display`` of each file, when the caller has it already.
    """
    result = NotesResult()
    marker = config.private_marker
    role_words = (tuple(config.roles_summary), tuple(config.roles_detail),
                  tuple(config.roles_private))
    roles: Roles | None = None  # the parser is imported for the first note it parses
    budget = summary_words(config)
    names = list(shown_paths) if shown_paths is not None and len(shown_paths) == len(files) \
        else [config.display(path) for path in files]
    for path, shown in zip(files, names, strict=True):
        try:
            st = os.stat(path)  # before reading: a later change shows in the stamp
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        try:
            with open(path, "rb") as fh:  # no Path object per file: hundreds of notes
                data = fh.read()
        except OSError as exc:
            result.problems.append(Problem(
                "error", f"cannot read note file: {exc.strerror or exc}", Source(shown),
                "check that the file exists and is readable", "notes-read",
            ))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            result.problems.append(Problem(
                "error",
                f"{Path(shown).name} is not UTF-8: byte offset {exc.start} "
                f"(0x{data[exc.start]:02x}) cannot be decoded, so its papers are left out "
                "and nothing is written until it is fixed",
                Source(shown, line),
                f"save it as UTF-8 in your editor, or convert it: iconv -f latin1 -t utf-8 "
                f"{shown} > {shown}.utf8 && mv {shown}.utf8 {shown}", "encoding",
            ))
            continue
        if stamp is not None:
            result.texts[os.path.abspath(path)] = (text, stamp)
        # plain data only: the slot is stored in the notes cache
        slot = (shown, marker, role_words, budget)
        hit = cache.get(slot) if cache is not None else None
        digest = content_digest(data) if cache is not None else ""
        if hit is not None and hit[0] == digest:
            result.extend(hit[1])
            continue
        if roles is None:
            from .parse import parse_note
            from .roles import Roles

            roles = Roles(*role_words)
        parsed = parse_note(text, shown, private_marker=marker, roles=roles,
                            summary_words=budget)
        if cache is not None:
            cache[slot] = (digest, parsed)
        result.extend(parsed)
    return result


def content_digest(data: bytes) -> str:
    """What the notes cache keeps of a file's bytes to tell whether it changed."""
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()
