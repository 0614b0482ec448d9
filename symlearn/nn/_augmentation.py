"""The learnable Lie-group augmentation."""

import math

import torch
from torch import nn

from ..groups import FULL_TURN_EXTENT, GroupElements, ItemLayout, exp_combination

__all__ = ["LieAugmentation"]


class LieAugmentation(nn.Module):
    """Random group elements ``exp(sum_i t_i L_i)`` with learnable ``L_i``.

    The ``k`` generators ``L_i`` live in ``gl(d)`` and are held at unit
    Frobenius norm (the raw parameters are normalized on every use), so
    they cannot collapse to zero. Each generator has a learnable extent
    ``w_i in (0, max_extent)``; every sample gets its own coefficients
    ``t_i ~ U[-w_i, w_i]`` (reparameterized, so gradients reach ``w_i``).

    Parameters
    ----------
    rep : symlearn.reps.Rep
        How a ``d x d`` group element acts on a row of features.
    n_generators : int
        Number ``k`` of generator slots.
    basis : array-like of shape (m, d, d), optional
        Orthonormal basis of the search space; generators are projected onto
        its span. ``None`` searches all of ``gl(d)``.
    max_extent : float, default=FULL_TURN_EXTENT
        Upper bound of every extent. The default lets a rotation generator
        reach a half turn each way, i.e. the whole circle.
    initial_extent : float, default=0.5
        Extent of every generator at initialization.
    active : bool, default=True
        Whether the slots start switched on. Switched-off slots are ignored
        until :meth:`set_generators` fills them; with none active, the
        augmentation is the identity.

    Attributes
    ----------
    raw_generators : torch.nn.Parameter of shape (k, d, d)
        Unnormalized generators; use :meth:`generators`.
    extent_logits : torch.nn.Parameter of shape (k,)
        ``extents = max_extent * sigmoid(extent_logits)``.
    active : torch.Tensor of shape (k,), bool
        Which slots are in use (a buffer, saved with the state dict).

    Examples
    --------
    >>> import torch
    >>> from symlearn.reps import Vectors
    >>> augment = LieAugmentation(Vectors(4, 3), n_generators=3)
    >>> augment(torch.randn(10, 12), n_views=2).shape
    torch.Size([20, 12])
    """

    def __init__(
        self,
        rep,
        n_generators,
        *,
        basis=None,
        max_extent=FULL_TURN_EXTENT,
        initial_extent=0.5,
        active=True,
    ):
        super().__init__()
        if rep.dim is None:
            raise ValueError(f"{rep!r} has no vector part for generators to act on.")
        if not 0 < initial_extent < max_extent:
            raise ValueError(
                f"initial_extent must lie in (0, max_extent={max_extent}); got {initial_extent}."
            )
        self.rep = rep
        self.max_extent = float(max_extent)
        self.initial_extent = float(initial_extent)
        dim = rep.dim
        if basis is not None:
            basis = torch.as_tensor(basis, dtype=torch.float32)
            if basis.ndim != 3 or basis.shape[1:] != (dim, dim):
                raise ValueError(
                    f"basis must have shape (m, {dim}, {dim}); got {tuple(basis.shape)}."
                )
        self.register_buffer("basis", basis)
        self.raw_generators = nn.Parameter(torch.randn(n_generators, dim, dim))
        self.extent_logits = nn.Parameter(torch.full((n_generators,), self._initial_logit()))
        self.register_buffer("active", torch.full((n_generators,), bool(active)))

    def _initial_logit(self):
        return math.log(self.initial_extent / (self.max_extent - self.initial_extent))

    @property
    def n_generators(self):
        """Number of active generators (the others are switched off)."""
        return int(self.active.sum())

    def generators(self):
        """Active generators at unit Frobenius norm, shape (k, d, d).

        With a ``basis``, each is first projected onto its span (the search space).
        """
        raw = self.raw_generators[self.active]
        if self.basis is not None:
            coefficients = torch.einsum("kij,mij->km", raw, self.basis)
            raw = torch.einsum("km,mij->kij", coefficients, self.basis)
        norms = raw.flatten(1).norm(dim=1).clamp_min(1e-12)
        return raw / norms[:, None, None]

    def extents(self):
        """Current extents ``w_i`` of the active generators, shape (k,)."""
        return self.max_extent * torch.sigmoid(self.extent_logits[self.active])

    @torch.no_grad()
    def set_generators(self, generators, *, extents=None):
        """Restart the search from ``generators`` (k, d, d); the rest are switched off.

        Used to seed the search with the directions a probe of the trained
        backbone proposes.

        Parameters
        ----------
        generators : array-like of shape (k, d, d)
        extents : array-like of shape (k,), optional
            Their starting extents, in ``(0, max_extent)``; ``None`` starts
            them all at ``initial_extent``.
        """
        generators = torch.as_tensor(generators, dtype=self.raw_generators.dtype)
        k = len(generators)
        if k > len(self.raw_generators):
            raise ValueError(f"{k} generators do not fit in {len(self.raw_generators)} slots.")
        if extents is None:
            extents = torch.full((k,), self.initial_extent)
        fraction = torch.as_tensor(extents, dtype=self.extent_logits.dtype) / self.max_extent
        if k and not bool(((fraction > 0) & (fraction < 1)).all()):
            raise ValueError(f"extents must lie in (0, max_extent={self.max_extent}).")
        self.raw_generators[:k] = generators.to(self.raw_generators.device)
        self.extent_logits[:k] = torch.logit(fraction).to(self.extent_logits.device)
        self.active.zero_()
        self.active[:k] = True

    @torch.no_grad()
    def fix(self, generators, extents):
        """Switch on ``generators`` (k, d, d) at fixed ``extents``; nothing is learned after.

        How the estimators use the augmentation: once a symmetry has been
        accepted, its group is sampled as far as the data fix (a full turn for
        a rotation), so that training covers the orbit.
        """
        self.set_generators(generators, extents=extents)
        self.raw_generators.requires_grad_(False)
        self.extent_logits.requires_grad_(False)

    def sample_coefficients(self, n_samples, *, generator=None):
        """Coefficients ``t ~ U[-w, w]`` per sample, shape (n_samples, k)."""
        return _uniform_coefficients(n_samples, self._current()[1], generator)

    def group_elements(self, coefficients):
        """``exp(sum_i t_i L_i)`` for each row of coefficients, shape (n, d, d)."""
        return exp_combination(coefficients, self._current()[0])

    def sample(self, n_samples):
        """``n_samples`` random group elements, shape (n_samples, d, d).

        The identity when no generator is active.
        """
        generators, extents = self._current()
        if len(generators) == 0:
            d = self.raw_generators.shape[-1]
            eye = torch.eye(d, dtype=self.raw_generators.dtype, device=self.raw_generators.device)
            return eye.expand(n_samples, d, d)
        return exp_combination(_uniform_coefficients(n_samples, extents), generators)

    def _current(self):
        """The active generators and extents; once :meth:`fix`-ed, computed once and kept.

        A training step draws group elements for every batch; while nothing
        can change them, the projection onto the basis, the normalization and
        the count of active slots (a host sync) are done once (a third of a
        draw's time for one 2x2 generator). Any in-place change of the
        parameters (``set_generators``, ``load_state_dict``) or a move to
        another device computes them again. While they are learned, they are
        computed on every call, in the autograd graph.
        """
        if self.raw_generators.requires_grad or self.extent_logits.requires_grad:
            return self.generators(), self.extents()
        key = (
            self.raw_generators._version,
            self.extent_logits._version,
            self.active._version,
            self.raw_generators.device,
            self.raw_generators.dtype,
        )
        cached = getattr(self, "_fixed_cache", None)
        if cached is None or cached[0] != key:
            with torch.no_grad():
                cached = (key, (self.generators(), self.extents()))
            self._fixed_cache = cached
        return cached[1]

    def forward(self, x, n_views=1):
        """Transform ``n_views`` independently sampled copies of ``x``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
        n_views : int, default=1

        Returns
        -------
        torch.Tensor of shape (n_views * n, n_features)
            View ``v`` of sample ``i`` is row ``v * n + i``.
        """
        repeated = x.repeat(n_views, 1)
        return ItemLayout(self.rep).act(GroupElements(self.sample(len(repeated))), repeated)

    def reach(self):
        """Mean extent as a fraction of ``max_extent``, in [0, 1]."""
        if self.n_generators == 0:
            return self.extent_logits.new_zeros(())
        return self.extents().mean() / self.max_extent

    def log_reach(self):
        """Mean of ``log(w_i / max_extent)``, in (-inf, 0].

        The reward for reach. Its gradient grows as an extent shrinks, so an
        extent cannot collapse to zero while its generator is still turning
        towards a symmetry (a linear reward fades out as the sigmoid saturates).
        """
        if self.n_generators == 0:
            return self.extent_logits.new_zeros(())
        return torch.nn.functional.logsigmoid(self.extent_logits[self.active]).mean()

    def overlap(self):
        """Mean squared cosine between distinct generators, in [0, 1].

        Zero when the generators are orthogonal in ``gl(d)``, one when they
        all coincide up to sign.
        """
        k = self.n_generators
        if k < 2:
            return self.raw_generators.new_zeros(())
        flat = self.generators().flatten(1)
        gram = flat @ flat.T
        off_diagonal = gram - torch.diag(torch.diagonal(gram))
        return off_diagonal.pow(2).sum() / (k * (k - 1))


def _uniform_coefficients(n_samples, extents, generator=None):
    """Coefficients ``t ~ U[-w, w]`` for the extents ``w`` (k,), shape (n_samples, k)."""
    unit = torch.rand(
        n_samples, len(extents), generator=generator, device=extents.device, dtype=extents.dtype
    )
    return (2.0 * unit - 1.0) * extents
