"""Checks of the rows a fit is given: the inputs, the targets and the sample weights.

Each check raises, before any training, an error that says what was wrong
and what to do; nothing is coerced silently.
"""

import numpy as np
from sklearn.utils.validation import _check_sample_weight, validate_data

__all__ = ["checked_training_data", "checked_weights"]


def checked_training_data(estimator, X, y):
    """``X`` and ``y`` checked as scikit-learn checks them, for ``estimator``'s task.

    Returns them with the number of features and their names, which
    ``validate_data`` records on the estimator: they are taken back off it
    at once, and committed with the rest of the fit (a fit that raises
    changes nothing).
    """
    keys = ("n_features_in_", "feature_names_in_")
    before = {key: vars(estimator)[key] for key in keys if key in vars(estimator)}
    tags = estimator.__sklearn_tags__()
    try:
        if tags.classifier_tags is None:
            _check_numeric_targets(type(estimator).__name__, y)
        X, y = validate_data(
            estimator,
            X,
            y,
            dtype=np.float64,
            ensure_min_samples=2,
            multi_output=tags.target_tags.multi_output,
            y_numeric=tags.classifier_tags is None,
        )
        recorded = (estimator.n_features_in_, getattr(estimator, "feature_names_in_", None))
    finally:
        for key in keys:
            vars(estimator).pop(key, None)
        vars(estimator).update(before)
    return X, y, *recorded


def checked_weights(sample_weight, X):
    """The rows' weights as float64, or ``None`` when every row counts alike."""
    if sample_weight is None:
        return None
    weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if not weights.any():
        raise ValueError("sample_weight is zero for every row; at least one must be positive.")
    # Equal weights are no weights: the same fit, bit for bit.
    return None if np.all(weights == weights[0]) else weights


def _check_numeric_targets(name, y):
    """A regressor given text targets says so, and points to the classifier."""
    values = np.asarray(y) if not hasattr(y, "dtype") else y
    if getattr(values, "dtype", None) is None or values.dtype.kind not in "OSU":
        return
    try:
        np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        example = next(
            (v for v in np.ravel(np.asarray(values, dtype=object)) if not _is_number(v)), None
        )
        raise ValueError(
            f"{name} predicts numbers, but y holds values such as {example!r} that are not "
            "numbers. For class labels use SymmetryDiscoveringClassifier; for numbers stored "
            "as text, convert y with y.astype(float) first."
        ) from None


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
