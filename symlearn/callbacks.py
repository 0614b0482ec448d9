"""skorch callbacks shipped with symlearn, one concern each."""

import torch
from skorch.callbacks import Callback
from tqdm.auto import tqdm

__all__ = ["CandidateWeighting", "EpochProgressBar"]


class CandidateWeighting(Callback):
    """Tune the weight of each candidate symmetry from how well it is satisfied.

    At the end of every epoch in which the candidate regularizers are on
    (the first being the last warm-up epoch, when the model has not yet been
    pushed towards any candidate), the relative residual ``R_j`` of each
    candidate is measured on up to ``max_rows`` training rows and sets its
    weight (Kim et al., ICML 2023, in a non-compounding form)::

        lambda_j = ((min_k R_k + floor) / (R_j + floor)) ** power

    The best-satisfied candidate keeps weight 1; one whose residual stays
    far above the best is down-weighted, stops fighting the data, and its
    residual stays high. Exact candidates, whose residuals all sit near
    zero, stay comparable because of the ``floor``. The residuals and weights
    go into the history as ``candidate_residuals`` and ``candidate_weights``.

    Parameters
    ----------
    power : float, default=2.0
        Sharpness of the down-weighting. Kim et al. divide repeatedly, which
        compounds; recomputing from the current residuals instead needs a
        power above 1 for a broken candidate's weight to stay down.
    floor : float, default=0.02
        Relative residual below which differences between candidates do
        not count.
    max_rows : int, default=1000
        Training rows the residuals are measured on.
    """

    def __init__(self, power=2.0, floor=0.02, max_rows=1000):
        self.power = power
        self.floor = floor
        self.max_rows = max_rows

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.X_ = X[: self.max_rows]

    def on_epoch_end(self, net, **kwargs):
        candidates = net.module_.augmentation
        if not bool(candidates.enabled):
            return
        residuals = net.candidate_residuals(self.X_).cpu().double().numpy()
        weights = ((residuals.min() + self.floor) / (residuals + self.floor)) ** self.power
        candidates.weights.copy_(torch.as_tensor(weights, dtype=candidates.weights.dtype))
        net.history.record("candidate_residuals", residuals.tolist())
        net.history.record("candidate_weights", weights.tolist())


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
