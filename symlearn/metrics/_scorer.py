"""Scorer for model selection on symmetry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sklearn.pipeline import Pipeline

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator

    from .._typing import ArrayLike

__all__ = ["symmetry_scorer"]


def symmetry_scorer(estimator: BaseEstimator, X: ArrayLike, y: None = None) -> float:
    """``scoring=`` callable that returns the fitted model's ``symmetry_score(X)``.

    Use it in :class:`~sklearn.model_selection.GridSearchCV` or
    :func:`~sklearn.model_selection.cross_validate` to select or report how
    symmetric the fitted models are. For a :class:`~sklearn.pipeline.Pipeline`,
    ``X`` goes through the transforming steps and the final step is scored.

    Parameters
    ----------
    estimator : fitted symlearn estimator, or a Pipeline ending in one
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
    if isinstance(estimator, Pipeline):
        if len(estimator) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator[-1]
    if not hasattr(estimator, "symmetry_score"):
        raise TypeError(
            f"symmetry_scorer needs a symlearn estimator (or a Pipeline ending in one); "
            f"got {type(estimator).__name__}."
        )
    return estimator.symmetry_score(X)
