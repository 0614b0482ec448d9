"""The affine yardstick: what a reference model learnt beyond an affine function.

An affine function ``w.x + b`` (or affine logits) is unchanged by every
motion of the inputs within its level sets, so a reference model that
predicts no better than the affine model of the same training rows cannot
tell a symmetry from a direction it has not learned (LieGAN's 7-fold task
on 1,000 rows: the default MLP learnt about ``y = c x3`` and reported the
6-dimensional algebra that fixes ``x3``). :func:`affine_predictions` fits
that model; :func:`affine_comparison` compares it with the reference on the
held-out rows, paired over bootstrap resamples (see
:attr:`symlearn._evidence.Evidence.affine_gain` and ``symlearn._verdict``).
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

__all__ = ["affine_comparison", "affine_predictions", "mean_squared_error"]

#: Inputs with more features than this are not fitted by an affine map for
#: comparison with the reference: its cost grows as rows x features^2.
#: (Unregularized, it also weakens as the features approach the training
#: rows, and the comparison then speaks for the reference: conservative.)
MAX_AFFINE_FEATURES = 512

#: An affine model whose held-out error is at most this fraction of the
#: targets' variance fits them exactly (a linear backbone learns ``y = 2 x``
#: to about 1e-10 of it): the yardstick is not used.
EXACTLY_AFFINE = 1e-6


def mean_squared_error(predicted, truth, weights=None):
    """The (weighted) mean over rows of the summed squared errors."""
    return float(np.average(np.sum((predicted - truth) ** 2, axis=1), weights=weights))


def affine_predictions(X_train, y_train, X_held, weights=None, n_classes=None):
    """Held-out predictions of the affine model of the training rows, or None.

    The yardstick of what a reference model learnt beyond an affine
    function (:attr:`Evidence.affine_gain`): the (weighted) least-squares
    affine map for regression; for ``n_classes`` classes (``y_train`` their
    indices) the class probabilities of a logistic regression, whose logits
    are affine. ``None`` for inputs of more than ``MAX_AFFINE_FEATURES``
    features.
    """
    X_train = np.asarray(X_train, dtype=float).reshape(len(X_train), -1)
    if X_train.shape[1] > MAX_AFFINE_FEATURES:
        return None
    X_held = np.asarray(X_held, dtype=float).reshape(len(X_held), -1)
    if n_classes is not None:
        labels = np.asarray(y_train, dtype=int).ravel()
        probabilities = np.zeros((len(X_held), n_classes))
        if len(np.unique(labels)) < 2:  # one class seen: it is the affine model's answer
            probabilities[:, labels[0]] = 1.0
            return probabilities
        with warnings.catch_warnings():
            # A yardstick, not a fit to tune: its last digits do not matter.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(max_iter=200).fit(X_train, labels, sample_weight=weights)
        probabilities[:, model.classes_] = model.predict_proba(X_held)
        return probabilities
    design = np.column_stack([X_train, np.ones(len(X_train))])
    targets = np.asarray(y_train, dtype=float).reshape(len(X_train), -1)
    if weights is not None:
        root = np.sqrt(np.asarray(weights, dtype=float))[:, None]
        design, targets = design * root, targets * root
    coefficients = np.linalg.lstsq(design, targets, rcond=None)[0]
    return np.column_stack([X_held, np.ones(len(X_held))]) @ coefficients


def affine_comparison(outputs, truth, affine, counts, weights=None):
    """``(ratio, gain)``: the outputs' held-out error over an affine model's, and its bootstrap.

    ``truth`` has the outputs' shape (one-hot labels for class
    probabilities); ``affine`` holds the affine model's predictions.
    ``ratio`` is the outputs' (weighted) mean squared error over the affine
    model's; ``gain`` the 5% quantile of ``1 - ratio`` over the resamples
    ``counts`` (resamples x rows: how often each row is drawn), a paired
    comparison (each resample scores both on the same rows). Both are NaN when the affine model predicts the rows
    within ``EXACTLY_AFFINE`` of their variance: the target is affine,
    nothing is left to learn, and the directions that leave the affine map
    alone are its symmetries.
    """
    truth = np.asarray(truth, dtype=float).reshape(outputs.shape)
    errors = np.sum((outputs - truth) ** 2, axis=1)
    affine_errors = np.sum((np.reshape(affine, truth.shape) - truth) ** 2, axis=1)
    weights = np.ones(len(truth)) if weights is None else np.asarray(weights, dtype=float)
    centre = np.average(truth, axis=0, weights=weights)
    affine_error = np.average(affine_errors, weights=weights)
    if affine_error <= EXACTLY_AFFINE * mean_squared_error(centre, truth, weights):
        return float("nan"), float("nan")
    counts = counts * weights
    ratios = (counts @ errors) / np.maximum(counts @ affine_errors, 1e-300)
    ratio = np.average(errors, weights=weights) / affine_error
    return float(ratio), float(np.quantile(1.0 - ratios, 0.05))
