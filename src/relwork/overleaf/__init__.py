"""Overleaf: push the section and its bibliography through the git bridge, or build a zip.

``sync`` (``overleaf.sync``) keeps relwork's own working copy of the project and pushes
the two managed files without force; ``make_zip`` (``overleaf.zip``) builds
``overleaf.zip`` for "Upload project". The token handling is in ``overleaf.secrets``.
"""

from .git import MIN_GIT, parse_git_version
from .paths import MAX_FILE_BYTES, check_paths
from .secrets import redact_url, resolve_token
from .state import text_digest
from .sync import SyncResult, SyncStatus, sync
from .zip import main_tex, make_zip, required_packages

__all__ = [
    "MAX_FILE_BYTES",
    "MIN_GIT",
    "SyncResult",
    "SyncStatus",
    "check_paths",
    "main_tex",
    "make_zip",
    "parse_git_version",
    "redact_url",
    "required_packages",
    "resolve_token",
    "sync",
    "text_digest",
]
