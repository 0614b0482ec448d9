"""Exact symmetry: probabilistic symmetrization and invariant features.

``Symmetrized(backbone, sampler, ...)`` averages a backbone over group
elements drawn from a distribution that moves with the input, which makes
it exactly equivariant for every draw (Kim et al., NeurIPS 2023); the
estimators use it with ``symmetrize="probabilistic"``.
``InvariantModel(InvariantFeatures(...), backbone)`` runs a backbone on the
invariants of a group that preserves a bilinear form (Villar et al.,
NeurIPS 2021); the estimators use it with
``symmetrize="invariant_features"``, and :func:`invariant_frame` finds the
frame and form from any basis of so(p, q); with items (``S_n x O(3)``),
``InvariantItemModel`` pools invariants of items and pairs of items. The
pieces are here for use in your own torch code.
"""

from ._frames import (
    complete_orientation,
    gram_schmidt,
    orthogonal_frame,
    plane_angle,
    rotation_plane,
    soft_sorting_permutation,
    sorting_permutation,
    straight_through_permutation,
)
from ..groups import (
    Group,
    ItemLayout,
    act,
    parse_group,
    random_group_elements,
    random_orthogonal,
)
from ._invariants import InvariantFeatures, InvariantModel, invariant_frame
from ._items import InvariantItemModel, item_model_sizes
from ._samplers import EquivariantFrameNet, RandomFrameSampler, RotationOrbitSampler
from ._symmetrized import Symmetrized

__all__ = [
    "EquivariantFrameNet",
    "Group",
    "InvariantFeatures",
    "InvariantItemModel",
    "InvariantModel",
    "ItemLayout",
    "RandomFrameSampler",
    "RotationOrbitSampler",
    "Symmetrized",
    "act",
    "complete_orientation",
    "gram_schmidt",
    "invariant_frame",
    "item_model_sizes",
    "orthogonal_frame",
    "parse_group",
    "random_group_elements",
    "random_orthogonal",
    "plane_angle",
    "rotation_plane",
    "soft_sorting_permutation",
    "sorting_permutation",
    "straight_through_permutation",
]
