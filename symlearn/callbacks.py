"""skorch callbacks shipped with symlearn, one concern each."""

import numpy as np
import torch
from skorch.callbacks import Callback
from tqdm.auto import tqdm

__all__ = ["CandidateWeighting", "EpochProgressBar"]


class CandidateWeighting(Callback):
    """Tune the weight of each candidate symmetry from how exact it is.

    At the end of every epoch in which the candidate regularizers are on
    (the first being the last warm-up epoch, when the model has not yet been
    pushed towards any candidate), ``measure`` rates each candidate on up to
    ``max_rows`` training rows, and the rating ``e_j`` sets its weight (Kim
    et al., ICML 2023, in a non-compounding form)::

        lambda_j = ((min_k e_k + floor) / (e_j + floor)) ** power

    A weight never rises again (``lambda_j`` is the minimum of the values
    above so far), as in Kim et al., where the weights are divided by ratios
    of at least 1: once a broken candidate is down-weighted and the model
    fits the data it breaks, regularizing it back would make it look exact.
    The most exact candidate keeps weight (about) 1; exact candidates, whose
    errors are all near the model's own accuracy, stay comparable because
    of the ``floor``. The errors and
    weights go into the history as ``candidate_errors`` and
    ``candidate_weights``.

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
        Sharpness of the down-weighting. Kim et al. divide repeatedly, which
        compounds; recomputing from the current errors instead needs a power
        above 1 for a broken candidate's weight to stay down.
    floor : float, default=0.1
        Error below which differences between candidates do not count.
    max_rows : int, default=1000
        Training rows the errors are measured on.
    """

    def __init__(self, measure, power=4.0, floor=0.1, max_rows=1000):
        self.measure = measure
        self.power = power
        self.floor = floor
        self.max_rows = max_rows

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.X_ = X[: self.max_rows]

    def on_epoch_end(self, net, **kwargs):
        candidates = net.module_.augmentation
        if not bool(candidates.enabled):
            return
        errors = np.asarray(self.measure(net.module_, self.X_), dtype=float)
        target = ((errors.min() + self.floor) / (errors + self.floor)) ** self.power
        # Weights only ever fall (as in Kim et al.): a candidate the model has
        # been allowed to break cannot talk its way back by being imposed.
        weights = np.minimum(candidates.weights.cpu().double().numpy(), target)
        candidates.weights.copy_(torch.as_tensor(weights, dtype=candidates.weights.dtype))
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
