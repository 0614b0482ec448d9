"""The structure of a span of generators: closure, readable basis, known names."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._config import Fields
from ._algebra import as_generator_stack, canonicalize_signs, lie_bracket

if TYPE_CHECKING:
    from .._typing import ArrayLike, Generators

__all__ = [
    "AlgebraIdentity",
    "identify_algebra",
    "invariant_forms",
    "orthonormal_span",
    "sparse_basis",
    "structure_constants",
]


def _flat(stack):
    return stack.reshape(len(stack), -1)


#: Arrays built a block at a time hold at most about this many entries (32 MB).
CHUNK_ENTRIES = 1 << 22

#: Combinations of the generators that stand for them in a large invariant-form system.
N_FORM_COMBINATIONS = 8

#: Spans of more directions than this are not rotated to a readable basis (see sparse_basis).
MAX_ROTATED_SPAN = 128


def orthonormal_span(generators: Generators, *, rtol: float = 1e-6) -> np.ndarray:
    """Orthonormal basis (Frobenius inner product) of the span of ``generators``.

    Parameters
    ----------
    generators : array-like of shape (k, d, d)
    rtol : float, default=1e-6
        Singular values below ``rtol`` times the largest count as zero.

    Returns
    -------
    basis : ndarray of shape (r, d, d)
        ``r`` is the numerical rank.
    """
    stack = as_generator_stack(generators)
    if len(stack) == 0:
        return stack.copy()
    flat = _flat(stack)
    nonzero = flat != 0
    if nonzero.sum(axis=0).max() <= 1:
        # Entries in disjoint places (the elementary basis of gl(d), rescaled):
        # already orthogonal, so normalized and without an SVD (gl(50): 2 s).
        norms = np.linalg.norm(flat, axis=1)
        kept = norms > rtol * max(norms.max(), 1e-300)
        return (flat[kept] / norms[kept, None]).reshape(-1, *stack.shape[1:])
    _, singular_values, vt = np.linalg.svd(flat, full_matrices=False)
    rank = int(np.sum(singular_values > rtol * max(singular_values.max(), 1e-300)))
    return vt[:rank].reshape(rank, *stack.shape[1:])


def structure_constants(generators: Generators) -> tuple[np.ndarray, float]:
    """Structure constants of a span and how far it is from closing under the bracket.

    For an orthonormal basis ``A_i`` (Frobenius inner product) the brackets
    are projected back onto the span: ``[A_i, A_j] = sum_k c_ijk A_k + R_ij``.
    A Lie algebra has ``R_ij = 0``.

    Parameters
    ----------
    generators : array-like of shape (k, d, d)
        Orthonormal generators (e.g. from :func:`orthonormal_span`).

    Returns
    -------
    constants : ndarray of shape (k, k, k)
        ``c_ijk``, antisymmetric in ``i, j``.
    closure_error : float
        ``sqrt(sum_ij |R_ij|^2 / sum_ij |A_i|^2 |A_j|^2)``: the part of the
        brackets that leaves the span, relative to the generators' size
        (for an orthonormal basis, the root-mean-square residual of a
        bracket of two unit generators). 0 for a Lie algebra, abelian or
        not; at most ``sqrt(2)``.

    Examples
    --------
    >>> from symlearn.lie import so_generators
    >>> so3 = so_generators(3) / np.sqrt(2)
    >>> constants, error = structure_constants(so3)
    >>> constants.shape, round(error, 12)
    ((3, 3, 3), 0.0)
    """
    basis = as_generator_stack(generators)
    k, d = len(basis), basis.shape[-1]
    if k == 0:
        return np.zeros((0, 0, 0)), 0.0
    constants = np.empty((k, k, k))
    squared = 0.0
    # Brackets of a block of rows at a time: memory k d^2 per row, not k^2 d^2.
    rows = max(1, CHUNK_ENTRIES // (k * d * d))
    for start in range(0, k, rows):
        brackets = lie_bracket(basis[start : start + rows, None], basis[None, :])
        block = np.einsum("ijab,kab->ijk", brackets, basis)
        residual = brackets - np.einsum("ijk,kab->ijab", block, basis)
        constants[start : start + rows] = block
        squared += float(np.sum(residual**2))
    norms = np.sum(_flat(basis) ** 2, axis=1)
    scale = np.sum(np.outer(norms, norms))
    return constants, float(np.sqrt(squared / max(scale, 1e-300)))


def _varimax_criterion(rotated):
    p = len(rotated)
    return float(np.sum(rotated**4) - np.sum(np.sum(rotated**2, axis=0) ** 2) / p)


def _varimax_from(loadings, rotation, max_iter, tol):
    p = len(loadings)
    objective = 0.0
    for _ in range(max_iter):
        rotated = loadings @ rotation
        # Columns scaled by broadcasting: a diagonal matrix product costs p k^2.
        target = rotated**3 - rotated * (np.sum(rotated**2, axis=0) / p)
        u, s, vt = np.linalg.svd(loadings.T @ target)
        rotation = u @ vt
        previous, objective = objective, np.sum(s)
        if previous and objective < previous * (1 + tol):
            break
    return loadings @ rotation


def _varimax(loadings, *, max_iter=200, tol=1e-10):
    """Rotate the columns of ``loadings`` (p, k) to maximize the variance of squares.

    The iteration cannot leave a stationary point, and a span whose
    readable directions sit at 45 degrees to the given basis (the two
    elementary shears, for rotation and shear) starts on one. So it also
    starts from one fixed generic rotation and keeps the better result.
    """
    k = loadings.shape[1]
    generic, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((k, k)))
    candidates = [_varimax_from(loadings, start, max_iter, tol) for start in (np.eye(k), generic)]
    scores = [_varimax_criterion(c) for c in candidates]
    # Ties keep the rotation reached from the given basis.
    return candidates[1] if scores[1] > scores[0] * (1 + 1e-9) + 1e-12 else candidates[0]


def sparse_basis(
    generators: Generators, *, rtol: float = 1e-6, coordinates: ArrayLike | None = None
) -> np.ndarray:
    """A readable orthonormal basis of the span of ``generators``.

    The span is orthonormalized and then rotated within itself (varimax on the
    flattened matrices) so that each generator has as few large entries as
    the span allows: a span of so(3) in any basis comes back as the three
    plane rotations. Signs are fixed by :func:`canonicalize_signs`. The span
    itself is unchanged. A span of more than ``MAX_ROTATED_SPAN`` directions
    is left in its orthonormal basis: each varimax iteration costs
    ``O(d^2 k^2 + k^3)``, and spans that large (most of gl(50)) read as
    nothing anyway (measured: a fit on 50 tabular features spent minutes
    here before this cap).

    Parameters
    ----------
    generators : array-like of shape (k, d, d)
    rtol : float, default=1e-6
    coordinates : array-like of shape (m, d, d), default=None
        An orthonormal basis whose directions are the readable ones, e.g.
        :func:`~symlearn.lie.planar_motions` for images: sparsity is then
        judged on the coefficients in it (the span must lie in its span),
        so that rotation and shear come apart instead of the two
        elementary shears their sums make. ``None`` judges the matrix entries.

    Returns
    -------
    basis : ndarray of shape (r, d, d)
        Orthonormal, ``r`` the rank of the input.

    Examples
    --------
    >>> from symlearn.lie import so_generators
    >>> rng = np.random.default_rng(0)
    >>> mixed = np.einsum("ij,jab->iab", rng.standard_normal((3, 3)), so_generators(3))
    >>> basis = sparse_basis(mixed)
    >>> bool(np.all(np.sum(np.abs(basis) > 1e-6, axis=(1, 2)) == 2))
    True
    """
    basis = orthonormal_span(generators, rtol=rtol)
    if 1 < len(basis) <= MAX_ROTATED_SPAN:
        if coordinates is None:
            rotated = _varimax(_flat(basis).T).T
            basis = rotated.reshape(basis.shape)
        else:
            coordinates = as_generator_stack(coordinates, name="coordinates")
            loadings = np.einsum("kab,mab->mk", basis, coordinates)
            if not np.allclose(np.einsum("mk,mab->kab", loadings, coordinates), basis, atol=1e-6):
                raise ValueError(
                    "The generators do not lie in the span of coordinates, so they cannot "
                    "be written in it; pass coordinates that span them."
                )
            basis = np.einsum("mk,mab->kab", _varimax(loadings), coordinates)
    return canonicalize_signs(basis)


def invariant_forms(
    generators: Generators, *, rtol: float = 1e-8
) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric bilinear forms ``Q`` preserved by every generator, best first.

    Solves ``A^T Q + Q A = 0`` for symmetric ``Q`` in the least-squares
    sense. A span of so(p, q) in some coordinates preserves one
    non-degenerate form, whose signature gives ``(p, q)``.

    Parameters
    ----------
    generators : array-like of shape (k, d, d)
    rtol : float, default=1e-8
        Unused singular directions below this relative size are dropped.

    Returns
    -------
    residuals : ndarray of shape (m,)
        ``sqrt(sum_A |A^T Q + Q A|^2 / sum_A |A|^2)`` for each candidate unit form,
        increasing;
        ``m = d (d + 1) / 2``.
    forms : ndarray of shape (m, d, d)
        Unit-norm symmetric matrices, matching ``residuals``.
    """
    stack = as_generator_stack(generators)
    d = stack.shape[1]
    if len(stack) * d**4 > 4 * CHUNK_ENTRIES and len(stack) > N_FORM_COMBINATIONS:
        # The system has k d^2 rows of d (d + 1) / 2 unknowns (128 generators
        # of 50 x 50: 3.3 GB). Random orthonormal combinations of the
        # generators keep its solutions (any form preserved by every
        # generator is preserved by their combinations, and 8 d^2 equations
        # for d (d + 1) / 2 unknowns leave no others, almost surely), and the
        # relative residual is measured on them.
        mixing, _ = np.linalg.qr(
            np.random.default_rng(0).standard_normal((len(stack), N_FORM_COMBINATIONS))
        )
        stack = np.einsum("kc,kab->cab", mixing, stack)
    rows, cols = np.triu_indices(d)
    symmetric_basis = np.zeros((len(rows), d, d))
    symmetric_basis[np.arange(len(rows)), rows, cols] = 1.0
    symmetric_basis[np.arange(len(rows)), cols, rows] = 1.0
    symmetric_basis /= np.linalg.norm(_flat(symmetric_basis), axis=1)[:, None, None]
    # Column s holds A^T S_s + S_s A for every generator, stacked.
    images = np.einsum("kba,sbc->skac", stack, symmetric_basis) + np.einsum(
        "sab,kbc->skac", symmetric_basis, stack
    )
    system = images.reshape(len(symmetric_basis), -1).T
    # Only the right singular vectors are needed: the left ones of a tall system
    # (k d^2 rows) would cost O((k d^2)^2), 6 s at d = 16 with 29 generators.
    _, singular_values, vt = np.linalg.svd(system, full_matrices=False)
    if len(vt) < system.shape[1]:  # fewer equations than unknowns: complete the basis
        _, _, vt = np.linalg.svd(system, full_matrices=True)
    singular_values = np.r_[singular_values, np.zeros(len(vt) - len(singular_values))]
    scale = max(np.linalg.norm(_flat(stack)), 1e-300)
    order = np.argsort(singular_values)
    residuals = singular_values[order] / scale
    forms = np.einsum("ms,sab->mab", vt[order], symmetric_basis)
    return residuals, forms


@dataclass(frozen=True)
class AlgebraIdentity:
    """What a span of generators is, as far as :func:`identify_algebra` can tell.

    Attributes
    ----------
    name : str
        E.g. ``"so(3)"``, ``"so(1,3)"``, ``"scaling"``, ``"so(2) + scaling"``,
        ``"gl(2)"``, ``"sl(2)"``,
        ``"2-dimensional abelian algebra"`` or ``"trivial"``.
    dimension : int
        Dimension of the span.
    acting_dimension : int
        Dimension of the subspace of R^d the generators move; the rest is fixed.
    axes : tuple of int
        Coordinate axes of R^d that the generators involve.
    signature : tuple of int or None
        ``(p, q)`` of the preserved metric, when one was found.
    invariant_form : ndarray of shape (d, d) or None
        The preserved symmetric form (on the acting subspace, embedded in R^d).
    closure_error : float
        From :func:`structure_constants`.
    compact : bool
        Whether the group is compact (it preserves a definite form).
    """

    name: str
    dimension: int
    acting_dimension: int
    axes: tuple
    signature: tuple | None
    invariant_form: np.ndarray | None
    closure_error: float
    compact: bool

    def to_config(self):
        """The identity as plain data (see :meth:`from_config`)."""
        config = dataclasses.asdict(self)
        config["axes"] = list(self.axes)
        config["signature"] = None if self.signature is None else list(self.signature)
        return config

    @classmethod
    def from_config(cls, config, dim, path="algebra", reader=None):
        """The identity a :meth:`to_config` description holds, for an algebra of ``gl(dim)``."""
        keys = [f.name for f in dataclasses.fields(cls)]
        fields = Fields(config, path, required=keys, reader=reader)
        signature = None
        if fields.has("signature"):
            signature = fields.items("signature", 2)
            if len(signature) != 2 or not all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= dim for n in signature
            ):
                raise fields.error("signature", f"must be two integers in [0, {dim}].")
        axes = fields.items("axes", dim)
        if not all(isinstance(a, int) and not isinstance(a, bool) and 0 <= a < dim for a in axes):
            raise fields.error("axes", f"must be axis indices in [0, {dim}).")
        return cls(
            name=fields.string("name", max_length=200),
            dimension=fields.integer("dimension", 0, dim * dim),
            acting_dimension=fields.integer("acting_dimension", 0, dim),
            axes=tuple(axes),
            signature=None if signature is None else tuple(signature),
            invariant_form=fields.optional("invariant_form", fields.array, (dim, dim)),
            closure_error=fields.number("closure_error", low=0),
            compact=fields.boolean("compact"),
        )


def _acting_subspace(stack, rtol):
    # Everything a generator or its transpose can reach; its complement is fixed.
    d = stack.shape[1]
    reach = np.concatenate([*stack, *stack.transpose(0, 2, 1)], axis=1).reshape(d, -1)
    u, s, _ = np.linalg.svd(reach, full_matrices=False)
    rank = int(np.sum(s > rtol * max(s.max(initial=0.0), 1e-300)))
    return u[:, :rank]


def split_scaling(restricted, *, tol):
    """Split uniform scaling off an orthonormal span (k, n, n) acting on all of R^n.

    Returns ``(has_scaling, rest)``: whether the span holds the identity
    (within ``tol``), and an orthonormal basis of what is left besides it
    (the span itself when it holds no scaling).
    """
    n = restricted.shape[1]
    identity = np.eye(n) / np.sqrt(n)
    weights = np.einsum("kij,ij->k", restricted, identity)
    has_scaling = bool(np.linalg.norm(weights) > 1 - tol)
    if not has_scaling:
        return False, restricted
    rest = restricted - np.einsum("k,ij->kij", weights, identity)
    # The scaling alone leaves round-off, which a relative rank would keep.
    return True, orthonormal_span(rest, rtol=tol) if len(restricted) > 1 else rest[:0]


def identify_algebra(
    generators: Generators, *, tol: float = 0.1, affine: bool = False
) -> AlgebraIdentity:
    """Name the Lie algebra spanned by ``generators`` up to a change of basis.

    Recognizes so(n) and so(p, q) in any coordinates (through the form they
    preserve), the same acting on a subspace only, uniform scaling, a sum
    of one of these with scaling, gl(n), sl(n) and abelian algebras. Discovered
    generators are noisy, so every test uses the relative tolerance ``tol``.
    Homogeneous affine generators (``affine=True``) are named by their
    linear part and their pure translations, e.g. ``"e(2)"`` for rotations
    and translations of the plane.

    Parameters
    ----------
    generators : array-like of shape (k, d, d)
    tol : float, default=0.1
        Relative tolerance of the rank, closure and invariant-form tests.
    affine : bool, default=False
        Read the generators as ``[[A, b], [0, 0]]`` acting on points of R^(d-1).

    Returns
    -------
    identity : AlgebraIdentity

    Examples
    --------
    >>> from symlearn.lie import so_generators, so_pq_generators
    >>> identify_algebra(so_generators(3)).name
    'so(3)'
    >>> identify_algebra(so_pq_generators(1, 3)).name
    'so(1,3)'
    >>> identify_algebra(np.eye(2)[None]).name
    'scaling'
    """
    stack = as_generator_stack(generators)
    basis = orthonormal_span(stack)
    k = len(basis)
    if k == 0:
        return AlgebraIdentity("trivial", 0, 0, (), None, None, 0.0, True)
    if affine:
        return _identify_affine(basis, tol)
    _, closure = structure_constants(basis)
    frame = _acting_subspace(basis, tol)
    n = frame.shape[1]
    axes = tuple(int(i) for i in np.flatnonzero(np.sum(frame**2, axis=1) > tol**2))
    restricted = np.einsum("ai,kab,bj->kij", frame, basis, frame)

    has_scaling, rest = split_scaling(restricted, tol=tol)

    def result(name, signature=None, form=None, compact=False):
        return AlgebraIdentity(name, k, n, axes, signature, form, closure, compact)

    if len(rest) == 0:
        return result("scaling")
    suffix = " + scaling" if has_scaling else ""
    # so(p, q) is recognized by the metric it preserves, in whatever coordinates.
    residuals, forms = invariant_forms(rest)
    # Noisy generators preserve no form exactly; a clear gap to the next
    # candidate still singles one out.
    if residuals[0] < tol or residuals[0] < 0.5 * residuals[1]:
        eigenvalues = np.linalg.eigvalsh(forms[0])
        if np.min(np.abs(eigenvalues)) > tol * np.max(np.abs(eigenvalues)):
            p = int(np.sum(eigenvalues > 0))
            p, q = min(p, n - p), max(p, n - p)
            form = frame @ forms[0] @ frame.T
            name = f"so({n})" if p == 0 else f"so({p},{q})"
            if len(rest) != n * (n - 1) // 2:
                if closure > tol:
                    return result(f"{k}-dimensional span, not closed under the bracket")
                name = f"{len(rest)}-dimensional subalgebra of {name}"
            return result(name + suffix, (p, q) if p else (n, 0), form, p == 0)
    if closure > tol:
        return result(f"{k}-dimensional span, not closed under the bracket")
    if k == n * n:
        return result(f"gl({n})")
    traces = np.einsum("kii->k", restricted)
    if k == n * n - 1 and np.all(np.abs(traces) < tol):
        return result(f"sl({n})")
    brackets = lie_bracket(rest[:, None], rest[None, :])
    if np.sqrt(np.sum(brackets**2)) < tol:
        return result(f"{k}-dimensional abelian algebra")
    return result(f"{k}-dimensional Lie algebra")


def _identify_affine(basis, tol):
    """Name an affine algebra by its linear part and the translations it contains."""
    n = basis.shape[1] - 1
    _, closure = structure_constants(basis)
    linear = basis[:, :n, :n].reshape(len(basis), -1)
    # Coefficient vectors with no linear part: the pure translations in the span.
    _, singular, vt = np.linalg.svd(linear, full_matrices=False)
    rank = int(np.sum(singular > tol))
    n_translations = len(basis) - rank
    linear_identity = identify_algebra(vt[:rank].reshape(rank, n, n), tol=tol)
    if n_translations == n and linear_identity.name == f"so({n})":
        name = f"e({n})"
    elif n_translations == 0:
        name = linear_identity.name
    else:
        shifts = "translations" if n_translations == n else f"{n_translations} translations"
        name = shifts if rank == 0 else f"{linear_identity.name} + {shifts}"
    compact = n_translations == 0 and linear_identity.compact
    return AlgebraIdentity(name, len(basis), n, tuple(range(n)), None, None, closure, compact)
