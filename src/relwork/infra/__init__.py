"""Infrastructure shared by the stages: atomic file IO, the cache, running subprocesses."""
