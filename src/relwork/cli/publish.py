"""The commands that send the section elsewhere or keep it current: ``relwork sync`` (the
Overleaf git bridge), ``relwork zip`` (an upload for Overleaf) and ``relwork watch``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from .main import (
    Context,
    _activity,
    _out,
    _overrides,
    _problems,
    _written,
    build_options,
    main,
)

if TYPE_CHECKING:
    from ..config import Config
    from ..model import BuildResult


@main.command()
@click.option("--dry-run", is_flag=True, help="Print the diff that would be pushed.")
@click.option("--overwrite", is_flag=True,
              help="Replace managed files edited on Overleaf (the edit stays in history).")
@click.option("--force", is_flag=True, help="Overwrite local outputs edited by hand.")
@click.pass_obj
def sync(ctx: Context, dry_run: bool, overwrite: bool, force: bool) -> None:
    """Build, then push the section and bib into the Overleaf project (git bridge).

    The token comes from OVERLEAF_TOKEN or your git credential helper; it is never
    written to disk or printed.

    \b
    Examples:
      OVERLEAF_TOKEN=... relwork sync --dry-run
      relwork sync
    """
    from ..overleaf import check_paths

    config = ctx.load()
    _problems(ctx, config.problems)
    check_paths(config)  # a bad project path is a config error: found before building
    result = _build_for_export(ctx, config, force=force)
    _sync(ctx, config, result, dry_run=dry_run, overwrite=overwrite)


def _build_for_export(ctx: Context, config: Config, *, force: bool) -> BuildResult:
    """A written build for sync and zip; its problems printed (the export refuses errors)."""
    from ..pipeline import build as run_build
    from .output import summary_line

    with _activity(ctx, "building") as say:
        result = _written(lambda: run_build(config, write=True, force=force, progress=say))
    _problems(ctx, result.problems)
    if result.errors:
        _out(ctx, summary_line(result, config.problems))
    return result


def _sync(ctx: Context, config: Config, result: BuildResult, *, dry_run: bool,
          overwrite: bool) -> None:
    from ..pipeline import sync as run_sync

    with _activity(ctx, "syncing with Overleaf") as say:
        outcome = run_sync(config, result, dry_run=dry_run, overwrite=overwrite, progress=say)
    for message in outcome.messages:
        _out(ctx, message)
    if dry_run and outcome.diff:
        click.echo(outcome.diff)


@main.command(name="zip")
@click.option("--force", is_flag=True, help="Overwrite local outputs edited by hand.")
@click.pass_obj
def zip_cmd(ctx: Context, force: bool) -> None:
    """Build, then write latex/overleaf.zip for Overleaf's "Upload project".

    \b
    Example:
      relwork zip
    """
    from ..overleaf import check_paths
    from ..pipeline import make_zip

    config = ctx.load()
    _problems(ctx, config.problems)
    check_paths(config)
    path = make_zip(config, _build_for_export(ctx, config, force=force))
    _out(ctx, f"wrote {config.display(path)}")


@main.command()
@click.option("--sync", "sync_after", is_flag=True, help="Push to Overleaf after a good build.")
@build_options
@click.pass_obj
def watch(ctx: Context, sync_after: bool, **options: Any) -> None:
    """Rebuild whenever notes, bib, config or templates change (Ctrl-C stops).

    \b
    Example:
      relwork watch --template subsections
    """
    from ..errors import SyncInterrupted
    from ..pipeline import BuildState
    from ..pipeline import build as run_build
    from .output import summary_line, use_color
    from .watch import ChangeReport
    from .watch import watch as run_watch

    state = BuildState()
    holder: dict[str, Config] = {}
    report = ChangeReport()  # after the first build, only the problems that changed

    def rebuild() -> None:
        config = ctx.load(**_overrides(**options))  # re-read: the config may have changed
        holder["config"] = config
        result = _written(lambda: run_build(config, write=True, state=state))
        text = report.text(config.problems + result.problems, color=use_color(sys.stderr),
                           verbose=ctx.verbose)
        if ctx.quiet:
            text = "\n".join(line for line in text.splitlines() if "error" in line)
        if text:
            click.echo(text, err=True)
        _out(ctx, summary_line(result, config.problems))
        if sync_after and not result.errors:
            try:
                _sync(ctx, config, result, dry_run=False, overwrite=False)
            except SyncInterrupted as exc:  # Ctrl-C during the sync also stops watching
                exc.show()
                raise KeyboardInterrupt from None

    def on_error(exc: BaseException) -> None:
        if isinstance(exc, click.ClickException):
            exc.show()
        else:
            click.echo(f"error: {exc}", err=True)

    config = ctx.load(**_overrides(**options))
    if sync_after:
        from ..overleaf import check_paths

        check_paths(config)
    try:
        rebuild()
    except click.ClickException as exc:
        on_error(exc)
    _out(ctx, "watching for changes (Ctrl-C to stop)", err=True)
    run_watch(config, rebuild, on_error=on_error)
