"""Matrix Lie algebra helpers: bases of known algebras and basic operations."""

from ._algebra import (
    as_generator_stack,
    canonicalize_signs,
    gl_basis,
    lie_bracket,
    normalize_generators,
    rotation_generator,
    so_generators,
    so_pq_generators,
)
from ._exact import exact_generators
from ._named import (
    PLANAR_MOTIONS,
    aff_basis,
    affine_embedding,
    named_generators,
    planar_motions,
    translation_generators,
)
from ._structure import (
    AlgebraIdentity,
    identify_algebra,
    invariant_forms,
    orthonormal_span,
    sparse_basis,
    structure_constants,
)

__all__ = [
    "AlgebraIdentity",
    "PLANAR_MOTIONS",
    "planar_motions",
    "aff_basis",
    "affine_embedding",
    "named_generators",
    "translation_generators",
    "exact_generators",
    "gl_basis",
    "identify_algebra",
    "invariant_forms",
    "orthonormal_span",
    "so_pq_generators",
    "sparse_basis",
    "structure_constants",
    "as_generator_stack",
    "canonicalize_signs",
    "lie_bracket",
    "normalize_generators",
    "rotation_generator",
    "so_generators",
]
