"""The estimators' overridable builders (skorch style): backbone, augmentation, callbacks, net."""

import copy

import torch
from skorch.callbacks import EarlyStopping
from skorch.helper import predefined_split
from skorch.utils import noop
from torch import nn

from ._data import TensorBatchDataset
from ._net import SymmetryNet
from ._params import SKORCH_PREFIXES
from ._reach import MAX_REACH
from .callbacks import CandidateWeighting, CollapseCheck, ThreadTuning
from .nn import MLP, CandidateSymmetries, ConvNet, LieAugmentation
from .reps import Image
from .symmetrize import InvariantModel, Symmetrized

__all__ = ["EstimatorBuilders", "auto_batch_size"]

#: Candidate weights: relative errors below this floor count as equally exact.
CANDIDATE_FLOOR = 0.1

#: ``batch_size="auto"``: about this many optimizer steps per epoch, within bounds.
STEPS_PER_EPOCH = 16
MIN_BATCH, MAX_BATCH = 32, 256


def auto_batch_size(n_train):
    """``batch_size="auto"``: ``n_train / 16`` rows, between 32 and 256."""
    return int(min(MAX_BATCH, max(MIN_BATCH, n_train // STEPS_PER_EPOCH)))


#: ``lr="auto"``: the rate of the MLP, the ConvNet and modules of the user's own.
AUTO_LR = 1e-3

#: ``lr="auto"``: the rate of invariant-feature models. Their features are
#: products of the inputs, heavy-tailed, and at the MLP's rate training is
#: spiky; on EMLP's Lorentz task (1,000 rows, group named) 1e-4 gave test
#: MSE 0.0011 / 0.0031 / 0.0036 for seeds 0-2 against 0.0035 / 0.0147 /
#: 0.0104, at 2-4 times the epochs; lower on 17 of the 18 fits of
#: ``benchmarks/bench_exploit.py``'s O(5), Lorentz and inertia tasks, named
#: or discovered (the exception: O(5) discovered, seed 2, 0.0011 -> 0.0019).
INVARIANT_LR = 1e-4


def resolve_lr(lr, backbone):
    """The learning rate ``lr`` asks for when training ``backbone``: itself, or ``"auto"``'s.

    Only :class:`~symlearn.symmetrize.InvariantModel` trains at
    ``INVARIANT_LR``: the item model (``"S_n x G"``) at 1e-4 reached the
    1,000-epoch cap on charged n-body and a worse test MSE (seed 0: 0.0219
    in 217 s against 0.0155 in 55 s at 1e-3).
    """
    if lr != "auto":
        return lr
    return INVARIANT_LR if isinstance(backbone, InvariantModel) else AUTO_LR


def _fusable(optimizer, device, options):
    """Whether torch's fused Adam can stand in for the default one.

    Only for ``torch.optim.Adam``/``AdamW`` themselves on the CPU or CUDA,
    when the user chose no implementation (``optimizer__fused`` or
    ``optimizer__foreach``) and no option the fused kernel refuses.
    """
    return (
        optimizer in (torch.optim.Adam, torch.optim.AdamW)
        and torch.device(device).type in ("cpu", "cuda")
        and not {"optimizer__fused", "optimizer__foreach", "optimizer__differentiable"}
        & set(options)
    )


class EstimatorBuilders:
    """The ``get_*`` builders of :class:`~symlearn._base.BaseSymmetryDiscoverer`.

    Each returns one piece of a fit and can be overridden in a subclass;
    they read the estimator's parameters and never its fitted state.
    """

    def _prefixed_params(self, prefixes=SKORCH_PREFIXES):
        return {k: v for k, v in vars(self).items() if k.startswith(prefixes)}

    def _module_options(self):
        """The ``module__*`` parameters, without their prefix: the backbone's options."""
        return {k[len("module__") :]: v for k, v in self._prefixed_params(("module__",)).items()}

    def get_backbone(self, n_inputs, n_outputs, input_rep=None):
        """Return the backbone ``nn.Module`` mapping ``n_inputs`` to ``n_outputs``.

        ``module=None`` gives a :class:`~symlearn.nn.ConvNet` when
        ``input_rep`` is a single :class:`~symlearn.reps.Image` and an
        :class:`~symlearn.nn.MLP` otherwise; a module class is instantiated
        with the ``module__*`` options; a module instance is copied, so the
        estimator never trains the caller's object in place.
        """
        options = self._module_options()
        if self.module is None:
            if isinstance(input_rep, Image):
                return ConvNet(*input_rep.shape[1:], input_rep.channels, n_outputs, **options)
            return MLP(n_inputs, n_outputs, **options)
        if isinstance(self.module, type) and issubclass(self.module, nn.Module):
            return self.module(**options)
        if isinstance(self.module, nn.Module):
            if options:
                raise ValueError(
                    f"module is an already built instance, so the options "
                    f"{sorted(options)} cannot be applied; pass the module class instead."
                )
            return copy.deepcopy(self.module)
        raise TypeError(
            f"module must be None, a torch.nn.Module subclass or instance; got {self.module!r}."
        )

    def get_augmentation(self, rep, basis, candidates=None, reaches=None):
        """Return the module that moves the inputs during training.

        Without candidates, a :class:`~symlearn.nn.LieAugmentation` whose slots
        (``n_generators``, or one per direction of the search space ``basis``
        for ``"auto"``) stay switched off through the reference phase; the
        symmetric phase fixes the accepted generators in them at the reach the
        data give. With ``candidates`` (a list of generator stacks in model
        coordinates) and their ``reaches``, a
        :class:`~symlearn.nn.CandidateSymmetries`, switched on when the
        reference phase ends.
        """
        if candidates is not None:
            return CandidateSymmetries(rep, candidates, reaches)
        slots = len(basis) if self.n_generators == "auto" else self.n_generators
        # Reaches are fixed by the data (symlearn._reach), up to MAX_REACH.
        return LieAugmentation(rep, slots, basis=basis, active=False, max_extent=1.01 * MAX_REACH)

    def get_symmetrized(self, backbone, sampler, input_layout, output_layout, translations):
        """Return ``backbone`` wrapped by probabilistic symmetrization.

        A :class:`~symlearn.symmetrize.Symmetrized` module drawing
        ``n_group_samples`` group elements per row in training and
        ``n_group_samples_test`` when predicting.
        """
        return Symmetrized(
            backbone,
            sampler,
            input_layout,
            output_layout,
            translations=translations,
            n_samples=self.n_group_samples,
            n_samples_eval=self.n_group_samples_test,
        )

    def get_candidate_weighting(self, measure):
        """Return the callback that tunes the candidates' weights during training.

        ``measure(module, X)`` rates each candidate (see
        :class:`~symlearn.callbacks.CandidateWeighting`).
        """
        return CandidateWeighting(measure, floor=CANDIDATE_FLOOR)

    def get_collapse_check(self, X_held_out, y_held_out):
        """Return the callback that stops a fit whose predictions collapsed.

        See :class:`~symlearn.callbacks.CollapseCheck`; it judges the model on
        the held-out rows. ``callbacks__collapse_check=None`` switches it off
        and ``callbacks__collapse_check__min_ratio=...`` tunes it.
        """
        return CollapseCheck(self._task_type.discrepancy, X_held_out, y_held_out)

    def get_early_stopping(self, monitor):
        """Return the callback that ends each training phase once it has converged.

        skorch's ``EarlyStopping`` on ``monitor`` (the held-out task loss,
        or the training loss without held-out rows) with ``patience``
        epochs, restoring the best epoch's weights. ``max_epochs`` caps
        each phase. ``callbacks__early_stopping__patience=...`` tunes it;
        ``callbacks__early_stopping=None`` trains every phase for
        ``max_epochs``.
        """
        return EarlyStopping(monitor=monitor, patience=self.patience, load_best=True, sink=noop)

    def get_thread_tuning(self):
        """Return the callback that picks the number of CPU threads from measured epoch times.

        See :class:`~symlearn.callbacks.ThreadTuning`;
        ``callbacks__thread_tuning=None`` keeps torch's setting throughout.
        """
        return ThreadTuning()

    def get_net(
        self,
        module,
        device,
        callbacks=(),
        output_rep=None,
        validation=None,
        n_train=None,
    ):
        """Return the (uninitialized) ``SymmetryNet`` (a skorch ``NeuralNet``) that trains ``module``.

        ``validation``, a pair of held-out rows and targets, is skorch's
        validation set (unless ``train_split`` names another): its task loss
        is ``valid_loss``, which early stopping watches. ``n_train`` sizes
        ``batch_size="auto"``.
        """
        skorch_options = self._prefixed_params(SKORCH_PREFIXES[1:])
        skorch_options.setdefault("iterator_train__shuffle", True)
        if _fusable(self.optimizer, device, skorch_options):
            # One kernel per step instead of a loop over the parameters:
            # a 3x256 MLP's step on the CPU, 1.51 -> 1.15 ms (batch 50).
            skorch_options["optimizer__fused"] = True
        train_split = self.train_split
        if train_split is None and validation is not None:
            train_split = predefined_split(TensorBatchDataset(*validation))
        monitor = "train_loss" if train_split is None else "valid_loss"
        batch_size = self.batch_size
        if batch_size == "auto":
            batch_size = auto_batch_size(n_train or 1)
        return SymmetryNet(
            module=module,
            criterion=self._task_type.criterion,
            consistency=self._task_type.consistency,
            symmetry_weight=self.symmetry_weight,
            n_augmentations=self.n_augmentations,
            output_rep=output_rep,
            optimizer=self.optimizer,
            lr=resolve_lr(self.lr, getattr(module, "backbone", module)),
            max_epochs=self.max_epochs,
            batch_size=batch_size,
            callbacks=[
                *(self.callbacks or []),
                ("early_stopping", self.get_early_stopping(monitor)),
                ("thread_tuning", self.get_thread_tuning()),
                *callbacks,
            ],
            train_split=train_split,
            device=device,
            verbose=self.verbose,
            **skorch_options,
        )
