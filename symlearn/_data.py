"""A dataset that hands the data loader whole batches of in-memory tensors."""

import torch
from torch.utils.data import Dataset

__all__ = ["TensorBatchDataset", "collate_batch"]


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
