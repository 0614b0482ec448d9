import numpy as np
import pytest

from symlearn.datasets import (
    make_asymmetric_regression,
    make_pairwise_distance_regression,
    make_ring_classification,
    make_rotation_invariant_regression,
)
from symlearn.lie import so_generators
from symlearn.metrics import lie_algebra_similarity

MAKERS = [
    make_rotation_invariant_regression,
    make_pairwise_distance_regression,
    make_asymmetric_regression,
    make_ring_classification,
]


@pytest.mark.parametrize("make", MAKERS)
def test_shapes_and_seeding(make):
    X, y, generators = make(40, random_state=0)
    assert X.shape[0] == y.shape[0] == 40 and y.ndim == 1
    assert generators.ndim == 3 and generators.shape[1] == generators.shape[2]
    X2, y2, _ = make(40, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, make(40, random_state=1)[0])
    with pytest.raises(ValueError, match="n_samples"):
        make(0)


def test_targets_follow_their_formulas():
    X, y, truth = make_rotation_invariant_regression(30, dim=3, noise=0, random_state=0)
    np.testing.assert_allclose(y, np.sin(2 * np.linalg.norm(X, axis=1)))
    assert lie_algebra_similarity(truth, so_generators(3)) == pytest.approx(1)

    X, y, _ = make_pairwise_distance_regression(5, n_points=3, dim=2, random_state=0)
    points = X.reshape(5, 3, 2)
    distance = lambda a, b: np.linalg.norm(points[:, a] - points[:, b], axis=1)  # noqa: E731
    np.testing.assert_allclose(y, distance(0, 1) + distance(0, 2) + distance(1, 2))

    X, y, truth = make_asymmetric_regression(30, noise=0, random_state=0)
    np.testing.assert_allclose(y, X[:, 0] + 2 * X[:, 1] ** 2 - X[:, 0] * X[:, 1])
    assert truth.shape == (0, 2, 2)


def test_ring_labels():
    X, y, _ = make_ring_classification(500, radii=(0.8, 1.5), random_state=0)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_array_equal(y, (radius > 0.8).astype(int) + (radius > 1.5))
    with pytest.raises(ValueError, match="increasing"):
        make_ring_classification(10, radii=(2.0, 1.0))
