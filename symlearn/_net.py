"""The skorch net that trains a backbone together with its augmentation."""

import math

import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import PassthroughScoring
from skorch.utils import to_tensor

from ._data import TensorBatchDataset, collate_batch
from .exceptions import TrainingDivergedError
from .metrics import squared_distance

__all__ = ["SymmetryNet", "squared_difference", "kl_divergence_from_logits"]


def squared_difference(reference, moved):
    """Mean squared difference of two prediction batches (regression)."""
    return squared_distance(reference, moved).mean()


def kl_divergence_from_logits(reference, moved):
    """Mean ``KL(p_reference || p_moved)`` of two logit batches (classification)."""
    log_p = F.log_softmax(reference, dim=-1)
    log_q = F.log_softmax(moved, dim=-1)
    return (log_p.exp() * (log_p - log_q)).sum(dim=-1).mean()


class SymmetryNet(NeuralNet):
    """skorch ``NeuralNet`` whose training loss learns a symmetry.

    ``module`` must be a :class:`symlearn.nn.SymmetryModule`. On every
    training batch the loss is::

        (task(x) + task(g x)) / 2
        + symmetry_weight * consistency(f(x), f(g x))
        - current_reach_weight * mean_i log(w_i / max_extent)
        + distinctness_weight * overlap

    where ``g x`` are ``n_augmentations`` views transformed by the learned
    augmentation, ``w_i`` its extents and ``overlap`` in [0, 1] the mean
    squared cosine between generators. The reach reward starts
    ``reach_anneal`` times stronger than ``reach_weight`` and decays
    geometrically to ``reach_weight`` at the last epoch: early on, a wide
    reach keeps the search over directions from settling, together with a
    co-adapted backbone, on a non-symmetry at a tiny extent; late, a weak
    reward lets the extents of approximate symmetries shrink.
    Validation batches use the task loss on the original inputs only, so
    ``valid_loss`` (and early stopping on it) measures prediction quality.

    Each term is recorded per batch and averaged per epoch in the history
    as ``train_task_loss``, ``train_consistency``, ``reach`` and ``overlap``.

    Arrays are served by :class:`TensorBatchDataset`, a whole batch per
    indexing operation, unless ``dataset`` is set to something else.

    Parameters
    ----------
    consistency : callable
        ``consistency(f(x), f(g x))`` returning a scalar tensor.
    symmetry_weight, reach_weight, distinctness_weight : float
        Weights of the terms above.
    reach_anneal : float
        Initial reach weight as a multiple of ``reach_weight``.
    n_augmentations : int
        Number of augmented views per sample and batch.
    augmentation_start : int, default=0
        Epoch at which the reach annealing starts (after a warm-up of the
        backbone alone). While the augmentation has no active generator, a
        training step is a plain step on the task loss.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(
        self,
        *args,
        consistency,
        symmetry_weight,
        reach_weight,
        reach_anneal,
        distinctness_weight,
        n_augmentations,
        augmentation_start=0,
        **kwargs,
    ):
        kwargs.setdefault("dataset", TensorBatchDataset)
        kwargs.setdefault("iterator_train__collate_fn", collate_batch)
        kwargs.setdefault("iterator_valid__collate_fn", collate_batch)
        super().__init__(*args, **kwargs)
        self.consistency = consistency
        self.symmetry_weight = symmetry_weight
        self.reach_weight = reach_weight
        self.reach_anneal = reach_anneal
        self.distinctness_weight = distinctness_weight
        self.n_augmentations = n_augmentations
        self.augmentation_start = augmentation_start

    _RECORDED_TERMS = ("train_task_loss", "train_consistency", "reach", "overlap")

    def get_default_callbacks(self):
        terms = [
            (name, PassthroughScoring(name=name, on_train=True))
            for name in self._RECORDED_TERMS
        ]
        return [*super().get_default_callbacks(), *terms]

    def current_reach_weight(self):
        """Reach weight of the current epoch (geometric decay to ``reach_weight``)."""
        start = self.augmentation_start
        progress = (len(self.history) - 1 - start) / max(self.max_epochs - 1 - start, 1)
        return self.reach_weight * self.reach_anneal ** (1.0 - min(max(progress, 0.0), 1.0))

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        task = self.criterion_(y_pred, y_true)
        if not training:
            return task

        # X reaches get_loss as the batch the data loader produced, on the CPU.
        augmentation = self.module_.augmentation
        if augmentation.n_generators == 0:
            # Nothing to search (yet): a plain training step.
            zero = task.new_zeros(())
            self._record_terms(task, task, zero, zero, zero)
            return task
        X = to_tensor(X, device=self.device)
        n_views = self.n_augmentations
        moved_pred = self.infer(augmentation(X, n_views=n_views))
        if n_views > 1:
            y_true = y_true.repeat(n_views, *([1] * (y_true.ndim - 1)))
            y_pred = y_pred.repeat(n_views, *([1] * (y_pred.ndim - 1)))

        task = 0.5 * (task + self.criterion_(moved_pred, y_true))
        consistency = self.consistency(y_pred, moved_pred)
        reach = augmentation.reach()
        overlap = augmentation.overlap()
        loss = (
            task
            + self.symmetry_weight * consistency
            - self.current_reach_weight() * augmentation.log_reach()
            + self.distinctness_weight * overlap
        )
        self._record_terms(loss, task, consistency, reach, overlap)
        return loss

    def _record_terms(self, loss, task, consistency, reach, overlap):
        # One transfer to the host serves both the finiteness check and the log.
        values = torch.stack([loss, task, consistency, reach, overlap]).detach().tolist()
        self._check_finite(*values[:3])
        for name, value in zip(self._RECORDED_TERMS, values[1:]):
            self.history.record_batch(name, value)

    def _check_finite(self, loss, task, consistency):
        if math.isfinite(loss):
            return
        epoch = len(self.history)
        culprit = "the task loss" if not math.isfinite(task) else "the consistency term"
        raise TrainingDivergedError(
            f"Training diverged in epoch {epoch}: the loss became {loss} "
            f"({culprit} is not finite). This usually means the learning rate is too "
            f"high for this data (lr={self.lr}); lower `lr` (e.g. by 10x). If the task "
            f"loss itself is fine, lower `symmetry_weight` or the augmentation's reach "
            f"(`reach_weight`)."
        )
