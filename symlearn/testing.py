"""Assertions about symmetries, for symlearn's tests and for users' own tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from .groups import FULL_TURN_EXTENT, Group, GroupAction, LieGroup, parse_group
from .metrics import lie_algebra_similarity

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._typing import ArrayLike, Generators
    from .reps import Rep

__all__ = [
    "assert_equivariant",
    "assert_group_equivariant",
    "assert_invariant",
    "assert_same_algebra",
    "equivariance_error",
]


def _as_group(group, input_rep, reach):
    """A group that samples: a name, a :class:`~symlearn.groups.Group`, or generators."""
    if isinstance(group, str):
        return parse_group(group, input_rep)
    if isinstance(group, (Group, LieGroup)):
        return group
    return LieGroup(np.asarray(group, dtype=np.float64), reach)


def equivariance_error(
    func: Callable,
    X: ArrayLike,
    group: str | Group | Generators,
    input_rep: Rep,
    output_rep: Rep | None = None,
    *,
    reach: float = FULL_TURN_EXTENT,
    n_transforms: int = 4,
    relative: bool = False,
    seed: int = 0,
) -> float:
    """How far ``func(g x)`` is from ``rho_out(g) func(x)`` for random ``g`` of ``group``.

    Measures only; :func:`assert_equivariant` and
    :func:`assert_group_equivariant` assert on it.

    Parameters
    ----------
    func : callable
        Maps a tensor of rows to a tensor or array of outputs.
    X : array-like of shape (n_samples, n_features)
    group : array-like of shape (k, d, d), str, symlearn.groups.Group or LieGroup
        Generators of a Lie group (elements drawn with
        :func:`symlearn.groups.sample_group_elements` up to ``reach``), a
        group name such as ``"S_n x O(3)"`` (see
        :func:`symlearn.groups.parse_group`: Haar-random orthogonal maps,
        reflections included; uniform permutations; Gaussian translations),
        or a group object.
    input_rep : symlearn.reps.Rep
    output_rep : symlearn.reps.Rep or None, default=None
        ``None`` measures invariance.
    reach : float, default=FULL_TURN_EXTENT
        For generators only.
    n_transforms : int, default=4
        Random elements drawn per row.
    relative : bool, default=False
        ``False``: the largest absolute deviation of any output. ``True``:
        the largest norm of the deviation over all rows, relative to the
        norm of ``func(X)``.
    seed : int, default=0

    Returns
    -------
    error : float
    """
    group = _as_group(group, input_rep, reach)
    action = GroupAction(input_rep, output_rep, n_items=getattr(group, "n_items", None))
    X = torch.as_tensor(np.asarray(X, dtype=np.float64)) if not torch.is_tensor(X) else X
    rng = torch.Generator().manual_seed(seed)

    def outputs(rows):
        values = func(rows)
        if torch.is_tensor(values):
            return values.detach().to(device="cpu", dtype=torch.float64)
        return torch.as_tensor(np.asarray(values), dtype=torch.float64)

    reference = outputs(X)
    scale = max(reference.norm().item(), 1e-30) if relative else 1.0
    worst = 0.0
    for _ in range(n_transforms):
        g = group.sample(len(X), generator=rng)
        deviation = outputs(action.act(g, X)) - action.act_outputs(g, reference)
        size = deviation.norm() if relative else deviation.abs().max()
        worst = max(worst, size.item() / scale)
    return worst


def assert_equivariant(
    func: Callable,
    X: ArrayLike,
    generators: Generators,
    input_rep: Rep,
    output_rep: Rep | None,
    *,
    reach: float = FULL_TURN_EXTENT,
    n_transforms: int = 4,
    atol: float = 1e-05,
    seed: int = 0,
) -> None:
    """Assert that ``func(g x) == rho_out(g) func(x)`` for random ``g`` of the group.

    Parameters
    ----------
    func : callable
        Maps a float64 tensor of rows to a tensor or array of outputs.
    X : array-like of shape (n_samples, n_features)
    generators : array-like of shape (k, d, d)
        Generators of the group; elements are drawn with
        :func:`symlearn.groups.sample_group_elements`.
    input_rep : symlearn.reps.Rep
        How a group element acts on a row.
    output_rep : symlearn.reps.Rep or None
        How it acts on the outputs; ``None`` asserts invariance.
    reach : float, default=FULL_TURN_EXTENT
    n_transforms : int, default=4
    atol : float, default=1e-5
        Largest absolute deviation of any output allowed.
    seed : int, default=0

    Raises
    ------
    AssertionError
        With the largest deviation found.

    Examples
    --------
    >>> import torch
    >>> from symlearn.lie import so_generators
    >>> from symlearn.reps import Vectors
    >>> double = lambda x: 2 * x
    >>> rep = Vectors(1, 3)
    >>> assert_equivariant(double, torch.randn(8, 3), so_generators(3), rep, rep)
    """
    X = torch.as_tensor(np.asarray(X, dtype=np.float64))
    worst = equivariance_error(
        func,
        X,
        generators,
        input_rep,
        output_rep,
        reach=reach,
        n_transforms=n_transforms,
        seed=seed,
    )
    if not worst <= atol:
        kind = "invariant" if output_rep is None else "equivariant"
        raise AssertionError(
            f"Not {kind}: an output deviated by {worst:.3g} under the group (allowed {atol:.3g})."
        )


def assert_invariant(
    func: Callable,
    X: ArrayLike,
    generators: Generators,
    rep: Rep,
    *,
    reach: float = FULL_TURN_EXTENT,
    n_transforms: int = 4,
    atol: float = 1e-05,
    seed: int = 0,
) -> None:
    """Assert that ``func(g x) == func(x)`` for random ``g`` of the group.

    :func:`assert_equivariant` with ``output_rep=None``; see there.

    Examples
    --------
    >>> import torch
    >>> from symlearn.lie import so_generators
    >>> from symlearn.reps import Vectors
    >>> radius = lambda x: x.norm(dim=1)
    >>> assert_invariant(radius, torch.randn(8, 2), so_generators(2), Vectors(1, 2))
    """
    assert_equivariant(
        func,
        X,
        generators,
        rep,
        None,
        reach=reach,
        n_transforms=n_transforms,
        atol=atol,
        seed=seed,
    )


def assert_same_algebra(
    found: Generators,
    expected: Generators,
    *,
    min_similarity: float = 0.99,
) -> None:
    """Assert that two sets of generators span (nearly) the same Lie algebra.

    Parameters
    ----------
    found, expected : array-like of shape (k, d, d)
    min_similarity : float, default=0.99
        Smallest acceptable :func:`symlearn.metrics.lie_algebra_similarity`.

    Raises
    ------
    AssertionError
        Showing the similarity and the generators found.
    """
    similarity = lie_algebra_similarity(found, expected)
    if not similarity >= min_similarity:
        raise AssertionError(
            f"Lie algebra similarity {similarity:.4f} < {min_similarity}.\n"
            f"found:\n{np.round(np.asarray(found), 3)}\n"
            f"expected:\n{np.round(np.asarray(expected), 3)}"
        )


def assert_group_equivariant(
    func: Callable,
    X: ArrayLike,
    group: str | Group | Generators,
    input_rep: Rep,
    output_rep: Rep | None = None,
    *,
    reach: float = FULL_TURN_EXTENT,
    n_transforms: int = 4,
    rtol: float = 1e-05,
    seed: int = 0,
) -> None:
    """Assert ``|func(g x) - rho_out(g) func(x)| <= rtol |func(x)|`` for random ``g`` of ``group``.

    Unlike :func:`assert_equivariant`, ``g`` is drawn from a whole group:
    for a name, reflections and permutations of items included (Haar-random
    orthogonal maps, uniform permutations, Gaussian translations); for
    generators (a discovered algebra, compact or not), the connected group
    they generate as far as ``reach``.

    Parameters
    ----------
    func : callable
        Maps a tensor of rows to a tensor of outputs.
    X : torch.Tensor of shape (n_samples, n_features)
    group : str, symlearn.symmetrize.Group or array-like of shape (k, d, d)
        E.g. ``"S_n x O(3)"`` (see :func:`symlearn.groups.parse_group`),
        or generators such as a fitted estimator's
        ``discovered_generators_``: elements ``exp(t sum_i v_i L_i)`` with
        ``v`` a random unit vector and ``t ~ U[-reach, reach]`` (see
        :func:`symlearn.groups.sample_group_elements`).
    input_rep, output_rep : symlearn.reps.Rep
        ``output_rep=None`` asserts invariance.
    reach : float, default=FULL_TURN_EXTENT
        For generators only. Non-compact directions need a finite one: a
        boost generator ``E_0i + E_i0`` (as :func:`symlearn.lie.so_pq_generators`
        writes it) reaches rapidity ``reach``; discovered generators have
        unit norm, so a boost reaches rapidity ``reach / sqrt(2)`` and a
        scaling of R^d (``Id / sqrt(d)``) the factor ``exp(reach / sqrt(d))``.
    n_transforms : int, default=4
    rtol : float, default=1e-5
        Largest allowed norm of the deviation relative to the norm of ``func(X)``.
    seed : int, default=0

    Examples
    --------
    >>> import torch
    >>> from symlearn.reps import Vectors
    >>> total_length = lambda x: x.reshape(len(x), -1, 3).norm(dim=-1).sum(dim=1, keepdim=True)
    >>> assert_group_equivariant(total_length, torch.randn(8, 12), "S_n x O(3)", Vectors(4, 3))
    """
    group = _as_group(group, input_rep, reach)
    worst = equivariance_error(
        func, X, group, input_rep, output_rep, n_transforms=n_transforms, relative=True, seed=seed
    )
    if not worst <= rtol:
        kind = "invariant" if output_rep is None else "equivariant"
        name = (
            group.name
            if isinstance(group, Group)
            else f"the group of {len(group.generators)} generator(s)"
        )
        raise AssertionError(
            f"Not {kind} under {name}: a relative deviation of {worst:.3g} (allowed {rtol:.3g})."
        )
