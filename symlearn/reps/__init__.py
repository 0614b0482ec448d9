"""Representations: how generators of the base space act on rows of ``X`` and ``y``."""

from ._image import Image
from ._reps import DirectSum, Points, Rep, Scalars, Tensor, Vectors

__all__ = ["DirectSum", "Image", "Points", "Rep", "Scalars", "Tensor", "Vectors"]
