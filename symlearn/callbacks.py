"""skorch callbacks shipped with symlearn, one concern each."""

import numpy as np
import torch
from skorch.callbacks import Callback
from tqdm.auto import tqdm

__all__ = ["CandidateWeighting", "EpochProgressBar"]


class CandidateWeighting(Callback):
    """Tune the weight of each candidate symmetry from how well it is satisfied.

    After every epoch in which the candidate regularizers were on, the mean
    residual ``R_j`` of each candidate over that epoch's training batches
    sets its weight (Kim et al., ICML 2023, made non-compounding)::

        lambda_j = ((min_k R_k + floor) / (R_j + floor)) ** power

    so the best-satisfied candidate keeps weight 1 and one whose regularizer
    stays far above the best is down-weighted. A broken candidate then
    stops fighting the data, its residual grows, and its weight falls
    further; exact candidates, whose residuals all sit near zero, stay
    comparable because of the ``floor``.

    The net must record a list of per-candidate residuals per training batch
    under ``"candidate_residuals"`` (``nan`` for a candidate with no row in
    the batch), as :class:`~symlearn._net.SymmetryNet` does. The epoch means
    and the new weights go into the history as ``candidate_residuals`` and
    ``candidate_weights``.

    Parameters
    ----------
    power : float, default=1.0
        Sharpness of the down-weighting.
    floor : float, default=0.01
        Residual (relative to the output variance) below which differences
        between candidates no longer count.
    """

    def __init__(self, power=1.0, floor=0.01):
        self.power = power
        self.floor = floor

    def on_epoch_end(self, net, **kwargs):
        batches = [
            batch["candidate_residuals"]
            for batch in net.history[-1, "batches"]
            if "candidate_residuals" in batch
        ]
        if not batches:
            return
        residuals = np.nanmean(np.asarray(batches, dtype=float), axis=0)
        residuals = np.where(np.isfinite(residuals), residuals, np.nanmax(residuals))
        weights = ((residuals.min() + self.floor) / (residuals + self.floor)) ** self.power
        candidates = net.module_.augmentation
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
