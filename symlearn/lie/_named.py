"""Affine algebras and symmetries called by name ("rotations", "rotation_xy", ...)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from ._algebra import gl_basis, rotation_generator, so_generators, so_pq_generators

if TYPE_CHECKING:
    from .._typing import Generators

__all__ = [
    "PLANAR_MOTIONS",
    "aff_basis",
    "affine_embedding",
    "named_generators",
    "planar_motions",
    "translation_generators",
]

#: Names of the directions of :func:`planar_motions`, in order.
PLANAR_MOTIONS = ("translation_x", "translation_y", "rotation", "scaling", "stretch", "shear")

#: Axis letters used in names such as ``"rotation_xy"``.
AXIS_LETTERS = "xyzw"

NAMES = (
    '"rotations", "rotation_<a><b>" (axes by letter xyzw or index, e.g. "rotation_xy" or '
    '"rotation_02"), "scaling", "lorentz", "translations" and "euclidean" (the last two '
    "for Points)"
)


def affine_embedding(generators: Generators) -> np.ndarray:
    """Generators of ``gl(d)`` as homogeneous ``(d+1) x (d+1)`` matrices ``[[L, 0], [0, 0]]``.

    Parameters
    ----------
    generators : ndarray of shape (k, d, d)

    Returns
    -------
    ndarray of shape (k, d + 1, d + 1)
    """
    generators = np.asarray(generators, dtype=float)
    k, d, _ = generators.shape
    padded = np.zeros((k, d + 1, d + 1))
    padded[:, :d, :d] = generators
    return padded


def translation_generators(dim: int) -> np.ndarray:
    """Generators of the translations of R^dim in homogeneous form.

    ``exp(t T_i)`` moves a point by ``t`` along axis ``i``.

    Parameters
    ----------
    dim : int

    Returns
    -------
    generators : ndarray of shape (dim, dim + 1, dim + 1)
        ``T_i`` has a single one at ``(i, dim)``.
    """
    generators = np.zeros((dim, dim + 1, dim + 1))
    generators[np.arange(dim), np.arange(dim), dim] = 1.0
    return generators


def aff_basis(dim: int) -> np.ndarray:
    """Orthonormal basis of the affine algebra aff(dim), homogeneous form.

    The ``dim**2`` linear directions ``E_ij`` come first, then the ``dim``
    translations: every ``(dim+1) x (dim+1)`` matrix with a zero last row.

    Parameters
    ----------
    dim : int

    Returns
    -------
    basis : ndarray of shape (dim * (dim + 1), dim + 1, dim + 1)

    Examples
    --------
    >>> aff_basis(2).shape
    (6, 3, 3)
    """
    return np.concatenate([affine_embedding(gl_basis(dim)), translation_generators(dim)])


def planar_motions() -> np.ndarray:
    """Orthonormal basis of aff(2) by kind of motion, homogeneous form.

    The six directions Augerino augments images along, each a unit-norm
    ``3 x 3`` generator: translations along ``x`` and ``y``, rotation
    ``J / sqrt(2)``, scaling ``I / sqrt(2)``, stretch ``diag(1, -1) /
    sqrt(2)`` (wider and flatter) and shear ``[[0, 1], [1, 0]] / sqrt(2)``.
    The coefficients of a generator in this basis say how much of each
    motion it is; ``PLANAR_MOTIONS`` names them.

    Returns
    -------
    basis : ndarray of shape (6, 3, 3)

    Examples
    --------
    >>> motions = dict(zip(PLANAR_MOTIONS, planar_motions()))
    >>> motions["rotation"].round(3)
    array([[ 0.   , -0.707,  0.   ],
           [ 0.707,  0.   ,  0.   ],
           [ 0.   ,  0.   ,  0.   ]])
    """
    linear = np.array(
        [[[0.0, -1.0], [1.0, 0.0]], np.eye(2), np.diag([1.0, -1.0]), [[0.0, 1.0], [1.0, 0.0]]]
    ) / np.sqrt(2.0)
    return np.concatenate([translation_generators(2), affine_embedding(linear)])


def _axis(token, dim, name):
    index = AXIS_LETTERS.index(token) if token in AXIS_LETTERS else int(token)
    if index >= dim:
        raise ValueError(f"{name!r} names axis {token!r}, but the space has {dim} axes.")
    return index


def named_generators(name: str, dim: int, *, affine: bool = False) -> np.ndarray:
    """Generators of a symmetry given by name, acting on R^dim.

    Parameters
    ----------
    name : str
        One of ``"rotations"`` (all of so(dim)), ``"rotation_<a><b>"`` (the
        rotation in the plane of two axes, by letter x, y, z, w or by index:
        ``"rotation_xy"`` is the rotation about z in 3-D, ``"rotation_02"``),
        ``"scaling"`` (the identity), ``"lorentz"`` (so(1, dim-1), time
        first), and, for point features (``affine=True``),
        ``"translations"`` and ``"euclidean"`` (rotations and translations).
    dim : int
        Dimension of the space the points or vectors live in.
    affine : bool, default=False
        Return homogeneous ``(dim+1) x (dim+1)`` generators, for
        :class:`symlearn.reps.Points`.

    Returns
    -------
    generators : ndarray of shape (k, D, D)
        ``D = dim`` or ``dim + 1`` when ``affine``.

    Examples
    --------
    >>> named_generators("rotation_xy", 3)[0]
    array([[ 0., -1.,  0.],
           [ 1.,  0.,  0.],
           [ 0.,  0.,  0.]])
    >>> named_generators("translations", 2, affine=True).shape
    (2, 3, 3)
    """
    if not isinstance(name, str):
        raise TypeError(f"A symmetry name must be a string; got {name!r}.")
    key = name.strip().lower()
    plane = re.fullmatch(r"rotation_([xyzw0-9])([xyzw0-9])", key)
    if key in ("translations", "euclidean"):
        if not affine:
            raise ValueError(
                f"{name!r} moves points, but the input representation has no Points part; "
                f"describe point features with symlearn.reps.Points(n, {dim})."
            )
        translations = translation_generators(dim)
        if key == "translations":
            return translations
        return np.concatenate([affine_embedding(so_generators(dim)), translations])
    if key == "rotations":
        linear = so_generators(dim)
    elif plane:
        i, j = (_axis(token, dim, name) for token in plane.groups())
        linear = rotation_generator(dim, i, j)[None]
    elif key == "scaling":
        linear = np.eye(dim)[None]
    elif key == "lorentz":
        linear = so_pq_generators(1, dim - 1)
    else:
        raise ValueError(f"Unknown symmetry name {name!r}; known names: {NAMES}.")
    return affine_embedding(linear) if affine else linear
