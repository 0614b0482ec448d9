"""Groups, and how their elements act on rows of ``X`` and ``y``.

One abstraction moves data by a group everywhere in symlearn (training's
augmentation, :meth:`~symlearn.SymmetryDiscoveringRegressor.symmetry_score`, test-time augmentation,
:func:`~symlearn.datasets.transform_dataset`, :mod:`symlearn.testing` and
probabilistic symmetrization):

* a group draws elements: :class:`LieGroup` (the connected group a span of
  generators generates) or :class:`Group` (parsed from a name such as
  ``"S_n x O(3)"`` by :func:`parse_group`), each with ``sample(n)``;
* :class:`GroupElements` is a batch of elements: matrices acting on the base
  space through the representations, and permutations of items;
* :class:`GroupAction` applies them to the inputs (``input_rep``) and the
  outputs (``output_rep``; ``None`` for invariant targets).
"""

from ._elements import GroupAction, GroupElements, ItemLayout
from ._lie import (
    FULL_TURN_EXTENT,
    LieGroup,
    default_reach,
    exp_combination,
    sample_group_elements,
)
from ._named import Group, act, parse_group, random_group_elements, random_orthogonal

__all__ = [
    "FULL_TURN_EXTENT",
    "Group",
    "GroupAction",
    "GroupElements",
    "ItemLayout",
    "LieGroup",
    "act",
    "default_reach",
    "exp_combination",
    "parse_group",
    "random_group_elements",
    "random_orthogonal",
    "sample_group_elements",
]
