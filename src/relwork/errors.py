"""One exception hierarchy on click.ClickException; every error can carry its Source.

click's command runner shows these without a traceback (``show``) and exits with
``exit_code``: the one place outside ``cli/`` that knows about click.

Exit codes: 0 ok, 1 findings or build errors, 2 usage or configuration errors.
"""

from __future__ import annotations

from typing import IO, Any

import click

from .model import BuildResult, Source


class RelworkError(click.ClickException):
    """A user-facing error: one or two lines, naming file:line and what to do."""

    exit_code = 1

    def __init__(self, message: str, source: Source | None = None, hint: str | None = None):
        self.source = source
        self.hint = hint
        super().__init__(message)

    def format_message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        text = f"{where}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=True)


class ConfigError(RelworkError):
    """Bad relwork.yaml, unknown key, bad option value."""

    exit_code = 2


class UsageError(RelworkError):
    """A command line or project folder relwork cannot work with."""

    exit_code = 2


class TemplateError(RelworkError):
    """Unknown template, or a template that fails to render."""

    exit_code = 2


class BuildError(RelworkError):
    """The build has errors, so its section is not exported (sync, zip)."""


class OutputEditedError(RelworkError):
    """A generated file was edited by hand since relwork wrote it."""

    #: the build whose outputs were refused (set by ``pipeline.build``, for a summary)
    result: BuildResult | None = None


class OutputWriteError(RelworkError):
    """A generated file could not be written; the previous files are intact."""

    #: the build whose outputs could not be written (set by ``pipeline.build``)
    result: BuildResult | None = None


class CompileError(RelworkError):
    """LaTeX failed or could not be run."""


class SyncError(RelworkError):
    """Overleaf sync refused or failed; local output is intact."""


class SyncInterrupted(SyncError):
    """Ctrl-C stopped a sync; the message says what reached Overleaf. Exit 130, as a shell
    reports a process stopped by SIGINT."""

    exit_code = 130


class SyncTerminated(SyncInterrupted):
    """SIGTERM stopped a sync; the message says what reached Overleaf. Exit 143."""

    exit_code = 143
