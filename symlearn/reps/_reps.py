"""Representations: how a ``d x d`` generator of the base space acts on a row.

A row of ``X`` is a flat feature vector. A representation says how the group
element ``g = exp(sum_i t_i L_i)``, a ``d x d`` matrix acting on the base
space R^d, transforms that row. Primitive representations are

* :class:`Scalars` -- features left unchanged by every ``g``;
* :class:`Vectors` -- ``n`` stacked ``d``-vectors, each multiplied by ``g``
  (the action ``I_n (x) g`` on the flat row).

Primitive representations combine with ``+`` into a :class:`DirectSum`, whose
features are the features of its parts, concatenated in order.

The action is computed batched in torch (one ``g`` per row) without building
the ``n_features x n_features`` matrix; :meth:`Rep.group_matrix` and
:meth:`Rep.algebra_matrix` build that matrix explicitly when it is needed.
"""

from abc import ABC, abstractmethod
from numbers import Integral

import numpy as np
import torch

__all__ = ["Rep", "Scalars", "Vectors", "DirectSum"]


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


class Rep(ABC):
    """Base class of representations of ``GL(d)`` on flat feature rows.

    Subclasses define :attr:`size`, :attr:`dim`, :meth:`parts` and the
    batched action :meth:`act`.
    """

    @property
    @abstractmethod
    def size(self):
        """Number of features (columns of ``X``) the representation covers."""

    @property
    @abstractmethod
    def dim(self):
        """Dimension ``d`` of the base space, or ``None`` if nothing moves."""

    @abstractmethod
    def parts(self):
        """The primitive representations, in feature order, as a list."""

    @abstractmethod
    def act(self, g, x):
        """Apply group elements to rows.

        Parameters
        ----------
        g : torch.Tensor of shape (n, d, d) or (d, d)
            One group element per row, or one for all rows.
        x : torch.Tensor of shape (n, size)
            Rows of features.

        Returns
        -------
        torch.Tensor of shape (n, size)
        """

    def _block_matrix(self, m, *, group):
        """Explicit (size, size) matrix of ``m`` acting as a group or algebra element."""
        blocks = []
        for part in self.parts():
            if isinstance(part, Scalars):
                eye = torch.eye(part.size, dtype=m.dtype, device=m.device)
                blocks.append(eye if group else torch.zeros_like(eye))
            else:
                eye = torch.eye(part.n, dtype=m.dtype, device=m.device)
                blocks.append(torch.kron(eye, m))
        return torch.block_diag(*blocks)

    def _as_matrix_input(self, m, name):
        is_numpy = not isinstance(m, torch.Tensor)
        tensor = torch.as_tensor(np.asarray(m, dtype=float) if is_numpy else m)
        if self.dim is None:
            raise ValueError(f"{self!r} has no base space for a {name} to act on.")
        if tensor.shape != (self.dim, self.dim):
            raise ValueError(
                f"{name} must have shape ({self.dim}, {self.dim}) for {self!r}; "
                f"got {tuple(tensor.shape)}."
            )
        return tensor, is_numpy

    def group_matrix(self, g):
        """Matrix ``rho(g)`` of shape (size, size) with ``act(g, x) == x @ rho(g).T``.

        Parameters
        ----------
        g : array-like or torch.Tensor of shape (d, d)

        Returns
        -------
        ndarray or torch.Tensor of shape (size, size)
            Same type as ``g``.
        """
        tensor, is_numpy = self._as_matrix_input(g, "group element")
        matrix = self._block_matrix(tensor, group=True)
        return matrix.numpy() if is_numpy else matrix

    def algebra_matrix(self, generator):
        """Matrix ``d rho(L)`` of the Lie-algebra action, shape (size, size).

        ``Scalars`` blocks are zero and ``Vectors(n, d)`` blocks are
        ``I_n (x) L``, so that ``exp(t d rho(L)) == rho(exp(t L))``.

        Parameters
        ----------
        generator : array-like or torch.Tensor of shape (d, d)

        Returns
        -------
        ndarray or torch.Tensor of shape (size, size)
            Same type as ``generator``.
        """
        tensor, is_numpy = self._as_matrix_input(generator, "generator")
        matrix = self._block_matrix(tensor, group=False)
        return matrix.numpy() if is_numpy else matrix

    def feature_slices(self):
        """Pairs ``(slice, part)`` locating each primitive part in a row."""
        start, slices = 0, []
        for part in self.parts():
            slices.append((slice(start, start + part.size), part))
            start += part.size
        return slices

    def __add__(self, other):
        if not isinstance(other, Rep):
            return NotImplemented
        return DirectSum(*self.parts(), *other.parts())

    def __eq__(self, other):
        return isinstance(other, Rep) and self.parts() == other.parts()

    def __hash__(self):
        return hash(tuple(repr(part) for part in self.parts()))


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

    def parts(self):
        return [self]

    def act(self, g, x):
        return x

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

    def parts(self):
        return [self]

    def act(self, g, x):
        vectors = x.reshape(x.shape[0], self.n, self.vector_dim)
        # (n, k, d) @ (n, d, d)^T: every vector of a row meets that row's g.
        moved = vectors @ g.transpose(-1, -2)
        return moved.reshape(x.shape[0], self.size)

    def __eq__(self, other):
        return (
            type(other) is Vectors
            and other.n == self.n
            and other.vector_dim == self.vector_dim
        )

    __hash__ = Rep.__hash__

    def __repr__(self):
        return f"Vectors({self.n}, {self.vector_dim})"


class DirectSum(Rep):
    """Concatenation of representations; built with ``+``.

    All parts that move (every :class:`Vectors` part) must share one base
    dimension, since a single ``d x d`` generator acts on all of them.

    Parameters
    ----------
    *parts : Rep
        The representations, in feature order. Nested sums are flattened.

    Examples
    --------
    >>> rep = Vectors(2, 3) + Scalars(1)
    >>> rep
    Vectors(2, 3) + Scalars(1)
    >>> rep.size
    7
    """

    def __init__(self, *parts):
        if not parts:
            raise ValueError("A DirectSum needs at least one part.")
        flat = []
        for part in parts:
            if not isinstance(part, Rep):
                raise TypeError(
                    f"DirectSum parts must be symlearn.reps objects; got {part!r}."
                )
            flat.extend(part.parts())
        dims = {part.dim for part in flat if part.dim is not None}
        if len(dims) > 1:
            raise ValueError(
                f"All vector parts of a direct sum must have the same dimension, "
                f"because one d x d generator acts on all of them; got dimensions "
                f"{sorted(dims)} in {' + '.join(map(repr, flat))}."
            )
        self._parts = flat

    @property
    def size(self):
        return sum(part.size for part in self._parts)

    @property
    def dim(self):
        dims = [part.dim for part in self._parts if part.dim is not None]
        return dims[0] if dims else None

    def parts(self):
        return list(self._parts)

    def act(self, g, x):
        pieces = [part.act(g, x[:, where]) for where, part in self.feature_slices()]
        return torch.cat(pieces, dim=1)

    __hash__ = Rep.__hash__

    def __repr__(self):
        return " + ".join(repr(part) for part in self._parts)
