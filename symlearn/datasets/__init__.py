"""Synthetic data sets with known symmetries; each returns ``X, y, generators``."""

from ._invariant import (
    make_asymmetric_regression,
    make_broken_rotation_regression,
    make_inner_product_regression,
    make_lorentz_invariant_regression,
    make_pairwise_distance_regression,
    make_ring_classification,
    make_rotation_invariant_regression,
)

__all__ = [
    "make_asymmetric_regression",
    "make_broken_rotation_regression",
    "make_inner_product_regression",
    "make_lorentz_invariant_regression",
    "make_pairwise_distance_regression",
    "make_ring_classification",
    "make_rotation_invariant_regression",
]
