import numpy as np
import pytest
from scipy.linalg import expm

from symlearn.lie import (
    canonicalize_signs,
    lie_bracket,
    normalize_generators,
    rotation_generator,
    so_generators,
)
from symlearn.metrics import span_basis


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_so_generators_are_an_antisymmetric_basis(n):
    basis = so_generators(n)
    assert basis.shape == (n * (n - 1) // 2, n, n)
    np.testing.assert_array_equal(basis, -basis.transpose(0, 2, 1))
    assert len(span_basis(basis)) == n * (n - 1) // 2


def test_so2_generator_is_counter_clockwise_rotation():
    (J,) = so_generators(2)
    np.testing.assert_array_equal(J, [[0, -1], [1, 0]])
    np.testing.assert_allclose(expm(np.pi / 2 * J) @ [1, 0], [0, 1], atol=1e-12)
    np.testing.assert_array_equal(rotation_generator(2, 0, 1), J)


@pytest.mark.parametrize("n", [3, 4])
def test_so_n_closes_under_the_bracket(n):
    basis = so_generators(n)
    flat_basis = span_basis(basis)
    for a in basis:
        for b in basis:
            bracket = lie_bracket(a, b).ravel()
            residual = bracket - flat_basis.T @ (flat_basis @ bracket)
            np.testing.assert_allclose(residual, 0, atol=1e-12)


def test_so3_structure_constants():
    lz, ly, lx = so_generators(3)  # planes (0,1), (0,2), (1,2)
    np.testing.assert_allclose(lie_bracket(lz, ly), lx)
    np.testing.assert_allclose(lie_bracket(lx, lx), 0)


def test_normalize_and_canonicalize():
    generators = np.stack([-3 * so_generators(2)[0], np.diag([0.5, -2.0])])
    unit = normalize_generators(generators)
    np.testing.assert_allclose(np.linalg.norm(unit.reshape(2, -1), axis=1), 1)
    canonical = canonicalize_signs(unit)
    np.testing.assert_allclose(canonical[1], np.diag([-0.5, 2.0]) / np.hypot(0.5, 2))
    # Ties between equal magnitudes go to the first entry in row-major order.
    assert canonical[0][0, 1] > 0
    with pytest.raises(ValueError, match="zero generator"):
        normalize_generators(np.zeros((1, 2, 2)))


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros((1, 2, 3)), [[np.nan]]])
def test_generator_stacks_are_validated(bad):
    with pytest.raises(ValueError):
        normalize_generators(bad)
