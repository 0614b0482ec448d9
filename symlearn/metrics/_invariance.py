"""How unchanged a function's outputs are under a group of input transformations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from ..groups import FULL_TURN_EXTENT, GroupAction, LieGroup, sample_group_elements
from ..lie import as_generator_stack

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._typing import ArrayLike, Generators
    from ..reps import Rep

__all__ = ["sample_group_elements", "invariance_score", "squared_distance"]


def squared_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distance between matching rows of two output batches."""
    return (a - b).pow(2).reshape(len(a), -1).sum(dim=1)


def invariance_score(
    predict: Callable,
    X: ArrayLike,
    generators: Generators,
    rep: Rep,
    *,
    output_rep: Rep | None = None,
    discrepancy: Callable = squared_distance,
    reach: float = FULL_TURN_EXTENT,
    n_transforms: int = 4,
    random_state: int = 0,
) -> float:
    """Score in [0, 1] of how unchanged ``predict`` is under a Lie group.

    Each row of ``X`` is moved by a random element of the group spanned by
    ``generators`` (see :func:`~symlearn.groups.sample_group_elements`; the reach is fixed,
    never learned, so a shrunken augmentation cannot score well), and the
    change of the outputs is compared with the change caused by replacing
    the row with another random row of ``X``::

        score = 1 - mean D(f(x), f(g x)) / mean D(f(x), f(x'))

    clipped to [0, 1]. 1 means exactly invariant; 0 means moving a point
    along the group changes the prediction as much as picking an unrelated
    point. A constant function scores 1. Non-finite outputs on moved points
    count as an unbounded change.

    With ``output_rep``, the score measures equivariance instead: the change
    is ``D(rho_out(g) f(x), f(g x))``, zero when the outputs transform with
    the inputs.

    Parameters
    ----------
    predict : callable
        Maps a float32 tensor of rows (on the CPU) to an array or tensor of
        outputs, one row per input row.
    X : array-like of shape (n_samples, n_features)
        At least two rows, in the coordinates the generators act on.
    generators : array-like of shape (k, d, d)
    rep : symlearn.reps.Rep
        How a ``d x d`` group element acts on a row.
    output_rep : symlearn.reps.Rep, default=None
        How it acts on the outputs; ``None`` means they should not change.
    discrepancy : callable, default=squared_distance
        ``D(a, b)`` on two output tensors, one value per row.
    reach : float, default=FULL_TURN_EXTENT
    n_transforms : int, default=4
        Random group elements drawn per row.
    random_state : int, default=0
        Seed of the draws; the global torch RNG is not touched.

    Returns
    -------
    score : float
    """
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(
            f"invariance_score needs at least 2 rows of features; got shape {tuple(X.shape)}."
        )
    group = LieGroup(as_generator_stack(generators), reach)
    action = GroupAction(rep, output_rep)
    rng = torch.Generator().manual_seed(int(random_state))

    def outputs(rows):
        return torch.as_tensor(np.asarray(predict(rows)), dtype=torch.float64)

    reference = outputs(X)
    n = X.shape[0]
    # A derangement-free random pairing: shift a random permutation by one.
    order = torch.randperm(n, generator=rng)
    partner = torch.empty_like(order)
    partner[order] = order.roll(1)
    baseline = discrepancy(reference, reference[partner]).mean()
    if baseline <= 0:
        return 1.0

    changes = []
    for _ in range(n_transforms):
        g = group.sample(n, generator=rng)
        change = discrepancy(action.act_outputs(g, reference), outputs(action.act(g, X)))
        changes.append(torch.nan_to_num(change, nan=np.inf, posinf=np.inf))
    ratio = torch.cat(changes).mean() / baseline
    return float(np.clip(1.0 - ratio.item(), 0.0, 1.0))
