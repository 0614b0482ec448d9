"""Synthetic tasks with a known symmetry (or none), for tests and examples.

Every ``make_*`` function returns ``X, y, generators``: the ground-truth
generators of the symmetry algebra as an array of shape ``(k, d, d)``
(``k = 0`` when the task has no continuous linear symmetry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils import check_random_state

from ..lie import rotation_generator, so_generators, so_pq_generators

if TYPE_CHECKING:
    from .._typing import RandomState

__all__ = [
    "make_rotation_invariant_regression",
    "make_pairwise_distance_regression",
    "make_inner_product_regression",
    "make_lorentz_invariant_regression",
    "make_broken_rotation_regression",
    "make_asymmetric_regression",
    "make_ring_classification",
]


def _check_n_samples(n_samples):
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
    return int(n_samples)


def make_rotation_invariant_regression(
    n_samples: int = 1000,
    *,
    dim: int = 2,
    frequency: float = 2.0,
    noise: float = 0.05,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Regression on ``y = sin(frequency * |x|)``, invariant under SO(dim).

    Parameters
    ----------
    n_samples : int, default=1000
    dim : int, default=2
        Dimension of ``x``; ``x ~ N(0, I_dim)``.
    frequency : float, default=2.0
    noise : float, default=0.05
        Standard deviation of Gaussian noise added to ``y``.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, dim)
    y : ndarray of shape (n_samples,)
    generators : ndarray of shape (dim * (dim - 1) // 2, dim, dim)
        Basis of so(dim).

    Examples
    --------
    >>> X, y, generators = make_rotation_invariant_regression(5, random_state=0)
    >>> X.shape, y.shape, generators.shape
    ((5, 2), (5,), (1, 2, 2))
    """
    rng = check_random_state(random_state)
    X = rng.standard_normal((_check_n_samples(n_samples), dim))
    y = np.sin(frequency * np.linalg.norm(X, axis=1)) + noise * rng.standard_normal(len(X))
    return X, y, so_generators(dim)


def make_pairwise_distance_regression(
    n_samples: int = 1000,
    *,
    n_points: int = 4,
    dim: int = 3,
    noise: float = 0.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum of pairwise distances between ``n_points`` points in R^dim.

    Each row holds the points one after another (``Vectors(n_points, dim)``
    layout); the target is invariant under rotating all points together.

    Parameters
    ----------
    n_samples : int, default=1000
    n_points : int, default=4
    dim : int, default=3
    noise : float, default=0.0
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_points * dim)
    y : ndarray of shape (n_samples,)
    generators : ndarray of shape (dim * (dim - 1) // 2, dim, dim)
        Basis of so(dim).
    """
    rng = check_random_state(random_state)
    points = rng.standard_normal((_check_n_samples(n_samples), n_points, dim))
    i, j = np.triu_indices(n_points, k=1)
    y = np.linalg.norm(points[:, i] - points[:, j], axis=2).sum(axis=1)
    y = y + noise * rng.standard_normal(len(y))
    return points.reshape(len(points), -1), y, so_generators(dim)


def make_inner_product_regression(
    n_samples: int = 1000,
    *,
    n_vectors: int = 2,
    dim: int = 4,
    noise: float = 0.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A function of the norms and dot products of ``n_vectors`` vectors in R^dim.

    ``y = sum_i sin(|v_i|) + sum_{i<j} v_i . v_j`` with ``v_i ~ N(0, I_dim)``,
    invariant under rotating all vectors together: the symmetry algebra is
    so(dim) (dimension ``dim (dim - 1) / 2``, 6 for the default R^4).

    Parameters
    ----------
    n_samples : int, default=1000
    n_vectors : int, default=2
    dim : int, default=4
    noise : float, default=0.0
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_vectors * dim)
        ``Vectors(n_vectors, dim)`` layout.
    y : ndarray of shape (n_samples,)
    generators : ndarray of shape (dim * (dim - 1) // 2, dim, dim)
        Basis of so(dim).
    """
    rng = check_random_state(random_state)
    vectors = rng.standard_normal((_check_n_samples(n_samples), n_vectors, dim))
    i, j = np.triu_indices(n_vectors, k=1)
    y = np.sin(np.linalg.norm(vectors, axis=2)).sum(axis=1)
    y = y + np.einsum("npd,npd->n", vectors[:, i], vectors[:, j])
    y = y + noise * rng.standard_normal(len(y))
    return vectors.reshape(len(vectors), -1), y, so_generators(dim)


def _minkowski(a, b):
    return a[..., 0] * b[..., 0] - np.sum(a[..., 1:] * b[..., 1:], axis=-1)


def make_lorentz_invariant_regression(
    n_samples: int = 1000,
    *,
    noise: float = 0.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A function of the Minkowski products of three four-vectors ``(t, x, y, z)``.

    ``y = <p0, p1> + 0.5 <p1, p2> - 0.5 <p0, p2> + 0.1 <p0, p2>**2`` with
    ``<a, b> = a_t b_t - a_x b_x - a_y b_y - a_z b_z`` and Gaussian
    components, invariant under Lorentz transformations of all three
    vectors: the symmetry algebra is so(1,3) (three boosts, three rotations).

    Parameters
    ----------
    n_samples : int, default=1000
    noise : float, default=0.0
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 12)
        ``Vectors(3, 4)`` layout.
    y : ndarray of shape (n_samples,)
    generators : ndarray of shape (6, 4, 4)
        Basis of so(1,3), :func:`symlearn.lie.so_pq_generators` ``(1, 3)``.
    """
    rng = check_random_state(random_state)
    p = rng.standard_normal((_check_n_samples(n_samples), 3, 4))
    p02 = _minkowski(p[:, 0], p[:, 2])
    y = _minkowski(p[:, 0], p[:, 1]) + 0.5 * _minkowski(p[:, 1], p[:, 2]) - 0.5 * p02
    y = y + 0.1 * p02**2 + noise * rng.standard_normal(len(p))
    return p.reshape(len(p), -1), y, so_pq_generators(1, 3)


def make_broken_rotation_regression(
    n_samples: int = 1000,
    *,
    epsilon: float = 0.1,
    noise: float = 0.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``y = sin(2 |x|) + epsilon * x_z**2`` in R^3: exact and broken rotations.

    Rotations about the z axis (in the xy plane) leave ``y`` unchanged;
    those about x and y change it in proportion to ``epsilon``. With
    ``epsilon = 0`` the whole so(3) is a symmetry.

    Parameters
    ----------
    n_samples : int, default=1000
    epsilon : float, default=0.1
        Strength of the symmetry-breaking term; ``>= 0``.
    noise : float, default=0.0
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
    y : ndarray of shape (n_samples,)
    generators : ndarray of shape (1, 3, 3) or (3, 3, 3)
        The exact symmetries: the rotation about z, or so(3) when ``epsilon = 0``.
    """
    if not epsilon >= 0:
        raise ValueError(f"epsilon must be >= 0; got {epsilon!r}.")
    rng = check_random_state(random_state)
    X = rng.standard_normal((_check_n_samples(n_samples), 3))
    y = np.sin(2 * np.linalg.norm(X, axis=1)) + epsilon * X[:, 2] ** 2
    y = y + noise * rng.standard_normal(len(y))
    truth = so_generators(3) if epsilon == 0 else rotation_generator(3, 0, 1)[None]
    return X, y, truth


def make_asymmetric_regression(
    n_samples: int = 1000,
    *,
    noise: float = 0.05,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``y = x0 + 2 x1**2 - x0 x1`` on anisotropic inputs: no linear symmetry.

    ``x0 ~ N(0, 1)`` and ``x1 ~ N(0, 0.5**2)``; no one-parameter subgroup
    of GL(2) leaves ``y`` unchanged.

    Parameters
    ----------
    n_samples : int, default=1000
    noise : float, default=0.05
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
    generators : ndarray of shape (0, 2, 2)
    """
    rng = check_random_state(random_state)
    X = rng.standard_normal((_check_n_samples(n_samples), 2)) * np.array([1.0, 0.5])
    y = X[:, 0] + 2 * X[:, 1] ** 2 - X[:, 0] * X[:, 1]
    y = y + noise * rng.standard_normal(len(y))
    return X, y, np.zeros((0, 2, 2))


def make_ring_classification(
    n_samples: int = 1000,
    *,
    dim: int = 2,
    radii: tuple[float, ...] = (1.0,),
    label_noise: float = 0.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Classes given by the distance of ``x`` from the origin (rings).

    ``x ~ N(0, I_dim)`` and the label is the number of ``radii`` smaller
    than ``|x|``: with the default one radius, 0 inside the unit circle and
    1 outside. Invariant under SO(dim).

    Parameters
    ----------
    n_samples : int, default=1000
    dim : int, default=2
    radii : sequence of float, default=(1.0,)
        Increasing boundaries between classes; ``len(radii) + 1`` classes.
    label_noise : float, default=0.0
        Fraction of labels replaced by a uniformly random class.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, dim)
    y : ndarray of shape (n_samples,), int
    generators : ndarray of shape (dim * (dim - 1) // 2, dim, dim)
    """
    radii = np.asarray(radii, dtype=float)
    if radii.ndim != 1 or len(radii) == 0 or np.any(np.diff(radii) <= 0):
        raise ValueError(f"radii must be a non-empty increasing sequence; got {radii}.")
    rng = check_random_state(random_state)
    X = rng.standard_normal((_check_n_samples(n_samples), dim))
    y = np.searchsorted(radii, np.linalg.norm(X, axis=1))
    flip = rng.random_sample(len(y)) < label_noise
    y[flip] = rng.randint(0, len(radii) + 1, size=flip.sum())
    return X, y, so_generators(dim)
