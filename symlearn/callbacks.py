"""skorch callbacks shipped with symlearn, one concern each."""

import numpy as np
import torch
from skorch.callbacks import Callback
from tqdm.auto import tqdm

__all__ = ["CandidateWeighting", "EpochProgressBar"]


class CandidateWeighting(Callback):
    """Weight each candidate symmetry by how exact the warmed-up model finds it.

    At the end of the warm-up (the first epoch in which the candidate
    regularizers are on), the model has been pushed towards no candidate,
    so it rates them without bias. ``measure`` gives each candidate an error
    ``e_j`` on up to ``max_rows`` training rows, and the weights become (Kim
    et al., ICML 2023: a candidate whose error is far from the best is
    down-weighted)::

        lambda_j = ((min_k e_k + floor) / (e_j + floor)) ** power

    The most exact candidate gets weight 1; exact candidates, whose errors
    all sit near the model's own accuracy, stay comparable because of the
    ``floor``; a broken one is down-weighted, so the model may fit the data
    that breaks it. With ``every_epoch=True`` the weights are re-rated after
    every later epoch and can only fall further (as in Kim et al.'s repeated
    division). That rates the *regularized* model, which has been pushed
    hardest where imposing a candidate is cheapest, not where it is exact:
    on the inertia task with rotation and scaling candidates (all exact),
    it drove the rotations to weights near 0.1 at 300 rows, and the scaling
    to 0.001 at 1000 rows, so it is off by default. The errors and weights
    go into the history as ``candidate_errors`` and ``candidate_weights``.

    Parameters
    ----------
    measure : callable
        ``measure(module, X)`` returns one error per candidate (array-like of
        shape (J,)) for the :class:`~symlearn.nn.SymmetryModule` on rows
        ``X``. The estimators pass the relative invariance error of the
        candidate's generators (the first-order, scale-free rate used
        everywhere else), which does not depend on how far a candidate's
        group elements reach.
    power : float, default=4.0
        Sharpness of the down-weighting.
    floor : float, default=0.1
        Error below which differences between candidates do not count.
    every_epoch : bool, default=False
        Also re-rate after every later epoch, lowering weights only.
    max_rows : int, default=1000
        Training rows the errors are measured on.
    """

    def __init__(self, measure, power=4.0, floor=0.1, every_epoch=False, max_rows=1000):
        self.measure = measure
        self.power = power
        self.floor = floor
        self.every_epoch = every_epoch
        self.max_rows = max_rows

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.X_ = X[: self.max_rows]
        self.rated_ = False

    def on_epoch_end(self, net, **kwargs):
        candidates = net.module_.augmentation
        if not bool(candidates.enabled) or (self.rated_ and not self.every_epoch):
            return
        errors = np.asarray(self.measure(net.module_, self.X_), dtype=float)
        target = ((errors.min() + self.floor) / (errors + self.floor)) ** self.power
        weights = np.minimum(candidates.weights.cpu().double().numpy(), target)
        candidates.weights.copy_(torch.as_tensor(weights, dtype=candidates.weights.dtype))
        self.rated_ = True
        net.history.record("candidate_errors", errors.tolist())
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
