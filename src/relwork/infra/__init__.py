"""Infrastructure the stages share: atomic file IO."""
