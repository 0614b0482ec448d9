"""What starts each training phase of a fit: a fresh optimizer, a backbone fitted to the rows."""

import numpy as np
from skorch.callbacks import PrintLog

from .nn import MLP
from .symmetrize._invariants import InvariantModel
from .symmetrize._items import InvariantItemModel

__all__ = ["standardized", "start_phase"]


def standardized(backbone, X_train, linear_part=None):
    """The default backbone with its inputs centred and scaled on the training rows (see MLP).

    ``linear_part`` ``(W, scale)``, when given, is set as the fixed linear
    part and output scale of an MLP or an invariant-feature model (see
    :mod:`symlearn._linear_part`; it commutes with every searched direction).
    Invariant-feature models standardize their networks on the features of
    the rows.
    """
    if isinstance(backbone, (MLP, InvariantModel, InvariantItemModel)):
        backbone.standardize_inputs(np.asarray(X_train))
    if isinstance(backbone, (MLP, InvariantModel)) and linear_part is not None:
        backbone.set_linear_part(*linear_part)
    return backbone


def start_phase(net):
    """A fresh optimizer for the next training phase, and a fresh table header.

    Each phase records its own history keys (``output_spread`` appears with
    the augmentation), so with ``verbose=1`` each phase prints its own header
    rather than lining new columns up under the old ones.
    """
    net.initialize_optimizer()
    for _, callback in net.callbacks_:
        if isinstance(callback, PrintLog):
            callback.first_iteration_ = True
