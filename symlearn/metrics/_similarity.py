"""Comparing Lie algebras as subspaces, independent of the basis chosen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..lie import as_generator_stack

if TYPE_CHECKING:
    from .._typing import Generators

__all__ = ["lie_algebra_similarity", "span_basis"]


def span_basis(generators: Generators, *, rtol: float = 1e-6) -> np.ndarray:
    """Orthonormal basis of the span of flattened generators.

    Parameters
    ----------
    generators : array-like of shape (k, d, d) or (d, d)
    rtol : float, default=1e-6
        Singular values below ``rtol`` times the largest count as zero, so
        (numerically) dependent generators add no dimension.

    Returns
    -------
    basis : ndarray of shape (r, d * d)
        Orthonormal rows spanning the same subspace; ``r`` is the rank.
    """
    stack = as_generator_stack(generators)
    flat = stack.reshape(len(stack), stack.shape[1] * stack.shape[2])
    if flat.size == 0:
        return flat
    _, singular_values, vt = np.linalg.svd(flat, full_matrices=False)
    rank = int(np.sum(singular_values > rtol * singular_values.max()))
    return vt[:rank]


def lie_algebra_similarity(a: Generators, b: Generators) -> float:
    """How well two sets of generators span the same Lie algebra, in [0, 1].

    Both sets are flattened to vectors of ``gl(d)`` and compared as
    subspaces through their principal angles ``theta_i``::

        similarity = sum_i cos(theta_i)**2 / max(dim span(a), dim span(b))

    It is 1 exactly when the spans coincide and 0 when they are orthogonal.
    It does not depend on the basis chosen inside either span, nor on the
    signs or scales of the generators. A span strictly inside a larger one
    scores the ratio of their dimensions, so neither a missing nor a
    spurious generator goes unnoticed.

    Parameters
    ----------
    a, b : array-like of shape (k, d, d) or (d, d)
        Two sets of generators acting on the same R^d. Either may be empty;
        two empty sets are identical (similarity 1), an empty and a non-empty
        one share nothing (similarity 0).

    Returns
    -------
    similarity : float

    Examples
    --------
    >>> from symlearn.lie import so_generators
    >>> so3 = so_generators(3)
    >>> mixed = np.stack([so3[0] + so3[1], 2 * so3[1], -so3[2]])
    >>> round(lie_algebra_similarity(mixed, so3), 6)
    1.0
    >>> round(lie_algebra_similarity(so3[:1], so3), 6)
    0.333333
    """
    a = as_generator_stack(a, name="a")
    b = as_generator_stack(b, name="b")
    if len(a) and len(b) and a.shape[1:] != b.shape[1:]:
        raise ValueError(
            f"Generators act on different spaces: a has shape {a.shape[1:]}, "
            f"b has shape {b.shape[1:]}."
        )
    basis_a, basis_b = span_basis(a), span_basis(b)
    rank = max(len(basis_a), len(basis_b))
    if rank == 0:
        return 1.0
    if min(len(basis_a), len(basis_b)) == 0:
        return 0.0
    cosines = np.linalg.svd(basis_a @ basis_b.T, compute_uv=False)
    return float(np.clip(np.sum(cosines**2) / rank, 0.0, 1.0))
