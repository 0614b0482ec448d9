"""How strongly the data say that each direction is a symmetry, judged on the reference model.

The reference model is the backbone trained plainly, to convergence, on
the task: it was never pushed to be symmetric along anything. For every
direction ``L`` of the search space its first-order residual at a row
``x`` is ``r_L(x) = J(x) dL x - drho_out(L) f(x)``: the change of the
outputs (moved back, for an equivariant target) per unit of group
parameter. Three quadratic forms on the search space, averaged over
held-out rows, turn it into evidence:

* ``G(L) = E|r_L|^2``, the residual;
* ``N(L) = s^2 E|dL x|_W^2 + E|drho_out(L) f|^2``, what an *arbitrary*
  motion of the same size would do: ``|.|_W`` measures displacements in
  each feature's own standard deviation, and ``s^2`` is the model's mean
  squared sensitivity per standard deviation of one feature;
* ``F(L) = eps^2 (n_outputs E|dL x|_W^2 + |drho_out(L)|_F^2)``, what an
  *exact* symmetry would show given the model's own held-out error
  ``eps^2`` (per output, model units): its errors change on the scale of
  the data's spread.

``sqrt(G / N)`` is the normalized error of a direction (0 for a symmetry
of the model, about 1 for an arbitrary motion: scale-free and per unit of
displacement, so a motion that barely moves the data is not mistaken for
a symmetry) and ``sqrt(F / N)`` its floor. The directions are the
generalized eigenvectors of ``(G, N)``, most exact first; a bootstrap over
the rows gives each error an interval. Classifiers are measured on their
class probabilities, and their error is the Brier score.
"""

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import torch

from ._affine import affine_comparison, mean_squared_error
from ._linear_part import linear_predictions
from ._task import ClassificationTask

__all__ = ["Evidence", "measure_evidence", "rate_directions", "reference_score"]

#: The first-order quantities of a block of rows hold at most this many numbers (32 MB).
CHUNK_ENTRIES = 1 << 22

#: Bootstrap resamples of the rows for the error intervals.
N_BOOTSTRAP = 200

#: Features whose variance is below this fraction of the mean are constant:
#: the data cannot say whether moving them is a symmetry.
CONSTANT_FEATURE = 1e-8

#: A direction whose motion falls on constant features by more than this
#: fraction of its squared size cannot be judged.
STUCK_FRACTION = 0.01

#: A normalizing form whose estimated reciprocal condition number is above
#: this is solved with the target form in one call (then checked: see
#: ``_pencil``); three decades from the ``rtol`` below which whitening
#: leaves directions out.
MIN_RCOND = 1e-6


@dataclass(frozen=True, eq=False)
class Evidence:
    """The reference model's first-order evidence on every direction of the search space.

    Attributes
    ----------
    errors : ndarray of shape (m,)
        Normalized errors ``sqrt(G / N)``, increasing (0: a symmetry of the
        model; about 1: an arbitrary motion).
    intervals : ndarray of shape (m, 2)
        Bootstrap 5% and 95% quantiles of each error over the rows.
    floors : ndarray of shape (m,)
        ``sqrt(F / N)``: the error an exact symmetry would show, given the
        model's held-out error.
    directions : ndarray of shape (m, d, d)
        The matching unit-norm generators, model coordinates.
    reference_score : float
        The reference model's held-out R^2 (regression) or Brier skill
        score (classification): 1 is perfect, 0 no better than the mean
        (than its linear part, when it has one).
    beyond_linear : bool
        Whether ``reference_score`` is over what the model's linear part leaves.
    affine_ratio : float
        The reference model's held-out error (Brier score for classifiers)
        over that of an affine model of the training rows (see
        :func:`~symlearn._affine.affine_predictions`; NaN when not measured).
    affine_gain : float
        The bootstrap 5% quantile of the reference's gain over the affine
        model, ``1 - ratio`` resampled over the held-out rows (NaN when not
        measured). At or below 0 the data do not show that the model learnt
        more than an affine function.
    """

    errors: np.ndarray
    intervals: np.ndarray
    floors: np.ndarray
    directions: np.ndarray
    reference_score: float
    beyond_linear: bool = False
    affine_ratio: float = float("nan")
    affine_gain: float = float("nan")


def one_hot(labels, n_classes):
    """Class indices (n,) as rows of the identity, (n, n_classes)."""
    return np.eye(n_classes)[np.asarray(labels, dtype=int).ravel()]


def reference_score(outputs, targets, classify, weights=None, baseline=None):
    """Held-out R^2 of ``outputs`` (or the Brier skill score of class probabilities).

    ``weights``: the rows' sample weights, for weighted means (``None``: alike).
    ``baseline`` (n, n_outputs): predictions every searched direction leaves
    alone (the model's linear part, see :mod:`symlearn._linear_part`); the
    R^2 is then over what they leave, the share of the variation a symmetry
    could be judged on that the model explains.
    """
    outputs = np.asarray(outputs, dtype=float)
    if classify:
        probabilities = torch.softmax(torch.as_tensor(outputs), dim=1).numpy()
        truth = one_hot(targets, outputs.shape[1])
        predicted = probabilities
    else:
        truth = np.asarray(targets, dtype=float).reshape(outputs.shape)
        predicted = outputs
        if baseline is not None:
            truth, predicted = truth - baseline, predicted - baseline
    error = mean_squared_error(predicted, truth, weights)
    centre = np.average(truth, axis=0, weights=weights)
    prior = mean_squared_error(centre, truth, weights)
    return float(1.0 - error / prior) if prior > 0 else 0.0


@dataclass(frozen=True, eq=False)
class _FirstOrder:
    """A model's first-order quantities along some directions, built a block of rows at a time.

    The tangents ``dL x`` of ``k`` directions on ``n`` rows of ``D``
    features take ``n k D`` numbers (gl(50) on 200 held-out rows: 25
    million, and as many again for each product of them), so they are
    never held for all rows at once: :meth:`blocks` yields them for at
    most ``CHUNK_ENTRIES / (k D)`` rows, and the forms and per-row values
    are accumulated over the blocks. Only the Jacobian (``n o D``) is kept.
    """

    jacobian: torch.Tensor  # (n, o, D): d outputs / d inputs
    rows: torch.Tensor  # (n, D)
    measured: torch.Tensor  # (n, o): the outputs the output action moves
    directions: torch.Tensor  # (k, d, d)
    input_rep: object
    output_rep: object
    weights: torch.Tensor  # (D,): 1 / variance of each varying feature, 0 for constant ones
    varying: np.ndarray  # (D,) bool
    sensitivity: float  # s^2
    outputs: np.ndarray  # (n, o): the measured outputs (probabilities for classifiers)
    raw: np.ndarray  # (n, o): the model's outputs

    def blocks(self, directions=None):
        """``(tangents (b, k, D), residual (b, o, k), moved_outputs (b, o, k))`` per block of rows.

        Along ``directions`` (k, d, d), by default the ones measured.
        """
        directions = self.directions if directions is None else directions
        n, k, D = len(self.rows), len(directions), self.rows.shape[1]
        size = max(1, CHUNK_ENTRIES // max(k * D, 1))
        for start in range(0, n, size):
            where = slice(start, start + size)
            tangents = self.input_rep.tangent(directions, self.rows[where])
            residual = torch.einsum("nod,nkd->nok", self.jacobian[where], tangents)
            moved_outputs = torch.zeros_like(residual)
            if self.output_rep is not None:
                linear = _linear_parts(directions, self.output_rep)
                moved_outputs = self.output_rep.tangent(linear, self.measured[where])
                moved_outputs = moved_outputs.transpose(1, 2)
                residual = residual - moved_outputs
            yield tangents, residual, moved_outputs

    def eps2(self, targets, classify):
        """The model's held-out error per output (Brier per class for classifiers)."""
        if classify:
            onehot = one_hot(targets, self.outputs.shape[1])
            return float(np.mean((self.outputs - onehot) ** 2))
        targets = np.asarray(targets, dtype=float).reshape(self.raw.shape)
        return float(np.mean((self.raw - targets) ** 2))

    def per_row(self, coefficients):
        """Per-row residual and baseline of the directions ``coefficients`` (k, j), each (n, j)."""
        coefficients = torch.as_tensor(coefficients, dtype=torch.float64)
        # Every first-order quantity is linear in the direction, so the
        # combined directions are measured directly: n j D numbers, where
        # combining the basis's tangents took n k D j products (gl(50),
        # 200 rows: 6e10, most of the probe).
        combined = torch.einsum("kj,kab->jab", coefficients, self.directions)
        residuals, baselines = [], []
        for tangents, residual, moved_outputs in self.blocks(combined):
            residuals.append(residual.pow(2).sum(1))
            baseline = self.sensitivity * torch.einsum("njd,d->nj", tangents**2, self.weights)
            baselines.append(baseline + moved_outputs.pow(2).sum(1))
        return torch.cat(residuals).numpy(), torch.cat(baselines).numpy()

    def forms(self):
        """``(G, N, M, R)``: residual, baseline, tangent metric and output-action Gram, (k, k)."""
        n, k = len(self.rows), len(self.directions)
        G, M, P = (torch.zeros(k, k, dtype=torch.float64) for _ in range(3))
        for tangents, residual, moved_outputs in self.blocks():
            G += torch.einsum("noa,nob->ab", residual, residual)
            M += torch.einsum("nad,d,nbd->ab", tangents, self.weights, tangents)
            if self.output_rep is not None:  # invariant outputs do not move
                P += torch.einsum("noa,nob->ab", moved_outputs, moved_outputs)
        G, M, P = G.numpy() / n, M.numpy() / n, P.numpy() / n
        R = np.zeros_like(M)
        # Outputs that move (not Scalars alone) add the output action's size.
        if self.output_rep is not None and self.output_rep.dim is not None:
            linear = _linear_parts(self.directions, self.output_rep)
            blocks = torch.stack([self.output_rep.algebra_matrix(L) for L in linear])
            R = torch.einsum("aij,bij->ab", blocks, blocks).numpy()
        return G, self.sensitivity * M + P, M, R

    def stuck_forms(self):
        """``(S, T)``: the tangents' squares on constant features and on all, (k, k)."""
        k = len(self.directions)
        stuck = torch.as_tensor(~self.varying, dtype=torch.float64)
        S, T = torch.zeros(k, k, dtype=torch.float64), torch.zeros(k, k, dtype=torch.float64)
        for tangents, _, _ in self.blocks():
            S += torch.einsum("nad,d,nbd->ab", tangents, stuck, tangents)
            T += torch.einsum("nad,nbd->ab", tangents, tangents)
        return S.numpy(), T.numpy()


def _linear_parts(directions, output_rep):
    """The directions as they act on the outputs: the linear part ``A`` of affine ones.

    Points in, vectors or tensors out: a homogeneous ``[[A, b], [0, 0]]``
    moves the points; the outputs feel ``A`` alone (as in
    :class:`~symlearn.groups.GroupAction`).
    """
    if output_rep.dim is not None and directions.shape[-1] == output_rep.dim + 1:
        return directions[..., :-1, :-1]
    return directions


def _first_order(backbone, X, space, task, directions):
    """The :class:`_FirstOrder` quantities of ``backbone`` along ``directions`` (k, d, d), model coordinates."""
    classify = isinstance(task, ClassificationTask)
    device = next(iter(backbone.parameters()), torch.empty(0)).device
    was_training = backbone.training
    backbone.eval()
    rows = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    try:
        x = rows.clone().requires_grad_(True)
        with torch.enable_grad():
            raw = backbone(x.to(device)).cpu()
            measured = torch.softmax(raw, dim=1) if classify else raw
            jacobian = torch.stack(
                [
                    torch.autograd.grad(measured[:, o].sum(), x, retain_graph=True)[0]
                    for o in range(measured.shape[1])
                ],
                dim=1,
            ).double()
    finally:
        backbone.train(was_training)
    outputs = measured.detach().double()
    variances = np.asarray(space.variances, dtype=float)
    varying = variances > CONSTANT_FEATURE * max(variances.mean(), 1e-300)
    inverse = np.where(varying, 1.0 / np.where(varying, variances, 1.0), 0.0)
    # s^2: outputs' squared change per standard deviation of one varying feature.
    spread = torch.as_tensor(np.where(varying, variances, 0.0))
    sensitivity = float(torch.einsum("nod,d->", jacobian**2, spread)) / (
        len(rows) * max(int(varying.sum()), 1)
    )
    return _FirstOrder(
        jacobian,
        rows.double(),
        outputs,
        torch.as_tensor(np.asarray(directions), dtype=torch.float64),
        space.input_rep,
        task.output_rep,
        torch.as_tensor(inverse),
        varying,
        sensitivity,
        outputs.numpy(),
        raw.detach().double().numpy(),
    )


def bootstrap_counts(n, random_state):
    """``N_BOOTSTRAP`` resamples of ``n`` rows, as how often each row is drawn, (N_BOOTSTRAP, n).

    Means over a resample are then one matrix product, with memory (draws x
    rows), not (draws x rows x directions).
    """
    draws = np.random.default_rng(random_state).integers(0, n, size=(N_BOOTSTRAP, n))
    counts = np.zeros((N_BOOTSTRAP, n))
    np.add.at(counts, (np.arange(N_BOOTSTRAP)[:, None], draws), 1.0)
    return counts


def _intervals(residual, baseline, counts):
    """Bootstrap 5% and 95% quantiles of ``sqrt(mean residual / mean baseline)``, (j, 2)."""
    ratios = (counts @ residual) / np.maximum(counts @ baseline, 1e-300)
    return np.sqrt(np.quantile(ratios, [0.05, 0.95], axis=0).T)


def _pencil(G, N, rtol=1e-9):
    """Generalized eigenvectors of ``G c = lambda N c`` on the range of ``N``, increasing.

    The columns are ``N``-orthonormal. A positive definite ``N`` whose
    eigenvalues are all above ``rtol`` of the largest has no direction for
    whitening to leave out, and one LAPACK call (``sygvd``: Cholesky,
    reduction, divide and conquer) solves the pencil in about half the time
    of whitening by ``N``'s own eigenvectors, which any other ``N`` (a
    constant feature) still needs.
    """
    if _safely_positive_definite(N):
        lam, vectors = scipy.linalg.eigh(G, N, driver="gvd", check_finite=False)
        # N-orthonormal columns are N^(-1/2) U (U orthogonal), so the
        # largest squared column bounds N's smallest eigenvalue from below,
        # lambda_min >= 1 / (k max |c|^2), and the 1-norm its largest from
        # above: this proves that whitening would have kept every direction
        # (LAPACK's condition estimate can be fooled; this cannot).
        smallest = 1.0 / (len(N) * np.max(np.sum(vectors**2, axis=0)))
        if smallest > rtol * np.abs(N).sum(axis=0).max():
            return np.clip(lam, 0.0, None), vectors
    values, vectors = np.linalg.eigh(N)
    keep = values > rtol * max(values.max(initial=0.0), 1e-300)
    whiten = vectors[:, keep] / np.sqrt(values[keep])
    lam, rotation = np.linalg.eigh(whiten.T @ G @ whiten)
    return np.clip(lam, 0.0, None), whiten @ rotation


def _safely_positive_definite(N):
    """Whether ``N`` looks positive definite with condition number below ``1 / MIN_RCOND``.

    LAPACK's estimate from the Cholesky factor (``pocon``, in the 1-norm,
    which bounds the 2-norm's from above) costs a few triangular solves; it
    spares the one-call solve on forms it can already tell are singular.
    """
    if len(N) == 0:
        return False
    factor, info = scipy.linalg.lapack.dpotrf(N, lower=False, clean=False)
    if info != 0:
        return False
    rcond, info = scipy.linalg.lapack.dpocon(factor, np.abs(N).sum(axis=0).max())
    return info == 0 and rcond > MIN_RCOND


def _free_directions(first_order):
    """Coefficients (m, f) of the directions that (nearly) move no constant feature, or None (all).

    A direction is left out when more than ``STUCK_FRACTION`` of its squared
    motion falls on constant features: whether moving them is a symmetry is
    beyond what the data can say. "Nearly", because on a pixel grid a
    turn's resampling touches pixels that happen to be blank in every row.
    """
    if first_order.varying.all():
        return None
    fractions, coefficients = _pencil(*first_order.stuck_forms())
    return coefficients[:, fractions <= STUCK_FRACTION]


def measure_evidence(
    backbone, X, targets, space, task, *, random_state=0, weights=None, affine=None
):
    """The :class:`Evidence` of a trained backbone over the whole search space.

    Parameters
    ----------
    backbone : torch.nn.Module
        The reference model (evaluated in eval mode; its mode is restored).
    X : ndarray of shape (n, n_features)
        Held-out rows, model coordinates.
    targets : ndarray of shape (n, ...)
        Their encoded targets (standardized values or class indices).
    space : SearchSpace
    task : RegressionTask or ClassificationTask
    random_state : int, default=0
        Seed of the bootstrap.
    weights : ndarray of shape (n,), optional
        The rows' sample weights, for the reference score. The first-order
        evidence weighs every row alike: it measures the model, not the task.
    affine : ndarray of shape (n, n_outputs), optional
        The held-out predictions of an affine model (see :mod:`symlearn._affine`;
        class probabilities for classifiers), for :attr:`Evidence.affine_ratio`
        and :attr:`Evidence.affine_gain`.
    """
    classify = isinstance(task, ClassificationTask)
    basis = space.model_basis
    first_order = _first_order(backbone, X, space, task, basis)
    G, N, M, R = first_order.forms()
    # Directions that move a constant feature cannot be judged by the data:
    # they are left out of the search.
    free = _free_directions(first_order)
    if free is None:  # every feature varies: all directions are free
        lam, coefficients = _pencil(G, N)
    else:
        lam, coefficients = _pencil(free.T @ G @ free, free.T @ N @ free)
        coefficients = free @ coefficients
    F = first_order.eps2(targets, classify) * (first_order.raw.shape[1] * M + R)
    # Matrix products, not three-operand einsums: numpy contracts those in
    # one loop of k^3 steps (gl(50): 1.6e10, most of a 50-feature fit).
    denominator = np.sum(coefficients * (N @ coefficients), axis=0)
    floors = np.sqrt(np.sum(coefficients * (F @ coefficients), axis=0) / denominator)
    # One set of resamples for the intervals and the comparison with an affine model.
    counts = bootstrap_counts(len(X), random_state)
    intervals = _intervals(*first_order.per_row(coefficients), counts)
    directions = (coefficients.T @ basis.reshape(len(basis), -1)).reshape(-1, *basis.shape[1:])
    directions /= np.linalg.norm(directions, axis=(1, 2), keepdims=True)
    baseline = linear_predictions(backbone, X)
    score = reference_score(first_order.raw, targets, classify, weights, baseline)
    ratio = gain = float("nan")
    if affine is not None:
        outputs = first_order.outputs
        truth = one_hot(targets, outputs.shape[1]) if classify else targets
        ratio, gain = affine_comparison(outputs, truth, affine, counts, weights)
    return Evidence(
        np.sqrt(lam), intervals, floors, directions, score, baseline is not None, ratio, gain
    )


def rate_directions(backbone, X, space, task, directions, targets=None, *, random_state=0):
    """Normalized errors of given directions (k, d, d), model coordinates, with intervals.

    Returns ``(errors, intervals, floors)``; ``floors`` is None without ``targets``.
    """
    first_order = _first_order(backbone, X, space, task, directions)
    residual, baseline = first_order.per_row(np.eye(len(directions)))
    errors = np.sqrt(residual.mean(axis=0) / np.maximum(baseline.mean(axis=0), 1e-300))
    intervals = _intervals(residual, baseline, bootstrap_counts(len(residual), random_state))
    floors = None
    if targets is not None:
        _, N, M, R = first_order.forms()
        eps2 = first_order.eps2(targets, isinstance(task, ClassificationTask))
        F = eps2 * (first_order.raw.shape[1] * M + R)
        floors = np.sqrt(np.diag(F) / np.maximum(np.diag(N), 1e-300))
    return errors, intervals, floors
