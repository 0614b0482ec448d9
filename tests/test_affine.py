"""The affine yardstick: the affine model of the training rows and its paired comparison."""

import numpy as np
import pytest

from symlearn._affine import MAX_AFFINE_FEATURES, affine_comparison, affine_predictions
from symlearn._evidence import bootstrap_counts

COUNTS = bootstrap_counts(200, 0)  # resamples of the 200 rows the comparisons use


def test_affine_predictions_are_the_weighted_least_squares_affine_map():
    rng = np.random.default_rng(0)
    X, X_held = rng.standard_normal((200, 3)), rng.standard_normal((50, 3))
    A, b = rng.standard_normal((3, 2)), np.array([0.5, -1.0])
    np.testing.assert_allclose(affine_predictions(X, X @ A + b, X_held), X_held @ A + b, atol=1e-10)
    # Rows of weight 0 do not count: a corrupted half is ignored.
    y = X @ A + b
    y[100:] += 5.0
    weights = np.r_[np.ones(100), np.zeros(100)]
    predicted = affine_predictions(X, y, X_held, weights)
    np.testing.assert_allclose(predicted, X_held @ A + b, atol=1e-10)
    wide = rng.standard_normal((10, MAX_AFFINE_FEATURES + 1))
    assert affine_predictions(wide, np.zeros(10), wide) is None


def test_the_affine_model_of_classes_is_a_logistic_regression_over_every_class():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 2))
    labels = 2 * (X[:, 0] > 0)  # classes 0 and 2 of three
    probabilities = affine_predictions(X, labels, np.array([[3.0, 0.0], [-3.0, 0.0]]), None, 3)
    assert probabilities.shape == (2, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities[0, 2] > 0.9 and probabilities[1, 0] > 0.9
    np.testing.assert_array_equal(probabilities[:, 1], 0.0)  # never seen
    alone = affine_predictions(X, np.full(400, 2), X[:2], None, 3)
    np.testing.assert_array_equal(alone, [[0, 0, 1], [0, 0, 1]])


def test_the_affine_comparison_weighs_rows_and_leaves_exactly_affine_targets_alone():
    line = np.linspace(-1, 1, 200)[:, None] * 2.0 + 1.0
    # An exactly affine target leaves nothing to learn: no comparison.
    assert np.isnan(affine_comparison(line + 1e-3, line, line + 1e-6, COUNTS)).all()
    ratio, gain = affine_comparison(line + 1e-3, line, line + 1e-2, COUNTS)
    assert ratio == pytest.approx(0.01, rel=1e-3) and gain == pytest.approx(0.99, rel=1e-3)
    # Rows of weight 0 do not count: the reference is perfect where it is weighed.
    outputs = line.copy()
    outputs[100:] += 1.0
    weights = np.r_[np.ones(100), np.zeros(100)]
    ratio, gain = affine_comparison(outputs, line, line + 0.1, COUNTS, weights)
    assert ratio == 0.0 and gain == 1.0
    assert affine_comparison(outputs, line, line + 0.1, COUNTS)[1] < 0  # unweighted: worse
