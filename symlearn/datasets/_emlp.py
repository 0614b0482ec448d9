"""The synthetic tasks of the EMLP paper, generated as it defines them.

Finzi, Welling and Wilson, "A Practical Method for Constructing Equivariant
Multilayer Perceptrons for Arbitrary Matrix Groups" (ICML 2021), section 7.1
and its code (``emlp.datasets``: ``O5Synthetic``, ``ParticleInteraction``,
``Inertia``). Same inputs, same target functions, so that test errors
compare with the published ones (1,000 training rows; test MSE in the
targets' own units):

=======================  ======  ==================  ======
task                     MLP     MLP + augmentation  EMLP
=======================  ======  ==================  ======
O(5) synthetic           0.089   0.063               0.017
particle interaction     0.364   0.0125              3.3e-4
inertia tensor           3.24    0.130               0.136
=======================  ======  ==================  ======

The generators are seeded (``random_state``) instead of drawing from
NumPy's global state, and the inertia task's columns follow this
package's layout (positions, then masses) instead of EMLP's (masses
first); the functions are EMLP's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils import check_random_state

from ..lie import so_generators, so_pq_generators
from ._equivariant import _inertia_tensors
from ._invariant import _check_n_samples, _minkowski

if TYPE_CHECKING:
    from .._typing import RandomState

__all__ = ["make_emlp_inertia", "make_emlp_o5_synthetic", "make_emlp_particle_interaction"]

#: Minkowski metric with the time axis first, as EMLP writes it.
_ETA = np.diag([1.0, -1.0, -1.0, -1.0])


def make_emlp_o5_synthetic(
    n_samples: int = 1000,
    *,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EMLP's O(5)-invariant regression of two 5-vectors.

    ``y = sin|x1| - |x2|^3 / 2 + x1 . x2 / (|x1| |x2|)`` with ``x1, x2``
    standard normal in R^5 (EMLP's ``O5Synthetic``): invariant under O(5)
    acting on both vectors, so the symmetry algebra is so(5).

    Parameters
    ----------
    n_samples : int, default=1000
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 10)
        ``Vectors(2, 5)`` layout: ``x1`` then ``x2``.
    y : ndarray of shape (n_samples,)
    generators : ndarray of shape (10, 5, 5)
        Basis of so(5), :func:`symlearn.lie.so_generators` ``(5)``.

    Examples
    --------
    >>> X, y, generators = make_emlp_o5_synthetic(4, random_state=0)
    >>> X.shape, y.shape, generators.shape
    ((4, 10), (4,), (10, 5, 5))
    """
    rng = check_random_state(random_state)
    X = rng.standard_normal((_check_n_samples(n_samples), 10))
    return X, _o5_target(X), so_generators(5)


def _o5_target(X):
    x1, x2 = X[:, :5], X[:, 5:]
    n1, n2 = np.linalg.norm(x1, axis=1), np.linalg.norm(x2, axis=1)
    return np.sin(n1) - 0.5 * n2**3 + np.sum(x1 * x2, axis=1) / (n1 * n2)


def make_emlp_particle_interaction(
    n_samples: int = 1000,
    *,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EMLP's electron-muon scattering amplitude: a Lorentz-invariant function of four four-momenta.

    Four momenta ``p1..p4`` with components ``N(0, 1/16)``, and with
    ``<a, b> = a^T eta b``, ``eta = diag(1, -1, -1, -1)``::

        L_e  = p1 p3^T - (<p1, p3> - <p1, p1>) eta
        L_mu = (eta p2)(eta p4)^T - (<p2, p4> - <p2, p2>) eta
        y    = 4 sum_ij (L_e)_ij (L_mu)_ij

    (EMLP's ``ParticleInteraction``, after the matrix element of
    ``e mu -> e mu`` scattering): invariant under the Lorentz group acting
    on all four momenta, so the symmetry algebra is so(1,3).

    Parameters
    ----------
    n_samples : int, default=1000
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 16)
        ``Vectors(4, 4)`` layout, each momentum ``(t, x, y, z)``.
    y : ndarray of shape (n_samples,)
    generators : ndarray of shape (6, 4, 4)
        Basis of so(1,3), :func:`symlearn.lie.so_pq_generators` ``(1, 3)``.

    Examples
    --------
    >>> X, y, generators = make_emlp_particle_interaction(4, random_state=0)
    >>> X.shape, y.shape, generators.shape
    ((4, 16), (4,), (6, 4, 4))
    """
    rng = check_random_state(random_state)
    X = rng.standard_normal((_check_n_samples(n_samples), 16)) / 4
    return X, _scattering_amplitude(X), so_pq_generators(1, 3)


def _scattering_amplitude(X):
    p1, p2, p3, p4 = X.reshape(len(X), 4, 4).transpose(1, 0, 2)
    electron = (
        np.einsum("ni,nj->nij", p1, p3)
        - (_minkowski(p1, p3) - _minkowski(p1, p1))[:, None, None] * _ETA
    )
    muon = (
        np.einsum("ni,nj->nij", p2 @ _ETA, p4 @ _ETA)
        - (_minkowski(p2, p4) - _minkowski(p2, p2))[:, None, None] * _ETA
    )
    return 4 * np.einsum("nij,nij->n", electron, muon)


def make_emlp_inertia(
    n_samples: int = 1000,
    *,
    n_points: int = 5,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EMLP's inertia tensor of point masses: an O(3)-equivariant ``Tensor(3, 2)`` target.

    ``n_points`` positions ``r_i`` (standard normal in R^3) and masses
    ``m_i = log(1 + exp(z_i))`` with ``z_i`` standard normal (EMLP's
    ``Inertia``); ``y`` is the inertia tensor
    ``I = sum_i m_i (|r_i|^2 Id - r_i r_i^T)``, flattened row-major. Every
    ``g`` with ``g^T g = s^2 Id`` satisfies ``I(g r) = g I(r) g^T``, so the
    symmetry algebra is so(3) plus scaling (EMLP names the group O(3)).

    Parameters
    ----------
    n_samples : int, default=1000
    n_points : int, default=5
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 4 * n_points)
        ``Vectors(n_points, 3) + Scalars(n_points)``: the positions, then
        the masses.
    y : ndarray of shape (n_samples, 9)
        Use ``output_rep=Tensor(3, 2)``.
    generators : ndarray of shape (4, 3, 3)
        so(3) and the identity (scaling).

    Examples
    --------
    >>> X, y, generators = make_emlp_inertia(4, random_state=0)
    >>> X.shape, y.shape, generators.shape
    ((4, 20), (4, 9), (4, 3, 3))
    """
    if int(n_points) != n_points or n_points < 1:
        raise ValueError(f"n_points must be a positive integer; got {n_points!r}.")
    rng = check_random_state(random_state)
    n, k = _check_n_samples(n_samples), int(n_points)
    raw = rng.standard_normal((n, 4 * k))
    masses = np.logaddexp(0.0, raw[:, :k])  # log(1 + exp(z)) without overflow
    positions = raw[:, k:].reshape(n, k, 3)
    y = _inertia_tensors(positions, masses).reshape(n, 9)
    X = np.concatenate([positions.reshape(n, 3 * k), masses], axis=1)
    truth = np.concatenate([so_generators(3), np.eye(3)[None]])
    return X, y, truth
