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
    assert est.score(X_test, y_test) >= 0.9


def test_no_symmetry_gives_clearly_lower_strength_and_score(rotation, asymmetric):
    symmetric, X_sym, _, _ = rotation
    est, X_test, y_test = asymmetric
    assert est.generator_strengths_[0] < symmetric.generator_strengths_[0] / 3
    # The same reach for both: a full turn of a unit rotation generator.
    full_turn = np.pi * np.sqrt(2)
    assert est.symmetry_score(X_test, reach=full_turn) <= 0.5
    assert symmetric.symmetry_score(X_sym, reach=full_turn) > 0.9
    # Its reference-model error is far above the tolerance that "auto" uses.
    assert est.generator_errors(X_test, model="reference")[0] > 1.5 * est.symmetry_tolerance_
    # Not finding a symmetry must not cost accuracy.
    assert est.score(X_test, y_test) >= 0.95


def test_fitted_attributes_follow_the_contract(rotation):
    est, X_test, _, _ = rotation
    norms = np.linalg.norm(est.discovered_generators_.reshape(1, -1), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-6)
    assert np.all(np.diff(est.generator_errors_) >= 0)
    assert est.n_generators_ == 1 and est.algebra_.name == "so(2)"
    assert 0 < est.generator_strengths_[0] <= np.pi * np.sqrt(2)
    assert est.n_features_in_ == 2
    prediction = est.predict(X_test)
    assert prediction.shape == (len(X_test),) and prediction.dtype == np.float64
    score = est.symmetry_score(X_test)
    assert 0.0 <= score <= 1.0
    assert score == est.symmetry_score(X_test)  # deterministic for a fixed seed
    history = est.net_.history
    assert {"train_task_loss", "train_consistency", "reach", "overlap"} <= set(history[-1])


def test_multi_output_targets():
    X, y, _ = make_rotation_invariant_regression(300, random_state=1)
    Y = np.column_stack([y, 10 * y + 3])
    est = SymmetryDiscoveringRegressor(max_epochs=20, random_state=0).fit(X, Y)
    assert est.predict(X).shape == (300, 2)
    # Targets are standardized internally, so very different scales both fit.
    assert est.score(X, Y) > 0.5


def test_grid_search_over_symmetry_weight_in_a_pipeline():
    X, y, _ = make_rotation_invariant_regression(240, random_state=2)
    pipeline = make_pipeline(
        FunctionTransformer(),  # a stand-in step that leaves the features alone
        SymmetryDiscoveringRegressor(max_epochs=10, random_state=0),
    )
    grid = {"symmetrydiscoveringregressor__symmetry_weight": [0.1, 1, 10]}
    search = GridSearchCV(pipeline, grid, cv=2, n_jobs=2).fit(X, y)
    assert search.best_params_["symmetrydiscoveringregressor__symmetry_weight"] in (0.1, 1, 10)
    assert len(search.cv_results_["mean_test_score"]) == 3
    assert search.predict(X[:5]).shape == (5,)
