"""Representations: how generators of the base space act on rows of ``X`` and ``y``."""

from ._reps import DirectSum, Points, Rep, Scalars, Tensor, Vectors

__all__ = ["DirectSum", "Points", "Rep", "Scalars", "Tensor", "Vectors"]
