"""Scorer for model selection on symmetry."""

__all__ = ["symmetry_scorer"]


def symmetry_scorer(estimator, X, y=None):
    """``scoring=`` callable that returns ``estimator.symmetry_score(X)``.

    Use it in :class:`~sklearn.model_selection.GridSearchCV` or
    :func:`~sklearn.model_selection.cross_validate` to select or report how
    symmetric the fitted models are. ``y`` is ignored.

    Parameters
    ----------
    estimator : fitted SymmetryDiscoveringRegressor or SymmetryDiscoveringClassifier
    X : array-like of shape (n_samples, n_features)
    y : ignored

    Returns
    -------
    score : float in [0, 1]

    Examples
    --------
    >>> from sklearn.model_selection import cross_validate
    >>> scoring = {"r2": "r2", "symmetry": symmetry_scorer}
    """
    return estimator.symmetry_score(X)
