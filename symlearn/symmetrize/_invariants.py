"""Exactly invariant models from the invariants of a group that preserves a bilinear form.

"Scalars are universal" (Villar et al., NeurIPS 2021): a function of
vectors ``v_1..v_n`` invariant under ``O(B)``, the group preserving a
non-degenerate symmetric form ``B``, is a function of the products
``v_i^T B v_j``; under its connected part ``SO(B)`` also of the
determinants of ``d``-tuples (pseudo-scalars, which keep a chiral target's
sign). An equivariant vector output is ``sum_i f_i v_i`` and a rank-2
tensor output ``sum_ij f_ij v_i v_j^T + f_0 B^-1``, with invariant ``f``.

The group may act on a subspace ``U`` only (a rotation of the x-y plane of
R^3): every vector splits as ``v = E a + C b`` with ``a`` in ``U`` (moved,
its products and determinants taken with the form restricted to ``U``) and
``b`` in the fixed complement (features as they are). :func:`invariant_frame`
finds ``E``, ``C`` and the form from the generators, in any basis, compact
or not: so(d), the Lorentz algebra so(1,3), so(2,1), on all axes or some.

``Points`` (affine generators ``[[A, b], [0, 0]]``) are taken when the
algebra holds every translation (e(n), e(n) + scaling): the points are
centred on their centroid, which makes them vectors that the linear part
``A`` moves, and that no translation does.
"""

from itertools import combinations
from math import comb

import numpy as np
import torch
from torch import nn

from .._scaling import FLOAT32_ROUND_OFF, float32_feature_size
from ..lie import identify_algebra, invariant_forms, orthonormal_span
from ..lie._structure import split_scaling
from ..nn import MLP
from ..nn._modules import LinearPart
from ..reps import Points, Scalars, Tensor, Vectors

__all__ = ["InvariantFeatures", "InvariantModel", "check_invariant_layout", "invariant_frame"]

#: Relative tolerance of the tests on the generators (rank, preserved form).
TOL = 1e-6

#: At most this many invariant features: n vectors give n (n + 1) / 2
#: products and C(n, r) determinants.
MAX_FEATURES = 4096


def _unsupported(generators, reason):
    name = identify_algebra(generators, tol=0.1).name
    return ValueError(
        f'symmetrize="invariant_features" builds models for the groups that preserve a '
        f"bilinear form: so(d), so(p,q) such as the Lorentz algebra so(1,3), on all axes "
        f"of the vectors or on a subspace, and e(n) on points. The algebra here is {name} "
        f"({reason}). Use "
        f'symmetrize="probabilistic" for one rotation or all of so(d), or fit without '
        f"symmetrize to train with the discovered group as augmentation."
    )


def _linear_part(stack, tol):
    """The linear parts ``A`` of affine generators that hold every translation, or raise."""
    d = stack.shape[1] - 1
    linear = stack[:, :d, :d].reshape(len(stack), d * d)
    # Combinations of the generators with no linear part: the translations they hold.
    _, s, vt = np.linalg.svd(linear.T, full_matrices=True)
    rank = int(np.sum(s > tol * max(s.max(initial=0.0), 1e-300)))
    translations = vt[rank:] @ stack[:, :d, d]
    if len(translations) == 0 or np.linalg.matrix_rank(translations, tol=tol) < d:
        raise _unsupported(
            stack[:, :d, :d],
            "on points, only a span holding every translation is built (e(n), e(n) + "
            "scaling); its linear part is named here",
        )
    return orthonormal_span(stack[:, :d, :d], rtol=tol)


def invariant_frame(generators, *, tol=TOL, affine=False):
    """The frame and form of the group an so(p, q) algebra (+ scaling) generates, in any basis.

    Parameters
    ----------
    generators : array-like of shape (k, d, d)
        A basis of the algebra, acting on column vectors of R^d.
    tol : float, default=1e-6
        Relative tolerance of the rank and form tests.
    affine : bool, default=False
        Homogeneous generators ``[[A, b], [0, 0]]`` of motions of points
        (shape ``(k, d + 1, d + 1)``): the span must hold every translation,
        and the frame and form are those of its linear parts ``A``.

    Returns
    -------
    frame : ndarray of shape (d, d)
        ``[E | C]``: the first ``r`` columns span the subspace the group
        moves, the others the subspace it fixes.
    form : ndarray of shape (r, r)
        The preserved form on the moved subspace, in the coordinates ``a``
        of ``v = E a + C b``; positive definite for a compact group.
    scaling : bool
        Whether the algebra also holds the uniform scaling of that subspace
        (``so(3) + scaling``).

    Raises
    ------
    ValueError
        When the algebra is not all of so(p, q) on the subspace it moves,
        naming it.
    """
    stack = orthonormal_span(np.asarray(generators, dtype=float), rtol=tol)
    if affine and len(stack):
        stack = _linear_part(stack, tol)
    k = len(stack)
    if k == 0:
        raise _unsupported(np.asarray(generators, dtype=float), "nothing moves")
    d = stack.shape[1]
    # What the generators reach, and what they all fix.
    u, s, _ = np.linalg.svd(np.concatenate(list(stack), axis=1))
    moved = u[:, : int(np.sum(s > tol * s.max()))]
    _, s, vt = np.linalg.svd(np.concatenate(list(stack), axis=0))
    fixed = vt[int(np.sum(s > tol * s.max())) :].T
    r = moved.shape[1]
    frame = np.concatenate([moved, fixed], axis=1)
    if frame.shape[1] != d or abs(np.linalg.det(frame)) < tol:
        raise _unsupported(stack, "it does not split space into a moved and a fixed part")
    restricted = np.einsum("ai,kab,bj->kij", moved, stack, moved)
    # Uniform scaling of the moved subspace, if the span holds it, is split off.
    scaling, restricted = split_scaling(restricted, tol=tol)
    if len(restricted) != r * (r - 1) // 2 or r < 2:
        raise _unsupported(
            stack,
            f"{len(restricted)} generators besides scaling, not the {r * (r - 1) // 2} of so({r})",
        )
    residuals, forms = invariant_forms(restricted)
    form = forms[0]
    eigenvalues = np.linalg.eigvalsh(form)
    if residuals[0] > tol or np.min(np.abs(eigenvalues)) < tol * np.max(np.abs(eigenvalues)):
        raise _unsupported(stack, "it preserves no non-degenerate form")
    if np.sum(eigenvalues < 0) > np.sum(eigenvalues > 0):
        form = -form  # more positive than negative signs, as so(p, q) with p >= q
    return frame, form / np.max(np.abs(eigenvalues)), scaling


def _layout(rep):
    """Columns of vectors and points (n, d), of other features (s,), and which are points (n,)."""
    vectors, others, points, d = [], [], [], None
    for where, part in rep.feature_slices():
        columns = np.arange(where.start, where.stop)
        if isinstance(part, (Vectors, Points)):
            dim = part.vector_dim if isinstance(part, Vectors) else part.point_dim
            if d is not None and dim != d:
                raise ValueError(
                    f"Invariant features need every Vectors and Points part of input_rep in "
                    f"one space; {rep!r} mixes dimensions {d} and {dim}."
                )
            d = dim
            vectors.append(columns.reshape(part.n, d))
            points.append(np.full(part.n, isinstance(part, Points)))
        elif isinstance(part, Scalars):
            others.append(columns)
        else:
            raise ValueError(
                f'symmetrize="invariant_features" takes Vectors, Points and Scalars inputs; '
                f"input_rep={rep!r} has a {type(part).__name__} part. Use "
                f'symmetrize="probabilistic" or fit without symmetrize.'
            )
    if not vectors:
        raise ValueError(f"input_rep={rep!r} has no Vectors part for a group to act on.")
    others = np.concatenate(others) if others else np.zeros(0, int)
    return np.concatenate(vectors), others, np.concatenate(points)


def check_invariant_layout(rep):
    """Raise a clear ValueError unless ``rep`` is Vectors and Points (in one R^d) and Scalars."""
    _layout(rep)


class InvariantFeatures(nn.Module):
    """The invariants of a row under the group preserving ``form`` on the moved subspace.

    Features, in order: the products ``a_i^T B a_j`` (``i <= j``), the
    determinants of ``r``-tuples of the ``a_i`` (with ``oriented``), the
    time orientations ``tau_i`` (with ``time_oriented``, see below), the
    fixed coordinates ``b_i`` and the ``Scalars`` features. With
    ``scaling`` the products and determinants are divided by the squared
    scale ``s^2 = |(a_i^T B a_j)|_F / n`` (to its power ``r / 2``), which makes
    them scale-free; ``s^2`` itself is what an equivariant output needs.

    Time orientation: when ``B`` has one negative sign (so(r-1, 1), such as
    the Lorentz group's so(1,3)), the vectors with ``a^T B a < 0`` form two
    cones, which the connected group never swaps (the sign of ``e^T B a``,
    ``e`` the negative axis of ``B``, tells them apart), while time reversal
    does. ``tau = sign(e^T B a) * max(-a^T B a, 0)`` is invariant under the
    connected group, continuous, zero outside the cones, and changes sign
    under time reversal. Polynomial invariants cannot carry it: the connected
    group is dense in the determinant-preserving one for polynomials.

    Parameters
    ----------
    rep : symlearn.reps.Rep
        The input representation: Vectors parts (all in R^d) and Scalars.
    frame : array-like of shape (d, d)
        ``[E | C]`` from :func:`invariant_frame`.
    form : array-like of shape (r, r)
        The preserved form on the span of ``E``.
    oriented : bool, default=True
        Add the determinants: invariant under the determinant-preserving group only.
    scaling : bool, default=False
        The group also scales the moved subspace uniformly.
    time_oriented : bool, default=False
        Add the time orientations (a form with one negative sign only):
        invariant under the connected group only.

    Attributes
    ----------
    n_features : int
        Number of invariant features.
    """

    def __init__(self, rep, frame, form, *, oriented=True, scaling=False, time_oriented=False):
        super().__init__()
        self.scaling = bool(scaling)
        self.n_inputs = rep.size
        vector_index, other_index, points = _layout(rep)
        frame = np.asarray(frame, dtype=float)
        form = np.asarray(form, dtype=float)
        n, r = len(vector_index), len(form)
        self.r, self.n_vectors = r, n
        tuples = list(combinations(range(n), r)) if oriented and n >= r else []
        values, axes = np.linalg.eigh(form)
        # The one negative axis of the form, as a covector a -> e^T B a; none otherwise.
        time = (form @ axes[:, 0])[None] if time_oriented and np.sum(values < 0) == 1 else []
        self.n_features = (
            n * (n + 1) // 2 + len(tuples) + n * len(time) + n * (len(frame) - r) + len(other_index)
        )
        if self.n_features > MAX_FEATURES:
            raise ValueError(
                f"{n} vectors give {self.n_features} invariant features (products and "
                f"{comb(n, r) if oriented else 0} determinants), more than {MAX_FEATURES}."
            )
        rows, cols = np.triu_indices(n)
        self.register_buffer("vector_index", torch.as_tensor(vector_index, dtype=torch.long))
        # Points are centred on their centroid (derived from the layout, not saved).
        self.register_buffer("points", torch.as_tensor(points), persistent=False)
        self.register_buffer("other_index", torch.as_tensor(other_index, dtype=torch.long))
        self.register_buffer(
            "coordinates", torch.as_tensor(np.linalg.inv(frame), dtype=torch.float32)
        )
        self.register_buffer("frame", torch.as_tensor(frame, dtype=torch.float32))
        self.register_buffer("form", torch.as_tensor(form, dtype=torch.float32))
        # Derived from the form, so not saved: the state is the same whether or not it applies.
        self.register_buffer(
            "time",
            torch.as_tensor(np.asarray(time).reshape(-1, r), dtype=torch.float32),
            persistent=False,
        )
        self.register_buffer("pairs", torch.as_tensor(np.stack([rows, cols]), dtype=torch.long))
        self.register_buffer(
            "tuples",
            torch.as_tensor(np.asarray(tuples, dtype=int).reshape(-1, r), dtype=torch.long),
        )

    def split(self, x):
        """The moved coordinates ``a`` (B, n, r) and fixed ones ``b`` (B, n, d - r) of the vectors."""
        items = x[:, self.vector_index]
        if self.points.any():
            centroid = items[:, self.points].mean(dim=1, keepdim=True)
            items = torch.where(self.points[None, :, None], items - centroid, items)
        coordinates = items @ self.coordinates.T
        return coordinates[..., : self.r], coordinates[..., self.r :]

    def invariants(self, x):
        """The features (B, n_features) and the squared scale (B,) (ones without scaling)."""
        return self.invariants_of(x, *self.split(x))

    def invariants_of(self, x, a, b):
        """:meth:`invariants` from the coordinates ``a, b`` that :meth:`split` gave for ``x``."""
        products = torch.einsum("bia,ac,bjc->bij", a, self.form, a)
        squared_scale = products.new_ones(len(x))
        if self.scaling:
            # Positive and of degree 2 for an indefinite form too.
            squared_scale = products.flatten(1).norm(dim=1).clamp_min(1e-30) / self.n_vectors
        parts = [products[:, self.pairs[0], self.pairs[1]] / squared_scale[:, None]]
        if len(self.tuples):
            determinants = torch.linalg.det(a[:, self.tuples])
            parts.append(determinants / squared_scale[:, None] ** (self.r / 2))
        if len(self.time):
            cone = torch.diagonal(products, dim1=1, dim2=2).neg().clamp_min(0.0)
            sides = torch.sign(a @ self.time[0])
            parts.append(sides * cone / squared_scale[:, None])
        parts += [b.flatten(1), x[:, self.other_index]]
        return torch.cat(parts, dim=1), squared_scale

    def forward(self, x):
        return self.invariants(x)[0]


class InvariantModel(LinearPart, nn.Module):
    """A backbone on invariant features: exactly invariant or equivariant outputs.

    Invariant outputs are the backbone's. For a ``Vectors(m, d)`` output
    the backbone gives, per output vector, coefficients ``f_i`` of the input
    vectors' moved parts and the fixed part: ``y = E sum_i f_i a_i + C h``.
    For a ``Tensor(d, 2)`` output (the group moving all of R^d) it gives
    ``f_ij`` and ``f_0``: ``y = sum_ij f_ij v_i v_j^T + f_0 B^-1``
    (``f_0 s^2 B^-1`` when the group scales, so that ``y`` scales as
    ``v v^T`` does). These outputs span the maps equivariant under the whole
    ``O(B)``: pseudo-vectors of the connected group (cross products, the
    angular momentum ``r x p``) and its antisymmetric invariant tensors are
    not built.

    Parameters
    ----------
    features : InvariantFeatures
    backbone : torch.nn.Module
        From ``(B, features.n_features)`` to ``(B, n_coefficients(...))``.
    output_rep : symlearn.reps.Rep or None
        ``None``: invariant outputs.

    Attributes
    ----------
    linear_part, output_scale : torch.Tensor
        With an ``output_rep``, a fixed linear part of the rows added to the
        outputs (see :class:`~symlearn.nn.LinearPart`): the reference
        model's, which commutes with every searched direction and so with
        the group.
    """

    def __init__(self, features, backbone, output_rep=None):
        super().__init__()
        self.features, self.backbone = features, backbone
        self.output_rep = output_rep
        n_coefficients(features, output_rep)  # raises for what it cannot build
        if output_rep is not None:
            self._init_linear_part(output_rep.size, features.n_inputs)
        # B^-1 in the vectors' own axes (v = E a): the invariant rank-2 tensor.
        moved = features.frame[:, : features.r]
        self.register_buffer("inverse_form", moved @ torch.linalg.inv(features.form) @ moved.T)

    @torch.no_grad()
    def standardize_inputs(self, X):
        """Centre and scale the invariant features on rows ``X`` for the backbone.

        Only a :class:`~symlearn.nn.MLP` backbone is standardized; others are
        left alone. Returns ``self``.
        """
        if isinstance(self.backbone, MLP):
            frame = self.features.frame
            rows = torch.as_tensor(np.asarray(X), dtype=frame.dtype).to(frame.device)
            standardize_on_invariants(self.backbone, self.features(rows))
        return self

    def forward(self, x):
        a, b = self.features.split(x)
        features, squared_scale = self.features.invariants_of(x, a, b)
        coefficients = self.backbone(features)
        if self.output_rep is None:
            return coefficients
        n, d, r = a.shape[1], len(self.features.frame), self.features.r
        outputs, start = [], 0
        for _, part in self.output_rep.feature_slices():
            if isinstance(part, Scalars):
                outputs.append(coefficients[:, start : start + part.n])
                start += part.n
            elif isinstance(part, Vectors):
                size = part.n * (n + d - r)
                c = coefficients[:, start : start + size].reshape(len(x), part.n, n + d - r)
                moved = torch.einsum("bmi,bir->bmr", c[..., :n], a)
                local = torch.cat([moved, c[..., n:]], dim=2)
                outputs.append((local @ self.features.frame.T).flatten(1))
                start += size
            else:  # Tensor(d, 2), the group moving all of R^d
                size = n * n + 1
                c = coefficients[:, start : start + size]
                f = c[:, :-1].reshape(len(x), n, n)  # not symmetric: T need not be
                v = a @ self.features.frame[:, :r].T  # the vectors, in their own axes
                tensor = torch.einsum("bij,bia,bjc->bac", f, v, v)
                # The invariant tensor scales as the products do.
                tensor = tensor + (c[:, -1] * squared_scale)[:, None, None] * self.inverse_form
                outputs.append(tensor.flatten(1))
                start += size
        return self._with_linear_part(torch.cat(outputs, dim=1), x)


def standardize_on_invariants(network, features, free=0):
    """Set an MLP's input standardization from invariant ``features`` (rows, columns).

    The invariants are computed in float32, so float32's round-off, against
    their common size, decides which are constant. ``free`` trailing inputs
    that the features do not cover (learned messages) keep offset 0 and
    scale 1. Networks other than :class:`~symlearn.nn.MLP` are left alone.
    """
    if not isinstance(network, MLP):
        return
    features = np.asarray(torch.as_tensor(features).double().cpu())
    padded = np.concatenate([features, np.zeros((len(features), free))], axis=1)
    network.standardize_inputs(
        padded, round_off=FLOAT32_ROUND_OFF, size=float32_feature_size(features)
    )


def n_coefficients(features, output_rep):
    """Outputs the backbone of an :class:`InvariantModel` needs for ``output_rep``."""
    if output_rep is None:
        return None
    n, d, r = features.n_vectors, len(features.frame), features.r
    total = 0
    for _, part in output_rep.feature_slices():
        if isinstance(part, Scalars):
            total += part.n
        elif isinstance(part, Vectors) and part.vector_dim == d:
            total += part.n * (n + d - r)
        elif isinstance(part, Tensor) and part.order == 2 and part.tensor_dim == d and r == d:
            total += n * n + 1
        else:
            raise ValueError(
                f'symmetrize="invariant_features" builds Scalars, Vectors(m, {d}) outputs and, '
                f"when the group moves all of R^{d}, Tensor({d}, 2); output_rep has {part!r}"
                f"{' and the group moves a subspace only' if isinstance(part, Tensor) else ''}."
            )
    return total
