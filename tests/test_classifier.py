"""Acceptance tests of the classifier."""

import numpy as np
import pytest

from symlearn import SymmetryDiscoveringClassifier
from symlearn.datasets import make_ring_classification
from symlearn.testing import assert_same_algebra


@pytest.fixture(scope="module")
def ring():
    X, y, truth = make_ring_classification(1250, random_state=0)
    est = SymmetryDiscoveringClassifier(random_state=0).fit(X[:1000], y[:1000])
    return est, X[1000:], y[1000:], truth


def test_recovers_so2_from_a_ring_and_beats_chance_widely(ring):
    est, X_test, y_test, truth = ring
    assert_same_algebra(est.discovered_generators_, truth, min_similarity=0.99)
    majority = np.bincount(y_test).max() / len(y_test)
    assert est.score(X_test, y_test) >= majority + 0.25
    assert est.symmetry_score(X_test) >= 0.9


def test_probabilities_and_labels(ring):
    est, X_test, _, _ = ring
    proba = est.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(est.classes_, [0, 1])
    np.testing.assert_array_equal(est.predict(X_test), est.classes_[proba.argmax(axis=1)])


def test_string_labels_and_three_classes():
    X, y, _ = make_ring_classification(400, radii=(0.8, 1.6), random_state=1)
    names = np.array(["core", "middle", "outer"])[y]
    est = SymmetryDiscoveringClassifier(max_epochs=30, random_state=0).fit(X, names)
    np.testing.assert_array_equal(est.classes_, ["core", "middle", "outer"])
    assert est.predict_proba(X).shape == (400, 3)
    assert set(est.predict(X)) <= set(est.classes_)
    assert est.score(X, names) > 0.6
