"""The skorch net that trains a backbone together with its augmentation."""

import math
import signal
import threading
from contextlib import contextmanager

import torch
from skorch import NeuralNet
from skorch.callbacks import PassthroughScoring
from skorch.dataset import unpack_data
from skorch.utils import to_tensor

from ._data import TensorBatchDataset, collate_batch
from ._task import per_row_loss
from .exceptions import TrainingDivergedError
from .groups import GroupAction, GroupElements
from .nn import CandidateSymmetries

__all__ = ["SymmetryNet", "rows_independent"]


def rows_independent(module):
    """Whether ``module``'s output for a row depends on that row alone (no batch normalization).

    Batch normalization in training mode couples the rows of a batch:
    appending moved rows to it would change the statistics every row sees.
    """
    return not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules())


@contextmanager
def _interrupts_recorded():
    """Record SIGINT while the block runs (main thread only), still raising ``KeyboardInterrupt``.

    Yields a list that holds ``True`` once an interrupt arrived.
    """
    interrupted = []
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield interrupted
        return

    def handler(signum, frame):
        interrupted.append(True)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _weighted_mean(values, weights):
    """``mean_i w_i v_i`` over the rows of a batch.

    The weights are scaled to mean 1 over each data set (see
    :func:`~symlearn._data.weighted_targets`), so skorch's average of the
    batch terms by their row counts is the weighted mean over the whole set,
    and a row's pull on the gradient grows with its weight whichever batch
    it falls in (a per-batch ``sum w v / sum w`` would cap it at its batch).
    """
    return (weights.to(values.dtype) * values).mean()


class SymmetryNet(NeuralNet):
    """skorch ``NeuralNet`` that trains a backbone on its task, then with its symmetry.

    ``module`` must be a :class:`symlearn.nn.SymmetryModule`. While its
    augmentation has no active generator, a training step is a plain step
    on the task loss: the reference phase. Once the estimator has switched
    on the accepted symmetry (a :class:`~symlearn.nn.LieAugmentation`
    whose generators and reaches are fixed), the loss of every training
    batch is::

        (task(x, y) + task(g x, g y)) / 2 + symmetry_weight * consistency(g f(x), f(g x))

    where ``g x`` are ``n_augmentations`` views moved by random elements of
    the group, ``g y`` and ``g f(x)`` the targets and outputs moved by
    ``output_rep`` (left alone when it is ``None``: invariant targets).
    With :class:`~symlearn.nn.CandidateSymmetries` instead, every row is
    moved by an element of one candidate group and the loss is::

        (task(x, y) + sum_i lambda_j(i) task(g_i x_i, g_i y_i) / sum_i lambda_j(i)) / 2
        + symmetry_weight * sum_j lambda_j R_j

    with ``R_j`` the mean consistency of the rows of candidate ``j`` (the
    soft-equivariance regularizer of Kim et al., measured on sampled group
    elements) and ``lambda_j`` its weight, tuned by
    :class:`~symlearn.callbacks.CandidateWeighting`.

    Validation batches use the task loss on the original inputs only, so
    ``valid_loss`` (and early stopping on it) measures prediction quality.

    Each term is recorded per batch and averaged per epoch in the history
    as ``train_task_loss`` and ``train_consistency``.

    Targets given as ``{"y": y, "sample_weight": w}`` (weights of mean 1)
    weight every term, training and validation alike, row by row: a term is
    ``mean_i w_i l_i`` over the rows of the batch (a moved view carries the
    weight of the row it was moved from), so the epoch's average is the
    weighted mean over the whole set.

    Arrays are served by :class:`TensorBatchDataset`, a whole batch per
    indexing operation, unless ``dataset`` is set to something else.

    Parameters
    ----------
    consistency : callable
        ``consistency(g f(x), f(g x))`` returning one value per row.
    symmetry_weight : float
        Weight of the consistency term.
    n_augmentations : int
        Number of augmented views per sample and batch.
    output_rep : symlearn.reps.Rep, default=None
        How a group element acts on the targets and outputs (equivariance).
        ``None``: they are invariant.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(
        self,
        *args,
        consistency,
        symmetry_weight,
        n_augmentations,
        output_rep=None,
        **kwargs,
    ):
        kwargs.setdefault("dataset", TensorBatchDataset)
        kwargs.setdefault("iterator_train__collate_fn", collate_batch)
        kwargs.setdefault("iterator_valid__collate_fn", collate_batch)
        super().__init__(*args, **kwargs)
        self.consistency = consistency
        self.symmetry_weight = symmetry_weight
        self.n_augmentations = n_augmentations
        self.output_rep = output_rep

    _RECORDED_TERMS = ("train_task_loss", "train_consistency")

    def get_default_callbacks(self):
        terms = [
            (name, PassthroughScoring(name=name, on_train=True)) for name in self._RECORDED_TERMS
        ]
        return [*super().get_default_callbacks(), *terms]

    def _targets(self, y_true):
        """The targets and the per-row weights (``None``: every row alike) of a batch."""
        y_true = to_tensor(y_true, device=self.device)
        if isinstance(y_true, dict):
            return y_true["y"], y_true["sample_weight"]
        return y_true, None

    def _task_loss(self, y_pred, y_true, weights):
        """The criterion's mean over the rows, weighted by ``weights`` when given."""
        if weights is None:
            return self.criterion_(y_pred, y_true)
        return _weighted_mean(per_row_loss(type(self.criterion_), y_pred, y_true), weights)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true, weights = self._targets(y_true)
        task = self._task_loss(y_pred, y_true, weights)
        if not training:
            return task

        # X reaches get_loss as the batch the data loader produced, on the CPU.
        augmentation = self.module_.augmentation
        if augmentation.n_generators == 0:
            # The reference phase (or nothing accepted): a plain training step.
            self._record_terms(task, task, task.new_zeros(()))
            return task
        X = to_tensor(X, device=self.device)
        if isinstance(augmentation, CandidateSymmetries):
            return self._candidate_loss(task, X, y_true, y_pred, augmentation, weights)
        return self._augmentation_loss(task, X, y_pred, y_true, augmentation, weights)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """skorch's ``partial_fit``, except that an interrupt (Ctrl-C) ends the whole fit.

        skorch ends only the running loop on ``KeyboardInterrupt`` (its early
        stopping raises one too) and returns as if training had finished;
        symlearn's fit has several phases and a verdict, which must not go on
        from a model a person stopped half-way. So a real interrupt (SIGINT,
        seen by a handler installed for the call, in the main thread) is
        raised again once skorch has wound down. torch's thread count, which
        :class:`~symlearn.callbacks.ThreadTuning` may change between epochs,
        is the caller's again afterwards, also when training raised.
        """
        threads = torch.get_num_threads()
        try:
            with _interrupts_recorded() as interrupted:
                super().partial_fit(X, y, classes=classes, **fit_params)
        finally:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
        if interrupted:
            raise KeyboardInterrupt
        return self

    def get_split_datasets(self, X, y=None, **fit_params):
        """skorch's split, given the targets alone when they travel with their weights.

        A stratified ``train_split`` reads the class of each row from ``y``.
        """
        if isinstance(y, dict) and self.train_split:
            return self.train_split(self.get_dataset(X, y), y["y"], **fit_params)
        return super().get_split_datasets(X, y, **fit_params)

    def group_action(self):
        """How the augmentation's group elements act on inputs and outputs."""
        rep = self.module_.augmentation.rep
        action = getattr(self, "_group_action", None)
        if action is None or action.input_rep is not rep:
            action = self._group_action = GroupAction(rep, self.output_rep)
        return action

    def train_step_single(self, batch, **fit_params):
        """One training step; original and moved rows share one forward pass where they can.

        With a fixed augmentation active and a backbone whose rows do not
        interact (no batch normalization), the moved rows are appended to
        the batch: one pass through the backbone instead of two, the same
        outputs row by row (measured: the symmetric phase's steps cost about
        twice the reference's with two passes). Otherwise skorch's step.
        """
        augmentation = self.module_.augmentation
        fused = (
            not fit_params
            and augmentation.n_generators > 0
            and not isinstance(augmentation, CandidateSymmetries)
            and rows_independent(self.module_.backbone)
        )
        if not fused:
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        X = to_tensor(Xi, device=self.device)
        g, moved_X = self._moved_views(X, augmentation)
        outputs = self.infer(torch.cat([X, moved_X]))
        y_pred, moved_pred = outputs[: len(X)], outputs[len(X) :]
        y_true, weights = self._targets(yi)
        task = self._task_loss(y_pred, y_true, weights)
        loss = self._augmented_loss(task, y_pred, y_true, g, moved_X, moved_pred, weights)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def _moved_views(self, X, augmentation):
        """``n_augmentations`` views of the rows ``X``, moved by fresh group elements."""
        n_views = self.n_augmentations
        g = GroupElements(augmentation.sample(len(X) * n_views))
        return g, self.group_action().act(g, X.repeat(n_views, 1))

    def _augmentation_loss(self, task, X, y_pred, y_true, augmentation, weights=None):
        g, moved_X = self._moved_views(X, augmentation)
        return self._augmented_loss(task, y_pred, y_true, g, moved_X, self.infer(moved_X), weights)

    def _augmented_loss(self, task, y_pred, y_true, g, moved_X, moved_pred, weights=None):
        n_views = self.n_augmentations
        action = self.group_action()
        if n_views > 1:
            y_true = y_true.repeat(n_views, *([1] * (y_true.ndim - 1)))
            y_pred = y_pred.repeat(n_views, *([1] * (y_pred.ndim - 1)))
            weights = None if weights is None else weights.repeat(n_views)

        moved_task = self._task_loss(moved_pred, action.act_outputs(g, y_true), weights)
        task = 0.5 * (task + moved_task)
        consistency = self.consistency(action.act_outputs(g, y_pred), moved_pred)
        consistency = (
            consistency.mean() if weights is None else _weighted_mean(consistency, weights)
        )
        loss = task + self.symmetry_weight * consistency
        self._record_terms(loss, task, consistency, moved_X)
        return loss

    def _candidate_loss(self, task, X, y_true, y_pred, candidates, row_weights=None):
        action = self.group_action()
        g, which = candidates.sample(len(X))
        g = GroupElements(g)
        moved = action.act(g, X)
        moved_pred = self.infer(moved)
        # Each row, moved by its candidate's group, is a training row too,
        # weighted by how exact that candidate is.
        per_row = per_row_loss(type(self.criterion_), moved_pred, action.act_outputs(g, y_true))
        weights = candidates.weights[which].to(per_row.dtype)
        if row_weights is not None:
            weights = weights * row_weights.to(per_row.dtype)
        task = 0.5 * (task + (weights * per_row).sum() / weights.sum().clamp_min(1e-12))
        residual = self.consistency(action.act_outputs(g, y_pred), moved_pred)
        # (Weighted) mean residual of each candidate's rows; a candidate with no
        # row in this batch contributes nothing (and is recorded as nan).
        counted = torch.ones_like(residual) if row_weights is None else row_weights.to(residual)
        counts = torch.zeros(candidates.n_candidates, dtype=residual.dtype, device=residual.device)
        counts = counts.index_add(0, which, counted)
        sums = torch.zeros_like(counts).index_add(0, which, residual * counted)
        per_candidate = sums / counts.clamp_min(1e-12)
        regularizer = (candidates.weights * per_candidate).sum()
        loss = task + self.symmetry_weight * regularizer
        self._record_terms(loss, task, regularizer, moved)
        return loss

    def _record_terms(self, loss, task, consistency, moved_X=None):
        # One transfer to the host serves the finiteness checks and the log.
        inputs_finite = loss.new_ones(()) if moved_X is None else torch.isfinite(moved_X).all()
        terms = [loss, task, consistency, inputs_finite.to(loss.dtype)]
        values = torch.stack(terms).detach().tolist()
        self._check_finite(*values[:3], inputs_finite=bool(values[3]))
        for name, value in zip(self._RECORDED_TERMS, values[1:3]):
            self.history.record_batch(name, value)

    def _check_finite(self, loss, task, consistency, *, inputs_finite=True):
        if math.isfinite(loss):
            return
        epoch = len(self.history)
        if not inputs_finite:
            raise TrainingDivergedError(
                f"Training diverged in epoch {epoch}: the augmentation moved the inputs to "
                f"non-finite values (its group elements exp(sum_i t_i L_i) overflowed), so "
                f"the loss became {loss}. Its reach is too large for the data: bound the "
                f"extents (`max_extent` of the augmentation that `get_augmentation` returns)."
            )
        culprit = "the task loss" if not math.isfinite(task) else "the consistency term"
        raise TrainingDivergedError(
            f"Training diverged in epoch {epoch}: the loss became {loss} "
            f"({culprit} is not finite). This usually means the learning rate is too "
            f"high for this data (lr={self.lr}); lower `lr` (e.g. by 10x). If the task "
            f"loss itself is fine, lower `symmetry_weight`."
        )
