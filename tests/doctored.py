"""A doctored cache file: a pickle that runs a shell command when it is loaded."""

from __future__ import annotations

import os
import pickle
from pathlib import Path


class Runs:
    """Unpickling this creates the file ``marker``: proof that a pickle would run code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def pickle_payload(marker: Path) -> bytes:
    """A pickle that creates ``marker`` when loaded (checked here, so the tests mean it)."""
    data = pickle.dumps(Runs(marker))
    pickle.loads(data)  # noqa: S301 - the one place a test runs it on purpose
    assert marker.exists(), "the payload would not have run"
    marker.unlink()
    return data
