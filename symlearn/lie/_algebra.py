"""Small named functions for matrix Lie algebras.

Everything here works on NumPy arrays of shape ``(k, d, d)`` (a stack of
``k`` generators of ``gl(d)``) and is independent of torch, so it can be used
to build ground truths, compare results and write tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .._typing import ArrayLike, Generators

__all__ = [
    "gl_basis",
    "so_generators",
    "so_pq_generators",
    "rotation_generator",
    "lie_bracket",
    "as_generator_stack",
    "normalize_generators",
    "canonicalize_signs",
]


def as_generator_stack(generators: Generators, *, name: str = "generators") -> np.ndarray:
    """Return ``generators`` as a float array of shape ``(k, d, d)``.

    A single ``(d, d)`` matrix becomes a stack of one. An empty list needs no
    dimension and becomes an array of shape ``(0, 0, 0)``.

    Parameters
    ----------
    generators : array-like of shape (k, d, d) or (d, d)
        The generators.
    name : str, default="generators"
        Name used in error messages.

    Returns
    -------
    stack : ndarray of shape (k, d, d)
    """
    stack = np.asarray(generators, dtype=float)
    if stack.size == 0 and stack.ndim <= 1:
        return np.zeros((0, 0, 0))
    if stack.ndim == 2:
        stack = stack[None]
    if stack.ndim != 3 or stack.shape[1] != stack.shape[2]:
        raise ValueError(
            f"{name} must be a square matrix of shape (d, d) or a stack of them of "
            f"shape (k, d, d); got an array of shape {stack.shape}."
        )
    if not np.all(np.isfinite(stack)):
        raise ValueError(f"{name} contains NaN or infinite entries.")
    return stack


def so_generators(n: int) -> np.ndarray:
    """Basis of the special orthogonal Lie algebra so(n).

    The basis is ``E_ji - E_ij`` for ``i < j`` (in lexicographic order of
    ``(i, j)``), so that for ``n = 2`` the single generator is
    ``J = [[0, -1], [1, 0]]``, whose exponential ``exp(theta J)`` rotates
    counter-clockwise by ``theta``.

    Parameters
    ----------
    n : int
        Dimension of the space the rotations act on; ``n >= 2``.

    Returns
    -------
    generators : ndarray of shape (n * (n - 1) // 2, n, n)
        Antisymmetric matrices with Frobenius norm ``sqrt(2)``.

    Examples
    --------
    >>> so_generators(2)
    array([[[ 0., -1.],
            [ 1.,  0.]]])
    >>> so_generators(3).shape
    (3, 3, 3)
    """
    if int(n) != n or n < 2:
        raise ValueError(f"so(n) needs an integer n >= 2; got n={n!r}.")
    n = int(n)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    generators = np.zeros((len(pairs), n, n))
    for index, (i, j) in enumerate(pairs):
        generators[index, j, i] = 1.0
        generators[index, i, j] = -1.0
    return generators


def so_pq_generators(p: int, q: int) -> np.ndarray:
    """Basis of the pseudo-orthogonal Lie algebra so(p, q).

    The algebra of matrices ``A`` with ``A^T eta + eta A = 0`` for the metric
    ``eta = diag(+1 (p times), -1 (q times))``: rotations ``E_ji - E_ij``
    within each block of equal sign and boosts ``E_ij + E_ji`` between them.
    ``so_pq_generators(1, 3)`` is the Lorentz algebra for four-vectors
    ``(t, x, y, z)``: three boosts, then three rotations.

    Parameters
    ----------
    p, q : int
        Numbers of positive and negative signs of the metric; ``p + q >= 2``.

    Returns
    -------
    generators : ndarray of shape (n * (n - 1) // 2, n, n), ``n = p + q``
        Frobenius norm ``sqrt(2)`` each, in lexicographic order of ``(i, j)``.

    Examples
    --------
    >>> lorentz = so_pq_generators(1, 3)
    >>> eta = np.diag([1.0, -1.0, -1.0, -1.0])
    >>> bool(np.allclose(lorentz.transpose(0, 2, 1) @ eta + eta @ lorentz, 0))
    True
    """
    if int(p) != p or int(q) != q or p < 0 or q < 0 or p + q < 2:
        raise ValueError(f"so(p, q) needs integers p, q >= 0 with p + q >= 2; got {p}, {q}.")
    n = int(p) + int(q)
    generators = so_generators(n)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    for index, (i, j) in enumerate(pairs):
        if (i < p) != (j < p):
            generators[index, i, j] = 1.0  # a boost mixes a + axis with a - axis
    return generators


def gl_basis(dim: int) -> np.ndarray:
    """Orthonormal basis ``E_ij`` of the general linear algebra gl(dim).

    Parameters
    ----------
    dim : int

    Returns
    -------
    basis : ndarray of shape (dim**2, dim, dim)
        ``basis[i * dim + j]`` has a single one at ``(i, j)``.
    """
    if int(dim) != dim or dim < 1:
        raise ValueError(f"gl(dim) needs an integer dim >= 1; got {dim!r}.")
    dim = int(dim)
    return np.eye(dim * dim).reshape(dim * dim, dim, dim)


def rotation_generator(n: int, i: int, j: int) -> np.ndarray:
    """Generator of the rotation in the ``(i, j)`` plane of R^n.

    ``exp(theta L)`` turns axis ``i`` towards axis ``j`` by ``theta``.

    Parameters
    ----------
    n : int
        Dimension of the space.
    i, j : int
        The two distinct axes spanning the plane of rotation.

    Returns
    -------
    generator : ndarray of shape (n, n)
    """
    if not (0 <= i < n and 0 <= j < n) or i == j:
        raise ValueError(f"Need two distinct axes in range({n}); got i={i}, j={j}.")
    generator = np.zeros((n, n))
    generator[j, i] = 1.0
    generator[i, j] = -1.0
    return generator


def lie_bracket(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Commutator ``[A, B] = AB - BA`` of matrices or stacks of matrices.

    Parameters
    ----------
    a, b : array-like of shape (..., d, d)
        Matrices; leading dimensions broadcast.

    Returns
    -------
    bracket : ndarray of shape (..., d, d)

    Examples
    --------
    >>> l01, l02, l12 = so_generators(3)  # rotations in the (0,1), (0,2), (1,2) planes
    >>> bool(np.allclose(lie_bracket(l01, l02), l12))
    True
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return a @ b - b @ a


def normalize_generators(generators: Generators) -> np.ndarray:
    """Scale each generator to unit Frobenius norm.

    Parameters
    ----------
    generators : array-like of shape (k, d, d)

    Returns
    -------
    normalized : ndarray of shape (k, d, d)

    Raises
    ------
    ValueError
        If a generator is (numerically) zero and so has no direction.
    """
    stack = as_generator_stack(generators)
    norms = np.linalg.norm(stack.reshape(len(stack), stack.shape[1] ** 2), axis=1)
    if np.any(norms <= 1e-12):
        raise ValueError("Cannot normalize a zero generator: it has no direction.")
    return stack / norms[:, None, None]


def canonicalize_signs(generators: Generators) -> np.ndarray:
    """Flip signs so that each generator's largest-magnitude entry is positive.

    A generator ``L`` and ``-L`` span the same one-parameter group; fixing the
    sign makes printed results reproducible and comparable. Ties between
    entries of equal magnitude go to the first one in row-major order.

    Parameters
    ----------
    generators : array-like of shape (k, d, d)

    Returns
    -------
    canonical : ndarray of shape (k, d, d)
    """
    stack = as_generator_stack(generators)
    flat = stack.reshape(len(stack), stack.shape[1] * stack.shape[2])
    if flat.size == 0:
        return stack.copy()
    # Round before argmax so that entries equal up to float noise count as a tie.
    leading = np.argmax(np.round(np.abs(flat), 9), axis=1)
    signs = np.sign(flat[np.arange(len(flat)), leading])
    signs[signs == 0] = 1.0
    return stack * signs[:, None, None]
