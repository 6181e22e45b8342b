"""Running a subprocess in its own process group, with a time limit that stops all of it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: How long to wait for the members of a killed process group to be gone.
_REAP_SECONDS = 5.0


@dataclass
class Finished:
    """A process that ran to its end: exit code and captured output (empty when redirected)."""

    returncode: int
    stdout: bytes
    stderr: bytes


def run(args: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float, stdin: bytes | None = None, output: Path | None = None) -> Finished:
    """Run ``args`` in a new process group and wait at most ``timeout`` seconds.

    ``stdin`` is fed to the process (else it reads nothing); with ``output`` its stdout and
    stderr both go to that file, else both are captured. On a timeout the whole group is
    killed and ``subprocess.TimeoutExpired`` is raised; on any other interruption (Ctrl-C)
    the group is killed too and the exception goes on. ``OSError`` if it cannot start.
    """
    handle = output.open("wb") if output is not None else None
    try:
        proc = subprocess.Popen(
            list(args), cwd=cwd, env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=handle if handle is not None else subprocess.PIPE,
            stderr=subprocess.STDOUT if handle is not None else subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
        except BaseException:
            # Why: the tool's children (the TeX engine under latexmk, git-remote-https under
            # git) would otherwise keep running and hold the output open.
            kill_group(proc)
            raise
    finally:
        if handle is not None:
            handle.close()
    return Finished(proc.returncode, out or b"", err or b"")


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` and everything it started, and wait until they are gone: waiting for
    ``proc`` alone can return while a child of it still runs."""
    if not hasattr(os, "killpg"):  # pragma: no cover - Windows has no process groups
        proc.kill()
        proc.communicate()
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    deadline = time.monotonic() + _REAP_SECONDS
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)  # still a member alive (or not yet reaped by init)?
        except ProcessLookupError:
            return
        time.sleep(0.02)
