"""The estimators' overridable builders (skorch style): backbone, augmentation, callbacks, net."""

import copy

from torch import nn

from ._net import SymmetryNet
from ._params import SKORCH_PREFIXES
from .callbacks import CandidateWeighting, CollapseCheck
from .nn import MLP, CandidateSymmetries, ConvNet, LieAugmentation
from .reps import Image
from .symmetrize import Symmetrized

__all__ = ["EstimatorBuilders"]

#: The augmentation learns this much faster than the backbone, so that its
#: generators settle on a direction before the backbone co-adapts to them.
AUGMENTATION_LR_FACTOR = 3.0

#: The reach reward starts this many times stronger than ``reach_weight``.
REACH_ANNEAL = 10.0

#: Candidate weights: relative errors below this floor count as equally exact.
CANDIDATE_FLOOR = 0.1

#: This fraction of the epochs trains the backbone alone; then the probe reads
#: the directions to search off it, and it is kept as the reference model.
WARMUP_FRACTION = 1 / 3


class EstimatorBuilders:
    """The ``get_*`` builders of :class:`~symlearn._base.BaseSymmetryDiscoverer`.

    Each returns one piece of a fit and can be overridden in a subclass;
    they read the estimator's parameters and never its fitted state.
    """

    def _prefixed_params(self, prefixes=SKORCH_PREFIXES):
        return {k: v for k, v in vars(self).items() if k.startswith(prefixes)}

    def _warmup_epochs(self):
        return max(1, int(round(self.max_epochs * WARMUP_FRACTION)))

    def get_backbone(self, n_inputs, n_outputs, input_rep=None):
        """Return the backbone ``nn.Module`` mapping ``n_inputs`` to ``n_outputs``.

        ``module=None`` gives a :class:`~symlearn.nn.ConvNet` when
        ``input_rep`` is a single :class:`~symlearn.reps.Image` and an
        :class:`~symlearn.nn.MLP` otherwise; a module class is instantiated
        with the ``module__*`` options; a module instance is copied, so the
        estimator never trains the caller's object in place.
        """
        options = {k[len("module__"):]: v for k, v in self._prefixed_params(("module__",)).items()}
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
            f"module must be None, a torch.nn.Module subclass or instance; got "
            f"{self.module!r}."
        )

    def get_augmentation(self, rep, basis, candidates=None, reaches=None):
        """Return the module that moves the inputs during training.

        Without candidates, a :class:`~symlearn.nn.LieAugmentation` whose slots
        (``n_generators``, or one per direction of the search space ``basis``
        for ``"auto"``) stay switched off until the probe fills them. With
        ``candidates`` (a list of generator stacks in model coordinates) and
        their ``reaches``, a :class:`~symlearn.nn.CandidateSymmetries`,
        switched on after the warm-up.
        """
        if candidates is not None:
            return CandidateSymmetries(rep, candidates, reaches)
        slots = len(basis) if self.n_generators == "auto" else self.n_generators
        return LieAugmentation(rep, slots, basis=basis, active=False)

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
        return CollapseCheck(
            self._task_type.discrepancy, self._warmup_epochs(), X_held_out, y_held_out
        )

    def get_net(self, module, device, callbacks=(), output_rep=None):
        """Return the (uninitialized) :class:`SymmetryNet` that trains ``module``."""
        skorch_options = self._prefixed_params(SKORCH_PREFIXES[1:])
        skorch_options.setdefault("iterator_train__shuffle", True)
        # The user's parameter groups come first, so they take precedence.
        skorch_options["optimizer__param_groups"] = [
            *skorch_options.get("optimizer__param_groups", []),
            ("augmentation.*", {"lr": self.lr * AUGMENTATION_LR_FACTOR}),
        ]
        return SymmetryNet(
            module=module,
            criterion=self._task_type.criterion,
            consistency=self._task_type.consistency,
            symmetry_weight=self.symmetry_weight,
            reach_weight=self.reach_weight,
            reach_anneal=REACH_ANNEAL,
            distinctness_weight=self.distinctness_weight,
            n_augmentations=self.n_augmentations,
            augmentation_start=self._warmup_epochs(),
            output_rep=output_rep,
            optimizer=self.optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            callbacks=[*(self.callbacks or []), *callbacks] or None,
            train_split=self.train_split,
            device=device,
            verbose=self.verbose,
            **skorch_options,
        )
