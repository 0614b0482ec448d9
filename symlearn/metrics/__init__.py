"""Comparing Lie algebras and measuring how symmetric a model is."""

from ._invariance import invariance_score, sample_group_elements, squared_distance
from ._scorer import symmetry_scorer
from ._similarity import lie_algebra_similarity, span_basis

__all__ = [
    "invariance_score",
    "lie_algebra_similarity",
    "sample_group_elements",
    "span_basis",
    "squared_distance",
    "symmetry_scorer",
]
