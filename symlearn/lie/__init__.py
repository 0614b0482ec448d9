"""Matrix Lie algebra helpers: bases of known algebras and basic operations."""

from ._algebra import (
    as_generator_stack,
    canonicalize_signs,
    lie_bracket,
    normalize_generators,
    rotation_generator,
    so_generators,
)

__all__ = [
    "as_generator_stack",
    "canonicalize_signs",
    "lie_bracket",
    "normalize_generators",
    "rotation_generator",
    "so_generators",
]
