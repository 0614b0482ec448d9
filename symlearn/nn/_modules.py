"""Torch modules: the default backbone and the backbone + augmentation pair."""

from torch import nn

__all__ = ["MLP", "SymmetryModule"]


class MLP(nn.Sequential):
    """Fully connected network, the default backbone.

    A smooth activation (SiLU) is the default because the consistency term
    compares predictions at nearby inputs, where a smooth function helps.

    Parameters
    ----------
    n_inputs : int
        Number of input features.
    n_outputs : int
        Number of outputs (regression targets or classes).
    hidden_sizes : tuple of int, default=(256, 256, 256)
        Width of each hidden layer.
    activation : type of torch.nn.Module, default=torch.nn.SiLU
        Activation class, instantiated once per hidden layer.

    Examples
    --------
    >>> import torch
    >>> MLP(3, 2, hidden_sizes=(8,))(torch.zeros(5, 3)).shape
    torch.Size([5, 2])
    """

    def __init__(self, n_inputs, n_outputs, hidden_sizes=(256, 256, 256), activation=nn.SiLU):
        layers, width = [], n_inputs
        for hidden in hidden_sizes:
            layers += [nn.Linear(width, hidden), activation()]
            width = hidden
        layers.append(nn.Linear(width, n_outputs))
        super().__init__(*layers)


class SymmetryModule(nn.Module):
    """A backbone and its learnable augmentation, trained as one module.

    Holding both in one module means one optimizer, one ``.to(device)``,
    one ``state_dict`` and skorch checkpoints that restore the augmentation
    together with the backbone. ``forward`` is the backbone alone: the
    augmentation is used by the training loss, never at prediction time.

    Parameters
    ----------
    backbone : torch.nn.Module
        Maps ``(n, n_features)`` inputs to ``(n, n_outputs)`` outputs.
    augmentation : symlearn.nn.LieAugmentation
        The learnable augmentation of the inputs.
    """

    def __init__(self, backbone, augmentation):
        super().__init__()
        self.backbone = backbone
        self.augmentation = augmentation

    def forward(self, x):
        return self.backbone(x)
