"""Acceptance tests of the regressor: recovered symmetries against the known truth."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import (
    make_asymmetric_regression,
    make_pairwise_distance_regression,
    make_rotation_invariant_regression,
)
from symlearn.reps import Vectors
from symlearn.testing import assert_same_algebra

N_TRAIN = 1000


def _split(data):
    X, y, truth = data
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:], truth


@pytest.fixture(scope="module")
def rotation():
    X, y, X_test, y_test, truth = _split(make_rotation_invariant_regression(1250, random_state=0))
    est = SymmetryDiscoveringRegressor(random_state=0).fit(X, y)
    return est, X_test, y_test, truth


@pytest.fixture(scope="module")
def asymmetric():
    X, y, X_test, y_test, _ = _split(make_asymmetric_regression(1250, random_state=0))
    # One generator forced: the signature of "no symmetry" in what it learns.
    est = SymmetryDiscoveringRegressor(n_generators=1, random_state=0).fit(X, y)
    return est, X_test, y_test


def test_recovers_so2_from_a_radial_target(rotation):
    est, X_test, y_test, truth = rotation
    assert est.discovered_generators_.shape == (1, 2, 2)
    assert_same_algebra(est.discovered_generators_, truth, min_similarity=0.99)
    assert est.algebra_.name == "so(2)" and est.closure_error_ < 0.05
    # Reported (and trained with) as an exact rotation of the axes: the
    # standard form, which the reference model does not reject.
    G = est.discovered_generators_
    assert np.abs(G + G.transpose(0, 2, 1)).max() < 1e-9
    # Cross-check (LieSD): the reference model's spectrum has its largest gap
    # right after the one near-null direction.
    spectrum = est.symmetry_spectrum_
    assert np.argmax(spectrum[1:] / spectrum[:-1]) == 0
    assert "so(2)" in est.describe_symmetry()
    assert est.symmetry_score(X_test) >= 0.9
    assert est.score(X_test, y_test) >= 0.9


def test_recovers_so3_from_pairwise_distances():
    X, y, X_test, y_test, truth = _split(make_pairwise_distance_regression(1250, random_state=0))
    est = SymmetryDiscoveringRegressor(
        input_rep=Vectors(4, 3), n_generators=3, random_state=0
    ).fit(X, y)
    assert est.discovered_generators_.shape == (3, 3, 3)
    assert est.generator_strengths_.shape == (3,)
    assert_same_algebra(est.discovered_generators_, truth, min_similarity=0.95)
    assert est.generator_accepted_.all() and est.algebra_.name == "so(3)"
    G = est.discovered_generators_
    assert np.abs(G + G.transpose(0, 2, 1)).max() < 1e-9  # exact rotations of the axes
    assert est.score(X_test, y_test) >= 0.9


def test_a_forced_generator_without_symmetry_is_reported_unaccepted_and_scores_zero(
    rotation, asymmetric
):
    symmetric, X_sym, _, _ = rotation
    est, X_test, y_test = asymmetric
    assert est.n_generators_ == 1 and not est.generator_accepted_[0]
    assert est.symmetry_verdict_ == "none"
    # Its error is far beyond what the model's own accuracy allows a symmetry.
    assert est.generator_errors_[0] > 3 * est.symmetry_floor_[0]
    # Directions the verdict did not accept are not scored, at any reach.
    full_turn = np.pi * np.sqrt(2)
    assert est.symmetry_score(X_test) == 0.0
    assert est.symmetry_score(X_test, reach=full_turn) == 0.0
    assert symmetric.symmetry_score(X_sym, reach=full_turn) > 0.9
    # Not finding a symmetry must not cost accuracy.
    assert est.score(X_test, y_test) >= 0.95


def test_test_time_augmentation_is_the_identity_without_an_accepted_symmetry(asymmetric):
    est, X_test, _ = asymmetric
    np.testing.assert_array_equal(
        est.predict(X_test[:50], test_time_augmentation=4), est.predict(X_test[:50])
    )


def test_fitted_attributes_follow_the_contract(rotation):
    est, X_test, _, _ = rotation
    norms = np.linalg.norm(est.discovered_generators_.reshape(1, -1), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-6)
    assert np.all(np.diff(est.generator_errors_) >= 0)
    assert est.n_generators_ == 1 and est.algebra_.name == "so(2)"
    assert est.generator_accepted_.tolist() == [True]
    assert est.symmetry_verdict_ == "symmetric" and est.reference_score_ > 0.9
    # A rotation reaches a full turn, fixed by the data, not learned.
    np.testing.assert_allclose(est.generator_strengths_, [np.pi * np.sqrt(2)], rtol=0.06)
    assert est.n_features_in_ == 2
    prediction = est.predict(X_test)
    assert prediction.shape == (len(X_test),) and prediction.dtype == np.float64
    score = est.symmetry_score(X_test)
    assert 0.0 <= score <= 1.0
    assert score == est.symmetry_score(X_test)  # deterministic for a fixed seed
    history = est.net_.history
    assert {"train_task_loss", "valid_loss"} <= set(history[-1])
    assert est.n_epochs_ == len(history) < 2 * est.max_epochs  # early stopping ended both


def test_multi_output_targets():
    X, y, _ = make_rotation_invariant_regression(300, random_state=1)
    Y = np.column_stack([y, 10 * y + 3])
    est = SymmetryDiscoveringRegressor(max_epochs=20, random_state=0).fit(X, Y)
    assert est.predict(X).shape == (300, 2)
    # Targets are standardized internally, so very different scales both fit.
    assert est.score(X, Y) > 0.5


def test_grid_search_refit_on_the_symmetry_score_picks_the_fit_that_learned_the_symmetry():
    from symlearn.metrics import symmetry_scorer

    X, y, _ = make_rotation_invariant_regression(400, random_state=2)
    pipeline = make_pipeline(
        FunctionTransformer(),  # a stand-in step that leaves the features alone
        SymmetryDiscoveringRegressor(max_epochs=150, patience=20, random_state=0),
    )
    grid = {"symmetrydiscoveringregressor__augment": [False, True]}
    search = GridSearchCV(
        pipeline, grid, cv=2, n_jobs=2, scoring={"r2": "r2", "sym": symmetry_scorer}, refit="sym"
    ).fit(X, y)
    scores = search.cv_results_["mean_test_sym"]
    # The reference alone was never trained to be invariant; the augmented fit was.
    assert scores[1] > scores[0] and scores[1] > 0.9
    assert search.best_params_["symmetrydiscoveringregressor__augment"] is True
    assert search.predict(X[:5]).shape == (5,)
