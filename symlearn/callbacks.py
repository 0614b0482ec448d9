"""skorch callbacks shipped with symlearn, one concern each."""

from skorch.callbacks import Callback
from tqdm.auto import tqdm

__all__ = ["EpochProgressBar"]


class EpochProgressBar(Callback):
    """One progress bar over epochs, showing the loss and the learned reach.

    skorch's own ``ProgressBar`` draws one bar per epoch over batches; for the
    short epochs of tabular data a single bar over the whole fit reads better.

    Parameters
    ----------
    keys : tuple of str, default=("train_loss", "reach")
        History entries shown after the bar, when present.
    **tqdm_kwargs
        Passed to ``tqdm`` (e.g. ``file=sys.stdout``, ``disable=True``).

    Examples
    --------
    >>> from symlearn import SymmetryDiscoveringRegressor
    >>> est = SymmetryDiscoveringRegressor(callbacks=[EpochProgressBar()])
    """

    def __init__(self, keys=("train_loss", "reach"), **tqdm_kwargs):
        self.keys = keys
        self.tqdm_kwargs = tqdm_kwargs

    def on_train_begin(self, net, **kwargs):
        options = {"desc": "discovering symmetry", "unit": "epoch", **self.tqdm_kwargs}
        self.bar_ = tqdm(total=net.max_epochs, **options)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        self.bar_.set_postfix({key: f"{row[key]:.4g}" for key in self.keys if key in row})
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        self.bar_.close()
