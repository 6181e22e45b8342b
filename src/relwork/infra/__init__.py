"""Infrastructure shared by the stages: the cache file format and code keys."""
