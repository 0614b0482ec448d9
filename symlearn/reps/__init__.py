"""Representations: how generators of the base space act on rows of ``X``."""

from ._reps import DirectSum, Rep, Scalars, Vectors

__all__ = ["DirectSum", "Rep", "Scalars", "Vectors"]
