"""Representations: how a ``d x d`` group element acts on a row of features.

A row of ``X`` (or ``y``) is a flat feature vector. A representation says
how a group element ``g = exp(sum_i t_i L_i)``, a ``d x d`` matrix acting on
the base space, transforms that row. The primitive representations are

* :class:`Scalars` -- features left unchanged by every ``g``;
* :class:`Vectors` -- ``n`` stacked ``d``-vectors, each multiplied by ``g``
  (the action ``I_n (x) g`` on the flat row);
* :class:`Tensor` -- one tensor of order ``k`` over R^d, flattened row-major,
  with ``g`` acting on every index (``g (x) g`` for ``k = 2``, i.e.
  ``T -> g T g^T``);
* :class:`Points` -- ``n`` stacked points of R^d under *affine* maps
  ``x -> A x + b``. The group elements are then ``(d+1) x (d+1)``
  homogeneous matrices ``[[A, b], [0, 1]]`` and their generators
  ``[[A, b], [0, 0]]`` live in the affine algebra ``aff(d)``; in a sum
  with points, vectors and tensors (directions, velocities, ...) feel only
  the linear part ``A``.

Primitive representations combine with ``+`` into a :class:`DirectSum`, whose
features are the features of its parts, concatenated in order.

The action is computed batched in torch (one ``g`` per row) without building
the ``n_features x n_features`` matrix; :meth:`Rep.group_matrix` and
:meth:`Rep.algebra_matrix` build that matrix for linear representations.
"""

from abc import ABC, abstractmethod
from numbers import Integral

import numpy as np
import torch

__all__ = ["Rep", "DirectSum"]


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def _linear_part(m, dim):
    """The ``dim x dim`` block of ``m`` that acts on directions.

    A homogeneous ``(dim+1) x (dim+1)`` affine element acts on directions
    (vectors, tensors) by its linear block; the translation is for points.
    """
    return m[..., :dim, :dim] if m.shape[-1] == dim + 1 else m


class Rep(ABC):
    """Base class of representations on flat feature rows.

    Subclasses define :attr:`size`, :attr:`dim`, :meth:`parts` and the
    batched action :meth:`act`; linear primitive parts also define the
    blocks of the explicit matrices (``_group_block``, ``_algebra_block``).
    """

    #: Whether the group acts by affine maps (translations included).
    affine = False

    @property
    @abstractmethod
    def size(self):
        """Number of features (columns) the representation covers."""

    @property
    @abstractmethod
    def dim(self):
        """Size ``d`` of the ``d x d`` group elements, or ``None`` if nothing moves."""

    @abstractmethod
    def parts(self):
        """The primitive representations, in feature order, as a list."""

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
        self._check_inputs(g, x, "g")
        if len(x) == 0:
            return x.clone()  # no rows to move
        return self._act(g, x)

    @abstractmethod
    def _act(self, g, x):
        """:meth:`act` on inputs already checked (a part of a sum gets its slice of the row)."""

    def _check_inputs(self, m, x, name):
        """A clear error for inputs :meth:`act` or :meth:`tangent` cannot take."""
        for value, label in ((m, name), (x, "x")):
            if not isinstance(value, torch.Tensor):
                raise TypeError(
                    f"{self!r} acts on torch tensors; {label} is a {type(value).__name__} "
                    f"(convert it with torch.as_tensor)."
                )
        if x.ndim != 2 or x.shape[1] != self.size:
            raise ValueError(
                f"x must have shape (n, {self.size}) for {self!r}; got {tuple(x.shape)}."
            )
        d = self.dim
        if d is None:
            return
        if name == "g":
            ok = m.shape[-2:] == (d, d) and (m.ndim == 2 or (m.ndim == 3 and len(m) == len(x)))
            expected = f"({d}, {d}) or ({len(x)}, {d}, {d})"
        else:
            ok = m.ndim == 3 and m.shape[1:] == (d, d)
            expected = f"(k, {d}, {d})"
        if not ok:
            raise ValueError(
                f"{name} must have shape {expected} for {self!r}; got {tuple(m.shape)}."
            )

    def tangent(self, generators, x):
        """Infinitesimal action: ``d/dt act(exp(t L), x)`` at ``t = 0``.

        Parameters
        ----------
        generators : torch.Tensor of shape (k, d, d)
        x : torch.Tensor of shape (n, size)

        Returns
        -------
        torch.Tensor of shape (n, k, size)
            A new tensor, which the caller may change in place.
        """
        self._check_inputs(generators, x, "generators")
        if len(x) == 0 or len(generators) == 0:
            return x.new_zeros(len(x), len(generators), self.size)
        pieces = [
            part._part_tangent(generators, x[:, where]) for where, part in self.feature_slices()
        ]
        # One part is the whole row: no copy (gl(50) on 33 rows: 4 million numbers a block).
        return pieces[0] if len(pieces) == 1 else torch.cat(pieces, dim=2)

    def _part_tangent(self, generators, x):
        # Linear parts: the algebra block applied to the row.
        blocks = torch.stack([self._algebra_block(L) for L in generators])
        return torch.einsum("kfg,ng->nkf", blocks.to(x.dtype), x)

    def _block_matrix(self, m, *, group):
        """Explicit (size, size) matrix of ``m`` acting as a group or algebra element."""
        if self.affine:
            raise ValueError(
                f"{self!r} acts by affine maps, which are not matrices on the row; "
                f"use act() and tangent() instead."
            )
        return torch.block_diag(
            *[part._group_block(m) if group else part._algebra_block(m) for part in self.parts()]
        )

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

        ``Scalars`` blocks are zero, ``Vectors(n, d)`` blocks ``I_n (x) L``
        and order-2 ``Tensor`` blocks ``L (x) I + I (x) L``, so that
        ``exp(t d rho(L)) == rho(exp(t L))``.

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

    def to_config(self):
        """A JSON-ready description, read back by :func:`~symlearn.reps.rep_from_config`."""
        return {"type": type(self).__name__, **self._config()}

    def _config(self):
        """The constructor's arguments by name (primitive parts)."""
        raise NotImplementedError

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


class DirectSum(Rep):
    """Concatenation of representations; built with ``+``.

    A single ``d x d`` generator acts on all parts, so all moving parts
    must share one base dimension. With :class:`Points` in the sum the
    generators are ``(d+1) x (d+1)`` affine matrices, and vectors and
    tensors of dimension ``d`` feel only their linear part.

    Parameters
    ----------
    *parts : Rep
        The representations, in feature order. Nested sums are flattened.

    Examples
    --------
    >>> from symlearn.reps import Points, Scalars, Vectors
    >>> rep = Vectors(2, 3) + Scalars(1)
    >>> rep
    Vectors(2, 3) + Scalars(1)
    >>> rep.size
    7
    >>> (Points(2, 3) + Vectors(2, 3)).dim
    4
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
        # The dimension of the space the parts live in (points: without the
        # homogeneous coordinate).
        spaces = {part.dim - part.affine for part in flat if part.dim is not None}
        if len(spaces) > 1:
            raise ValueError(
                f"All vector, tensor and point parts of a direct sum must have the same "
                f"dimension, because one d x d generator acts on all of them; got "
                f"dimensions {sorted(spaces)} in {' + '.join(map(repr, flat))}."
            )
        # Points are centred and scaled for the model, images keep their own
        # frame: one generator cannot be written in both coordinates.
        affine_kinds = sorted({type(part).__name__ for part in flat if part.affine})
        if len(affine_kinds) > 1:
            raise ValueError(
                f"A direct sum cannot combine {' and '.join(affine_kinds)} parts: each "
                f"moves under affine maps of its own coordinates; use one of them."
            )
        self._parts = flat

    @property
    def affine(self):
        return any(part.affine for part in self._parts)

    @property
    def size(self):
        return sum(part.size for part in self._parts)

    @property
    def dim(self):
        dims = [part.dim for part in self._parts if part.dim is not None]
        return max(dims) if dims else None

    def parts(self):
        return list(self._parts)

    def _config(self):
        return {"parts": [part.to_config() for part in self._parts]}

    def _act(self, g, x):
        pieces = [part._act(g, x[:, where]) for where, part in self.feature_slices()]
        return torch.cat(pieces, dim=1)

    __hash__ = Rep.__hash__

    def __repr__(self):
        return " + ".join(repr(part) for part in self._parts)
