"""Online lookup of papers missing from the bibliography."""
