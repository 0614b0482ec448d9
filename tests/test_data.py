import numpy as np
import torch
from torch.utils.data import DataLoader

from symlearn._data import TensorBatchDataset, collate_batch


def test_rows_and_batches():
    X, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    dataset = TensorBatchDataset(X, y)
    row, label = dataset[2]
    assert row.shape == (2,) and label.item() == 2
    Xb, yb = dataset.__getitems__([4, 0])
    np.testing.assert_array_equal(Xb.numpy(), X[[4, 0]])
    np.testing.assert_array_equal(yb.numpy(), [4, 0])
    _, placeholder = TensorBatchDataset(X)[0]
    assert placeholder.shape == ()


def test_data_loader_gets_whole_batches_in_sampler_order():
    X = np.arange(20.0).reshape(10, 2)
    loader = DataLoader(TensorBatchDataset(X, np.arange(10)), batch_size=4,
                        collate_fn=collate_batch)
    batches = [yb.tolist() for _, yb in loader]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert isinstance(next(iter(loader))[0], torch.Tensor)
