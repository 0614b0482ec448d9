"""Synthetic tasks with a known symmetry (or none), for tests and examples.

Every ``make_*`` function returns ``X, y, generators``: the ground-truth
generators of the symmetry algebra as an array of shape ``(k, d, d)``
(``k = 0`` when the task has no continuous linear symmetry).
"""

import numpy as np
from sklearn.utils import check_random_state

from ..lie import so_generators

__all__ = [
    "make_rotation_invariant_regression",
    "make_pairwise_distance_regression",
    "make_asymmetric_regression",
    "make_ring_classification",
]


def _check_n_samples(n_samples):
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
    return int(n_samples)


def make_rotation_invariant_regression(
    n_samples=1000, *, dim=2, frequency=2.0, noise=0.05, random_state=None
):
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
    n_samples=1000, *, n_points=4, dim=3, noise=0.0, random_state=None
):
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


def make_asymmetric_regression(n_samples=1000, *, noise=0.05, random_state=None):
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
    n_samples=1000, *, dim=2, radii=(1.0,), label_noise=0.0, random_state=None
):
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
