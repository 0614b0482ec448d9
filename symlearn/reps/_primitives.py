"""The primitive representations: scalars, vectors, tensors and points."""

import torch

from ._rep import Rep, _check_count, _linear_part

__all__ = ["Scalars", "Vectors", "Tensor", "Points"]


class Scalars(Rep):
    """``n`` features that every transformation leaves unchanged.

    Parameters
    ----------
    n : int
        Number of scalar features.

    Examples
    --------
    >>> Scalars(2).size
    2
    """

    def __init__(self, n):
        self.n = _check_count(n, "Scalars: n")

    @property
    def size(self):
        return self.n

    @property
    def dim(self):
        return None

    def _config(self):
        return {"n": self.n}

    def parts(self):
        return [self]

    def _act(self, g, x):
        return x

    def _part_tangent(self, generators, x):
        return x.new_zeros(x.shape[0], len(generators), self.n)

    def _group_block(self, m):
        return torch.eye(self.n, dtype=m.dtype, device=m.device)

    def _algebra_block(self, m):
        return torch.zeros(self.n, self.n, dtype=m.dtype, device=m.device)

    def __eq__(self, other):
        return type(other) is Scalars and other.n == self.n

    __hash__ = Rep.__hash__

    def __repr__(self):
        return f"Scalars({self.n})"


class Vectors(Rep):
    """``n`` stacked vectors of R^dim, transformed by the same matrix.

    The row holds the vectors one after another: features
    ``[v1_1, ..., v1_dim, v2_1, ..., vn_dim]``. A group element ``g`` maps
    each ``v_i`` to ``g v_i`` (the action ``I_n (x) g`` on the flat row).

    Parameters
    ----------
    n : int
        Number of vectors per row.
    dim : int
        Dimension of each vector (the base space the generators act on).

    Examples
    --------
    >>> rep = Vectors(4, 3)
    >>> rep.size, rep.dim
    (12, 3)
    """

    def __init__(self, n, dim):
        self.n = _check_count(n, "Vectors: n")
        self.vector_dim = _check_count(dim, "Vectors: dim")

    @property
    def size(self):
        return self.n * self.vector_dim

    @property
    def dim(self):
        return self.vector_dim

    def _config(self):
        return {"n": self.n, "dim": self.vector_dim}

    def parts(self):
        return [self]

    def _act(self, g, x):
        g = _linear_part(g, self.vector_dim)
        vectors = x.reshape(x.shape[0], self.n, self.vector_dim)
        # (n, k, d) @ (n, d, d)^T: every vector of a row meets that row's g.
        moved = vectors @ g.transpose(-1, -2)
        return moved.reshape(x.shape[0], self.size)

    def _group_block(self, m):
        m = _linear_part(m, self.vector_dim)
        return torch.kron(torch.eye(self.n, dtype=m.dtype, device=m.device), m)

    _algebra_block = _group_block

    def _part_tangent(self, generators, x):
        # Every vector of a row meets every generator in one product, not
        # a Kronecker block per generator (gl(50): 2,500 blocks a call).
        L = _linear_part(generators, self.vector_dim).to(x.dtype)
        vectors = x.reshape(x.shape[0], self.n, self.vector_dim)
        moved = torch.einsum("kij,nmj->nkmi", L, vectors)
        return moved.reshape(x.shape[0], len(generators), self.size)

    def __eq__(self, other):
        return (
            type(other) is Vectors
            and other.n == self.n
            and other.vector_dim == self.vector_dim
        )

    __hash__ = Rep.__hash__

    def __repr__(self):
        return f"Vectors({self.n}, {self.vector_dim})"


class Tensor(Rep):
    """One tensor of order ``order`` over R^dim, flattened row-major.

    A group element ``g`` acts on every index: for ``order=2`` the ``dim x
    dim`` matrix ``T`` (features ``T_11, T_12, ..., T_dd``) becomes ``g T
    g^T``, the action ``g (x) g`` on the flat row, and a generator ``L``
    acts as ``L (x) I + I (x) L``. An inertia or stress tensor transforms
    this way under rotations.

    Parameters
    ----------
    dim : int
        Dimension of the base space.
    order : int, default=2
        Number of indices. ``order=1`` is the same action as ``Vectors(1, dim)``.

    Examples
    --------
    >>> rep = Tensor(3)
    >>> rep.size, rep.dim
    (9, 3)
    """

    def __init__(self, dim, order=2):
        self.tensor_dim = _check_count(dim, "Tensor: dim")
        self.order = _check_count(order, "Tensor: order")

    @property
    def size(self):
        return self.tensor_dim**self.order

    @property
    def dim(self):
        return self.tensor_dim

    def _config(self):
        return {"dim": self.tensor_dim, "order": self.order}

    def parts(self):
        return [self]

    def _act(self, g, x):
        d, n = self.tensor_dim, x.shape[0]
        g = _linear_part(g, d)
        tensor = x.reshape(n, *([d] * self.order))
        for axis in range(1, self.order + 1):
            # Bring one index last, contract it with g, put it back.
            moved = tensor.movedim(axis, -1)
            shape = moved.shape
            moved = (moved.reshape(n, -1, d) @ g.transpose(-1, -2)).reshape(shape)
            tensor = moved.movedim(-1, axis)
        return tensor.reshape(n, self.size)

    def _group_block(self, m):
        m = _linear_part(m, self.tensor_dim)
        block = m
        for _ in range(self.order - 1):
            block = torch.kron(block, m)
        return block

    def _algebra_block(self, m):
        m = _linear_part(m, self.tensor_dim)
        eye = torch.eye(self.tensor_dim, dtype=m.dtype, device=m.device)
        total = 0
        for position in range(self.order):
            term = torch.ones(1, 1, dtype=m.dtype, device=m.device)
            for index in range(self.order):
                term = torch.kron(term, m if index == position else eye)
            total = total + term
        return total

    def __eq__(self, other):
        return (
            type(other) is Tensor
            and other.tensor_dim == self.tensor_dim
            and other.order == self.order
        )

    __hash__ = Rep.__hash__

    def __repr__(self):
        return f"Tensor({self.tensor_dim}, order={self.order})"


class Points(Rep):
    """``n`` stacked points of R^dim under affine maps ``x -> A x + b``.

    Features are laid out like :class:`Vectors` (one point after another).
    Group elements and generators are ``(dim+1) x (dim+1)`` homogeneous
    matrices: ``g = [[A, b], [0, 1]]`` moves a point to ``A x + b`` and a
    generator ``[[A, b], [0, 0]]`` of ``aff(dim)`` has the tangent
    ``A x + b``. So translations (and Euclidean motions, ``E(dim)``) are
    symmetries that can be found or tested, unlike with ``Vectors``, which
    a translation never moves. Only the first ``dim`` rows of ``g`` are read;
    the search space of a representation with points is ``aff(dim)``.

    Parameters
    ----------
    n : int
        Number of points per row.
    dim : int
        Dimension of the space the points live in.

    Examples
    --------
    >>> rep = Points(3, 2)
    >>> rep.size, rep.dim
    (6, 3)
    """

    affine = True

    def __init__(self, n, dim):
        self.n = _check_count(n, "Points: n")
        self.point_dim = _check_count(dim, "Points: dim")

    @property
    def size(self):
        return self.n * self.point_dim

    @property
    def dim(self):
        return self.point_dim + 1

    def _config(self):
        return {"n": self.n, "dim": self.point_dim}

    def parts(self):
        return [self]

    def _act(self, g, x):
        d = self.point_dim
        points = x.reshape(x.shape[0], self.n, d)
        linear, shift = g[..., :d, :d], g[..., :d, d]
        moved = points @ linear.transpose(-1, -2) + shift.unsqueeze(-2)
        return moved.reshape(x.shape[0], self.size)

    def _part_tangent(self, generators, x):
        d = self.point_dim
        points = x.reshape(x.shape[0], self.n, d)
        linear = generators[:, :d, :d].to(x.dtype)
        shift = generators[:, :d, d].to(x.dtype)
        moved = torch.einsum("kfg,npg->nkpf", linear, points) + shift[None, :, None, :]
        return moved.reshape(x.shape[0], len(generators), self.size)

    def __eq__(self, other):
        return type(other) is Points and other.n == self.n and other.point_dim == self.point_dim

    __hash__ = Rep.__hash__

    def __repr__(self):
        return f"Points({self.n}, {self.point_dim})"
