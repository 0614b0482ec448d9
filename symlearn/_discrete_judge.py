"""The judge of a discrete element: the reference model's held-out loss on the moved rows.

An element ``(A_m, b_m, B)`` (rows moved by ``x -> A_m x + b_m`` in model
coordinates, outputs moved back by ``B^-1``; ``B`` is None for invariant
targets) keeps the task when the reference model predicts the moved rows
about as well as the rows themselves: the paired bootstrap of
:mod:`symlearn._confirmation` bounds the increase of the loss.
"""

import numpy as np
import torch

from ._confirmation import allowed_increase, compared_losses, outputs_of
from ._reach import rotation_frequency
from ._task import per_row_loss

__all__ = ["BATCH_ROWS", "Judge", "moved_by_group"]

#: Moved copies of the held-out rows judged in one forward pass, at most.
BATCH_ROWS = 16384


class Judge:
    """The reference model's held-out loss on moved rows, against the rows as they are."""

    def __init__(self, reference, X, y, task, weights, copies=1):
        self.reference = reference
        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
        self.y = torch.as_tensor(y)
        self.task = task
        self.weights = weights
        self.copies = copies
        self.losses = self.per_row(outputs_of(reference, self.X)).double().numpy()
        self.loss = self.mean(self.losses)
        self.allowance = allowed_increase(self.loss)

    def per_row(self, outputs):
        """Each held-out row's loss, averaged over its ``copies`` (stacked one copy after another)."""
        losses = per_row_loss(self.task.criterion, outputs, self.y)
        return losses.view(self.copies, -1).mean(dim=0)

    def mean(self, losses):
        return float(np.average(losses, weights=self.weights))

    def moved_outputs(self, elements):
        """The reference's outputs on the rows moved by each element ``(A_m, b_m, B)``.

        The moved copies of several elements share one forward pass (up to
        ``BATCH_ROWS`` rows): the search judges hundreds of elements (the
        pairs of 50 features, 121 angles near a turn), and one pass per
        element was most of its time. In eval mode the rows do not interact.
        """
        per_pass = max(1, BATCH_ROWS // max(len(self.X), 1))
        outputs = []
        for start in range(0, len(elements), per_pass):
            chunk = elements[start : start + per_pass]
            rows = torch.cat(
                [
                    self.X @ torch.as_tensor(A_m, dtype=torch.float32).T
                    + torch.as_tensor(b_m, dtype=torch.float32)
                    for A_m, b_m, _ in chunk
                ]
            )
            for moved, (_, _, B) in zip(outputs_of(self.reference, rows).split(len(self.X)), chunk):
                if B is not None:
                    moved = moved @ torch.as_tensor(np.linalg.inv(B), dtype=moved.dtype).T
                outputs.append(moved)
        return outputs

    def increases(self, elements):
        """The mean held-out loss's increase on the rows moved by each element."""
        return [
            self.mean(self.per_row(moved).double().numpy()) - self.loss
            for moved in self.moved_outputs(list(elements))
        ]

    def increase(self, maps):
        """The mean held-out loss's increase on the rows moved by one element ``maps``."""
        return self.increases([maps])[0]

    def confirm(self, *maps):
        """The paired comparison (``_Confirmation``) of moved rows against the rows, or None.

        With several elements (the turns of a whole ``C_n``), each row's
        loss is averaged over them: the group is the hypothesis, and its
        mean is less noisy than any one element's (a 4-fold turn beside a
        hard-to-learn term: the turn by 90 degrees alone, held-out loss
        0.0280 -> 0.0271, bounded at +0.0090 against 0.0070 allowed).
        None when the mean loss alone rises beyond the allowance: the
        bootstrap (the costly part) could not bound it.
        """
        after = torch.stack([self.per_row(moved) for moved in self.moved_outputs(maps)])
        after = after.mean(dim=0)
        after = after.double().numpy()
        if self.mean(after) - self.loss > self.allowance:
            return None
        return compared_losses(self.losses, after, 0, self.weights)


def moved_by_group(X, y, rep, task, generators, copies=1, random_state=0):
    """``copies`` of the rows, each moved by a random element of a compact group, targets too.

    The reference model was kept at the epoch where it predicted the
    held-out rows best, so it predicts them better than any other rows of
    the same task: any move costs loss, a symmetry's too (three 3-D vectors
    and a function of their Gram matrix, so(3) confirmed: held-out loss
    0.0212, mirrored 0.0249, turned by random rotations 0.025-0.031). Rows
    moved by the confirmed continuous group are of the same task but never
    chose the model, so a discrete element is judged on them, against them.

    Parameters
    ----------
    X : ndarray of shape (n, size)
        Rows, model coordinates.
    y : ndarray
        Their encoded targets (model units).
    rep : Rep
        The input representation.
    task : RegressionTask or ClassificationTask
    generators : ndarray of shape (k, d, d)
        The confirmed generators, model coordinates.
    copies : int
        Moved copies of each row, stacked one copy of all rows after
        another (the judge averages each row's loss over them: one random
        element per row, three draws: held-out loss 0.025, 0.029 and 0.031).

    Returns
    -------
    X_moved, y_moved : ndarray
        With ``copies * n`` rows; the rows as given (one copy) when a
        generator does not turn (a scaling, a translation, a boost: its
        elements are unbounded, and far ones leave the data).
    """
    speeds = [rotation_frequency(L) for L in generators]
    if not len(generators) or any(speed is None for speed in speeds):
        return X, y
    rng = np.random.default_rng(random_state)
    unit = torch.as_tensor(np.stack([L / w for L, w in zip(generators, speeds)]))
    angles = torch.as_tensor(rng.uniform(-np.pi, np.pi, size=(copies * len(X), len(unit))))
    g = torch.linalg.matrix_exp(torch.einsum("nk,kij->nij", angles, unit))
    rows = torch.as_tensor(np.tile(X, (copies, 1)), dtype=torch.float64)
    X_moved = rep.act(g, rows).numpy().astype(X.dtype)
    targets = np.concatenate([y] * copies)
    if task.output_rep is None:
        return X_moved, targets
    axes = rep.dim - 1 if rep.affine else rep.dim
    linear = g[:, :axes, :axes]  # points move, outputs turn
    y_moved = task.output_rep.act(linear, torch.as_tensor(targets, dtype=torch.float64))
    return X_moved, y_moved.numpy().astype(targets.dtype)
