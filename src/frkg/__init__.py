"""frkg: the facial-recognition policy debate as linked data."""

__version__ = "0.1.0"

CANONICAL_BASE = "https://w3id.org/frkg/"
