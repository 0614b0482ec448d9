"""Shared machinery of the symmetry-discovering estimators."""

import copy
from functools import partial
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from ._device import resolve_device
from ._net import SymmetryNet
from ._scaling import RepStandardizer
from ._probe import SymmetryProbe
from ._report import symmetry_report
from .callbacks import CandidateWeighting, CollapseCheck
from .lie import (
    aff_basis,
    as_generator_stack,
    gl_basis,
    identify_algebra,
    named_generators,
    normalize_generators,
    orthonormal_span,
    planar_motions,
    sparse_basis,
    structure_constants,
)
from .metrics import invariance_score
from .metrics._infinitesimal import (
    infinitesimal_gram,
    relative_invariance_errors,
    symmetry_spectrum,
)
from .nn import (
    FULL_TURN_EXTENT,
    MLP,
    CandidateSymmetries,
    ConvNet,
    LieAugmentation,
    SymmetryModule,
    default_reach,
    exp_combination,
)
from .reps import Image, Rep, Vectors
from ._symmetrization import SymmetrizationMixin
from .symmetrize import Symmetrized
from .reps._image import has_image

__all__ = ["BaseSymmetryDiscoverer"]

#: The augmentation learns this much faster than the backbone, so that its
#: generators settle on a direction before the backbone co-adapts to them.
AUGMENTATION_LR_FACTOR = 3.0

#: The reach reward starts this many times stronger than ``reach_weight``.
REACH_ANNEAL = 10.0

#: This fraction of the epochs trains the backbone alone; then the probe reads
#: the directions to search off it, and it is kept as the reference model.
WARMUP_FRACTION = 1 / 3

#: With ``n_generators="auto"`` the probe proposes every direction whose error
#: on the warmed-up backbone is below this multiple of ``symmetry_tolerance``;
#: the final test on held-out rows decides which are kept.
PROBE_TOLERANCE_FACTOR = 3.0

#: Seeded directions that look exact start at this fraction of the largest
#: extent: the warmed-up model is nearly symmetric along them, so
#: a wide start is safe, and it saves the many epochs the reach would
#: otherwise take to grow (which an equivariant task, whose outputs must turn
#: with the inputs, needs most).
SEEDED_EXTENT_FRACTION = 0.5

#: ``symmetry_tolerance="auto"``: the tolerance for smooth (vector, tensor,
#: point) features, and for images. On pixel grids the bilinear resampling
#: sets a floor under the first-order error that no model gets below: on
#: 12x12 rotated digits a CNN trained with the exact rotation augmentation
#: measures 0.54-0.68 along the rotation, and 1.7-2.3 along the most exact
#: other planar motion (benchmarks/bench_images.py, seeds 0-2).
DEFAULT_TOLERANCE = 0.2
IMAGE_TOLERANCE = 1.0

#: At most this many training rows are used by the probe.
PROBE_MAX_ROWS = 1000

#: Candidate weights: relative errors below this floor count as equally exact.
CANDIDATE_FLOOR = 0.1

#: Keyword prefixes routed to the backbone (``module__``) or to skorch.
SKORCH_PREFIXES = (
    "module__",
    "optimizer__",
    "iterator_train__",
    "iterator_valid__",
    "callbacks__",
)


def _rotation_like(generators, rep):
    """Mask of the unit generators whose linear part is antisymmetric (compact orbits)."""
    d = rep.dim - rep.affine
    linear = np.asarray(generators)[:, :d, :d]
    norms = np.linalg.norm(linear, axis=(1, 2))
    asymmetry = np.linalg.norm(linear + linear.transpose(0, 2, 1), axis=(1, 2))
    return (norms > 0.1) & (asymmetry <= 0.1 * np.maximum(norms, 1e-12))


def _before_largest_gap(errors):
    """Mask of the directions before the largest ratio between consecutive errors.

    ``errors`` is increasing; a spectrum without a gap (ratio below 3)
    marks nothing.
    """
    ratios = errors[1:] / np.maximum(errors[:-1], 1e-12)
    mask = np.zeros(len(errors), dtype=bool)
    if len(ratios) and ratios.max() >= 3:
        mask[: np.argmax(ratios) + 1] = True
    return mask


@contextmanager
def _seeded_torch(seed, device):
    """Seed torch inside the block and restore the caller's RNG state after."""
    if seed is None:
        yield
        return
    devices = []
    if torch.device(device).type == "cuda":
        devices = [torch.device(device).index or 0]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class BaseSymmetryDiscoverer(SymmetrizationMixin, BaseEstimator):
    """Base class: fits a backbone and a learnable Lie-group augmentation.

    Not meant to be used directly; see ``SymmetryDiscoveringRegressor`` and
    ``SymmetryDiscoveringClassifier`` for the parameters.
    """

    def __init__(
        self,
        *,
        module=None,
        input_rep=None,
        n_generators="auto",
        generator_space=None,
        candidate_generators=None,
        symmetry_tolerance="auto",
        validation_fraction=0.2,
        symmetry_weight=1.0,
        reach_weight=0.01,
        distinctness_weight=1.0,
        n_augmentations=1,
        test_time_augmentation=0,
        symmetrize=None,
        group="discovered",
        n_group_samples=4,
        n_group_samples_test=20,
        max_epochs=60,
        batch_size=128,
        lr=0.01,
        optimizer=torch.optim.Adam,
        callbacks=None,
        train_split=None,
        device="auto",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.module = module
        self.input_rep = input_rep
        self.n_generators = n_generators
        self.generator_space = generator_space
        self.candidate_generators = candidate_generators
        self.symmetry_tolerance = symmetry_tolerance
        self.validation_fraction = validation_fraction
        self.symmetry_weight = symmetry_weight
        self.reach_weight = reach_weight
        self.distinctness_weight = distinctness_weight
        self.n_augmentations = n_augmentations
        self.test_time_augmentation = test_time_augmentation
        self.symmetrize = symmetrize
        self.group = group
        self.n_group_samples = n_group_samples
        self.n_group_samples_test = n_group_samples_test
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.train_split = train_split
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        for key, value in kwargs.items():
            if not key.startswith(SKORCH_PREFIXES):
                raise TypeError(
                    f"{type(self).__name__}.__init__() got an unexpected keyword "
                    f"argument {key!r}. Extra options must start with one of "
                    f"{', '.join(SKORCH_PREFIXES)} (e.g. module__hidden_sizes=(32, 32))."
                )
            setattr(self, key, value)

    # -- parameters: the prefixed skorch-style options are parameters too ---------

    def _prefixed_params(self, prefixes=SKORCH_PREFIXES):
        return {k: v for k, v in vars(self).items() if k.startswith(prefixes)}

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(self._prefixed_params())
        return params

    def set_params(self, **params):
        prefixed = {k: v for k, v in params.items() if k.startswith(SKORCH_PREFIXES)}
        for key, value in prefixed.items():
            setattr(self, key, value)
        remaining = {k: v for k, v in params.items() if k not in prefixed}
        if remaining:
            super().set_params(**remaining)
        return self

    # -- hooks a subclass defines ----------------------------------------------------

    def _encode_targets(self, y, input_rep):
        """Validate ``y``; return ``(y_for_torch, n_outputs, output_rep)``; set fitted attributes.

        ``output_rep`` says how the group acts on the (scaled) targets;
        ``None`` means they are invariant.
        """
        raise NotImplementedError

    def _consistency(self):
        """The consistency function passed to :class:`SymmetryNet`."""
        raise NotImplementedError

    def _criterion(self):
        raise NotImplementedError

    def _output_discrepancy(self, a, b):
        """Per-row change between two batches of module outputs."""
        raise NotImplementedError

    # -- overridable builders (skorch style) -----------------------------------------

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
            self._output_discrepancy, self._warmup_epochs(), X_held_out, y_held_out
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
            criterion=self._criterion(),
            consistency=self._consistency(),
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

    # -- validation --------------------------------------------------------------------

    def _validate_hyperparameters(self):
        check_scalar(self.symmetry_weight, "symmetry_weight", Real, min_val=0)
        check_scalar(self.reach_weight, "reach_weight", Real, min_val=0)
        check_scalar(self.distinctness_weight, "distinctness_weight", Real, min_val=0)
        check_scalar(self.n_augmentations, "n_augmentations", Integral, min_val=1)
        check_scalar(self.test_time_augmentation, "test_time_augmentation", Integral, min_val=0)
        check_scalar(self.n_group_samples, "n_group_samples", Integral, min_val=1)
        check_scalar(self.n_group_samples_test, "n_group_samples_test", Integral, min_val=1)
        if self.symmetrize not in (None, "probabilistic"):
            raise ValueError(
                f'symmetrize must be None or "probabilistic"; got {self.symmetrize!r}.'
            )
        check_scalar(self.max_epochs, "max_epochs", Integral, min_val=1)
        check_scalar(self.batch_size, "batch_size", Integral, min_val=1)
        check_scalar(self.lr, "lr", Real, min_val=0, include_boundaries="neither")
        check_scalar(self.verbose, "verbose", Integral, min_val=0)
        if isinstance(self.symmetry_tolerance, str):
            if self.symmetry_tolerance != "auto":
                raise ValueError(
                    f'symmetry_tolerance must be "auto" or a non-negative number; got '
                    f"{self.symmetry_tolerance!r}."
                )
        else:
            check_scalar(self.symmetry_tolerance, "symmetry_tolerance", Real, min_val=0)
        check_scalar(
            self.validation_fraction,
            "validation_fraction",
            Real,
            min_val=0,
            max_val=1,
            include_boundaries="left",
        )
        if isinstance(self.n_generators, str) and self.n_generators != "auto":
            raise ValueError(
                f'n_generators must be "auto" or a positive integer; got {self.n_generators!r}.'
            )
        if self.input_rep is not None and not isinstance(self.input_rep, Rep):
            raise TypeError(
                f"input_rep must be None or a symlearn.reps representation such as "
                f"Vectors(4, 3); got {self.input_rep!r}."
            )

    def _warmup_epochs(self):
        return max(1, int(round(self.max_epochs * WARMUP_FRACTION)))

    def _resolve_input_rep(self, n_features):
        rep = Vectors(1, n_features) if self.input_rep is None else self.input_rep
        if rep.size != n_features:
            raise ValueError(
                f"input_rep={rep!r} describes {rep.size} features, but X has "
                f"{n_features} features. Make the representation cover every "
                f"column, e.g. add Scalars({abs(n_features - rep.size)}) for columns "
                f"the transformations should leave alone."
            )
        if rep.dim is None:
            raise ValueError(
                f"input_rep={rep!r} has no Vectors part, so no transformation can act "
                f"on X; include the columns that form vectors as Vectors(n, dim)."
            )
        return rep

    def _full_space(self, rep):
        """Basis of every direction a generator can take for ``rep``."""
        if has_image(rep):
            return planar_motions()
        return aff_basis(rep.dim - 1) if rep.affine else gl_basis(rep.dim)

    def _resolve_tolerance(self, rep):
        if self.symmetry_tolerance != "auto":
            return float(self.symmetry_tolerance)
        return IMAGE_TOLERANCE if has_image(rep) else DEFAULT_TOLERANCE

    def _readable_coordinates(self, rep):
        """The basis whose directions read as named motions (images), or None: matrix entries."""
        return planar_motions() if has_image(rep) else None

    def _sparse_basis(self, generators, rep):
        """A readable basis of a span: sparse in ``_readable_coordinates(rep)``."""
        return sparse_basis(generators, coordinates=self._readable_coordinates(rep))

    def _resolve_candidates(self, rep):
        """Names and generator stacks (data coordinates) of the candidate symmetries."""
        spec = self.candidate_generators
        if isinstance(spec, str) or (isinstance(spec, np.ndarray) and spec.ndim <= 3):
            spec = [spec]
        items = list(spec.items()) if isinstance(spec, dict) else [(None, c) for c in spec]
        if not items:
            raise ValueError("candidate_generators is empty; give at least one candidate.")
        if self.n_generators != "auto" or self.generator_space is not None:
            raise ValueError(
                "candidate_generators replaces the search for generators, so n_generators "
                'must stay "auto" and generator_space None; the candidates span the '
                "directions that are tested."
            )
        names, stacks = [], []
        for index, (name, candidate) in enumerate(items):
            if isinstance(candidate, str):
                stack = named_generators(candidate, rep.dim - rep.affine, affine=rep.affine)
                name = candidate if name is None else name
            else:
                stack = as_generator_stack(candidate, name=f"candidate {name or index}")
                if stack.shape[1:] != (rep.dim, rep.dim) or len(stack) == 0:
                    raise ValueError(
                        f"Candidate {name or index} must be a (d, d) matrix or a non-empty "
                        f"(k, d, d) stack with d = {rep.dim} for input_rep={rep!r}; got "
                        f"shape {stack.shape}."
                    )
                if np.any(np.linalg.norm(stack.reshape(len(stack), -1), axis=1) == 0):
                    raise ValueError(f"Candidate {name or index} contains a zero generator.")
                name = f"candidate_{index}" if name is None else str(name)
            names.append(name)
            stacks.append(stack)
        return names, stacks

    def _resolve_search_basis(self, rep):
        """Orthonormal basis (m, d, d) of the searched space, in data coordinates."""
        if self.generator_space is None:
            basis = self._full_space(rep)
        else:
            space = np.asarray(self.generator_space, dtype=float)
            if space.ndim == 2:
                space = space[None]
            if space.ndim != 3 or space.shape[1:] != (rep.dim, rep.dim):
                raise ValueError(
                    f"generator_space must be a stack of (d, d) = ({rep.dim}, {rep.dim}) "
                    f"matrices spanning the directions to search (input_rep={rep!r}); "
                    f"got an array of shape {space.shape}. symlearn.lie has builders, "
                    f"e.g. so_generators({rep.dim}) or gl_basis({rep.dim})."
                )
            if not np.all(np.isfinite(space)):
                raise ValueError("generator_space contains NaN or infinite entries.")
            if rep.affine and np.any(space[:, -1] != 0):
                raise ValueError(
                    f"With Points in input_rep={rep!r}, generators are homogeneous "
                    f"({rep.dim}, {rep.dim}) matrices of aff({rep.dim - 1}) and their last "
                    f"row must be zero; see symlearn.lie.aff_basis."
                )
            basis = orthonormal_span(space)
            if len(basis) == 0:
                raise ValueError("generator_space spans nothing: all its matrices are zero.")
        if self.n_generators == "auto":
            return basis
        check_scalar(self.n_generators, "n_generators", Integral, min_val=1)
        if self.n_generators > len(basis):
            raise ValueError(
                f"n_generators={self.n_generators} exceeds the dimension of the search "
                f"space ({len(basis)}: every direction for {rep!r} unless generator_space "
                f"restricts it); at most {len(basis)} generators can be linearly "
                f'independent. Use n_generators="auto" to let the data decide.'
            )
        return basis

    def _to_model(self, generators):
        """Generators in data coordinates -> unit-norm generators in model coordinates."""
        return normalize_generators(self._input_scaler.to_model_generators(generators))

    def _to_data_basis(self, generators):
        """A model-coordinate orthonormal basis -> a readable one in data coordinates."""
        if len(generators) == 0 or not self.input_rep_.affine:
            return generators
        return self._sparse_basis(
            self._input_scaler.to_data_generators(generators), self.input_rep_
        )

    def _torch_seed(self):
        if self.random_state is None:
            return None
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    # -- fitting -------------------------------------------------------------------------

    def fit(self, X, y):
        """Fit the backbone and learn the symmetry of the task.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs; at least two samples, finite values.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_hyperparameters()
        tags = self.__sklearn_tags__()
        X, y = validate_data(
            self,
            X,
            y,
            dtype=np.float64,
            ensure_min_samples=2,
            multi_output=tags.target_tags.multi_output,
            y_numeric=tags.classifier_tags is None,
        )
        rep = self._resolve_input_rep(X.shape[1])
        if self.candidate_generators is None:
            names, stacks = None, None
            basis = self._resolve_search_basis(rep)
        else:
            names, stacks = self._resolve_candidates(rep)
            basis = orthonormal_span(np.concatenate(stacks))
        device = resolve_device(self.device)
        train, held_out = self._split_rows(len(X))
        self._tolerance = self._resolve_tolerance(rep)

        group = self._known_group(rep)
        self._shared_scalars = None if group is None else group.n_items
        self._input_scaler = RepStandardizer(rep, self._shared_scalars).fit(X[train])
        y_torch, n_outputs, output_rep = self._encode_targets(y, rep)
        self._n_outputs = n_outputs
        X_torch = self._to_float32(self._input_scaler.transform(X))
        # The search space and the candidates in the coordinates the model sees.
        model_basis = orthonormal_span(self._input_scaler.to_model_generators(basis))
        candidates = reaches = None
        if stacks is not None:
            candidates = [self._to_model(stack) for stack in stacks]
            self._candidate_spans = [orthonormal_span(stack) for stack in candidates]
            reaches = [
                default_reach(identify_algebra(stack, affine=rep.affine).compact)
                for stack in stacks
            ]
        with _seeded_torch(self._torch_seed(), device):
            backbone = self.get_backbone(X.shape[1], n_outputs, input_rep=rep)
            self._check_backbone(backbone, X_torch, n_outputs)
            backbone = self._symmetrize_known(backbone, rep, output_rep)
            augmentation = self.get_augmentation(rep, model_basis, candidates, reaches)
            module = SymmetryModule(backbone, augmentation)
            propose = partial(
                self._propose_generators, rep=rep, basis=model_basis, output_rep=output_rep
            )
            callbacks = [
                SymmetryProbe(self._warmup_epochs(), propose),
                ("collapse_check", self.get_collapse_check(X_torch[held_out], y_torch[held_out])),
            ]
            if candidates is not None:
                measure = partial(
                    self._rate_candidates, rep=rep, basis=model_basis, output_rep=output_rep
                )
                callbacks.append(self.get_candidate_weighting(measure))
            net = self.get_net(module, device, callbacks=callbacks, output_rep=output_rep)
            # The probe sets the reference model; not one left by an earlier fit.
            self._reference_backbone = None
            net.fit(X_torch[train], y_torch[train])
            if self._reference_backbone is None:
                # Training stopped (early stopping) before the probe: the backbone
                # never saw the augmentation, so it is the reference itself.
                self._reference_backbone = copy.deepcopy(net.module_.backbone)
            # Fitted attributes appear only once training has succeeded. The
            # analysis predicts, and skorch's data loaders draw from torch's RNG.
            self.input_rep_, self.output_rep_, self.net_ = rep, output_rep, net
            self.symmetry_tolerance_ = self._tolerance
            self.generator_space_, self._model_basis = basis, model_basis
            if names is not None:
                self.candidate_names_ = names
                self.candidate_generators_ = [normalize_generators(c) for c in stacks]
            self._analyze_symmetry(X_torch[held_out])
        return self

    def _split_rows(self, n_samples):
        """Indices of the training rows and of the held-out rows for the diagnostics."""
        n_held_out = int(round(self.validation_fraction * n_samples))
        everything = np.arange(n_samples)
        if n_held_out == 0:
            return everything, everything
        # The held-out diagnostics (the symmetry score) compare rows in pairs.
        n_held_out = max(n_held_out, 2)
        if n_samples - n_held_out < 2:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} holds out {n_held_out} of "
                f"{n_samples} rows and leaves fewer than 2 to train on; lower it or pass "
                f"more data."
            )
        order = check_random_state(self.random_state).permutation(n_samples)
        return np.sort(order[n_held_out:]), np.sort(order[:n_held_out])

    def _check_backbone(self, backbone, X, n_outputs):
        try:
            with torch.no_grad():
                out = backbone(torch.as_tensor(X[:2]))
        except Exception as error:
            raise ValueError(
                f"The backbone module failed on a batch of shape {X[:2].shape}: "
                f"{error}. It must map (n_samples, {X.shape[1]}) float32 inputs to "
                f"(n_samples, {n_outputs}) outputs."
            ) from error
        if tuple(out.shape) != (2, n_outputs):
            raise ValueError(
                f"The backbone maps (2, {X.shape[1]}) inputs to outputs of shape "
                f"{tuple(out.shape)}, but this task needs (2, {n_outputs})."
            )

    # -- symmetry analysis (LieSD-style probe of the trained model) --------------------

    def _symmetry_outputs(self, outputs):
        """The outputs whose invariance is measured (log-probabilities for classifiers)."""
        return outputs

    def _gram(self, backbone, X_scaled, rep, basis, output_rep=None):
        """Gram matrix of the first-order invariance (equivariance) conditions of ``backbone``."""
        device = next(iter(backbone.parameters()), torch.empty(0)).device
        was_training = backbone.training
        backbone.eval()
        try:
            with torch.enable_grad():
                return infinitesimal_gram(
                    lambda x: self._symmetry_outputs(backbone(x.to(device))),
                    X_scaled,
                    rep,
                    basis,
                    output_rep=output_rep,
                )
        finally:
            backbone.train(was_training)

    def _fitted_gram(self, X_scaled, *, model="fitted"):
        backbone = self._reference_backbone if model == "reference" else self.net_.module_.backbone
        return self._gram(
            backbone, X_scaled, self.input_rep_, self._model_basis, self.output_rep_
        )

    def _propose_generators(self, module, X_scaled, *, rep, basis, output_rep):
        """Seed the search with the directions the warmed-up backbone is (nearly) symmetric under.

        The warmed-up backbone is kept as the reference model: it never saw
        the augmentation, so it rates how symmetric the *data* is along a
        direction without the bias of a model trained to be symmetric.
        Rotation-like directions already within ``symmetry_tolerance``, or in
        the cluster of most exact directions before the largest gap of the
        spectrum (the warmed-up model's own inaccuracy can put an exact
        symmetry just above the tolerance), start at a wide extent; the
        others at a narrow one, so that the augmentation does not impose
        them before the data has had its say. With
        ``symmetry_weight=0`` nothing is switched on (a plain fit); with
        candidates, their regularizers are switched on instead.
        """
        self._reference_backbone = copy.deepcopy(module.backbone)
        augmentation = module.augmentation
        if self.symmetry_weight == 0:
            return
        if isinstance(augmentation, CandidateSymmetries):
            augmentation.enable()
            return
        rows = X_scaled[: min(len(X_scaled), PROBE_MAX_ROWS)]
        gram = self._gram(module.backbone, rows, rep, basis, output_rep)
        errors, directions = symmetry_spectrum(gram, basis)
        tolerance = self._tolerance
        if self.n_generators == "auto":
            chosen = errors < PROBE_TOLERANCE_FACTOR * tolerance
        else:
            chosen = np.arange(len(errors)) < self.n_generators
        exact = (errors < tolerance) | _before_largest_gap(errors)
        directions, errors = directions[chosen], errors[chosen]
        if self._readable_coordinates(rep) is not None and len(directions) > 1:
            # Nearly equal errors make the eigenvectors arbitrary mixtures
            # (for images, rotation and shear come out as the two elementary
            # shears); seed the named motions of the same span instead, each
            # rated anew, and exact if as exact as the exact eigen-directions.
            bound = max(tolerance, errors[exact[chosen]].max(initial=0.0))
            directions = self._sparse_basis(directions, rep)
            errors = relative_invariance_errors(gram, basis, directions)
            exact = errors <= bound * (1 + 1e-9)
        else:
            exact = exact[chosen]
        wide = SEEDED_EXTENT_FRACTION * augmentation.max_extent
        # A wide start is a half turn for a rotation, but a factor of ~4 for
        # a scaling or a boost: those always start narrow.
        wide_start = exact & _rotation_like(directions, rep)
        extents = np.where(wide_start, wide, augmentation.initial_extent)
        augmentation.set_generators(directions, extents=extents)

    def _rate_candidates(self, module, X_scaled, *, rep, basis, output_rep):
        """Candidate errors of ``module`` (see :meth:`_candidate_errors`)."""
        gram = self._gram(module.backbone, X_scaled, rep, basis, output_rep)
        return self._candidate_errors(gram, basis)

    def _candidate_errors(self, gram, basis):
        """Root-mean-square relative error of each candidate's generators, shape (J,).

        One Gram matrix on the span of all candidates rates every candidate.
        """
        return np.array(
            [
                np.sqrt(np.mean(relative_invariance_errors(gram, basis, span) ** 2))
                for span in self._candidate_spans
            ]
        )

    def _learned_generators(self, gram):
        """The generators training produced and how far each reaches, model coordinates.

        For the learnable augmentation, its active generators and extents.
        For candidates, the directions of their span ordered by exactness on
        the fitted model, each reaching as far as the weighted reaches of the
        candidates it lies in.
        """
        augmentation = self.net_.module_.augmentation
        basis = self._model_basis
        if isinstance(augmentation, LieAugmentation):
            with torch.no_grad():
                learned = augmentation.generators().cpu().double().numpy()
                extents = augmentation.extents().cpu().double().numpy()
            return learned, extents
        if augmentation.n_generators == 0:  # symmetry_weight=0: nothing was regularized
            return np.zeros((0, *basis.shape[1:])), np.zeros(0)
        _, learned = symmetry_spectrum(gram, basis)
        weighted = (augmentation.weights * augmentation.reaches).cpu().double().numpy()
        reach = np.zeros(len(learned))
        for j, span in enumerate(self._candidate_spans):
            inside = np.einsum("kab,iab->ki", learned, span) ** 2
            reach += weighted[j] ** 2 * inside.sum(axis=1)
        return learned, np.sqrt(reach)

    def _analyze_symmetry(self, X_held_out):
        """Measure, prune, canonicalize and name the learned generators."""
        basis = self._model_basis
        reference = self._fitted_gram(X_held_out, model="reference")
        errors, directions = symmetry_spectrum(reference, basis)
        self.symmetry_spectrum_ = errors
        self.symmetry_directions_ = normalize_generators(
            self._input_scaler.to_data_generators(directions)
        )
        gram = self._fitted_gram(X_held_out)
        learned, extents = self._learned_generators(gram)
        errors = relative_invariance_errors(gram, basis, learned)
        if self.n_generators == "auto":
            keep = errors < self.symmetry_tolerance_
            learned, extents = learned[keep], extents[keep]
        if len(learned):
            generators = self._sparse_basis(learned, self.input_rep_)
        else:
            generators = learned.reshape(0, *basis.shape[1:])
        generators = self._to_data_basis(generators)
        in_model = self._to_model(generators)
        errors = relative_invariance_errors(gram, basis, in_model)
        # The reach of the learned distribution along each canonical direction:
        # coefficient variance sum_i w_i^2 <u, L_i>^2 / 3 matches U[-w, w] of that w.
        overlaps = np.einsum("kab,iab->ki", in_model, learned)
        strengths = np.sqrt(np.einsum("ki,i->k", overlaps**2, extents**2))
        order = np.argsort(errors, kind="stable")
        self.discovered_generators_ = generators[order]
        self.generator_errors_ = errors[order]
        self.generator_strengths_ = strengths[order]
        self.n_generators_ = len(generators)
        self.structure_constants_, self.closure_error_ = structure_constants(
            self.discovered_generators_
        )
        self.algebra_ = identify_algebra(self.discovered_generators_, affine=self.input_rep_.affine)
        if self.candidate_generators is not None:
            self._analyze_candidates(gram)
        # group="discovered": the errors above rate the backbone as trained,
        # the score the symmetrized model that predicts.
        self._symmetrize_discovered(self.net_.module_)
        self.symmetry_score_ = self._score(X_held_out, self._default_reach(), 4, 0)

    def _analyze_candidates(self, gram):
        self.candidate_weights_ = self.net_.module_.augmentation.weights.cpu().double().numpy()
        self.candidate_errors_ = self._candidate_errors(gram, self._model_basis)

    def _reach(self, rotation_reach):
        """Reach of each discovered generator, shape (k,).

        ``rotation_reach`` for rotation-like generators (their one-parameter
        group is compact); for boosts, scalings and translations, whose
        groups are unbounded, as far as the learned augmentation reached
        along them, at most one unit: beyond the data the model has nothing
        to be symmetric on.
        """
        rotation_like = _rotation_like(self.discovered_generators_, self.input_rep_)
        return np.where(rotation_like, rotation_reach, np.minimum(self.generator_strengths_, 1.0))

    def _default_reach(self):
        """Reach for :meth:`symmetry_score`: a full turn for rotations (see :meth:`_reach`)."""
        return self._reach(FULL_TURN_EXTENT)

    def _score(self, X_scaled, reach, n_transforms, random_state):
        # Scaling each unit generator by its reach and sampling with reach 1
        # gives every generator its own range.
        reach = np.broadcast_to(np.asarray(reach, dtype=float), (self.n_generators_,))
        return invariance_score(
            self._module_outputs,
            X_scaled,
            self._to_model(self.discovered_generators_) * reach[:, None, None],
            self.input_rep_,
            output_rep=self.output_rep_,
            discrepancy=self._output_discrepancy,
            reach=1.0,
            n_transforms=n_transforms,
            random_state=random_state,
        )

    # -- using the fitted model --------------------------------------------------------------

    def _scaled_inputs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._to_float32(self._input_scaler.transform(X))

    @staticmethod
    def _to_float32(scaled):
        """Scaled rows in the backbone's float32; a clear error where they overflow it."""
        with np.errstate(over="ignore"):  # overflow is what the check below reports
            rows = scaled.astype(np.float32)
        if not np.all(np.isfinite(rows)):
            raise ValueError(
                "X has values too large for the model: scaled like the training rows, "
                "they exceed the float32 range (about 3e38) the backbone computes in. "
                "Check that all rows of X are in the same units (and, when predicting, in "
                "the units of the data the model was fitted on)."
            )
        return rows

    def _module_outputs(self, X_scaled):
        """Backbone outputs for already scaled inputs, as a float64 CPU tensor."""
        backbone = self.net_.module_.backbone
        if isinstance(backbone, Symmetrized):
            # A prediction-time option: set_params takes effect without a refit.
            check_scalar(self.n_group_samples_test, "n_group_samples_test", Integral, min_val=1)
            backbone.n_samples_eval = self.n_group_samples_test
        return self.net_.forward(torch.as_tensor(X_scaled)).double()

    def _view_outputs(self, X, test_time_augmentation):
        """Outputs for the rows of ``X``, one batch per view, shape (n_views, n, n_outputs).

        Without test-time augmentation, one view: the rows themselves. With
        ``n`` views, each row is moved by ``n`` random elements ``g =
        exp(sum_k t_k L_k)`` of the discovered group, ``t_k ~ U[-s_k, s_k]``
        with ``s_k`` the learned strengths (at most one unit along an
        unbounded direction, see :meth:`_reach`), and each output is moved back
        by ``g^-1`` (for an equivariant target), so that the views agree
        for a symmetric model. The draws are seeded by ``random_state``.
        """
        X_scaled = self._scaled_inputs(X)
        n_views = test_time_augmentation
        if n_views is None:
            n_views = self.test_time_augmentation
        check_scalar(n_views, "test_time_augmentation", Integral, min_val=0)
        if n_views == 0 or self.n_generators_ == 0:
            return self._module_outputs(X_scaled)[None]
        generators = torch.as_tensor(self._to_model(self.discovered_generators_))
        strengths = torch.as_tensor(self._reach(self.generator_strengths_))
        # Predictions must not depend on, nor advance, any shared RNG.
        seed = self.random_state if isinstance(self.random_state, Integral) else 0
        rng = torch.Generator().manual_seed(int(seed))
        rows = torch.as_tensor(X_scaled)
        views = []
        for _ in range(n_views):
            unit = 2.0 * torch.rand(len(rows), len(generators), generator=rng, dtype=torch.float64)
            g = exp_combination(unit * strengths, generators)
            outputs = self._module_outputs(self.input_rep_.act(g.float(), rows))
            if self.output_rep_ is not None:
                outputs = self.output_rep_.act(torch.linalg.inv(g), outputs)
            views.append(outputs)
        return torch.stack(views)

    def symmetry_score(self, X, y=None, *, reach=None, n_transforms=4, random_state=0):
        """How symmetric the fitted model is under the discovered group, in [0, 1].

        Every row of ``X`` is moved by random elements ``g = exp(t sum_i v_i
        r_i L_i)`` of the group spanned by ``discovered_generators_``: ``v`` a
        random unit direction, ``t ~ U[-1, 1]`` and ``r_i`` the reach of
        generator ``L_i``. By default a rotation-like generator reaches a
        full turn (``pi * sqrt(2)`` for a unit-norm rotation generator), so a
        collapsed augmentation cannot score well, while a generator of an
        unbounded group (boost, scaling, translation) reaches as far as the
        learned augmentation did, at most one unit. The score is::

            1 - mean D(g . f(x), f(g x)) / mean D(f(x), f(x'))

        clipped to [0, 1], where ``x'`` is another random row of ``X``,
        ``g . f(x)`` is ``f(x)`` moved by ``output_rep_`` (unchanged for an
        invariant target) and ``D`` compares predictions (squared error of
        the regression outputs; total-variation distance of the predicted
        class probabilities). So 1 means the predictions are exactly
        invariant (or equivariant) and 0 means moving a point along the
        group changes its prediction as much as replacing it by an unrelated
        point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            At least two rows.
        y : None
            Ignored; present so the method can serve as a scorer.
        reach : float, default=None
            One reach for every unit-norm generator instead of the defaults
            described above.
        n_transforms : int, default=4
            Random group elements drawn per row.
        random_state : int, default=0
            Seed of those draws; the result is deterministic for a given seed.

        Returns
        -------
        score : float
        """
        X_scaled = self._scaled_inputs(X)
        if reach is None:
            reach = self._default_reach()
        else:
            check_scalar(reach, "reach", Real, min_val=0)
            if not np.isfinite(reach):
                raise ValueError(f"reach must be a finite number; got {reach}.")
        check_scalar(n_transforms, "n_transforms", Integral, min_val=1)
        return self._score(X_scaled, reach, n_transforms, random_state)

    def generator_errors(self, X, generators=None, *, model="fitted"):
        """Relative invariance error of the model along each generator, on ``X``.

        The error of a unit-norm generator ``L`` is the root-mean-square rate
        of change of the model's outputs along it, ``sqrt(mean_x |d/dt
        f(exp(t L) x)|^2)`` at ``t = 0``, divided by the standard deviation of
        the outputs over ``X``: 0 for an exact symmetry of the model, around
        1 for an arbitrary direction. Use it on held-out data to test
        candidate symmetries you have in mind.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        generators : array-like of shape (k, d, d), default=None
            Generators to rate (any scale; only their direction within
            ``generator_space_`` counts). ``None`` rates ``discovered_generators_``.
        model : {"fitted", "reference"}, default="fitted"
            ``"fitted"`` measures the final model; ``"reference"`` the backbone
            as it was after the warm-up, before any augmentation, which rates
            how symmetric the data is along ``L`` without the bias of a model
            trained to be invariant along it.

        Returns
        -------
        errors : ndarray of shape (k,)
        """
        X_scaled = self._scaled_inputs(X)
        if model not in ("fitted", "reference"):
            raise ValueError(f'model must be "fitted" or "reference"; got {model!r}.')
        if generators is None:
            generators = self.discovered_generators_
        d = self.input_rep_.dim
        generators = as_generator_stack(generators)
        if generators.shape[1:] != (d, d):
            raise ValueError(
                f"generators must have shape (k, {d}, {d}) for input_rep_={self.input_rep_!r}; "
                f"got {generators.shape}."
            )
        norms = np.linalg.norm(generators, axis=(1, 2))
        if np.any(norms == 0):
            raise ValueError("generators must be non-zero: a zero matrix has no direction.")
        gram = self._fitted_gram(X_scaled, model=model)
        return relative_invariance_errors(gram, self._model_basis, self._to_model(generators))

    def describe_symmetry(self):
        """A plain-text report of the discovered symmetry, for a person to read.

        It names the algebra (``algebra_``) with its dimension, gives the
        closure error, the symmetry score on held-out rows, each generator's
        exactness and strength and which features it mixes, and how many
        directions the reference model rates exact or approximate.

        Returns
        -------
        report : str
        """
        check_is_fitted(self)
        return symmetry_report(
            self, tolerance=self.symmetry_tolerance_, approximate_factor=PROBE_TOLERANCE_FACTOR
        )
