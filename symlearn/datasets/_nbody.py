"""Charged particles under Coulomb forces: the n-body benchmark of Kipf et al. and EGNN."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils import check_random_state, check_scalar

from ..lie import so_generators
from ._invariant import _check_n_samples

if TYPE_CHECKING:
    from .._typing import RandomState

__all__ = ["make_charged_nbody"]


def _coulomb_accelerations(positions, charges, softening):
    # Like charges repel: a_i = sum_j q_i q_j (x_i - x_j) / (|x_i - x_j|^2 + eps^2)^(3/2),
    # unit masses. The softening keeps close encounters finite for the leapfrog.
    offsets = positions[:, :, None, :] - positions[:, None, :, :]
    distances2 = np.sum(offsets**2, axis=-1) + softening**2
    strength = charges[:, :, None] * charges[:, None, :] / distances2**1.5
    return np.einsum("bij,bijd->bid", strength, offsets)


def make_charged_nbody(
    n_samples: int = 1000,
    *,
    n_particles: int = 5,
    dim: int = 3,
    n_steps: int = 1000,
    time_step: float = 0.001,
    softening: float = 0.1,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predict where charged particles are after a while (S_n x E(dim)-equivariant).

    Each simulation draws ``n_particles`` charges of +1 or -1, Gaussian
    initial positions (standard deviation 1) and velocities of speed 0.5
    in uniformly random directions, then integrates Coulomb's law (unit
    masses, softened at ``softening``) with ``n_steps`` leapfrog steps of
    ``time_step``. All simulations run at once in numpy: 3000 with the
    default 1000 steps take about 4 s on a laptop CPU. Rotating or
    reflecting the initial state about the origin, translating it, or
    relabelling the particles moves the final positions
    the same way.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of simulations.
    n_particles : int, default=5
    dim : int, default=3
    n_steps : int, default=1000
    time_step : float, default=0.001
        The target is ``n_steps * time_step`` time units after the input.
    softening : float, default=0.1
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2 * n_particles * dim + n_particles)
        Initial positions (particle after particle), velocities, charges:
        ``input_rep = Vectors(n, dim) + Vectors(n, dim) + Scalars(n)``.
    y : ndarray of shape (n_samples, n_particles * dim)
        Final positions: ``output_rep = Vectors(n, dim)``.
    generators : ndarray of shape (dim * (dim - 1) // 2, dim, dim)
        Basis of so(dim); the permutations of the particles and the
        translations are symmetries too.

    Examples
    --------
    >>> X, y, generators = make_charged_nbody(4, random_state=0)
    >>> X.shape, y.shape, generators.shape
    ((4, 35), (4, 15), (3, 3, 3))
    """
    n_samples = _check_n_samples(n_samples)
    check_scalar(n_particles, "n_particles", int, min_val=2)
    check_scalar(dim, "dim", int, min_val=2)
    check_scalar(n_steps, "n_steps", int, min_val=1)
    check_scalar(time_step, "time_step", float, min_val=0, include_boundaries="neither")
    check_scalar(softening, "softening", float, min_val=0)
    rng = check_random_state(random_state)
    charges = rng.choice([-1.0, 1.0], size=(n_samples, n_particles))
    positions = rng.standard_normal((n_samples, n_particles, dim))
    directions = rng.standard_normal((n_samples, n_particles, dim))
    velocities = 0.5 * directions / np.linalg.norm(directions, axis=-1, keepdims=True)
    X = np.concatenate(
        [positions.reshape(n_samples, -1), velocities.reshape(n_samples, -1), charges], axis=1
    )
    positions, _ = _leapfrog(positions, velocities, charges, n_steps, time_step, softening)
    return X, positions.reshape(n_samples, -1), so_generators(dim)


def _leapfrog(positions, velocities, charges, n_steps, time_step, softening):
    """Kick-drift-kick leapfrog: second order, time-reversible, near energy-conserving."""
    acceleration = _coulomb_accelerations(positions, charges, softening)
    for _ in range(n_steps):
        velocities = velocities + 0.5 * time_step * acceleration
        positions = positions + time_step * velocities
        acceleration = _coulomb_accelerations(positions, charges, softening)
        velocities = velocities + 0.5 * time_step * acceleration
    return positions, velocities
