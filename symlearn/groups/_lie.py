"""The group a span of generators generates, and how its elements are drawn."""

import math

import numpy as np
import torch

from ._elements import GroupElements

__all__ = [
    "FULL_TURN_EXTENT",
    "LieGroup",
    "default_reach",
    "exp_combination",
    "sample_group_elements",
]

#: Coefficient reach that turns a unit-Frobenius-norm rotation generator by a
#: half turn each way, i.e. covers the whole circle. ``J / sqrt(2)`` has unit
#: norm, and ``exp(t J / sqrt(2))`` rotates by ``t / sqrt(2)``.
FULL_TURN_EXTENT = math.pi * math.sqrt(2.0)


def default_reach(compact):
    """How far to sample a group: a full turn when it is compact; one unit of
    group parameter otherwise, since boosts, scalings and translations with a
    large parameter carry points far outside the data."""
    return FULL_TURN_EXTENT if compact else 1.0


def exp_combination(coefficients, generators):
    """``exp(sum_i t_i L_i)`` for each row ``t`` of coefficients, shape (n, d, d).

    Parameters
    ----------
    coefficients : torch.Tensor of shape (n, k)
    generators : torch.Tensor of shape (k, d, d)
    """
    return torch.linalg.matrix_exp(torch.einsum("nk,kij->nij", coefficients, generators))


def sample_group_elements(generators, n_samples, *, reach=FULL_TURN_EXTENT, generator=None):
    """Random elements ``exp(t sum_i v_i L_i)`` of the group the generators span.

    The direction ``v`` is uniform on the unit sphere of coefficient space
    and ``t ~ U[-reach, reach]``, so the reach is the same whatever the
    number of generators: for a unit-norm rotation generator the default
    reach covers the full circle.

    Parameters
    ----------
    generators : torch.Tensor of shape (k, d, d)
    n_samples : int
    reach : float or torch.Tensor of shape (n_samples,), default=FULL_TURN_EXTENT
    generator : torch.Generator, optional
        Source of randomness; the global torch RNG is left untouched when given.

    Returns
    -------
    torch.Tensor of shape (n_samples, d, d)
    """
    k, d, _ = generators.shape
    options = dict(generator=generator, dtype=generators.dtype, device=generators.device)
    if k == 0:
        return torch.eye(d, dtype=generators.dtype, device=generators.device).expand(
            n_samples, d, d
        )
    direction = torch.randn(n_samples, k, **options)
    direction = direction / direction.norm(dim=1, keepdim=True).clamp_min(1e-12)
    unit = 2.0 * torch.rand(n_samples, **options) - 1.0
    return exp_combination(direction * (reach * unit)[:, None], generators)


class LieGroup:
    """The connected group ``exp(span(L_1, ..., L_k))``, drawn as far as ``reach``.

    Elements are ``exp(t sum_i v_i L_i)`` with ``v`` uniform on the unit
    sphere and ``t ~ U[-reach, reach]`` (see :func:`sample_group_elements`).
    Scale a generator to give it a reach of its own.

    Parameters
    ----------
    generators : array-like of shape (k, d, d)
    reach : float, default=FULL_TURN_EXTENT
        A full turn of a unit-norm rotation generator.
    """

    def __init__(self, generators, reach=FULL_TURN_EXTENT):
        self.generators = torch.as_tensor(np.asarray(generators, dtype=np.float64))
        self.reach = reach

    def sample(self, n, *, generator=None):
        """``n`` random elements as :class:`GroupElements` (float64 matrices)."""
        matrices = sample_group_elements(self.generators, n, reach=self.reach, generator=generator)
        return GroupElements(matrices)
