"""A batch of group elements, and the one way they act on rows of ``X`` and ``y``."""

from dataclasses import dataclass

import torch

from ..reps import Points, Scalars, Vectors

__all__ = ["GroupAction", "GroupElements", "ItemLayout"]


@dataclass(frozen=True)
class GroupElements:
    """A batch of ``n`` group elements: a matrix part and a permutation part.

    Attributes
    ----------
    matrices : torch.Tensor of shape (n, D, D) or (D, D), or None
        How each element acts on the base space, through the
        representations: ``D = d`` for vectors and tensors, ``D = d + 1``
        (homogeneous ``[[A, b], [0, 1]]``) where points or images move
        affinely. A ``(d, d)`` linear part given for an affine
        representation moves points without a translation. ``None``: no
        matrix part (a pure permutation group).
    permutations : torch.Tensor of shape (n, k, k) or None
        Permutation matrices of the ``k`` items; ``None``: items stay.
    orthogonal : bool, default=False
        Whether the matrices are orthogonal, so that their inverse is
        their transpose (exact, and cheaper than a matrix inverse).
    """

    matrices: torch.Tensor | None = None
    permutations: torch.Tensor | None = None
    orthogonal: bool = False

    def inverse(self):
        """The inverse of every element (transposes where exact, else a matrix inverse)."""
        matrices = self.matrices
        if matrices is not None:
            matrices = matrices.transpose(-1, -2) if self.orthogonal else torch.linalg.inv(matrices)
        permutations = None if self.permutations is None else self.permutations.transpose(-1, -2)
        return GroupElements(matrices, permutations, self.orthogonal)


class ItemLayout:
    """Where the items, vectors and scalars of ``rep`` sit in a row.

    With ``n_items=None`` the whole row is one item, holding every vector
    and scalar. Otherwise a part whose count is ``n_items`` contributes one
    vector (or scalar) per item and moves with the items; the rest is global.
    """

    def __init__(self, rep, n_items=None):
        self.rep = rep
        self.n_items = n_items
        self.item_parts, self.global_parts = [], []
        for where, part in rep.feature_slices():
            count = part.n if isinstance(part, (Vectors, Points, Scalars)) else None
            if n_items is None or count == n_items:
                self.item_parts.append((where, part))
            else:
                self.global_parts.append((where, part))

    def _vectors(self, x, parts, per_item):
        blocks = []
        for where, part in parts:
            if isinstance(part, (Vectors, Points)):
                d = part.size // part.n
                block = x[:, where].reshape(len(x), part.n, 1, d)
                blocks.append(block if per_item else block.reshape(len(x), 1, part.n, d))
        return blocks

    def item_vectors(self, x):
        """Vectors of each item, shape (B, n, c, d) (n = 1 for a single item)."""
        blocks = self._vectors(x, self.item_parts, self.n_items is not None)
        if not blocks:
            return x.new_zeros(len(x), self.n_items or 1, 0, 0)
        return torch.cat(blocks, dim=2)

    def global_vectors(self, x):
        """Vectors that belong to no item, shape (B, m, d)."""
        blocks = self._vectors(x, self.global_parts, False)
        if not blocks:
            return None
        return torch.cat(blocks, dim=2).squeeze(1)

    def item_scalars(self, x):
        """Scalars of each item, shape (B, n, s)."""
        n = self.n_items or 1
        blocks = [
            x[:, where].reshape(len(x), n, -1)
            for where, part in self.item_parts
            if isinstance(part, Scalars)
        ]
        return torch.cat(blocks, dim=2) if blocks else x.new_zeros(len(x), n, 0)

    def global_scalars(self, x):
        """Scalars that belong to no item, shape (B, g)."""
        blocks = [x[:, where] for where, part in self.global_parts if isinstance(part, Scalars)]
        return torch.cat(blocks, dim=1) if blocks else x.new_zeros(len(x), 0)

    def permute(self, x, permutation):
        """Apply permutation matrices (B, n, n) to the items of rows ``x``."""
        if self.n_items is None or permutation is None:
            return x
        moving = {where.start for where, _ in self.item_parts}
        columns = []
        for where, part in self.rep.feature_slices():
            block = x[:, where]
            if where.start in moving:
                items = block.reshape(len(x), self.n_items, -1)
                block = (permutation @ items).reshape(len(x), -1)
            columns.append(block)
        return torch.cat(columns, dim=1)

    def shift_points(self, x, shift):
        """Add ``shift`` (B, d) to every point of rows ``x``."""
        columns = []
        for where, part in self.rep.feature_slices():
            block = x[:, where]
            if isinstance(part, Points):
                block = (block.reshape(len(x), part.n, -1) + shift.unsqueeze(1)).reshape(
                    len(x), -1
                )
            columns.append(block)
        return torch.cat(columns, dim=1)

    def centroid(self, x):
        """Mean of every point of each row, shape (B, d)."""
        points = [
            x[:, where].reshape(len(x), part.n, -1)
            for where, part in self.rep.feature_slices()
            if isinstance(part, Points)
        ]
        return torch.cat(points, dim=1).mean(dim=1)

    def transform(self, x, matrices):
        """Apply matrices (B, D, D) or (D, D) to every vector, point, tensor and image of ``x``.

        A linear part ``(d, d)`` given for an affine representation is
        embedded as ``[[A, 0], [0, 1]]``; vectors and tensors feel only the
        linear part ``A`` of a homogeneous ``[[A, b], [0, 1]]``.
        """
        rep = self.rep
        if rep.dim is None:
            return x
        if not rep.affine and matrices.shape[-1] == rep.dim + 1:
            matrices = matrices[..., :-1, :-1]
        elif rep.affine and matrices.shape[-1] == rep.dim - 1:
            homogeneous = matrices.new_zeros(*matrices.shape[:-2], rep.dim, rep.dim)
            homogeneous[..., :-1, :-1] = matrices
            homogeneous[..., -1, -1] = 1.0
            matrices = homogeneous
        return rep.act(matrices, x)

    def act(self, elements, x):
        """Rows ``x`` moved by ``elements`` (a :class:`GroupElements`): matrices, then items."""
        if elements.matrices is not None:
            x = self.transform(x, elements.matrices.to(dtype=x.dtype, device=x.device))
        permutations = elements.permutations
        if permutations is not None:
            permutations = permutations.to(dtype=x.dtype, device=x.device)
        return self.permute(x, permutations)


class GroupAction:
    """How group elements act on the inputs and on the outputs of a task.

    The one group action of symlearn: training moves rows with it, and so do
    :meth:`~symlearn.SymmetryDiscoveringRegressor.symmetry_score`, test-time augmentation,
    :func:`~symlearn.datasets.transform_dataset`,
    :mod:`symlearn.testing` and probabilistic symmetrization.

    Parameters
    ----------
    input_rep : symlearn.reps.Rep
        How an element acts on a row of ``X``.
    output_rep : symlearn.reps.Rep or None, default=None
        How it acts on a row of ``y`` (or of the outputs); ``None``: they
        are invariant and stay as they are.
    n_items : int or None, default=None
        The number of items that permutations exchange (see
        :class:`ItemLayout`); ``None``: no permutations.

    Examples
    --------
    >>> import torch
    >>> from symlearn.groups import GroupAction, LieGroup
    >>> from symlearn.lie import so_generators
    >>> from symlearn.reps import Vectors
    >>> action = GroupAction(Vectors(1, 2))
    >>> g = LieGroup(so_generators(2)).sample(5, generator=torch.Generator().manual_seed(0))
    >>> x = torch.randn(5, 2, dtype=torch.float64)
    >>> bool(torch.allclose(action.act(g, x).norm(dim=1), x.norm(dim=1)))
    True
    """

    def __init__(self, input_rep, output_rep=None, *, n_items=None):
        self.input_rep, self.output_rep, self.n_items = input_rep, output_rep, n_items
        self.inputs = ItemLayout(input_rep, n_items)
        self.outputs = None if output_rep is None else ItemLayout(output_rep, n_items)

    def act(self, elements, x):
        """Inputs ``x`` (n, n_features) moved by ``elements``."""
        return self.inputs.act(elements, x)

    def act_outputs(self, elements, y):
        """Targets or outputs ``y`` (n, n_outputs) moved by ``elements``; unchanged if invariant."""
        return y if self.outputs is None else self.outputs.act(elements, y)
