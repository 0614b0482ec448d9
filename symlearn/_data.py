"""In-memory data: the rows held out of training, and whole batches for the data loader."""

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch.utils.data import Dataset

__all__ = ["TensorBatchDataset", "collate_batch", "split_rows", "weighted_targets"]


def split_rows(n_samples, validation_fraction, random_state):
    """Indices of the training rows and of the held-out rows for the diagnostics.

    ``validation_fraction=0`` trains and measures on every row.
    """
    everything = np.arange(n_samples)
    if validation_fraction == 0:
        return everything, everything
    # The held-out diagnostics (the symmetry score) compare rows in pairs, so
    # any held-out share is at least 2 rows, and 2 are left to train on.
    n_held_out = max(round(validation_fraction * n_samples), 2)
    if n_samples - n_held_out < 2:
        raise ValueError(
            f"{n_samples} rows are too few: validation_fraction={validation_fraction} holds "
            f"out {n_held_out} of them (at least 2, for early stopping and the verdict) and "
            f"leaves fewer than 2 to train on. Pass more rows (a few hundred give a verdict "
            f"worth reading), or validation_fraction=0 to train and judge on the same rows."
        )
    order = check_random_state(random_state).permutation(n_samples)
    return np.sort(order[n_held_out:]), np.sort(order[:n_held_out])


def weighted_targets(y, weights):
    """``y`` as the net takes it: with per-row weights, ``{"y": y, "sample_weight": w}``.

    The weights are scaled to mean 1 over the rows given, so that a batch's
    ``mean(w * loss)``, averaged over batches by skorch, is the weighted mean.
    """
    if weights is None:
        return y
    weights = np.asarray(weights, dtype=np.float64)
    weights = weights / weights.mean()
    return {"y": y, "sample_weight": torch.as_tensor(weights, dtype=torch.float32)}


def collate_batch(batch):
    """``collate_fn`` for :class:`TensorBatchDataset`: the batch is already built."""
    return batch


class TensorBatchDataset(Dataset):
    """In-memory ``(X, y)`` tensors indexed a whole batch at a time.

    skorch's default dataset indexes one row at a time and collates the rows
    again, which dominates the cost of an epoch on small tabular models.
    ``torch.utils.data.DataLoader`` calls ``__getitems__`` with all indices
    of a batch, so one fancy-indexing operation per batch replaces that loop.
    Use it with ``collate_fn=collate_batch``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples, ...), dict or None
        ``None`` (prediction) yields a zero placeholder per row, as skorch does.
        A dict of arrays (``{"y": ..., "sample_weight": ...}``, see
        :func:`weighted_targets`) is indexed key by key.
    """

    def __init__(self, X, y=None):
        self.X = torch.as_tensor(X)
        if isinstance(y, dict):
            self.y = {key: torch.as_tensor(value) for key, value in y.items()}
        else:
            self.y = None if y is None else torch.as_tensor(y)

    def __len__(self):
        return len(self.X)

    def _targets(self, index):
        if isinstance(self.y, dict):
            return {key: value[index] for key, value in self.y.items()}
        return self.y[index]

    def __getitem__(self, index):
        return self.X[index], torch.zeros(()) if self.y is None else self._targets(index)

    def __getitems__(self, indices):
        indices = torch.as_tensor(indices, dtype=torch.long)
        y = torch.zeros(len(indices)) if self.y is None else self._targets(indices)
        return self.X[indices], y
