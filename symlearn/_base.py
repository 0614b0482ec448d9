"""Shared machinery of the symmetry-discovering estimators."""

import copy
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
from .lie import canonicalize_signs
from .metrics import invariance_score
from .nn import FULL_TURN_EXTENT, MLP, LieAugmentation, SymmetryModule
from .reps import Rep, Vectors

__all__ = ["BaseSymmetryDiscoverer"]

#: The augmentation learns this much faster than the backbone, so that its
#: generators settle on a direction before the backbone co-adapts to them.
AUGMENTATION_LR_FACTOR = 3.0

#: The reach reward starts this many times stronger than ``reach_weight``.
REACH_ANNEAL = 10.0

#: Keyword prefixes routed to the backbone (``module__``) or to skorch.
SKORCH_PREFIXES = (
    "module__",
    "optimizer__",
    "iterator_train__",
    "iterator_valid__",
    "callbacks__",
)


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


class BaseSymmetryDiscoverer(BaseEstimator):
    """Base class: fits a backbone and a learnable Lie-group augmentation.

    Not meant to be used directly; see ``SymmetryDiscoveringRegressor`` and
    ``SymmetryDiscoveringClassifier`` for the parameters.
    """

    def __init__(
        self,
        *,
        module=None,
        input_rep=None,
        n_generators=1,
        symmetry_weight=1.0,
        reach_weight=0.01,
        distinctness_weight=1.0,
        n_augmentations=1,
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
        self.symmetry_weight = symmetry_weight
        self.reach_weight = reach_weight
        self.distinctness_weight = distinctness_weight
        self.n_augmentations = n_augmentations
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

    def _encode_targets(self, y):
        """Validate ``y`` and return ``(y_for_torch, n_outputs)``; set fitted attributes."""
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

    def get_backbone(self, n_inputs, n_outputs):
        """Return the backbone ``nn.Module`` mapping ``n_inputs`` to ``n_outputs``.

        ``module=None`` gives an :class:`~symlearn.nn.MLP`; a module class is
        instantiated with the ``module__*`` options; a module instance is
        copied, so the estimator never trains the caller's object in place.
        """
        options = {k[len("module__"):]: v for k, v in self._prefixed_params(("module__",)).items()}
        if self.module is None:
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

    def get_augmentation(self, rep):
        """Return the :class:`~symlearn.nn.LieAugmentation` for ``rep``."""
        return LieAugmentation(rep, self.n_generators)

    def get_net(self, module, device):
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
            optimizer=self.optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            callbacks=self.callbacks,
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
        check_scalar(self.max_epochs, "max_epochs", Integral, min_val=1)
        check_scalar(self.batch_size, "batch_size", Integral, min_val=1)
        check_scalar(self.lr, "lr", Real, min_val=0, include_boundaries="neither")
        check_scalar(self.verbose, "verbose", Integral, min_val=0)
        if self.input_rep is not None and not isinstance(self.input_rep, Rep):
            raise TypeError(
                f"input_rep must be None or a symlearn.reps representation such as "
                f"Vectors(4, 3); got {self.input_rep!r}."
            )

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
        max_generators = rep.dim**2
        check_scalar(self.n_generators, "n_generators", Integral, min_val=1)
        if self.n_generators > max_generators:
            raise ValueError(
                f"n_generators={self.n_generators} exceeds the dimension of gl({rep.dim}), "
                f"which is {max_generators}; at most {max_generators} generators can be "
                f"linearly independent."
            )
        return rep

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
        y_torch, n_outputs = self._encode_targets(y)
        device = resolve_device(self.device)

        self._input_scaler = RepStandardizer(rep).fit(X)
        X_torch = self._input_scaler.transform(X).astype(np.float32)
        with _seeded_torch(self._torch_seed(), device):
            backbone = self.get_backbone(X.shape[1], n_outputs)
            self._check_backbone(backbone, X_torch, n_outputs)
            module = SymmetryModule(backbone, self.get_augmentation(rep))
            net = self.get_net(module, device)
            net.fit(X_torch, y_torch)
        # Fitted attributes appear only once training has succeeded.
        self.input_rep_, self.net_ = rep, net
        self._store_generators()
        return self

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

    def _store_generators(self):
        augmentation = self.net_.module_.augmentation
        with torch.no_grad():
            generators = augmentation.generators().cpu().double().numpy()
            strengths = augmentation.extents().cpu().double().numpy()
        order = np.argsort(-strengths, kind="stable")
        self.discovered_generators_ = canonicalize_signs(generators[order])
        self.generator_strengths_ = strengths[order]

    # -- using the fitted model --------------------------------------------------------------

    def _scaled_inputs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._input_scaler.transform(X).astype(np.float32)

    def _module_outputs(self, X_scaled):
        """Backbone outputs for already scaled inputs, as a float64 CPU tensor."""
        return self.net_.forward(torch.as_tensor(X_scaled)).double()

    def symmetry_score(self, X, y=None, *, reach=FULL_TURN_EXTENT, n_transforms=4, random_state=0):
        """How unchanged the fitted model is under the discovered group, in [0, 1].

        Every row of ``X`` is moved by random elements ``g = exp(t v . L)`` of
        the group spanned by ``discovered_generators_``: ``v`` a random unit
        direction in their span and ``t ~ U[-reach, reach]``. The reach is
        fixed, not the learned extents, so a collapsed augmentation cannot
        score well; the default ``reach = pi * sqrt(2)`` turns a unit-norm
        rotation generator by up to a half turn each way (the full circle).
        The score is::

            1 - mean D(f(x), f(g x)) / mean D(f(x), f(x'))

        clipped to [0, 1], where ``x'`` is another random row of ``X`` and
        ``D`` compares predictions (squared error of the regression outputs;
        total-variation distance of the predicted class probabilities). So 1
        means the predictions are exactly invariant and 0 means moving a
        point along the group changes its prediction as much as replacing
        it by an unrelated point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            At least two rows.
        y : None
            Ignored; present so the method can serve as a scorer.
        reach : float, default=pi * sqrt(2)
            Range of the group coefficient ``t`` for unit-norm generators.
        n_transforms : int, default=4
            Random group elements drawn per row.
        random_state : int, default=0
            Seed of those draws; the result is deterministic for a given seed.

        Returns
        -------
        score : float
        """
        X_scaled = self._scaled_inputs(X)
        check_scalar(reach, "reach", Real, min_val=0)
        check_scalar(n_transforms, "n_transforms", Integral, min_val=1)
        return invariance_score(
            self._module_outputs,
            X_scaled,
            self.discovered_generators_,
            self.input_rep_,
            discrepancy=self._output_discrepancy,
            reach=reach,
            n_transforms=n_transforms,
            random_state=random_state,
        )
