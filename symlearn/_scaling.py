"""Standardization that commutes with the group action.

Per-feature standardization would break a linear symmetry: a rotation of
(x, y) no longer acts as a rotation after x and y are scaled differently,
and centring moves the origin the rotation turns about. So each ``Vectors``
or ``Tensor`` block is divided by one scalar (its root mean square) and
never centred, which commutes with every linear ``g``; ``Scalars`` features,
which the group leaves alone, are standardized per feature.

``Points`` (affine actions) are centred and scaled, all point parts by the
same centroid and scale: an affine map stays affine under that change of
coordinates, but its matrix changes, ``L_model = T L_data T^-1`` with the
homogeneous ``T = [[I / s, -c / s], [0, 1]]``. The estimators learn in model
coordinates and report generators in data coordinates.
"""

import numpy as np

from .reps import Points, Scalars

__all__ = ["RepStandardizer"]


def _safe_scale(scale):
    # A constant feature (or an all-zero block) keeps unit scale.
    return np.where(scale > 1e-12, scale, 1.0)


class RepStandardizer:
    """Affine rescaling of rows that preserves the representation's action.

    Parameters
    ----------
    rep : symlearn.reps.Rep
        Representation of the rows.

    Attributes
    ----------
    offset_ : ndarray of shape (n_features,)
        Subtracted from each feature (zero on vector and tensor features).
    scale_ : ndarray of shape (n_features,)
        Each feature is then divided by this (one value per block; one for
        all point blocks together).
    centroid_, point_scale_ : ndarray of shape (d,) and float, or None
        The change of coordinates of the points, when there are any.
    """

    def __init__(self, rep):
        self.rep = rep

    def fit(self, X):
        X = np.asarray(X, dtype=float)
        self.offset_ = np.zeros(X.shape[1])
        self.scale_ = np.ones(X.shape[1])
        self.centroid_, self.point_scale_ = self._fit_points(X)
        for where, part in self.rep.feature_slices():
            block = X[:, where]
            if isinstance(part, Scalars):
                self.offset_[where] = block.mean(axis=0)
                self.scale_[where] = _safe_scale(block.std(axis=0))
            elif isinstance(part, Points):
                self.offset_[where] = np.tile(self.centroid_, part.n)
                self.scale_[where] = self.point_scale_
            else:
                self.scale_[where] = _safe_scale(np.sqrt(np.mean(block**2)))
        return self

    def _fit_points(self, X):
        blocks = [
            X[:, where].reshape(-1, part.point_dim)
            for where, part in self.rep.feature_slices()
            if isinstance(part, Points)
        ]
        if not blocks:
            return None, None
        points = np.concatenate(blocks)
        centroid = points.mean(axis=0)
        return centroid, float(_safe_scale(np.sqrt(np.mean((points - centroid) ** 2))))

    def transform(self, X):
        return (np.asarray(X, dtype=float) - self.offset_) / self.scale_

    def inverse_transform(self, X):
        return np.asarray(X, dtype=float) * self.scale_ + self.offset_

    def _homogeneous(self):
        """``T`` with ``x_model = T x_data`` in homogeneous coordinates."""
        d = len(self.centroid_)
        T = np.eye(d + 1)
        T[:d, :d] /= self.point_scale_
        T[:d, d] = -self.centroid_ / self.point_scale_
        return T

    def to_model_generators(self, generators):
        """Generators (k, D, D) in data coordinates, expressed in model coordinates."""
        generators = np.asarray(generators, dtype=float)
        if self.centroid_ is None or len(generators) == 0:
            return generators
        T = self._homogeneous()
        return T @ generators @ np.linalg.inv(T)

    def to_data_generators(self, generators):
        """Inverse of :meth:`to_model_generators`."""
        generators = np.asarray(generators, dtype=float)
        if self.centroid_ is None or len(generators) == 0:
            return generators
        T = self._homogeneous()
        return np.linalg.inv(T) @ generators @ T
