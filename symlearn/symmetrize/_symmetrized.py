"""A backbone made exactly equivariant by averaging over input-dependent group elements."""

import torch
from torch import nn

from ..groups import GroupElements

__all__ = ["Symmetrized"]

#: Seed of the noise used in evaluation mode: predictions are deterministic
#: and every row sees the same draws, so a row's prediction does not depend
#: on the batch it comes in.
EVAL_NOISE_SEED = 0


class Symmetrized(nn.Module):
    """Probabilistic symmetrization of any backbone (Kim et al., NeurIPS 2023).

    ``phi(x) = mean_s rho_out(g_s) f(rho_in(g_s)^-1 x)`` with ``g_s =
    sampler(x, noise_s)`` drawn from a distribution that moves with the
    input (``g(h x) = h g(x)``). For a fixed noise draw each term is exactly
    equivariant, so ``phi`` is too, whatever the backbone ``f``; with more
    draws it approaches the expectation over ``p(g | x)``.

    A group element is a permutation of items, a linear map and, with
    translations, the row's centroid: ``rho_in(g)^-1 x`` centres the points,
    sorts the items and turns every vector by the inverse map; the outputs
    are turned back and unsorted. Outputs with items (a part whose count is
    the number of items) are unsorted; invariant outputs (``output_layout``
    None) stay as they are.

    Parameters
    ----------
    backbone : torch.nn.Module
        Any module from ``(B, n_features)`` to ``(B, n_outputs)``.
    sampler : torch.nn.Module
        ``sampler(x, noise) -> (permutation or None, linear or None)``, with an
        attribute ``noise_size``; see :mod:`symlearn.symmetrize`.
    input_layout : symlearn.symmetrize.ItemLayout
    output_layout : symlearn.symmetrize.ItemLayout or None
        ``None``: invariant outputs.
    translations : bool, default=False
        Centre the points of each row first (E(d), SE(d)).
    n_samples : int, default=4
        Draws per row while training.
    n_samples_eval : int, default=20
        Draws per row in evaluation mode, from a fixed seed.
    """

    def __init__(
        self,
        backbone,
        sampler,
        input_layout,
        output_layout=None,
        *,
        translations=False,
        n_samples=4,
        n_samples_eval=20,
    ):
        super().__init__()
        self.backbone, self.sampler = backbone, sampler
        self.input_layout, self.output_layout = input_layout, output_layout
        self.translations = translations
        self.n_samples, self.n_samples_eval = n_samples, n_samples_eval

    def _noise(self, n_rows, n_samples, like):
        size = self.sampler.noise_size
        if self.training:
            return torch.randn(n_samples, n_rows, size, dtype=like.dtype, device=like.device)
        generator = torch.Generator().manual_seed(EVAL_NOISE_SEED)
        shared = torch.randn(n_samples, 1, size, generator=generator, dtype=like.dtype)
        return shared.to(like.device).expand(n_samples, n_rows, size)

    def forward(self, x):
        n_samples = self.n_samples if self.training else self.n_samples_eval
        B = len(x)
        noise = self._noise(B, n_samples, x).reshape(n_samples * B, -1)
        rows = x.repeat(n_samples, 1)
        layout = self.input_layout
        if self.translations:
            rows = layout.shift_points(rows, -layout.centroid(rows))
        permutation, linear = self.sampler(rows, noise)
        # g(x) sorts the items by ``permutation`` and turns by ``linear``;
        # the backbone sees g^-1 x, and its outputs are moved back by g.
        unsort = None if permutation is None else permutation.transpose(-1, -2)
        g = GroupElements(linear, unsort, orthogonal=True)
        outputs = self.backbone(layout.act(g.inverse(), rows))
        if self.output_layout is not None:
            outputs = self.output_layout.act(g, outputs)
        return outputs.reshape(n_samples, B, -1).mean(dim=0)
