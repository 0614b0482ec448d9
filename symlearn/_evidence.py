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
import torch

from ._task import ClassificationTask

__all__ = ["Evidence", "measure_evidence", "rate_directions", "reference_score"]

#: Bootstrap resamples of the rows for the error intervals.
N_BOOTSTRAP = 200

#: Features whose variance is below this fraction of the mean are constant:
#: the data cannot say whether moving them is a symmetry.
CONSTANT_FEATURE = 1e-8

#: A direction whose motion falls on constant features by more than this
#: fraction of its squared size cannot be judged.
STUCK_FRACTION = 0.01


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
        score (classification): 1 is perfect, 0 no better than the mean.
    """

    errors: np.ndarray
    intervals: np.ndarray
    floors: np.ndarray
    directions: np.ndarray
    reference_score: float


def reference_score(outputs, targets, classify, weights=None):
    """Held-out R^2 of ``outputs`` (or the Brier skill score of class probabilities).

    ``weights``: the rows' sample weights, for weighted means (``None``: alike).
    """
    outputs = np.asarray(outputs, dtype=float)
    if classify:
        probabilities = torch.softmax(torch.as_tensor(outputs), dim=1).numpy()
        truth = np.eye(outputs.shape[1])[np.asarray(targets, dtype=int).ravel()]
        predicted = probabilities
    else:
        truth = np.asarray(targets, dtype=float).reshape(outputs.shape)
        predicted = outputs
    error = np.average(np.sum((predicted - truth) ** 2, axis=1), weights=weights)
    centre = np.average(truth, axis=0, weights=weights)
    prior = np.average(np.sum((centre - truth) ** 2, axis=1), weights=weights)
    return float(1.0 - error / prior) if prior > 0 else 0.0


@dataclass(frozen=True, eq=False)
class _FirstOrder:
    """Per-row first-order quantities of a model along some directions."""

    residual: torch.Tensor  # (n, o, k): J dL x - drho_out(L) f
    moved_outputs: torch.Tensor  # (n, o, k): drho_out(L) f
    tangents: torch.Tensor  # (n, k, D): dL x
    weights: torch.Tensor  # (D,): 1 / variance of each varying feature, 0 for constant ones
    varying: np.ndarray  # (D,) bool
    sensitivity: float  # s^2
    outputs: np.ndarray  # (n, o): the measured outputs (probabilities for classifiers)
    raw: np.ndarray  # (n, o): the model's outputs

    def eps2(self, targets, classify):
        """The model's held-out error per output (Brier per class for classifiers)."""
        if classify:
            onehot = np.eye(self.outputs.shape[1])[np.asarray(targets, dtype=int).ravel()]
            return float(np.mean((self.outputs - onehot) ** 2))
        targets = np.asarray(targets, dtype=float).reshape(self.raw.shape)
        return float(np.mean((self.raw - targets) ** 2))

    def per_row(self, coefficients):
        """Per-row residual and baseline of the directions ``coefficients`` (k, j), each (n, j)."""
        coefficients = torch.as_tensor(coefficients, dtype=torch.float64)
        residual = torch.einsum("nok,kj->noj", self.residual, coefficients).pow(2).sum(1)
        moved = torch.einsum("nkd,kj->njd", self.tangents, coefficients)
        baseline = self.sensitivity * torch.einsum("njd,d->nj", moved**2, self.weights)
        baseline = baseline + torch.einsum("nok,kj->noj", self.moved_outputs, coefficients).pow(
            2
        ).sum(1)
        return residual.numpy(), baseline.numpy()

    def forms(self, output_rep, directions):
        """``(G, N, M, R)``: residual, baseline, tangent metric and output-action Gram, (k, k)."""
        n = len(self.residual)
        G = torch.einsum("noa,nob->ab", self.residual, self.residual).numpy() / n
        M = torch.einsum("nad,d,nbd->ab", self.tangents, self.weights, self.tangents).numpy() / n
        P = torch.einsum("noa,nob->ab", self.moved_outputs, self.moved_outputs).numpy() / n
        R = np.zeros_like(M)
        if output_rep is not None:
            directions = torch.as_tensor(np.asarray(directions), dtype=torch.float64)
            blocks = torch.stack([output_rep.algebra_matrix(L) for L in directions])
            R = torch.einsum("aij,bij->ab", blocks, blocks).numpy()
        return G, self.sensitivity * M + P, M, R


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
    directions = torch.as_tensor(np.asarray(directions), dtype=torch.float64)
    tangents = space.input_rep.tangent(directions, rows.double())
    residual = torch.einsum("nod,nkd->nok", jacobian, tangents)
    moved_outputs = torch.zeros_like(residual)
    if task.output_rep is not None:
        moved_outputs = task.output_rep.tangent(directions, outputs).transpose(1, 2)
        residual = residual - moved_outputs
    variances = np.asarray(space.variances, dtype=float)
    varying = variances > CONSTANT_FEATURE * max(variances.mean(), 1e-300)
    inverse = np.where(varying, 1.0 / np.where(varying, variances, 1.0), 0.0)
    # s^2: outputs' squared change per standard deviation of one varying feature.
    spread = torch.as_tensor(np.where(varying, variances, 0.0))
    sensitivity = float(torch.einsum("nod,d->", jacobian**2, spread)) / (
        len(rows) * max(int(varying.sum()), 1)
    )
    return _FirstOrder(
        residual,
        moved_outputs,
        tangents,
        torch.as_tensor(inverse),
        varying,
        sensitivity,
        outputs.numpy(),
        raw.detach().double().numpy(),
    )


def _intervals(residual, baseline, random_state):
    """Bootstrap 5% and 95% quantiles of ``sqrt(mean residual / mean baseline)``, (j, 2)."""
    n = len(residual)
    draws = np.random.default_rng(random_state).integers(0, n, size=(N_BOOTSTRAP, n))
    ratios = residual[draws].mean(axis=1) / np.maximum(baseline[draws].mean(axis=1), 1e-300)
    return np.sqrt(np.quantile(ratios, [0.05, 0.95], axis=0).T)


def _pencil(G, N, rtol=1e-9):
    """Generalized eigenvectors of ``G c = lambda N c`` on the range of ``N``, increasing."""
    values, vectors = np.linalg.eigh(N)
    keep = values > rtol * max(values.max(initial=0.0), 1e-300)
    whiten = vectors[:, keep] / np.sqrt(values[keep])
    lam, rotation = np.linalg.eigh(whiten.T @ G @ whiten)
    return np.clip(lam, 0.0, None), whiten @ rotation


def _free_directions(first_order):
    """Coefficients (m, f) of the directions that (nearly) move no constant feature.

    A direction is left out when more than ``STUCK_FRACTION`` of its squared
    motion falls on constant features: whether moving them is a symmetry is
    beyond what the data can say. "Nearly", because on a pixel grid a
    turn's resampling touches pixels that happen to be blank in every row.
    """
    m = first_order.tangents.shape[1]
    if first_order.varying.all():
        return np.eye(m)
    stuck = torch.as_tensor(~first_order.varying, dtype=torch.float64)
    tangents = first_order.tangents
    S = torch.einsum("nad,d,nbd->ab", tangents, stuck, tangents).numpy()
    T = torch.einsum("nad,nbd->ab", tangents, tangents).numpy()
    fractions, coefficients = _pencil(S, T)
    return coefficients[:, fractions <= STUCK_FRACTION]


def measure_evidence(backbone, X, targets, space, task, *, random_state=0, weights=None):
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
    """
    classify = isinstance(task, ClassificationTask)
    basis = space.model_basis
    first_order = _first_order(backbone, X, space, task, basis)
    G, N, M, R = first_order.forms(task.output_rep, basis)
    # Directions that move a constant feature cannot be judged by the data:
    # they are left out of the search.
    free = _free_directions(first_order)
    lam, coefficients = _pencil(free.T @ G @ free, free.T @ N @ free)
    coefficients = free @ coefficients
    F = first_order.eps2(targets, classify) * (first_order.raw.shape[1] * M + R)
    denominator = np.einsum("ak,ab,bk->k", coefficients, N, coefficients)
    floors = np.sqrt(np.einsum("ak,ab,bk->k", coefficients, F, coefficients) / denominator)
    intervals = _intervals(*first_order.per_row(coefficients), random_state)
    directions = np.einsum("ak,aij->kij", coefficients, basis)
    directions /= np.linalg.norm(directions, axis=(1, 2), keepdims=True)
    score = reference_score(first_order.raw, targets, classify, weights)
    return Evidence(np.sqrt(lam), intervals, floors, directions, score)


def rate_directions(backbone, X, space, task, directions, targets=None, *, random_state=0):
    """Normalized errors of given directions (k, d, d), model coordinates, with intervals.

    Returns ``(errors, intervals, floors)``; ``floors`` is None without ``targets``.
    """
    first_order = _first_order(backbone, X, space, task, directions)
    residual, baseline = first_order.per_row(np.eye(len(directions)))
    errors = np.sqrt(residual.mean(axis=0) / np.maximum(baseline.mean(axis=0), 1e-300))
    intervals = _intervals(residual, baseline, random_state)
    floors = None
    if targets is not None:
        _, N, M, R = first_order.forms(task.output_rep, directions)
        eps2 = first_order.eps2(targets, isinstance(task, ClassificationTask))
        F = eps2 * (first_order.raw.shape[1] * M + R)
        floors = np.sqrt(np.diag(F) / np.maximum(np.diag(N), 1e-300))
    return errors, intervals, floors
