"""skorch callbacks shipped with symlearn, one concern each."""

import time

import numpy as np
import torch
from skorch.callbacks import Callback
from tqdm.auto import tqdm

from ._linear_part import linear_predictions
from .exceptions import PredictionsCollapsedError

__all__ = ["CandidateWeighting", "CollapseCheck", "EpochProgressBar", "ThreadTuning"]


class CandidateWeighting(Callback):
    """Weight each candidate symmetry by how exact the reference model finds it.

    When the candidate regularizers are switched on (at the start of the
    training phase after the reference model has converged), the model has
    been pushed towards no candidate, so it rates them without bias.
    ``measure`` gives each candidate an error ``e_j`` on up to ``max_rows``
    training rows, and the weights become (Kim et al., ICML 2023: a
    candidate whose error is far from the best is down-weighted)::

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

    def rate_reference(self, net, X):
        """Rate the candidates now, on the net's current (reference) model.

        The estimators call this when the reference phase ends, before the
        symmetric phase swaps in a fresh backbone; that phase's training then
        keeps these weights instead of rating the untrained backbone.
        """
        self.X_ = X[: self.max_rows]
        self.rated_ = False
        self._rate(net)
        self.pinned_ = self.rated_

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        if getattr(self, "pinned_", False):
            self.pinned_ = False  # one phase only: a later fit rates afresh
            return
        self.X_ = X[: self.max_rows]
        self.rated_ = False
        self._rate(net)

    def on_epoch_end(self, net, **kwargs):
        if self.every_epoch:
            self._rate(net)

    def _rate(self, net):
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


class CollapseCheck(Callback):
    """Stop a fit whose predictions collapsed towards a constant at a cost to the task.

    A constant function is invariant under every transformation, so a
    symmetry penalty that outweighs the task can be satisfied by a model
    that stops looking at its inputs. This callback measures the spread of
    the backbone's outputs, ``mean D(f(x), f(x'))`` over pairs of rows
    (``D`` the estimator's discrepancy: squared error of regression outputs,
    total variation of class probabilities), once for the reference model
    (the model before any augmentation: pinned with :meth:`pin_reference`,
    or the model as a phase with the symmetry switched on begins) and after
    every epoch of that phase, and records the ratio
    in the history as ``output_spread``. Training ends with
    :class:`~symlearn.exceptions.PredictionsCollapsedError` if the final
    model's ratio is below ``min_ratio`` *and* its task loss on the rows is
    higher than the reference model's, and a symmetry penalty was on
    (``symmetry_weight > 0``): augmentation alone that collapses the model
    (a wrong group, 107 directions on 20 features) is left to the held-out
    confirmation, which refutes the group. A phase without the symmetry (the
    reference phase) is not judged.

    The second condition tells a penalty that crushed a real signal from a
    target with no signal to find: on pure noise the constant is the best
    prediction, and shrinking an overfitted reference model towards it lowers
    the held-out loss. Only the final model is judged, because a strong
    penalty can squeeze the outputs for several epochs after the
    augmentation switches on before they recover. A reference spread of
    (nearly) zero, or fewer than ``min_rows`` rows (too few to compare two
    models' losses: scikit-learn's checks fit 11 rows, 2 held out) is not
    judged.

    Parameters
    ----------
    discrepancy : callable
        ``discrepancy(a, b)``, the per-row change between two output batches.
    X_check, y_check : array-like, default=None
        Rows (in the model's coordinates) and targets the spread and loss are
        measured on: the estimators pass their held-out rows. ``None``: the
        training rows.
    min_ratio : float, default=0.1
        Smallest accepted ratio of the final spread to the reference spread.
    min_rows : int, default=20
        Fewer rows than this are not judged.
    max_rows : int, default=1000
        At most this many rows are used.
    """

    def __init__(
        self,
        discrepancy,
        X_check=None,
        y_check=None,
        min_ratio=0.1,
        min_rows=20,
        max_rows=1000,
    ):
        self.discrepancy = discrepancy
        self.X_check = X_check
        self.y_check = y_check
        self.min_ratio = min_ratio
        self.min_rows = min_rows
        self.max_rows = max_rows

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        if self.X_check is not None:
            X, y = self.X_check, self.y_check
        self.X_, self.y_ = (
            torch.as_tensor(X[: self.max_rows]),
            torch.as_tensor(y[: self.max_rows]),
        )
        # The reference: the model pinned before this phase replaced it (the
        # estimators train the symmetric phase on a fresh backbone), else the
        # model as this phase begins, if the symmetry is on.
        pinned, self.pinned_ = getattr(self, "pinned_", None), None
        self.reference_ = pinned
        if pinned is None and net.module_.augmentation.n_generators:
            self.reference_ = self._measure(net)

    def pin_reference(self, net):
        """Measure the current model as the reference of the next training phase.

        Call it after a phase has trained (on that phase's rows) and before
        the model is replaced.
        """
        self.pinned_ = self._measure(net)

    def _measure(self, net):
        """Spread of the outputs over pairs of rows, and their task loss."""
        module = net.module_
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                outputs = net.infer(self.X_)
                loss = float(net.get_loss(outputs, self.y_, training=False))
                outputs = outputs.double().cpu()
        finally:
            module.train(was_training)
        # A backbone's linear part moves with every row whatever the layers do:
        # the spread is measured on what the layers add (see symlearn._linear_part).
        linear = linear_predictions(getattr(module, "backbone", None), self.X_.cpu().numpy())
        if linear is not None:
            outputs = outputs - torch.as_tensor(linear)
        # Each row against the next one: n pairs of unrelated rows, no RNG.
        return float(self.discrepancy(outputs, outputs.roll(1, dims=0)).mean()), loss

    def _judged(self):
        if self.reference_ is None or len(self.X_) < self.min_rows:
            return False
        return self.reference_[0] > 1e-6

    def on_epoch_end(self, net, **kwargs):
        if self._judged():
            net.history.record("output_spread", self._measure(net)[0] / self.reference_[0])

    def on_train_end(self, net, **kwargs):
        if not self._judged():
            return
        # After every other callback's on_train_end (e.g. EarlyStopping's
        # load_best), so the model judged is the one fit returns.
        spread, loss = self._measure(net)
        ratio = spread / self.reference_[0]
        if ratio >= self.min_ratio or loss <= self.reference_[1]:
            return
        if not getattr(net, "symmetry_weight", 0):
            # No penalty pulled the outputs together: the augmentation moved the
            # rows along a group the targets do not follow. That refutes the
            # group, which the estimators' confirmation on the held-out rows
            # does (keeping the reference model); it is no error of the fit.
            return
        raise PredictionsCollapsedError(
            f"The model's predictions collapsed towards a constant: their spread fell to "
            f"{ratio:.1%} of the reference model's spread (limit {self.min_ratio:.0%}), and "
            f"the task loss on held-out rows rose from {self.reference_[1]:.4g} to "
            f"{loss:.4g}. A constant model is invariant under every transformation, so the "
            f"symmetry found would be meaningless. The symmetry penalty outweighs the task: "
            f"lower `symmetry_weight` (now {net.symmetry_weight:g}, e.g. by 10x). To skip "
            f"this check, pass callbacks__collapse_check=None."
        )


class EpochProgressBar(Callback):
    """One progress bar over the epochs of each training phase, showing the losses.

    skorch's own ``ProgressBar`` draws one bar per epoch over batches; for the
    short epochs of tabular data a single bar over the whole fit reads better.

    Parameters
    ----------
    keys : tuple of str, default=("train_loss", "valid_loss")
        History entries shown after the bar, when present.
    **tqdm_kwargs
        Passed to ``tqdm`` (e.g. ``file=sys.stdout``, ``disable=True``).

    Examples
    --------
    >>> from symlearn import SymmetryDiscoveringRegressor
    >>> est = SymmetryDiscoveringRegressor(callbacks=[EpochProgressBar()])
    """

    def __init__(self, keys=("train_loss", "valid_loss"), **tqdm_kwargs):
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


class ThreadTuning(Callback):
    """Train on the CPU with as many torch threads as pays, judged on measured epoch times.

    torch runs each CPU kernel on ``torch.get_num_threads()`` threads, which
    wait for each other. For the small batches of tabular data a second
    thread gains little, and when another busy process shares the cores the
    waiting dominates (a 3x256 MLP, batch 50, on 2 cores: 1.45 ms per step
    with 2 threads and 1.80 ms with 1 on an idle machine; 9.5 ms and 1.7 ms
    beside one busy process). So the epochs are timed with the caller's
    setting and, now and then, with one thread, and the faster is kept: a
    trial after ``first_check`` epochs, then after an interval that doubles
    (up to ``max_interval``) while the setting in use keeps winning, and
    starts again from ``first_check`` when the other one wins. A fit that
    starts beside other work, or meets it later, moves to one thread; an
    idle machine gets its threads back. The caller's setting is restored
    when the phase ends (the estimators' net restores it after an error
    too).

    Nothing is done on a GPU or when torch already uses one thread.
    ``torch.set_num_threads`` is global to the process: fits run in threads
    of one process (joblib's ``threading`` backend) share it; switch this
    callback off with ``callbacks__thread_tuning=None`` and set the threads
    yourself there. The thread count does not change the numbers a small
    MLP computes (matrix products are not split along their sums at these
    sizes), only how fast.

    Parameters
    ----------
    first_check : int, default=4
        Epochs before the first trial of the other setting.
    max_interval : int, default=64
        Longest interval, in epochs, between trials.
    margin : float, default=0.1
        A trial epoch must be this fraction faster than the last epoch of
        the setting in use to replace it (epoch times are noisy).
    """

    def __init__(self, first_check=4, max_interval=64, margin=0.1):
        self.first_check = first_check
        self.max_interval = max_interval
        self.margin = margin

    def on_train_begin(self, net, **kwargs):
        self.caller_threads_ = torch.get_num_threads()
        self.active_ = torch.device(net.device).type == "cpu" and self.caller_threads_ > 1
        self.threads_ = self.caller_threads_
        self.epoch_seconds_ = {}
        self.interval_ = self.first_check
        self.next_trial_ = self.first_check
        self.trial_of_ = None  # the setting a running trial is compared with
        self.n_epochs_ = 0

    def on_epoch_begin(self, net, **kwargs):
        self.started_ = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        if not self.active_:
            return
        self.epoch_seconds_[self.threads_] = time.perf_counter() - self.started_
        self.n_epochs_ += 1
        if self.trial_of_ is not None:
            kept = self.trial_of_
            if self.epoch_seconds_[self.threads_] < (1 - self.margin) * self.epoch_seconds_[kept]:
                kept, self.interval_ = self.threads_, self.first_check
            else:
                self.interval_ = min(2 * self.interval_, self.max_interval)
            self._use(kept)
            self.trial_of_ = None
            self.next_trial_ = self.n_epochs_ + self.interval_
        elif self.n_epochs_ >= self.next_trial_:
            self.trial_of_ = self.threads_
            self._use(1 if self.threads_ > 1 else self.caller_threads_)

    def on_train_end(self, net, **kwargs):
        if self.active_:
            self._use(self.caller_threads_)

    def _use(self, threads):
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)
        self.threads_ = threads
