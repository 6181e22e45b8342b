"""Infrastructure the stages share: atomic file IO, the cache file format, running processes."""
