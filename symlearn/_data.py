"""In-memory data: the rows held out of training, and whole batches for the data loader."""

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch.utils.data import Dataset

__all__ = ["TensorBatchDataset", "collate_batch", "split_rows"]


def split_rows(n_samples, validation_fraction, random_state):
    """Indices of the training rows and of the held-out rows for the diagnostics.

    ``validation_fraction=0`` trains and measures on every row.
    """
    n_held_out = int(round(validation_fraction * n_samples))
    everything = np.arange(n_samples)
    if n_held_out == 0:
        return everything, everything
    # The held-out diagnostics (the symmetry score) compare rows in pairs.
    n_held_out = max(n_held_out, 2)
    if n_samples - n_held_out < 2:
        raise ValueError(
            f"validation_fraction={validation_fraction} holds out {n_held_out} of "
            f"{n_samples} rows and leaves fewer than 2 to train on; lower it or pass "
            f"more data."
        )
    order = check_random_state(random_state).permutation(n_samples)
    return np.sort(order[n_held_out:]), np.sort(order[:n_held_out])


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
    y : array-like of shape (n_samples, ...) or None
        ``None`` (prediction) yields a zero placeholder per row, as skorch does.
    """

    def __init__(self, X, y=None):
        self.X = torch.as_tensor(X)
        self.y = None if y is None else torch.as_tensor(y)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], torch.zeros(()) if self.y is None else self.y[index]

    def __getitems__(self, indices):
        indices = torch.as_tensor(indices, dtype=torch.long)
        y = torch.zeros(len(indices)) if self.y is None else self.y[indices]
        return self.X[indices], y
