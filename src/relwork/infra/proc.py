"""Running a subprocess in its own process group, with a time limit that stops all of it;
Ctrl-C and SIGTERM either let it finish (a grace period) or stop its whole group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
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


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) or SIGTERM arrived while a process ran. ``finished`` is how the process
    ended when it was allowed to finish within its grace period; None when it was stopped."""

    def __init__(self, signum: int, finished: Finished | None = None):
        super().__init__(signum)
        self.signum = signum
        self.finished = finished


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises ``Interrupted(SIGTERM)`` the way Ctrl-C raises
    KeyboardInterrupt, so the clean-up of ``run`` (stopping the process group) happens.
    Outside the main thread (where Python allows no signal handler) nothing changes."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal,
                                                                                "SIGTERM"):
        yield
        return

    def raise_interrupted(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float, stdin: bytes | None = None, output: Path | None = None,
        grace: float = 0.0) -> Finished:
    """Run ``args`` in a new process group and wait at most ``timeout`` seconds.

    ``stdin`` is fed to the process (else it reads nothing); with ``output`` its stdout and
    stderr both go to that file, else both are captured. On a timeout the whole group is
    killed and ``subprocess.TimeoutExpired`` is raised; on any other interruption (Ctrl-C)
    the group is killed too and the exception goes on. ``OSError`` if it cannot start.

    With ``grace`` > 0, Ctrl-C or SIGTERM first waits up to ``grace`` seconds for the process
    to finish (a second signal stops it at once), then raises ``Interrupted`` carrying how
    it ended (or None when it had to be stopped): for a command whose effect elsewhere
    cannot be undone, such as a push, knowing its end beats killing it half way.
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
        except KeyboardInterrupt as exc:
            if grace <= 0:
                kill_group(proc)
                raise
            signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
            raise Interrupted(signum, _finish_within(proc, grace)) from None
        except BaseException:
            # Why: the tool's children (the TeX engine under latexmk, git-remote-https under
            # git) would otherwise keep running and hold the output open.
            kill_group(proc)
            raise
    finally:
        if handle is not None:
            handle.close()
    return Finished(proc.returncode, out or b"", err or b"")


def _finish_within(proc: subprocess.Popen[bytes], grace: float) -> Finished | None:
    """How ``proc`` ends if it ends within ``grace`` seconds; else (or on another interrupt)
    None, its group stopped."""
    try:
        out, err = proc.communicate(timeout=grace)
    except BaseException:
        kill_group(proc)
        return None
    kill_group(proc)  # Why: a child it left behind (a helper) must not outlive it either
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
