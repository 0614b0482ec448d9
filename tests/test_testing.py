import numpy as np
import pytest
import torch

from symlearn.lie import so_generators
from symlearn.reps import Vectors
from symlearn.testing import assert_equivariant, assert_invariant, assert_same_algebra


def test_assert_invariant_accepts_the_radius_and_rejects_a_coordinate():
    X = torch.randn(16, 2, dtype=torch.float64)
    J = so_generators(2)
    assert_invariant(lambda x: x.norm(dim=1), X, J, Vectors(1, 2), atol=1e-10)
    with pytest.raises(AssertionError, match="Not invariant"):
        assert_invariant(lambda x: x[:, 0], X, J, Vectors(1, 2))


def test_assert_same_algebra():
    so3 = so_generators(3)
    assert_same_algebra(so3[::-1] * 3, so3)
    with pytest.raises(AssertionError, match="similarity 0.3333"):
        assert_same_algebra(so3[:1], so3)
    with pytest.raises(AssertionError):
        assert_same_algebra(np.eye(3), so3, min_similarity=0.1)


def test_assert_equivariant_accepts_a_rotating_map_and_rejects_a_fixed_one():
    X = torch.randn(16, 3, dtype=torch.float64)
    rep = Vectors(1, 3)
    so3 = so_generators(3)
    assert_equivariant(lambda x: x * x.norm(dim=1, keepdim=True), X, so3, rep, rep, atol=1e-10)
    with pytest.raises(AssertionError, match="Not equivariant"):
        assert_equivariant(lambda x: x.abs(), X, so3, rep, rep)
