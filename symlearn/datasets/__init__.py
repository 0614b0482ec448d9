"""Synthetic data sets with known (or no) symmetries; each returns ``X, y, generators``."""

from ._emlp import (
    make_emlp_inertia,
    make_emlp_o5_synthetic,
    make_emlp_particle_interaction,
)
from ._equivariant import make_inertia_tensor_regression, make_two_body_trajectories
from ._images import make_rotated_digits
from ._invariant import (
    make_asymmetric_regression,
    make_broken_rotation_regression,
    make_inner_product_regression,
    make_lorentz_invariant_regression,
    make_pairwise_distance_regression,
    make_ring_classification,
    make_rotation_invariant_regression,
)
from ._nbody import make_charged_nbody
from ._transform import transform_dataset

__all__ = [
    "make_asymmetric_regression",
    "make_broken_rotation_regression",
    "make_charged_nbody",
    "make_emlp_inertia",
    "make_emlp_o5_synthetic",
    "make_emlp_particle_interaction",
    "make_inertia_tensor_regression",
    "make_inner_product_regression",
    "make_lorentz_invariant_regression",
    "make_pairwise_distance_regression",
    "make_ring_classification",
    "make_rotated_digits",
    "make_rotation_invariant_regression",
    "make_two_body_trajectories",
    "transform_dataset",
]
