"""Torch building blocks: the learnable augmentation, candidate symmetries, the backbones."""

from ..groups import FULL_TURN_EXTENT, default_reach, exp_combination, sample_group_elements
from ._augmentation import LieAugmentation
from ._candidates import CandidateSymmetries
from ._convnet import ConvNet
from ._modules import MLP, LinearPart, SymmetryModule

__all__ = [
    "CandidateSymmetries",
    "ConvNet",
    "FULL_TURN_EXTENT",
    "LieAugmentation",
    "LinearPart",
    "MLP",
    "SymmetryModule",
    "default_reach",
    "exp_combination",
    "sample_group_elements",
]
