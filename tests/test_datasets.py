import numpy as np
import pytest
from scipy.linalg import expm

from symlearn.datasets import (
    make_asymmetric_regression,
    make_emlp_inertia,
    make_emlp_o5_synthetic,
    make_emlp_particle_interaction,
    make_pairwise_distance_regression,
    make_ring_classification,
    make_rotated_digits,
    make_rotation_invariant_regression,
)
from symlearn.lie import so_generators
from symlearn.metrics import lie_algebra_similarity
from symlearn.reps import Vectors
from symlearn.testing import assert_equivariant

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


def test_two_body_windows_rotate_with_the_initial_state():
    from symlearn.datasets import make_two_body_trajectories

    X, y, truth = make_two_body_trajectories(6, random_state=0)
    assert X.shape == (6, 40) and y.shape == (6, 40) and truth.shape == (1, 2, 2)
    # The same orbits started 0.7 rad further on are the rotated orbits.
    a = make_two_body_trajectories(6, angle_range=(0.2, 0.2), random_state=1)
    b = make_two_body_trajectories(6, angle_range=(0.9, 0.9), random_state=1)
    rotation = Vectors(20, 2).group_matrix(expm(0.7 * truth[0]))
    np.testing.assert_allclose(a[0] @ rotation.T, b[0], atol=1e-12)
    np.testing.assert_allclose(a[1] @ rotation.T, b[1], atol=1e-12)
    # Energy is conserved along each orbit (leapfrog): -1/r + (v1^2 + v2^2) / 2.
    states = np.concatenate([X, y], axis=1).reshape(6, 10, 4, 2)
    q1, q2, v1, v2 = (states[:, :, i] for i in range(4))
    energy = -1 / np.linalg.norm(q2 - q1, axis=-1) + 0.5 * ((v1**2).sum(-1) + (v2**2).sum(-1))
    assert np.max(np.ptp(energy, axis=1)) < 1e-4
    np.testing.assert_allclose(q1 + q2, 0, atol=1e-12)  # centre of mass at rest at the origin


@pytest.mark.parametrize("epsilon", [0.0, 0.5])
def test_inertia_tensor_is_equivariant_under_its_ground_truth(epsilon):
    from symlearn.datasets import make_inertia_tensor_regression
    from symlearn.datasets._equivariant import _inertia_tensors
    from symlearn.reps import Scalars, Tensor

    X, y, truth = make_inertia_tensor_regression(20, epsilon=epsilon, random_state=0)
    assert X.shape == (20, 20) and y.shape == (20, 9)
    masses = X[:, 15:]

    def inertia(x):
        x = np.asarray(x)
        tensors = _inertia_tensors(x[:, :15].reshape(-1, 5, 3), x[:, 15:])
        tensors[:, 2, 2] += epsilon * x[:, 15:].sum(axis=1)
        return tensors.reshape(-1, 9)

    np.testing.assert_allclose(inertia(X), y)
    rep = Vectors(5, 3) + Scalars(5)
    assert_equivariant(inertia, X, truth, rep, Tensor(3), reach=1.0, atol=1e-9)
    if epsilon:  # the rotation about x is broken
        with pytest.raises(AssertionError, match="Not equivariant"):
            assert_equivariant(inertia, X, so_generators(3)[2:], rep, Tensor(3))
    assert masses.min() >= 0.5 and masses.max() <= 1.5


def test_transform_dataset_moves_inputs_and_targets_together():
    from symlearn.datasets import make_two_body_trajectories, transform_dataset

    X, y, truth = make_two_body_trajectories(10, random_state=0)
    rep = Vectors(20, 2)
    X2, y2 = transform_dataset(
        X, y, truth, input_rep=rep, output_rep=rep, n_copies=3, random_state=0
    )
    assert X2.shape == (30, 40) and y2.shape == (30, 40)
    # Rotations keep lengths, and one rotation moves a row's input and target.
    norms = lambda a: np.linalg.norm(a.reshape(len(a), -1, 2), axis=2)  # noqa: E731
    np.testing.assert_allclose(norms(X2), np.tile(norms(X), (3, 1)))
    angle_in = np.arctan2(X2[:, 1], X2[:, 0]) - np.tile(np.arctan2(X[:, 1], X[:, 0]), 3)
    angle_out = np.arctan2(y2[:, 1], y2[:, 0]) - np.tile(np.arctan2(y[:, 1], y[:, 0]), 3)
    np.testing.assert_allclose(np.cos(angle_in - angle_out), 1.0)
    X3, y3 = transform_dataset(X, y[:, 0], truth, input_rep=rep, random_state=0)
    np.testing.assert_array_equal(y3, y[:, 0])  # invariant targets stay


def _padded_digits(pad=2):
    from sklearn.datasets import load_digits

    digits = load_digits()
    return np.pad(digits.images, ((0, 0), (pad, pad), (pad, pad))), digits.target


def test_rotated_digits_upright_are_the_bundled_digits_padded():
    images, labels = _padded_digits()
    X, y, generators = make_rotated_digits(angles=0, random_state=0)
    assert X.shape == (1797, 144) and sorted(y) == sorted(labels)
    upright = {image.tobytes(): label for image, label in zip(images.reshape(1797, -1), labels)}
    # The identity warp is exact up to round-off.
    assert all(upright[row.round(9).tobytes()] == label for row, label in zip(X, y))
    np.testing.assert_allclose(generators[0, :2, :2], so_generators(2)[0])


def test_rotated_digits_are_turned_by_the_requested_angles():
    images, labels = _padded_digits()
    X, y, _ = make_rotated_digits(60, angles=(90, 90), random_state=0)
    turned_back = [
        {np.rot90(row.reshape(12, 12), k).round(6).tobytes() for k in (1, -1)} for row in X
    ]
    known = dict(zip((image.round(6).tobytes() for image in images), labels))
    assert all(
        any(known.get(turn) == label for turn in turns) for turns, label in zip(turned_back, y)
    )


def test_rotated_digits_splits_classes_and_validation():
    train, y_train, _ = make_rotated_digits(angles=0, split="train")
    test, y_test, _ = make_rotated_digits(angles=0, split="test")
    assert len(train) + len(test) == 1797 and abs(len(test) / 1797 - 0.3) < 0.01
    assert not {row.tobytes() for row in train} & {row.tobytes() for row in test}
    # Stratified: every digit in both parts.
    assert set(y_train) == set(y_test) == set(range(10))
    X, y, _ = make_rotated_digits(500, classes=(6, 9), pad=0, random_state=0)
    assert X.shape == (500, 64) and set(y) == {6, 9}
    for bad, match in [
        ({"angles": 200}, "angles"),
        ({"angles": (100, 50)}, "angles"),
        ({"classes": (10,)}, "classes"),
        ({"split": "valid"}, "split"),
        ({"pad": -1}, "pad"),
    ]:
        with pytest.raises(ValueError, match=match):
            make_rotated_digits(10, **bad)


def test_charged_nbody_shapes_seeding_and_layout():
    from symlearn.datasets import make_charged_nbody

    X, y, generators = make_charged_nbody(50, n_steps=20, random_state=0)
    assert X.shape == (50, 35) and y.shape == (50, 15) and generators.shape == (3, 3, 3)
    np.testing.assert_array_equal(X, make_charged_nbody(50, n_steps=20, random_state=0)[0])
    assert set(np.unique(X[:, 30:])) == {-1.0, 1.0}  # charges
    speeds = np.linalg.norm(X[:, 15:30].reshape(50, 5, 3), axis=-1)
    np.testing.assert_allclose(speeds, 0.5)


def test_charged_nbody_dynamics_are_euclidean_and_permutation_equivariant():
    from symlearn.datasets._nbody import _leapfrog
    from symlearn.symmetrize import random_orthogonal

    rng = np.random.default_rng(0)
    x, v = rng.standard_normal((20, 5, 3)), 0.5 * rng.standard_normal((20, 5, 3))
    q = rng.choice([-1.0, 1.0], size=(20, 5))
    Q = random_orthogonal(1, 3).numpy()[0]  # reflections included
    shift, order = rng.standard_normal(3), rng.permutation(5)
    x_end, _ = _leapfrog(x, v, q, 200, 0.001, 0.1)
    moved, _ = _leapfrog(
        (x @ Q.T + shift)[:, order], (v @ Q.T)[:, order], q[:, order], 200, 0.001, 0.1
    )
    np.testing.assert_allclose(moved, (x_end @ Q.T + shift)[:, order], atol=1e-10)


def test_charged_nbody_leapfrog_conserves_energy():
    from symlearn.datasets._nbody import _leapfrog

    rng = np.random.default_rng(0)
    x, v = rng.standard_normal((50, 5, 3)), 0.5 * rng.standard_normal((50, 5, 3))
    q = rng.choice([-1.0, 1.0], size=(50, 5))

    def energy(x, v):
        r2 = np.sum((x[:, :, None] - x[:, None]) ** 2, axis=-1) + 0.1**2
        pair = q[:, :, None] * q[:, None] / np.sqrt(r2)
        potential = 0.5 * (pair.sum(axis=(1, 2)) - np.einsum("bii->b", pair))
        return 0.5 * np.sum(v**2, axis=(1, 2)) + potential

    x_end, v_end = _leapfrog(x, v, q, 1000, 0.001, 0.1)
    drift = np.abs(energy(x_end, v_end) - energy(x, v))
    assert np.median(drift) < 1e-4 * np.median(np.abs(energy(x, v)))


# -- the EMLP paper's tasks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "n_features", "target_shape", "n_generators"),
    [
        (make_emlp_o5_synthetic, 10, (), 10),
        (make_emlp_particle_interaction, 16, (), 6),
        (make_emlp_inertia, 20, (9,), 4),
    ],
)
def test_emlp_tasks_have_their_shapes_and_are_seeded(make, n_features, target_shape, n_generators):
    X, y, generators = make(30, random_state=0)
    assert X.shape == (30, n_features) and y.shape == (30, *target_shape)
    assert len(generators) == n_generators
    X2, y2, _ = make(30, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, make(30, random_state=1)[0])


def test_emlp_targets_are_the_papers_functions_at_known_points():
    from symlearn.datasets._emlp import _o5_target, _scattering_amplitude

    e1 = np.eye(5)[0]
    x = np.concatenate([e1, e1])[None]
    np.testing.assert_allclose(_o5_target(x), np.sin(1.0) - 0.5 + 1.0)
    at_rest = np.tile(np.eye(4)[0], 4)[None]  # four momenta (1, 0, 0, 0)
    # L_e = e0 e0^T (<p1,p3> = <p1,p1>), L_mu = e0 e0^T: y = 4.
    np.testing.assert_allclose(_scattering_amplitude(at_rest), 4.0)


def test_emlp_targets_have_the_symmetry_the_paper_names():
    from symlearn.datasets._emlp import _o5_target, _scattering_amplitude
    from symlearn.datasets._equivariant import _inertia_tensors
    from symlearn.lie import so_pq_generators

    rng = np.random.default_rng(0)
    X, y, _ = make_emlp_o5_synthetic(50, random_state=0)
    orthogonal, _ = np.linalg.qr(rng.standard_normal((5, 5)))  # any element of O(5)
    moved = (X.reshape(50, 2, 5) @ orthogonal.T).reshape(50, 10)
    np.testing.assert_allclose(_o5_target(moved), y, atol=1e-9)

    X, y, lorentz = make_emlp_particle_interaction(50, random_state=0)
    eta = np.diag([1.0, -1.0, -1.0, -1.0])
    for _ in range(3):  # boosts of rapidity up to 1 and rotations, all at once
        boost = expm(np.einsum("k,kij->ij", rng.uniform(-1, 1, 6), so_pq_generators(1, 3)))
        np.testing.assert_allclose(boost.T @ eta @ boost, eta, atol=1e-12)
        moved = (X.reshape(50, 4, 4) @ boost.T).reshape(50, 16)
        np.testing.assert_allclose(_scattering_amplitude(moved), y, rtol=1e-9, atol=1e-12)
    assert np.allclose(lorentz, so_pq_generators(1, 3))

    X, y, _ = make_emlp_inertia(50, random_state=0)
    rotation = expm(np.einsum("k,kij->ij", rng.uniform(-3, 3, 3), so_generators(3)))
    scale = 1.7
    positions = X[:, :15].reshape(50, 5, 3) @ (scale * rotation).T
    masses = X[:, 15:]
    assert (masses > 0).all()
    tensors = _inertia_tensors(positions, masses)
    expected = scale**2 * rotation @ y.reshape(50, 3, 3) @ rotation.T
    np.testing.assert_allclose(tensors, expected, rtol=1e-9, atol=1e-9)
