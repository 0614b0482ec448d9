"""Torch building blocks: the learnable augmentation and the default backbone."""

from ._augmentation import FULL_TURN_EXTENT, LieAugmentation, exp_combination
from ._modules import MLP, SymmetryModule

__all__ = ["FULL_TURN_EXTENT", "LieAugmentation", "MLP", "SymmetryModule", "exp_combination"]
