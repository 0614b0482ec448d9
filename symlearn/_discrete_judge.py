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

#: Held-out rows that judge every element first (see :class:`Judge`).
SCREEN_ROWS = 64

#: Standard errors below its mean increase on the screen rows that an
#: element's increase must stay above the allowance to be refused there.
SCREEN_Z = 4.0


class Judge:
    """The reference model's held-out loss on moved rows, against the rows as they are.

    An element is first judged on ``SCREEN_ROWS`` held-out rows drawn at
    random (with all their moved copies): one whose increase is, there, surely above the
    allowance (its lower bound, ``SCREEN_Z`` standard errors below the
    mean) is refused without the other rows, and its increase is the one
    measured there. The others are judged on every row, as without the
    screen. A well-learned task refuses most elements tried by many times
    the allowance (the angles no turn makes): on a 7-fold turn (5,000 rows,
    1,000 held out) the search took 0.84-0.89 s against 1.38-1.48 s, with
    the same findings; a loosely learned one refuses few of them there, and
    costs as much as before.
    """

    def __init__(self, reference, X, y, task, weights, copies=1):
        self.reference = reference
        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
        self.y = torch.as_tensor(y)
        self.task = task
        self.weights = None if weights is None else np.asarray(weights, dtype=float)
        self.copies = copies
        self.losses = self.per_row(outputs_of(reference, self.X)).double().numpy()
        self.loss = self.mean(self.losses)
        self.allowance = allowed_increase(self.loss)
        n = len(self.losses)
        # Screening pays when it spares most rows. The screen is a random draw
        # of the rows, each with all its copies: held-out rows keep the user's
        # order, which may be sorted by a feature.
        k = SCREEN_ROWS if 2 * SCREEN_ROWS <= n else n
        order = np.random.default_rng(0).permutation(n)
        self.screen, self.rest = np.sort(order[:k]), np.sort(order[k:])
        self.screen_weights = None if self.weights is None else self.weights[self.screen]

    def per_row(self, outputs, rows=None):
        """Each held-out row's loss, averaged over its ``copies`` (stacked one copy after another).

        ``rows``: the indices of the judged rows' copies the outputs are of
        (all rows when None).
        """
        y = self.y if rows is None else self.y[rows]
        losses = per_row_loss(self.task.criterion, outputs, y)
        return losses.view(self.copies, -1).mean(dim=0)

    def mean(self, losses):
        return float(np.average(losses, weights=self.weights))

    def moved_outputs(self, elements, rows=None):
        """The reference's outputs on the rows moved by each element ``(A_m, b_m, B)``.

        The moved copies of several elements share one forward pass (up to
        ``BATCH_ROWS`` rows): the search judges hundreds of elements (the
        pairs of 50 features, 121 angles near a turn), and one pass per
        element was most of its time. In eval mode the rows do not interact.
        ``rows``: indices of the judged rows to move (all when None).
        """
        X = self.X if rows is None else self.X[rows]
        per_pass = max(1, BATCH_ROWS // max(len(X), 1))
        outputs = []
        for start in range(0, len(elements), per_pass):
            chunk = elements[start : start + per_pass]
            moved_rows = torch.cat(
                [
                    X @ torch.as_tensor(A_m, dtype=torch.float32).T
                    + torch.as_tensor(b_m, dtype=torch.float32)
                    for A_m, b_m, _ in chunk
                ]
            )
            for moved, (_, _, B) in zip(
                outputs_of(self.reference, moved_rows).split(len(X)), chunk
            ):
                if B is not None:
                    moved = moved @ torch.as_tensor(np.linalg.inv(B), dtype=moved.dtype).T
                outputs.append(moved)
        return outputs

    def moved_losses(self, groups):
        """Each row's loss moved by each group of elements (averaged over a group's elements).

        ``groups``: a list of lists of elements. Returns, per group, the
        per-row losses (n,) on every row, or the losses on the screen rows
        alone when the screen refused the group.
        """
        screen = _rows(self.screen, len(self.losses), self.copies)
        flat = [element for group in groups for element in group]
        screened = self._averaged(self.moved_outputs(flat, screen), groups, screen)
        if not len(self.rest):
            return screened  # every row judged
        refused = [self._refused(losses) for losses in screened]
        rest = _rows(self.rest, len(self.losses), self.copies)
        kept = [group for group, no in zip(groups, refused) if not no]
        flat = [element for group in kept for element in group]
        completed = iter(self._averaged(self.moved_outputs(flat, rest), kept, rest))
        return [
            losses if no else self._whole(losses, next(completed))
            for losses, no in zip(screened, refused)
        ]

    def _whole(self, screened, rest):
        """Per-row losses of every row, in the rows' order, from the screen's and the rest's."""
        losses = np.empty(len(self.losses))
        losses[self.screen], losses[self.rest] = screened, rest
        return losses

    def _averaged(self, outputs, groups, rows):
        losses = iter([self.per_row(moved, rows).double().numpy() for moved in outputs])
        return [np.mean([next(losses) for _ in group], axis=0) for group in groups]

    def _refused(self, losses):
        """Whether the loss rises beyond the allowance surely, on the screen rows' ``losses``."""
        w = np.ones(len(losses)) if self.screen_weights is None else self.screen_weights
        if w.sum() <= 0:
            return False
        difference = losses - self.losses[self.screen]
        mean = np.average(difference, weights=w)
        spread = np.sqrt(np.average((difference - mean) ** 2, weights=w))
        effective = w.sum() ** 2 / (w**2).sum()
        return mean - SCREEN_Z * spread / np.sqrt(effective) > self.allowance

    def _increase(self, losses):
        if len(losses) == len(self.losses):
            return self.mean(losses) - self.loss
        w = self.screen_weights
        return float(
            np.average(losses, weights=w) - np.average(self.losses[self.screen], weights=w)
        )

    def increases(self, elements):
        """The mean held-out loss's increase on the rows moved by each element."""
        return [self._increase(losses) for losses in self.moved_losses([[e] for e in elements])]

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
        (after,) = self.moved_losses([list(maps)])
        if len(after) < len(self.losses) or self.mean(after) - self.loss > self.allowance:
            return None
        return compared_losses(self.losses, after, 0, self.weights)


def _rows(rows, n, copies):
    """Indices of the copies of held-out ``rows`` (of ``n``), copy after copy."""
    rows = torch.as_tensor(rows)
    return torch.cat([rows + c * n for c in range(copies)])


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
