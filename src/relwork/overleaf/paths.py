"""The two paths relwork manages in the Overleaf project, checked before any work: valid
names, no links or folders in the way, nothing over the size limit."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from ..config import Config
from ..errors import ConfigError, SyncError

#: Largest file relwork pushes or zips (Overleaf's own upload limit is 50 MB per file).
MAX_FILE_BYTES = 50 * 1024 * 1024

#: characters a file name may have so that \input{...} and \bibliography{...} take it as is
_TEX_SAFE_NAME = re.compile(r"[A-Za-z0-9_.+/-]+")


def check_paths(config: Config) -> None:
    """Check ``overleaf.tex`` and ``overleaf.bib`` before any work; ConfigError (exit 2) if bad.

    Each must be a relative path inside the Overleaf project (no ``..``, not absolute, not
    in ``.git``) ending in ``.tex`` / ``.bib``, made of letters, digits and ``_ . + - /``
    (braces, ``%``, ``#``, spaces, backslashes and the like break ``\\input``), and the two
    must differ. The error names the config file and line of the value.
    """
    managed_paths(config)


def managed_paths(config: Config) -> list[str]:
    """The two project paths relwork owns, validated (ConfigError) and in POSIX form."""
    paths = []
    for attr, suffix in (("overleaf_tex", ".tex"), ("overleaf_bib", ".bib")):
        raw = str(getattr(config, attr)).strip()
        name = "overleaf." + attr.split("_", 1)[1]
        default = "related_work" + suffix
        pure = PurePosixPath(raw.replace("\\", "/"))
        hint_place = f"set {name} in {config.file_name}"
        if (not raw or pure.is_absolute() or ".." in pure.parts or raw.endswith(("/", "\\"))
                or any(part.lower() == ".git" for part in pure.parts)
                or re.match(r"^[A-Za-z]:", raw)):
            raise ConfigError(
                f"config value '{name}': {raw!r} is not a file path inside the project",
                source=config.where(attr),
                hint=f"{hint_place} to a relative path such as {default} or sections/{default}",
            )
        bad = sorted({c for c in raw if not _TEX_SAFE_NAME.fullmatch(c)})
        if bad:
            shown = " ".join("space" if c == " " else repr(c) for c in bad)
            raise ConfigError(
                f"config value '{name}': {raw!r} has characters LaTeX cannot \\input: {shown}",
                source=config.where(attr),
                hint=f"{hint_place} to a name of letters, digits, '_', '-', '.' and '/'"
                     f" (e.g. {default})",
            )
        if pure.suffix != suffix:
            raise ConfigError(
                f"config value '{name}': {raw!r} does not end in {suffix}",
                source=config.where(attr),
                hint=f"{hint_place} to a {suffix} file name such as {default}",
            )
        paths.append(str(pure))
    if paths[0] == paths[1]:
        raise ConfigError(
            f"overleaf.tex and overleaf.bib are the same path ({paths[0]})",
            source=config.where("overleaf_bib"),
            hint=f"give the .bib its own name (overleaf.bib in {config.file_name})",
        )
    return paths


def check_local_outputs(config: Config, contents: dict[str, bytes]) -> None:
    """Refuse symlinked outputs and contents over the size limit before touching anything."""
    for attr in ("output_tex", "output_bib"):
        local = config.resolve(getattr(config, attr))
        if local.is_symlink():
            raise SyncError(
                f"{config.display(local)} is a symbolic link (to {os.readlink(local)}); "
                "relwork does not push linked files; nothing was pushed",
                source=config.where(attr),
                hint="replace the link with a regular file (delete it and run 'relwork build')",
            )
    for path, data in contents.items():
        if len(data) > MAX_FILE_BYTES:
            raise SyncError(
                f"{path} would be {len(data) / 2**20:.1f} MiB, over the 50 MiB limit; "
                "nothing was pushed",
                hint="cite fewer entries or split the bibliography; Overleaf rejects files "
                     "this large",
            )


def check_working_copy_path(workdir: Path, rel: str, config: Config, attr: str) -> None:
    """Refuse a managed path that is (or lies under) a symlink or a folder in the project."""
    current = workdir
    parts = PurePosixPath(rel).parts
    for i, part in enumerate(parts):
        current = current / part
        if current.is_symlink():
            what = "the managed file" if i == len(parts) - 1 else "a folder on the managed path"
            raise SyncError(
                f"in the Overleaf project, {'/'.join(parts[: i + 1])} ({what} {rel}) is a "
                "symbolic link; relwork does not write through links; nothing was pushed",
                source=config.where(attr),
                hint="remove the link from the project, or set overleaf."
                     f"{attr.split('_', 1)[1]} to another path in relwork.yaml",
            )
        if i == len(parts) - 1 and current.is_dir():
            raise SyncError(
                f"in the Overleaf project, {rel} is a folder, not a file; nothing was pushed",
                source=config.where(attr),
                hint=f"set overleaf.{attr.split('_', 1)[1]} to a file path in relwork.yaml",
            )
        if i < len(parts) - 1 and current.exists() and not current.is_dir():
            raise SyncError(
                f"in the Overleaf project, {'/'.join(parts[: i + 1])} is a file, so {rel} "
                "cannot be written; nothing was pushed",
                source=config.where(attr),
                hint=f"set overleaf.{attr.split('_', 1)[1]} to another path in relwork.yaml",
            )
