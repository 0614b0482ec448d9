"""Acceptance tests of equivariant targets and candidate symmetries (issue 4)."""

import numpy as np
import pytest

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import (
    make_inertia_tensor_regression,
    make_pairwise_distance_regression,
    make_two_body_trajectories,
    transform_dataset,
)
from symlearn.lie import named_generators, so_generators
from symlearn.reps import Points, Scalars, Tensor, Vectors
from symlearn.testing import assert_same_algebra

TWO_BODY = Vectors(20, 2)
POINT_MASSES = Vectors(5, 3) + Scalars(5)
# Training orbits start within 45 degrees of the x axis; the shifted test
# orbits start between 90 and 270 degrees: rotated away from all of them.
TRAIN_ANGLES, SHIFTED_ANGLES = (-np.pi / 4, np.pi / 4), (np.pi / 2, 3 * np.pi / 2)


def two_body(n_samples, angles, seed):
    # A window of 10 states 0.1 apart (a quarter orbit). With the default
    # 0.2 the rotation is found as well, but its learned reach stays near its
    # start and the rotated-orbit MSE is 1.3-7.7 times the oracle's (seeds
    # 0-2, 1000 rows, benchmarks/bench_equivariance.py).
    return make_two_body_trajectories(
        n_samples, angle_range=angles, time_step=0.1, random_state=seed
    )


def mse(estimator, X, y):
    return float(np.mean((estimator.predict(X) - y) ** 2))


@pytest.fixture(scope="module")
def two_body_fits():
    """symlearn and the same backbone trained with the true rotations, same run."""
    X, y, truth = two_body(1000, TRAIN_ANGLES, 0)
    options = dict(input_rep=TWO_BODY, output_rep=TWO_BODY, max_epochs=100, random_state=0)
    discovering = SymmetryDiscoveringRegressor(**options).fit(X, y)
    # The oracle sees every row rotated 4 times and trains for a quarter of
    # the epochs: the same number of gradient steps, each batch augmented.
    X_rotated, y_rotated = transform_dataset(
        X, y, truth, input_rep=TWO_BODY, output_rep=TWO_BODY, n_copies=4, random_state=0
    )
    oracle = SymmetryDiscoveringRegressor(**{**options, "max_epochs": 25}, augment=False).fit(
        X_rotated, y_rotated
    )
    return discovering, oracle, truth


@pytest.mark.slow
def test_two_body_discovers_so2_and_generalizes_to_rotated_orbits(two_body_fits):
    discovering, oracle, truth = two_body_fits
    assert discovering.n_generators_ == 1
    assert_same_algebra(discovering.discovered_generators_, truth, min_similarity=0.99)
    assert discovering.algebra_.name == "so(2)"
    assert discovering.symmetry_score_ > 0.95
    X_shifted, y_shifted, _ = two_body(500, SHIFTED_ANGLES, 1)
    ratio = mse(discovering, X_shifted, y_shifted) / mse(oracle, X_shifted, y_shifted)
    # Measured at seed 0: 1.2 (seeds 1 and 2: 2.6 and 1.2).
    assert ratio < 3.0, ratio


@pytest.mark.slow
def test_a_fit_without_augmentation_trains_the_reference_only(two_body_fits):
    _, oracle, _ = two_body_fits
    # One phase, capped at max_epochs; no epoch trained with a symmetry.
    assert oracle.n_epochs_ == len(oracle.net_.history) <= 25
    assert all("output_spread" not in row for row in oracle.net_.history)


@pytest.mark.slow
def test_inertia_tensor_equivariance_finds_so3_and_sees_the_scaling():
    # I(g r) = g I(r) g^T for every rotation *and* uniform scaling, so the
    # exact answer is so(3) + scaling; the data set returns that as truth.
    X, y, truth = make_inertia_tensor_regression(1000, random_state=0)
    est = SymmetryDiscoveringRegressor(
        input_rep=POINT_MASSES, output_rep=Tensor(3, 2), random_state=0
    ).fit(X, y)
    # The converged reference model finds all four exact directions, and the
    # verdict accepts them (the earlier design pruned the scaling).
    assert est.algebra_.name == "so(3) + scaling"
    assert_same_algebra(est.discovered_generators_, truth, min_similarity=0.95)
    # Scored over the whole accepted group, scalings by up to about 4x included
    # (measured 0.88 held out, 0.81 on new rows; so(3) alone scored 0.98).
    assert est.symmetry_score_ >= 0.8
    X_test, y_test, _ = make_inertia_tensor_regression(500, random_state=1)
    assert est.symmetry_score(X_test) >= 0.8
    assert est.score(X_test, y_test) > 0.9  # measured 0.95
    # The reference model sees all four: its largest gap comes after 4
    # directions, which span so(3) + scaling.
    spectrum = est.symmetry_spectrum_
    assert np.argmax(spectrum[1:] / spectrum[:-1]) + 1 == 4
    assert_same_algebra(est.symmetry_directions_[:4], truth, min_similarity=0.95)


ROTATION_CANDIDATES = {"x": "rotation_yz", "y": "rotation_xz", "z": "rotation_xy"}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_candidate_weights_single_out_the_exact_rotation(seed):
    weights = {}
    for epsilon in (0.0, 1.0):
        X, y, _ = make_inertia_tensor_regression(1000, epsilon=epsilon, random_state=seed)
        est = SymmetryDiscoveringRegressor(
            input_rep=POINT_MASSES,
            output_rep=Tensor(3, 2),
            candidate_generators=ROTATION_CANDIDATES,
            random_state=seed,
        ).fit(X, y)
        assert est.candidate_names_ == ["x", "y", "z"]
        weights[epsilon] = est.candidate_weights_
    broken, exact = weights[1.0], weights[0.0]
    # Measured: z 1.0, x and y 0.19-0.24.
    assert broken[2] == 1.0 and max(broken[:2]) < 0.3, broken
    # Without the breaking term all three are exact and stay comparable
    # (measured 0.62-1; the best is 1 by construction).
    assert min(exact) > 0.5, exact


def test_candidates_accept_matrices_and_report_them():
    X, y, _ = make_inertia_tensor_regression(300, epsilon=1.0, random_state=0)
    lz = named_generators("rotation_xy", 3)
    est = SymmetryDiscoveringRegressor(
        input_rep=POINT_MASSES,
        output_rep=Tensor(3, 2),
        candidate_generators=[lz, so_generators(3)],
        max_epochs=6,
        random_state=0,
    ).fit(X, y)
    assert est.candidate_names_ == ["candidate_0", "candidate_1"]
    assert est.candidate_weights_.shape == est.candidate_errors_.shape == (2,)
    assert np.all((est.candidate_weights_ > 0) & (est.candidate_weights_ <= 1))
    assert len(est.net_.history[:, "candidate_weights"]) == 1  # rated once, after the warm-up
    assert len(est.net_.history[:, "candidate_weights"][0]) == 2
    assert "candidate_1: weight" in est.describe_symmetry()


@pytest.mark.slow
@pytest.mark.parametrize("dim", [2, 3])
def test_points_find_euclidean_motions(dim):
    X, y, _ = make_pairwise_distance_regression(1000, dim=dim, random_state=0)
    X = X + 3.0  # off the origin, so that rotations and translations both matter
    est = SymmetryDiscoveringRegressor(input_rep=Points(4, dim), random_state=0).fit(X, y)
    truth = named_generators("euclidean", dim, affine=True)
    assert est.algebra_.name == f"e({dim})"
    assert_same_algebra(est.discovered_generators_, truth, min_similarity=0.99)
    # Reported in the coordinates of X: the translations move X's points by 1.
    assert est.discovered_generators_.shape == (len(truth), dim + 1, dim + 1)
    np.testing.assert_allclose(est.discovered_generators_[:, -1], 0.0, atol=1e-12)
    assert est.symmetry_score_ > 0.95


@pytest.mark.slow
def test_candidate_weights_reject_scaling_for_orbits():
    # Kepler orbits are not scale-equivariant (a larger orbit is slower);
    # rotations are exact. The candidates' reaches differ (a full turn for
    # the rotation, one unit for the scaling), so only first-order errors
    # compare them fairly.
    X, y, _ = two_body(1000, TRAIN_ANGLES, 0)
    est = SymmetryDiscoveringRegressor(
        input_rep=TWO_BODY,
        output_rep=TWO_BODY,
        candidate_generators=["rotations", "scaling"],
        max_epochs=100,
        random_state=0,
    ).fit(X, y)
    rotations, scaling = est.candidate_weights_
    assert rotations == 1.0 and scaling < 0.05, est.candidate_weights_  # measured 0.005
    assert est.algebra_.name == "so(2)"


def test_points_in_and_a_vector_out_are_judged_by_the_linear_part():
    # The evidence and the discrete search move the outputs by the linear part
    # of affine elements (they raised shape errors after training before). The
    # target is equivariant under every isometry, mirrors included.
    rng = np.random.default_rng(0)
    P = rng.standard_normal((300, 3, 2)) + 2.0
    d1, d2 = P[:, 1] - P[:, 0], P[:, 2] - P[:, 0]
    y = d1 + 0.5 * d2 * np.linalg.norm(d1, axis=1, keepdims=True)
    est = SymmetryDiscoveringRegressor(
        input_rep=Points(3, 2),
        output_rep=Vectors(1, 2),
        max_epochs=40,
        random_state=0,
        device="cpu",
    ).fit(P.reshape(300, 6), y)
    assert est.predict(P.reshape(300, 6)).shape == (300, 2)
    # Whether a mirror is confirmed on 60 held-out rows is a close call (seeds
    # 0-2: one of three, before and after the linear part); that the fitted
    # model is mirror-equivariant, with the output action applied, is not.
    mirror = np.diag([1.0, -1.0])
    Q = rng.standard_normal((300, 3, 2)) + 2.0
    predicted = est.predict(Q.reshape(300, 6))
    mirrored = est.predict((Q @ mirror).reshape(300, 6)) @ mirror
    assert np.mean((mirrored - predicted) ** 2) < 0.1 * np.mean(predicted**2)
