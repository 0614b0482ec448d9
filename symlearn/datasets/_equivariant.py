"""Synthetic tasks whose targets transform with the inputs (equivariant targets).

Like the invariant tasks, every ``make_*`` function returns ``X, y,
generators``; here ``g`` acts on ``y`` too, through the output
representation named in each docstring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils import check_random_state

from ..lie import rotation_generator, so_generators
from ._invariant import _check_n_samples

if TYPE_CHECKING:
    from .._typing import RandomState

__all__ = ["make_two_body_trajectories", "make_inertia_tensor_regression"]


def _two_body_accelerations(q1, q2):
    # Unit masses, G = 1: each body is pulled towards the other.
    r = q2 - q1
    pull = r / np.linalg.norm(r, axis=-1, keepdims=True) ** 3
    return pull, -pull


def make_two_body_trajectories(
    n_samples: int = 1000,
    *,
    n_past: int = 5,
    n_future: int = 5,
    time_step: float = 0.2,
    angle_range: tuple[float, float] = (0.0, 2 * np.pi),
    noise: float = 0.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows of two-body orbits: past states in, future states out.

    Two unit masses attract each other (``G = 1``) with their centre of
    mass at rest at the origin. Each sample is one orbit: the separation
    starts at a distance in [0.8, 1.2], at an angle drawn uniformly from
    ``angle_range``, with a speed between 0.8 and 1.1 times the circular
    one (bound, mildly eccentric orbits) turning either way. The orbit is
    integrated with a leapfrog scheme (steps of at most 0.005) and
    recorded every ``time_step``. A state is the four 2-D vectors
    ``(q1, q2, v1, v2)``: positions and velocities of both bodies.

    Rotating the initial state rotates the whole orbit, so the map from past
    to future states is equivariant under SO(2) acting on every vector of
    input and output: ``input_rep = output_rep = Vectors(4 * n, 2)``.
    Restricting ``angle_range`` for training and shifting it for testing
    gives test orbits rotated away from the training ones.

    Parameters
    ----------
    n_samples : int, default=1000
    n_past, n_future : int, default=5
        Number of recorded states in the input and in the target.
    time_step : float, default=0.2
        Time between recorded states (an orbit takes about 4.4). Over a
        much shorter window every state moves almost in a straight line,
        ``q(t) = q + v t``, which *every* linear map commutes with: scalings
        and shears then become approximate symmetries too (at 0.1 they are
        broken only at the 0.2-0.3 level of relative error).
    angle_range : tuple of float, default=(0, 2 pi)
        Range of the initial direction of the separation, in radians.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the inputs.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 8 * n_past)
        The ``n_past`` states, one after another.
    y : ndarray of shape (n_samples, 8 * n_future)
        The next ``n_future`` states.
    generators : ndarray of shape (1, 2, 2)
        so(2).

    Examples
    --------
    >>> X, y, generators = make_two_body_trajectories(4, random_state=0)
    >>> X.shape, y.shape, generators.shape
    ((4, 40), (4, 40), (1, 2, 2))
    """
    n_samples = _check_n_samples(n_samples)
    low, high = angle_range
    if not low <= high:
        raise ValueError(f"angle_range must be (low, high) with low <= high; got {angle_range}.")
    rng = check_random_state(random_state)
    distance = rng.uniform(0.8, 1.2, n_samples)
    angle = rng.uniform(low, high, n_samples)
    direction = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    # Relative acceleration 2 / r^2 gives the circular relative speed sqrt(2 / r).
    circular = np.sqrt(2.0 / distance)
    sense = rng.choice([-1.0, 1.0], n_samples)
    tangential = circular * rng.uniform(0.8, 1.1, n_samples) * sense
    radial = circular * rng.uniform(-0.2, 0.2, n_samples)
    separation = distance[:, None] * direction
    relative_velocity = tangential[:, None] * normal + radial[:, None] * direction
    q1, q2 = -separation / 2, separation / 2
    v1, v2 = -relative_velocity / 2, relative_velocity / 2

    substeps = max(1, int(np.ceil(time_step / 0.005)))
    dt = time_step / substeps
    states = []
    a1, a2 = _two_body_accelerations(q1, q2)
    for _ in range(n_past + n_future):
        states.append(np.concatenate([q1, q2, v1, v2], axis=1))
        for _ in range(substeps):
            v1, v2 = v1 + 0.5 * dt * a1, v2 + 0.5 * dt * a2
            q1, q2 = q1 + dt * v1, q2 + dt * v2
            a1, a2 = _two_body_accelerations(q1, q2)
            v1, v2 = v1 + 0.5 * dt * a1, v2 + 0.5 * dt * a2
    states = np.stack(states, axis=1)
    X = states[:, :n_past].reshape(n_samples, -1)
    y = states[:, n_past:].reshape(n_samples, -1)
    X = X + noise * rng.standard_normal(X.shape)
    return X, y, so_generators(2)


def _inertia_tensors(positions, masses):
    squared = np.einsum("npi,npi->np", positions, positions)
    isotropic = np.einsum("np,np->n", masses, squared)[:, None, None] * np.eye(3)
    return isotropic - np.einsum("np,npi,npj->nij", masses, positions, positions)


def make_inertia_tensor_regression(
    n_samples: int = 1000,
    *,
    n_points: int = 5,
    epsilon: float = 0.0,
    noise: float = 0.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inertia tensor of point masses, optionally with a symmetry-breaking term.

    ``X`` holds ``n_points`` positions in R^3 (standard normal) followed by
    their masses (uniform in [0.5, 1.5]): ``input_rep = Vectors(n_points, 3)
    + Scalars(n_points)``. ``y`` is the flattened inertia tensor about the
    origin, ``I = sum_i m_i (|r_i|^2 Id - r_i r_i^T)``, plus
    ``epsilon * sum_i m_i * e_z e_z^T`` (as from an external field along z):
    ``output_rep = Tensor(3, 2)``.

    Every ``g`` with ``g^T g = s^2 Id`` (rotations and uniform scalings)
    satisfies ``I(g r) = g I(r) g^T``, so with ``epsilon = 0`` the symmetry
    algebra is so(3) plus scaling (``co(3)``). The breaking term is fixed
    under rotations about z only, and does not grow with a scaling, so with
    ``epsilon > 0`` the rotations about z are the only symmetry; the others
    are broken in proportion to ``epsilon``.

    Parameters
    ----------
    n_samples : int, default=1000
    n_points : int, default=5
    epsilon : float, default=0.0
        Strength of the symmetry-breaking term; ``>= 0``.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``y``.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 4 * n_points)
    y : ndarray of shape (n_samples, 9)
        Row-major flattened 3 x 3 tensors.
    generators : ndarray of shape (4, 3, 3) or (1, 3, 3)
        so(3) and the identity (scaling) when ``epsilon = 0``; the rotation
        about z otherwise.

    Examples
    --------
    >>> X, y, generators = make_inertia_tensor_regression(3, random_state=0)
    >>> X.shape, y.shape, generators.shape
    ((3, 20), (3, 9), (4, 3, 3))
    """
    n_samples = _check_n_samples(n_samples)
    if not epsilon >= 0:
        raise ValueError(f"epsilon must be >= 0; got {epsilon!r}.")
    rng = check_random_state(random_state)
    positions = rng.standard_normal((n_samples, n_points, 3))
    masses = rng.uniform(0.5, 1.5, (n_samples, n_points))
    tensors = _inertia_tensors(positions, masses)
    tensors[:, 2, 2] += epsilon * masses.sum(axis=1)
    y = tensors.reshape(n_samples, 9) + noise * rng.standard_normal((n_samples, 9))
    X = np.concatenate([positions.reshape(n_samples, -1), masses], axis=1)
    if epsilon == 0:
        truth = np.concatenate([so_generators(3), np.eye(3)[None]])
    else:
        truth = rotation_generator(3, 0, 1)[None]
    return X, y, truth
