"""Mirror normals learned by gradient descent on the reference model's loss of mirrored rows.

A mirror ``x -> (I - 2 u u^T) x`` is a symmetry when the reference predicts
the mirrored rows as well as the rows; its unit normal ``u`` is found by
descending that loss on training rows from a few starts at once (one batch
of mirrored copies), and then judged on the held-out rows by the discrete
search.
"""

import numpy as np
import torch

from ._task import per_row_loss

__all__ = ["descended_normals"]

#: At most this many training rows learn a mirror's normal.
MAX_MIRROR_ROWS = 256

#: Gradient steps of each start.
MIRROR_STEPS = 40


def descended_normals(reference, rep, task, starts, X_train, y_train):
    """The unit normals gradient descent reaches from ``starts`` (s, axes).

    Parameters
    ----------
    reference : torch.nn.Module
        The backbone trained plainly (model coordinates in, model units
        out); its parameters are left as they were.
    rep : Rep
        The input representation; a mirror acts on its vectors' axes (points
        about the origin of the model coordinates).
    task : RegressionTask or ClassificationTask
    starts : sequence of ndarray of shape (axes,)
    X_train, y_train : ndarray
        Training rows (model coordinates) and encoded targets.

    Returns
    -------
    list of ndarray of shape (axes,)
    """
    rows = torch.as_tensor(np.asarray(X_train[:MAX_MIRROR_ROWS]), dtype=torch.float32)
    targets = torch.as_tensor(y_train[:MAX_MIRROR_ROWS])
    was_training = reference.training
    reference.eval()
    parameters = [p.requires_grad for p in reference.parameters()]
    for p in reference.parameters():
        p.requires_grad_(False)
    try:
        # All starts descend together: one batch of mirrored copies of the rows.
        u = torch.tensor(np.array(starts), dtype=torch.float32, requires_grad=True)
        optimizer = torch.optim.Adam([u], lr=0.05)
        for _ in range(MIRROR_STEPS):
            optimizer.zero_grad()
            mirrored_loss(reference, rep, task, u, rows, targets).sum().backward()
            optimizer.step()
        found = u.detach().double().numpy()
    finally:
        for p, flag in zip(reference.parameters(), parameters):
            p.requires_grad_(flag)
        reference.train(was_training)
    return list(found / np.maximum(np.linalg.norm(found, axis=1, keepdims=True), 1e-300))


def mirrored_loss(reference, rep, task, u, rows, targets):
    """Mean task loss of the rows mirrored by each normal ``u`` (s, axes); shape (s,)."""
    axes = u.shape[1]
    unit = u / u.norm(dim=1, keepdim=True).clamp_min(1e-12)
    s, n = len(u), len(rows)
    g = torch.eye(rep.dim).repeat(s, 1, 1)
    g[:, :axes, :axes] = torch.eye(axes) - 2 * torch.einsum("si,sj->sij", unit, unit)
    elements = g.repeat_interleave(n, dim=0)
    moved_rows = rep.act(elements, rows.repeat(s, 1))
    device = next(iter(reference.parameters()), torch.empty(0)).device
    outputs = reference(moved_rows.to(device)).cpu()
    if task.output_rep is not None:
        # A mirror is its own inverse.
        linear = elements[:, :axes, :axes]  # points move, outputs turn
        outputs = task.output_rep.act(linear, outputs)
    losses = per_row_loss(task.criterion, outputs, targets.repeat(s, *[1] * (targets.ndim - 1)))
    return losses.view(s, n).mean(dim=1)
