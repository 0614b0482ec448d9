"""The linear part of an equivariant target that every searched direction leaves alone.

A one-step map of a dynamical system is nearly the identity, ``y = x +
dt h(x)``; so is any map from states to nearby states. The identity
commutes with *every* linear map of the vectors, so it carries no
information about which of them is a symmetry, yet a network has to learn
it before it can learn ``h``: on one-step two-body orbits (1,000 rows) the
default MLP reached held-out R^2 0.978 and mistook all of gl(2) for a
symmetry, because its own error was larger than ``dt h``.

The maps ``W`` (outputs x inputs, model coordinates) with
``drho_out(L) W = W T_L`` and ``W c_L = 0`` for every direction ``L`` of the
search space, where the input tangent is ``T_L x + c_L`` (``c_L`` the
translation of an affine direction), commute with the whole searched group:
for ``Vectors`` in and out under gl(d) they are ``A (x) I_d``, mixing whole
vectors. The least-squares ``W`` among them is fitted on the training rows
(like the input standardization) and the default backbone learns the rest
(:meth:`symlearn.nn.MLP.set_linear_part`). Being equivariant under every
searched direction, ``W`` changes no direction's first-order error, the
symmetry score or any equivariance measure; it only takes from the network
what no direction could be judged on.
"""

import numpy as np
import torch

from ._scaling import FLOAT32_ROUND_OFF, RepStandardizer
from .reps import Scalars
from .reps._image import has_image

__all__ = [
    "commuting_maps",
    "fit_linear_part",
    "has_linear_part",
    "linear_predictions",
    "residual_scale",
]

#: The constraint on ``W`` is a square matrix of side outputs x inputs; a
#: larger one is not solved (its eigendecomposition would cost seconds), and
#: the backbone learns the whole target, as it would without this. Five
#: two-body states in and out (40 x 40) take 2 s with both cores busy.
MAX_MAP_ENTRIES = 1600

#: Nor are more commuting maps than this fitted: the ridge's moments cost
#: maps^2 x outputs x inputs per fold (400 maps of 40 x 40: 0.5 s in all).
MAX_MAPS = 400

#: Eigenvalues of the constraint below this fraction of its largest are zero.
NULL_TOLERANCE = 1e-10


def _tangent_matrices(rep, directions, linear):
    """``(T, c)``: each direction's tangent as ``T_L x + c_L``, (k, size, size) and (k, size)."""
    rows = torch.cat([torch.zeros(1, rep.size), torch.eye(rep.size)]).double()
    tangents = rep.tangent(torch.as_tensor(linear if linear is not None else directions), rows)
    offset = tangents[0]  # (k, size): the tangent at the origin
    T = (tangents[1:] - offset).permute(1, 2, 0)  # (k, size_out, size_in)
    return T.numpy(), offset.numpy()


def commuting_maps(input_rep, output_rep, directions):
    """A basis of the linear maps from inputs to outputs that commute with ``directions``.

    Parameters
    ----------
    input_rep : symlearn.reps.Rep
    output_rep : symlearn.reps.Rep or None
        ``None``: invariant targets.
    directions : ndarray of shape (k, d, d)
        The search space's basis, model coordinates.

    Returns
    -------
    ndarray of shape (b, n_outputs, n_features)
        Orthonormal (in the Frobenius inner product); ``b = 0`` when nothing
        commutes, for images, and beyond ``MAX_MAP_ENTRIES`` or ``MAX_MAPS``.
    """
    n_inputs = input_rep.size
    n_outputs = (output_rep or Scalars(1)).size
    empty = np.zeros((0, n_outputs, n_inputs))
    # Invariant targets (Scalars outputs included) keep no linear part: it
    # would be a regression on the Scalars inputs, nothing a direction moves.
    if output_rep is None or output_rep.dim is None:
        return empty
    if has_image(input_rep) or has_image(output_rep):
        return empty
    size = n_outputs * n_inputs
    if size > MAX_MAP_ENTRIES:
        return empty
    directions = np.asarray(directions, dtype=np.float64)
    T_in, c_in = _tangent_matrices(input_rep, directions, None)
    linear = directions
    if directions.shape[-1] == output_rep.dim + 1:
        linear = directions[..., :-1, :-1]  # affine directions act on outputs by their linear part
    R, _ = _tangent_matrices(output_rep, None, linear)
    # The constraint K_L w = vec(R_L W - W T_L) = 0 and W c_L = 0 on w = vec(W)
    # (row-major), K_L = R_L (x) I - I (x) T_L^T, as the Gram matrix
    # sum_L K_L^T K_L: its square terms summed over the directions first, its
    # cross terms sum_L R_L (x) T_L as one matrix product (gl(40): 1,600
    # directions, 87 s as one Kronecker product per direction).
    k = len(directions)
    squares_out = np.einsum("kji,kjl->il", R, R)
    squares_in = np.einsum("kij,klj->il", T_in, T_in) + c_in.T @ c_in
    cross = (R.reshape(k, -1).T @ T_in.reshape(k, -1)).reshape(
        n_outputs, n_outputs, n_inputs, n_inputs
    )
    cross = cross.transpose(0, 2, 1, 3).reshape(size, size)  # sum_L R_L (x) T_L
    gram = np.kron(squares_out, np.eye(n_inputs)) + np.kron(np.eye(n_outputs), squares_in)
    gram -= cross + cross.T
    values, vectors = np.linalg.eigh(gram)
    null = values <= NULL_TOLERANCE * max(values.max(initial=0.0), 1.0)
    if null.sum() > MAX_MAPS:
        return empty
    return vectors[:, null].T.reshape(-1, n_outputs, n_inputs)


#: Ridge strengths tried, relative to the largest eigenvalue of the maps' Gram
#: matrix. None below 1e-3: past states of smooth orbits are nearly collinear,
#: and a weaker ridge gave coefficients up to 1e3-5e4 that cancel on the rows
#: seen; the layers then learnt around them badly (five-step two-body orbits,
#: 600 rows: test MSE 2.5e-3 with a cross-validated ridge down to 1e-10,
#: 1.7e-4 from 1e-3, 1.4e-4 with no linear part at all). Near-identity maps
#: lose nothing to it (one step: 8.28e-5 -> 8.31e-5 for the linear part alone).
RIDGE_GRID = np.logspace(-3, 0, 7)

#: Folds of the rows over which the ridge strength is chosen.
N_FOLDS = 5


def _normal_equations(X, Y, maps, weights):
    """``(A, b)`` with ``|Y - X W^T|^2 = beta^T A beta - 2 b^T beta + c`` for ``W = sum beta_k maps_k``.

    Through the moments ``X^T X`` and ``X^T Y``: the design itself, one
    column per map and one row per row and output, would hold rows x
    outputs x maps numbers.
    """
    weighted = X if weights is None else X * weights[:, None]
    Sxx, Sxy = weighted.T @ X, weighted.T @ Y
    flat = maps.reshape(len(maps), -1)  # (b, o D): matrix products, not einsums
    moved = (maps @ Sxx).reshape(len(maps), -1)
    return moved @ flat.T, flat @ Sxy.T.reshape(-1)


def _unit_mean(weights, n):
    """Sample weights of mean 1 (all ones for None): sums of them neither overflow nor vanish."""
    if weights is None:
        return np.ones(n)
    weights = np.asarray(weights, dtype=np.float64)
    return weights / np.mean(weights / weights.max()) / weights.max()


def _ridge(A, b, alpha):
    return np.linalg.solve(A + alpha * np.eye(len(A)), b)


def fit_linear_part(X, Y, maps, weights=None):
    """The ridge fit ``W`` (n_outputs, n_features) in the span of ``maps``: ``Y ~ X W^T``.

    The ridge strength is chosen from ``RIDGE_GRID`` by cross-validation
    over folds of the rows.

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
    Y : ndarray of shape (n, n_outputs)
        Training rows and encoded targets, model coordinates.
    maps : ndarray of shape (b, n_outputs, n_features)
        Orthonormal, from :func:`commuting_maps`; ``b = 0`` gives zeros.
    weights : ndarray of shape (n,), optional
        Sample weights of the rows.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    if len(maps) == 0:
        return np.zeros((Y.shape[1], X.shape[1]))
    w = _unit_mean(weights, len(X))
    A, b = _normal_equations(X, Y, maps, w)
    alphas = RIDGE_GRID * max(np.linalg.eigvalsh(A)[-1], 1e-300)
    folds = np.arange(len(X)) % N_FOLDS
    errors = np.zeros(len(alphas))
    for fold in range(N_FOLDS if len(X) >= 2 * N_FOLDS else 0):
        out = folds == fold
        A_in, b_in = _normal_equations(X[~out], Y[~out], maps, w[~out])
        A_out, b_out = _normal_equations(X[out], Y[out], maps, w[out])
        for i, alpha in enumerate(alphas):
            beta = _ridge(A_in, b_in, alpha)
            errors[i] += beta @ A_out @ beta - 2 * b_out @ beta
    # The weakest ridge within round-off of the best: least shrinkage.
    best = np.flatnonzero(errors <= errors.min() + 1e-12 * abs(errors.min()))[0]
    return np.einsum("b,bod->od", _ridge(A, b, alphas[best]), maps)


def residual_scale(X, Y, W, output_rep, n_items=None, weights=None):
    """The spread of what ``W`` leaves of ``Y``, per output: one value per moving block.

    The scale :class:`~symlearn._scaling.RepStandardizer` would give the
    residual, so it commutes with the output action as the targets' does;
    at least ``FLOAT32_ROUND_OFF`` times the targets' own, since the model's
    float32 outputs cannot resolve less (an exactly linear target leaves
    round-off, which must not set the layers' unit). ``weights`` (n,): the
    rows' sample weights, as for :func:`fit_linear_part`.
    """
    Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    rep = output_rep or Scalars(Y.shape[1])
    residual = Y - np.asarray(X, dtype=np.float64) @ W.T
    # Rows weighted as in the fit: a root mean square of rows scaled by sqrt(w).
    root = np.sqrt(_unit_mean(weights, len(X)))[:, None]
    scale = RepStandardizer(rep, n_items).fit(residual * root).scale_
    return np.maximum(scale, FLOAT32_ROUND_OFF * RepStandardizer(rep, n_items).fit(Y * root).scale_)


def has_linear_part(backbone):
    """Whether ``backbone`` is a default MLP with a (nonzero) linear part."""
    W = getattr(backbone, "linear_part", None)
    return isinstance(W, torch.Tensor) and bool(W.any())


def linear_predictions(backbone, X):
    """``X W^T`` for a default backbone with a linear part ``W``, else None (model coordinates)."""
    if not has_linear_part(backbone):
        return None
    W = backbone.linear_part.detach().cpu().double().numpy()
    return np.asarray(X, dtype=np.float64) @ W.T
