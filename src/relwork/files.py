"""Old import path of ``relwork.infra.files``, kept until every importer uses the new one."""

from .infra.files import (
    GENERATED_MARK,
    MANIFEST,
    STATE_DIR,
    Manifest,
    checksum,
    write_atomic,
    write_new_atomic,
    write_outputs,
)

__all__ = [
    "GENERATED_MARK", "MANIFEST", "STATE_DIR", "Manifest", "checksum", "write_atomic",
    "write_new_atomic", "write_outputs",
]
