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

from ._config import Fields
from .reps import Points, Scalars

__all__ = ["RepStandardizer"]


#: A spread below this fraction of the values' own size is round-off: the
#: feature is constant. Relative, so that data in tiny units is still scaled.
ROUND_OFF = 1e-12


#: The same for features a model computes in float32 (machine epsilon
#: 1.2e-7) from float32 rows: one that varies less is round-off of its inputs
#: (the squared length of velocities all of one speed; the determinant of two
#: centred points and a velocity, zero for two points), and scaling it up
#: would amplify that round-off into the outputs.
FLOAT32_ROUND_OFF = 1e-6


def float32_feature_size(features):
    """The common size of features computed in float32: the median root mean square of the columns.

    Round-off is judged against it, not against a column's own mean, which
    is near zero for a determinant that vanishes in exact arithmetic.
    """
    features = np.asarray(features, dtype=np.float64)
    if not features.size:
        return 0.0
    mean, std = _mean_and_std(features)
    return float(np.median(np.hypot(mean, std)))


def _safe_scale(spread, size=0.0, round_off=ROUND_OFF):
    """``spread`` as a scale; 1 for a constant feature (or an all-zero block)."""
    return np.where(spread > round_off * size, spread, 1.0)


def _peak(values, axis=None):
    """Largest magnitude, 1 where it is 0: the unit that keeps squares from overflowing."""
    peak = np.max(np.abs(values), axis=axis) if values.size else np.float64(0.0)
    return np.where(peak > 0, peak, 1.0)


def _root_mean_square(values):
    """``sqrt(mean(values**2))``, without overflow for values beyond 1e154."""
    peak = _peak(values)
    return float(peak * np.sqrt(np.mean((values / peak) ** 2)))


def _mean_and_std(values):
    """Per-column mean and standard deviation, without overflow."""
    peak = _peak(values, axis=0)
    scaled = values / peak
    return scaled.mean(axis=0) * peak, scaled.std(axis=0) * peak


class RepStandardizer:
    """Affine rescaling of rows that preserves the representation's action.

    Parameters
    ----------
    rep : symlearn.reps.Rep
        Representation of the rows.
    shared_scalars : int, default=None
        Scalars parts with this many columns (one scalar per item of a
        permutation group) share one mean and scale.

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

    def __init__(self, rep, shared_scalars=None):
        self.rep = rep
        self.shared_scalars = shared_scalars

    def fit(self, X):
        X = np.asarray(X, dtype=float)
        self.offset_ = np.zeros(X.shape[1])
        self.scale_ = np.ones(X.shape[1])
        self.centroid_, self.point_scale_ = self._fit_points(X)
        for where, part in self.rep.feature_slices():
            block = X[:, where]
            if isinstance(part, Scalars) and part.n == self.shared_scalars:
                # One scalar per item: one mean and scale for all, so that
                # permuting the items commutes with the scaling.
                mean, std = _mean_and_std(block.reshape(-1, 1))
                self.offset_[where] = mean
                self.scale_[where] = _safe_scale(std, np.max(np.abs(block)))
            elif isinstance(part, Scalars):
                mean, std = _mean_and_std(block)
                self.offset_[where] = mean
                self.scale_[where] = _safe_scale(std, np.max(np.abs(block), axis=0))
            elif isinstance(part, Points):
                self.offset_[where] = np.tile(self.centroid_, part.n)
                self.scale_[where] = self.point_scale_
            else:
                self.scale_[where] = _safe_scale(_root_mean_square(block))
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
        centroid, _ = _mean_and_std(points)
        spread = _root_mean_square(points - centroid)
        return centroid, float(_safe_scale(spread, np.max(np.abs(points))))

    def to_config(self):
        """The fitted scaler as plain data (see :meth:`from_config`)."""
        return {
            "rep": self.rep.to_config(),
            "shared_scalars": self.shared_scalars,
            "offset": self.offset_,
            "scale": self.scale_,
            "centroid": self.centroid_,
            "point_scale": self.point_scale_,
        }

    @classmethod
    def from_config(cls, config, path="scaler", reader=None):
        """The fitted scaler a :meth:`to_config` description holds, every field checked.

        ``reader`` decodes the arrays of a model file (see :mod:`symlearn._config`).
        """
        keys = ("rep", "shared_scalars", "offset", "scale", "centroid", "point_scale")
        fields = Fields(config, path, required=keys, reader=reader)
        rep = fields.rep("rep")
        scaler = cls(rep, fields.optional("shared_scalars", fields.integer, 1, rep.size))
        scaler.offset_ = fields.array("offset", (rep.size,))
        scaler.scale_ = fields.array("scale", (rep.size,))
        if np.any(scaler.scale_ <= 0):
            raise fields.error("scale", "must be positive.")
        points = [part for part in rep.parts() if isinstance(part, Points)]
        scaler.centroid_ = scaler.point_scale_ = None
        if points:
            scaler.centroid_ = fields.array("centroid", (points[0].point_dim,))
            scaler.point_scale_ = fields.number("point_scale", low=np.finfo(float).tiny)
        elif fields.has("centroid") or fields.has("point_scale"):
            raise fields.error("centroid", "must be null: the representation has no Points.")
        return scaler

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
