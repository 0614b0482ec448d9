"""The classes a model file may name: a fixed list for each role, looked up by exact name.

A file names a class by one of these strings and nothing else; any other
name is refused. A class of your own (a backbone, an activation, an
optimizer) is written as a name the loader never resolves: you pass the
class to :func:`symlearn.load` yourself.
"""

import torch
from torch import nn

from ._config import ConfigError
from .nn import MLP, ConvNet

__all__ = ["ALLOWED_CLASSES", "class_name", "lookup_class"]


def _named(prefix, classes):
    return {f"{prefix}.{cls.__name__}": cls for cls in classes}


#: role -> {name in a file -> class}.
ALLOWED_CLASSES = {
    "module": _named("symlearn.nn", (MLP, ConvNet)),
    "optimizer": _named(
        "torch.optim",
        (
            torch.optim.Adam,
            torch.optim.AdamW,
            torch.optim.SGD,
            torch.optim.RMSprop,
            torch.optim.Adagrad,
            torch.optim.Adamax,
            torch.optim.Adadelta,
            torch.optim.NAdam,
            torch.optim.RAdam,
        ),
    ),
    "activation": _named(
        "torch.nn",
        (
            nn.ReLU,
            nn.SiLU,
            nn.GELU,
            nn.Tanh,
            nn.Sigmoid,
            nn.ELU,
            nn.LeakyReLU,
            nn.Softplus,
            nn.Mish,
            nn.SELU,
            nn.CELU,
            nn.Hardtanh,
            nn.Hardswish,
            nn.ReLU6,
            nn.Softsign,
            nn.Identity,
        ),
    ),
}


def class_name(cls, role):
    """The name a file uses for ``cls`` in ``role``, or None when it is not allowed there."""
    for name, allowed in ALLOWED_CLASSES[role].items():
        if allowed is cls:
            return name
    return None


def lookup_class(name, role, where):
    """The class a file names for ``role``; a :class:`ConfigError` for any other name."""
    allowed = ALLOWED_CLASSES[role]
    if not isinstance(name, str) or name not in allowed:
        shown = name[:80] if isinstance(name, str) else type(name).__name__
        raise ConfigError(
            where,
            f"names the class {shown!r}, which a model file may not name; the {role} "
            f"classes a file can name are {sorted(allowed)}. Pass a class of your own "
            f"to symlearn.load instead.",
        )
    return allowed[name]
