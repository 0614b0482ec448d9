"""Standardization that commutes with the group action.

Per-feature standardization would break a linear symmetry: a rotation of
(x, y) no longer acts as a rotation after x and y are scaled differently,
and centring moves the origin the rotation turns about. So each ``Vectors``
block is divided by one scalar (its root mean square) and never centred,
which commutes with every ``I_n (x) g``; only ``Scalars`` features, which
the group leaves alone, are standardized per feature.
"""

import numpy as np

from .reps import Scalars

__all__ = ["RepStandardizer"]


class RepStandardizer:
    """Affine rescaling of rows that preserves the representation's action.

    Parameters
    ----------
    rep : symlearn.reps.Rep
        Representation of the rows.

    Attributes
    ----------
    offset_ : ndarray of shape (n_features,)
        Subtracted from each feature (zero on vector features).
    scale_ : ndarray of shape (n_features,)
        Each feature is then divided by this (one value per vector block).
    """

    def __init__(self, rep):
        self.rep = rep

    def fit(self, X):
        X = np.asarray(X, dtype=float)
        self.offset_ = np.zeros(X.shape[1])
        self.scale_ = np.ones(X.shape[1])
        for where, part in self.rep.feature_slices():
            block = X[:, where]
            if isinstance(part, Scalars):
                self.offset_[where] = block.mean(axis=0)
                scale = block.std(axis=0)
            else:
                scale = np.sqrt(np.mean(block**2))
            # A constant feature (or an all-zero block) keeps unit scale.
            self.scale_[where] = np.where(scale > 1e-12, scale, 1.0)
        return self

    def transform(self, X):
        return (np.asarray(X, dtype=float) - self.offset_) / self.scale_

    def inverse_transform(self, X):
        return np.asarray(X, dtype=float) * self.scale_ + self.offset_
