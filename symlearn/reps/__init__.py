"""Representations: how generators of the base space act on rows of ``X`` and ``y``."""

from ._config import rep_from_config
from ._image import Image
from ._parse import parse_rep
from ._primitives import Points, Scalars, Tensor, Vectors
from ._rep import DirectSum, Rep

__all__ = [
    "DirectSum",
    "Image",
    "Points",
    "Rep",
    "Scalars",
    "Tensor",
    "Vectors",
    "parse_rep",
    "rep_from_config",
]
