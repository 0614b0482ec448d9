"""A model's first-order quantities along directions of the search space, a block of rows at a time.

For a direction ``L`` and a row ``x``: the tangent ``dL x`` (how the row
moves), the model's residual ``J(x) dL x - drho_out(L) f(x)`` (how its
outputs change, moved back for an equivariant target) and the motion of
the outputs. :mod:`symlearn._evidence` turns them into evidence.
"""

from dataclasses import dataclass

import numpy as np
import torch

from ._task import ClassificationTask

__all__ = ["CONSTANT_FEATURE", "FirstOrder", "first_order", "linear_parts", "one_hot"]

#: The first-order quantities of a block of rows hold at most this many numbers (32 MB).
CHUNK_ENTRIES = 1 << 22

#: Features whose variance is below this fraction of the mean are constant:
#: the data cannot say whether moving them is a symmetry.
CONSTANT_FEATURE = 1e-8


def one_hot(labels, n_classes):
    """Class indices (n,) as rows of the identity, (n, n_classes)."""
    return np.eye(n_classes)[np.asarray(labels, dtype=int).ravel()]


@dataclass(frozen=True, eq=False)
class FirstOrder:
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
                linear = linear_parts(directions, self.output_rep)
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

    def along(self, coefficients=None):
        """Per row, the directions ``coefficients`` (k, j) (None: the measured ones), each (n, j).

        Returns ``(residual, motion, baseline)``: the squared residual, the
        squared motion in each feature's standard deviations (``sum_f w_f
        (dL x)_f^2``) and the baseline ``s^2 motion + |moved outputs|^2``.
        """
        directions = self.directions
        if coefficients is not None:
            # Every first-order quantity is linear in the direction, so the
            # combined directions are measured directly: n j D numbers, where
            # combining the basis's tangents took n k D j products (gl(50),
            # 200 rows: 6e10, most of the probe).
            coefficients = torch.as_tensor(coefficients, dtype=torch.float64)
            directions = torch.einsum("kj,kab->jab", coefficients, directions)
        residuals, motions, moved = [], [], []
        for tangents, residual, moved_outputs in self.blocks(directions):
            residuals.append(residual.pow(2).sum(1))
            # Squared in place: the block's tangents are not used again.
            motions.append(torch.einsum("njd,d->nj", tangents.square_(), self.weights))
            moved.append(moved_outputs.pow(2).sum(1))
        residual, motion, moved = (
            torch.cat(values).numpy() for values in (residuals, motions, moved)
        )
        return residual, motion, self.sensitivity * motion + moved

    def forms(self):
        """``(G, N)``: the residual and baseline forms, (k, k)."""
        n, k = len(self.rows), len(self.directions)
        G, M, P = (torch.zeros(k, k, dtype=torch.float64) for _ in range(3))
        for tangents, residual, moved_outputs in self.blocks():
            G += torch.einsum("noa,nob->ab", residual, residual)
            M += torch.einsum("nad,d,nbd->ab", tangents, self.weights, tangents)
            if self.output_rep is not None:  # invariant outputs do not move
                P += torch.einsum("noa,nob->ab", moved_outputs, moved_outputs)
        return G.numpy() / n, (self.sensitivity * M + P).numpy() / n

    def residual_form(self):
        """``G`` alone, (k, k): what finding directions on other rows than they are rated on needs."""
        G = torch.zeros(len(self.directions), len(self.directions), dtype=torch.float64)
        for _, residual, _ in self.blocks():
            G += torch.einsum("noa,nob->ab", residual, residual)
        return G.numpy() / len(self.rows)

    def stuck_forms(self):
        """``(S, T)``: the tangents' squares on constant features and on all, (k, k)."""
        k = len(self.directions)
        stuck = torch.as_tensor(~self.varying, dtype=torch.float64)
        S, T = torch.zeros(k, k, dtype=torch.float64), torch.zeros(k, k, dtype=torch.float64)
        for tangents, _, _ in self.blocks():
            S += torch.einsum("nad,d,nbd->ab", tangents, stuck, tangents)
            T += torch.einsum("nad,nbd->ab", tangents, tangents)
        return S.numpy(), T.numpy()


def linear_parts(directions, output_rep):
    """The directions as they act on the outputs: the linear part ``A`` of affine ones.

    Points in, vectors or tensors out: a homogeneous ``[[A, b], [0, 0]]``
    moves the points; the outputs feel ``A`` alone (as in
    :class:`~symlearn.groups.GroupAction`).
    """
    if output_rep.dim is not None and directions.shape[-1] == output_rep.dim + 1:
        return directions[..., :-1, :-1]
    return directions


def first_order(backbone, X, space, task, directions):
    """The :class:`FirstOrder` quantities of ``backbone`` along ``directions`` (k, d, d), model coordinates."""
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
    return FirstOrder(
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
