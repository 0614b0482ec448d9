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
from symlearn.reps import Vectors

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


def _inner_product_target(X):
    v = X.reshape(len(X), 2, 4)
    return np.sin(np.linalg.norm(v, axis=2)).sum(axis=1) + np.sum(v[:, 0] * v[:, 1], axis=1)


def _lorentz_target(X):
    p = X.reshape(len(X), 3, 4)

    def dot(a, b):
        return a[:, 0] * b[:, 0] - np.sum(a[:, 1:] * b[:, 1:], axis=1)

    p02 = dot(p[:, 0], p[:, 2])
    return dot(p[:, 0], p[:, 1]) + 0.5 * dot(p[:, 1], p[:, 2]) - 0.5 * p02 + 0.1 * p02**2


def _broken_target(epsilon):
    return lambda X: np.sin(2 * np.linalg.norm(X, axis=1)) + epsilon * X[:, 2] ** 2


@pytest.mark.parametrize(
    "make, kwargs, rep, target",
    [
        ("make_inner_product_regression", {}, Vectors(2, 4), _inner_product_target),
        ("make_lorentz_invariant_regression", {}, Vectors(3, 4), _lorentz_target),
        ("make_broken_rotation_regression", {"epsilon": 0.5}, Vectors(1, 3), _broken_target(0.5)),
        ("make_broken_rotation_regression", {"epsilon": 0.0}, Vectors(1, 3), _broken_target(0.0)),
    ],
)
def test_new_tasks_are_invariant_under_exactly_their_generators(make, kwargs, rep, target):
    from scipy.linalg import expm

    import symlearn.datasets

    X, y, truth = getattr(symlearn.datasets, make)(50, random_state=0, **kwargs)
    np.testing.assert_allclose(target(X), y)
    for generator in truth:
        moved = X @ rep.group_matrix(expm(0.7 * generator)).T
        np.testing.assert_allclose(target(moved), y, atol=1e-9)
    # A generic direction of gl(d) is not a symmetry.
    other = np.random.default_rng(0).standard_normal(truth.shape[1:])
    assert not np.allclose(target(X @ rep.group_matrix(expm(0.3 * other)).T), y, atol=1e-3)


def test_broken_rotation_truth_depends_on_epsilon():
    from symlearn.datasets import make_broken_rotation_regression

    assert make_broken_rotation_regression(5, epsilon=0.3, random_state=0)[2].shape == (1, 3, 3)
    assert make_broken_rotation_regression(5, epsilon=0.0, random_state=0)[2].shape == (3, 3, 3)
    with pytest.raises(ValueError, match="epsilon"):
        make_broken_rotation_regression(5, epsilon=-1)
