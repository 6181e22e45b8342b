"""``python -m relwork``: the same as the ``relwork`` command."""

from .cli import run

run()
