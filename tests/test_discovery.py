"""Acceptance tests of automatic discovery: dimension, exactness, structure, names."""

import numpy as np
import pytest

from symlearn import SymmetryDiscoveringRegressor
from symlearn._verdict import Z_MAX
from symlearn.datasets import (
    make_asymmetric_regression,
    make_broken_rotation_regression,
    make_inner_product_regression,
    make_lorentz_invariant_regression,
    make_pairwise_distance_regression,
    make_rotation_invariant_regression,
)
from symlearn.lie import rotation_generator, so_generators
from symlearn.reps import Points, Vectors
from symlearn.testing import assert_same_algebra

TASKS = {
    "so(2)": (make_rotation_invariant_regression, None, 1),
    "so(3)": (make_pairwise_distance_regression, Vectors(4, 3), 3),
    "so(4)": (make_inner_product_regression, Vectors(2, 4), 6),
    "so(1,3)": (make_lorentz_invariant_regression, Vectors(3, 4), 6),
}
# Converged default fits of 1,000 rows take 30-90 s each on 2 cores: they run
# with `pytest -m slow`. The default suite recovers so(2) and so(3) in
# test_regressor.py (name, closure, exactness, spectrum gap, report).
SLOW = pytest.mark.slow


@SLOW
@pytest.mark.parametrize("name", list(TASKS))
def test_auto_finds_dimension_span_and_name(name):
    make, rep, dimension = TASKS[name]
    X, y, truth = make(1000, random_state=0)
    est = SymmetryDiscoveringRegressor(input_rep=rep, random_state=0).fit(X, y)
    assert est.n_generators_ == dimension
    assert est.discovered_generators_.shape == (dimension, *truth.shape[1:])
    assert_same_algebra(est.discovered_generators_, truth, min_similarity=0.95)
    assert est.algebra_.name == name
    # Reported (and trained with) as the exact algebra of the standard form,
    # which the reference model's evidence does not reject.
    form = np.diag([1.0, -1, -1, -1]) if name == "so(1,3)" else np.eye(truth.shape[1])
    G = est.discovered_generators_
    assert np.abs(G.transpose(0, 2, 1) @ form + form @ G).max() < 1e-9
    # The bound is for so(3); the 6-dimensional algebras measure
    # 0.03 (so(4)) and 0.05 (so(1,3)) in benchmarks/bench_auto_discovery.py.
    assert est.closure_error_ < (0.05 if dimension <= 3 else 0.08)
    assert est.structure_constants_.shape == (dimension,) * 3
    # Cross-check (LieSD): the reference model's spectrum has its largest gap
    # right after `dimension` near-null directions.
    spectrum = est.symmetry_spectrum_
    assert np.argmax(spectrum[1:] / spectrum[:-1]) + 1 == dimension
    report = est.describe_symmetry()
    assert name in report and f"dimension {dimension}" in report


def test_auto_finds_no_symmetry_where_there_is_none():
    X, y, _ = make_asymmetric_regression(1000, random_state=0)
    est = SymmetryDiscoveringRegressor(random_state=0).fit(X, y)
    assert est.n_generators_ == 0
    assert est.discovered_generators_.shape == (0, 2, 2)
    assert est.algebra_.name == "trivial"
    # The most exact direction is clearly outside the reference model's own
    # noise floor (the verdict accepts at error / floor <= 3).
    assert est.symmetry_spectrum_[0] > 3 * est.symmetry_floor_[0]
    assert "Verdict: none" in est.describe_symmetry()
    assert est.generator_errors(X).shape == (0,)  # nothing found: nothing to rate
    assert est.score(X, y) > 0.95


def test_rotations_in_rescaled_units_are_not_taken_for_rotations_of_the_axes():
    # Three 3-vectors whose axes were rescaled by (1, 1.5, 0.7): the symmetry
    # is so(3) of the form diag(1, 1/1.5^2, 1/0.7^2). The standard form is a
    # simpler hypothesis the first-order floors alone would let through
    # (errors 0.47-0.73 against 0.19-0.27 for the identified form).
    rng = np.random.default_rng(0)
    V = rng.standard_normal((600, 3, 3))
    gram = np.einsum("nid,njd->nij", V, V)
    y = gram[:, 0, 1] + gram[:, 1, 2] ** 2 / 6 - 0.5 * np.sin(gram[:, 0, 0])
    S = np.diag([1.0, 1.5, 0.7])
    truth = S @ so_generators(3) @ np.linalg.inv(S)
    est = SymmetryDiscoveringRegressor(input_rep=Vectors(3, 3), random_state=0)
    est.fit((V @ S).reshape(600, 9), y)
    assert est.symmetry_verdict_ == "symmetric" and est.algebra_.name == "so(3)"
    G = est.discovered_generators_
    assert_same_algebra(G, truth, min_similarity=0.98)
    assert np.abs(G + G.transpose(0, 2, 1)).max() > 0.3  # not rotations of the axes


def test_euclidean_motions_of_points_far_from_the_origin_are_exact():
    # Three points in the plane about (30, -18) in lab coordinates; a
    # function of their distances. Seen from the data's origin a turn about
    # the points is nearly a translation; it must still come out as e(2).
    rng = np.random.default_rng(0)
    P = rng.standard_normal((400, 3, 2)) + np.array([30.0, -18.0])
    d = np.linalg.norm(P[:, :, None] - P[:, None], axis=-1)
    y = d[:, 0, 1] + np.tanh(d[:, 1, 2] - d[:, 0, 2])
    truth = np.zeros((3, 3, 3))
    truth[0, 0, 1], truth[0, 1, 0] = -1.0, 1.0
    truth[1, 0, 2] = truth[2, 1, 2] = 1.0
    est = SymmetryDiscoveringRegressor(input_rep=Points(3, 2), random_state=0)
    est.fit(P.reshape(400, 6), y)
    assert est.symmetry_verdict_ == "symmetric" and est.algebra_.name == "e(2)"
    G = est.discovered_generators_
    assert_same_algebra(G, truth, min_similarity=0.999)
    linear = G[:, :2, :2]
    assert np.abs(linear + linear.transpose(0, 2, 1)).max() < 1e-9


@SLOW
def test_broken_directions_are_graded_by_the_size_of_the_breaking():
    exact = rotation_generator(3, 0, 1)  # rotation about z
    broken = np.stack([rotation_generator(3, 1, 2), rotation_generator(3, 0, 2)])
    exact_errors, broken_errors = [], []
    for epsilon in (0.0, 0.1, 0.3, 1.0):
        X, y, _ = make_broken_rotation_regression(1000, epsilon=epsilon, random_state=0)
        X_test, _, _ = make_broken_rotation_regression(500, epsilon=epsilon, random_state=1)
        est = SymmetryDiscoveringRegressor(random_state=0).fit(X, y)
        candidates = np.concatenate([exact[None], broken])
        errors = est.generator_errors(X_test, candidates, model="reference")
        exact_errors.append(errors[0])
        broken_errors.append(errors[1:].mean())
        if epsilon == 0.0:
            assert est.algebra_.name == "so(3)"
        if epsilon >= 0.3:
            assert est.n_generators_ == 1
            assert_same_algebra(est.discovered_generators_, exact[None], min_similarity=0.99)
    assert max(exact_errors) < 0.15
    assert np.all(np.diff(broken_errors) > 0), broken_errors
    assert broken_errors[1] > 2 * exact_errors[1]
    assert broken_errors[0] < 0.15  # epsilon = 0 restores so(3)


def test_generator_space_restricts_the_search():
    X, y, truth = make_pairwise_distance_regression(600, random_state=0)
    # Only rotations of the (0, 1) plane may be searched.
    est = SymmetryDiscoveringRegressor(
        input_rep=Vectors(4, 3), generator_space=truth[:1], max_epochs=30, random_state=0
    ).fit(X, y)
    assert est.generator_space_.shape == (1, 3, 3)
    assert est.n_generators_ == 1
    assert_same_algebra(est.discovered_generators_, truth[:1], min_similarity=0.999)


def test_generator_errors_rate_candidates_and_reject_bad_ones():
    X, y, truth = make_rotation_invariant_regression(600, random_state=0)
    est = SymmetryDiscoveringRegressor(max_epochs=30, random_state=0).fit(X, y)
    shear = np.array([[0.0, 1.0], [0.0, 0.0]])
    errors = est.generator_errors(X, np.stack([3 * truth[0], shear]))
    assert errors.shape == (2,) and errors[0] < 0.2 < 0.5 < errors[1]
    with pytest.raises(ValueError, match="shape"):
        est.generator_errors(X, np.eye(3))
    with pytest.raises(ValueError, match="non-zero"):
        est.generator_errors(X, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="model must be"):
        est.generator_errors(X, model="best")


def test_a_symmetry_the_held_out_rows_cannot_confirm_is_not_reported():
    # 300 rows of a task without symmetry: the most exact direction (a shear,
    # error 1.5-2.1 times its floor) passes the first-order test; the model
    # trained with it predicts 60 held-out rows 76% worse, not significantly.
    rng = np.random.default_rng(0)
    X = rng.normal([0.3, -0.2, 0.1], [1.0, 0.5, 2.0], size=(1300, 3))
    y = np.exp(0.5 * X[:, 0]) + np.cos(2 * X[:, 1]) + 0.3 * X[:, 0] * X[:, 2]
    y = y + 0.02 * np.std(y) * rng.standard_normal(len(y))
    est = SymmetryDiscoveringRegressor(random_state=0).fit(X[:300], y[:300])
    assert est.symmetry_spectrum_[0] < Z_MAX * est.symmetry_floor_[0]  # it did pass
    assert est.n_generators_ == 0
    assert est.symmetry_verdict_ == "inconclusive"
    assert "cannot confirm" in est.symmetry_verdict_reason_


def test_a_reference_that_learnt_only_an_affine_function_reports_no_symmetry():
    # LieGAN's discrete-rotation task: y = x3 / (1 + (theta mod 2 pi / 7)). On
    # 1,000 rows the default MLP learns about y = c x3 (held-out error equal to
    # an affine fit's), which every map fixing x3 leaves alone: before the
    # affine yardstick, a 6-dimensional algebra and two discrete elements.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 3))
    y = X[:, 2] / (1 + np.mod(np.arctan2(X[:, 1], X[:, 0]), 2 * np.pi / 7))
    est = SymmetryDiscoveringRegressor(random_state=0).fit(X, y)
    assert est.reference_score_ > 0.9  # accurate, yet no better than affine
    assert est.symmetry_verdict_ == "inconclusive"
    assert "affine" in est.symmetry_verdict_reason_
    assert est.n_generators_ == 0 and est.discrete_symmetries_ == []
    assert est.symmetry_score(X) == 0.0
