"""Moving whole data sets by random elements of a known group."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from sklearn.utils import check_random_state

from ..groups import GroupAction, LieGroup, default_reach, parse_group
from ..lie import as_generator_stack, identify_algebra, normalize_generators

if TYPE_CHECKING:
    from .._typing import ArrayLike, Generators, RandomState
    from ..reps import Rep

__all__ = ["transform_dataset"]


def transform_dataset(
    X: ArrayLike,
    y: ArrayLike,
    generators: Generators,
    *,
    input_rep: Rep,
    output_rep: Rep | None = None,
    reach: float | None = None,
    n_copies: int = 1,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Copies of ``(X, y)`` moved by random elements of the group ``generators`` span (or name).

    Each copy of each row gets its own ``g = exp(t v . L)`` (``v`` a random
    unit direction in the span of the unit-norm generators, ``t ~ U[-reach,
    reach]``), applied to ``x`` through ``input_rep`` and to ``y`` through
    ``output_rep`` (``y`` is left alone when it is ``None``: an invariant
    target). Use it to train a model with a *known* symmetry as data
    augmentation (the usual baseline), or to build a test set rotated away
    from the training data.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    generators : array-like of shape (k, d, d) or str
        Generators of a Lie group; or a group name such as ``"O(3)"`` or
        ``"S_n x O(3)"`` (see :func:`symlearn.groups.parse_group`), whose
        elements are drawn uniformly (Haar-random orthogonal maps,
        reflections included; uniform permutations; Gaussian translations).
        ``reach`` does not apply to a named group.
    input_rep : symlearn.reps.Rep
    output_rep : symlearn.reps.Rep, default=None
    reach : float, default=None
        ``None`` reaches a full turn for a compact group (``pi * sqrt(2)``
        for unit-norm rotation generators) and 1 otherwise.
    n_copies : int, default=1
        Number of moved copies of every row.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X_moved : ndarray of shape (n_copies * n_samples, n_features)
    y_moved : ndarray of shape (n_copies * n_samples, ...)
        Copy ``c`` of row ``i`` is row ``c * n_samples + i``.

    Examples
    --------
    >>> from symlearn.datasets import make_rotation_invariant_regression
    >>> from symlearn.reps import Vectors
    >>> X, y, truth = make_rotation_invariant_regression(10, random_state=0)
    >>> X2, y2 = transform_dataset(X, y, truth, input_rep=Vectors(1, 2), n_copies=3)
    >>> X2.shape, bool(np.allclose(np.linalg.norm(X2[:10], axis=1), np.linalg.norm(X, axis=1)))
    ((30, 2), True)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    seed = check_random_state(random_state).randint(2**31 - 1)
    rng = torch.Generator().manual_seed(int(seed))
    X_rows = torch.as_tensor(np.tile(X, (n_copies, 1)))
    y_rows = torch.as_tensor(np.tile(y.reshape(len(y), -1), (n_copies, 1)))
    if isinstance(generators, str):
        group = parse_group(generators, input_rep)
    else:
        generators = normalize_generators(as_generator_stack(generators))
        if reach is None:
            reach = default_reach(identify_algebra(generators).compact)
        group = LieGroup(generators, reach)
    action = GroupAction(input_rep, output_rep, n_items=getattr(group, "n_items", None))
    g = group.sample(len(X_rows), generator=rng)
    X_moved = action.act(g, X_rows).numpy()
    y_moved = np.asarray(action.act_outputs(g, y_rows))
    return X_moved, y_moved.reshape(n_copies * len(y), *y.shape[1:])
