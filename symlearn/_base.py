"""The estimators' shared machinery: parameters, overridable builders, the fit transaction.

``fit`` flows one way: validate the parameters and the data, resolve the
search space (model coordinates, once), fit the task's target encoding,
build the module, train, analyze, and commit every fitted attribute at once
(:func:`~symlearn._state.commit`). Until that last step nothing on the
estimator changes, so a fit that raises leaves the previous fit intact.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.validation import check_is_fitted, validate_data

from ._analysis import augmented_outputs, module_outputs, symmetry_score
from ._builders import EstimatorBuilders
from ._data import split_rows
from ._device import resolve_device, seeded_torch
from ._discovery import discover
from ._discrete import averaged_outputs
from ._evidence import rate_directions
from ._model import known_group
from ._params import SKORCH_PREFIXES, check_discrete, validate_parameters
from ._report import symmetry_report, symmetry_summary
from ._space import resolve_input_rep, resolve_search_space
from ._state import FittedState, commit
from ._validation import checked_training_data, checked_weights
from .lie import as_generator_stack

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Literal

    from typing_extensions import Self

    from ._typing import ArrayLike, Float64Array, Generators, RandomState
    from .reps import Rep

__all__ = ["BaseSymmetryDiscoverer"]

#: Early stopping ends a training phase after this many epochs without a better
#: held-out loss: long enough to cross the plateaus a fresh MLP sits on.
PATIENCE = 60


class BaseSymmetryDiscoverer(EstimatorBuilders, BaseEstimator):
    """Base class: fits a backbone and a learnable Lie-group augmentation.

    Not meant to be used directly; see ``SymmetryDiscoveringRegressor`` and
    ``SymmetryDiscoveringClassifier`` for the parameters.
    """

    #: The task class (``RegressionTask`` or ``ClassificationTask``).
    _task_type = None

    def __init__(
        self,
        *,
        module: type[torch.nn.Module] | torch.nn.Module | None = None,
        input_rep: Rep | None = None,
        n_generators: int | Literal["auto"] = "auto",
        generator_space: Generators | str | None = None,
        candidate_generators: list | dict | None = None,
        symmetry_tolerance: float | Literal["auto"] = "auto",
        validation_fraction: float = 0.2,
        augment: bool = True,
        symmetry_weight: float = 0.0,
        reach_weight: float | Literal["deprecated"] = "deprecated",
        distinctness_weight: float | Literal["deprecated"] = "deprecated",
        n_augmentations: int = 1,
        test_time_augmentation: int = 0,
        symmetrize: Literal["probabilistic", "invariant_features"] | None = None,
        group: str = "discovered",
        n_group_samples: int = 4,
        n_group_samples_test: int = 20,
        discrete: Literal["search", "average"] | None = "search",
        max_epochs: int = 1000,
        patience: int = PATIENCE,
        batch_size: int | Literal["auto"] = "auto",
        lr: float | str = "auto",
        optimizer: type[torch.optim.Optimizer] = torch.optim.Adam,
        callbacks: list | None = None,
        train_split: Callable | None = None,
        device: str | torch.device = "auto",
        random_state: RandomState = None,
        verbose: int = 0,
        **kwargs: Any,
    ) -> None:
        self.module = module
        self.input_rep = input_rep
        self.n_generators = n_generators
        self.generator_space = generator_space
        self.candidate_generators = candidate_generators
        self.symmetry_tolerance = symmetry_tolerance
        self.validation_fraction = validation_fraction
        self.augment = augment
        self.symmetry_weight = symmetry_weight
        self.reach_weight = reach_weight
        self.distinctness_weight = distinctness_weight
        self.n_augmentations = n_augmentations
        self.test_time_augmentation = test_time_augmentation
        self.symmetrize = symmetrize
        self.group = group
        self.n_group_samples = n_group_samples
        self.n_group_samples_test = n_group_samples_test
        self.discrete = discrete
        self.max_epochs = max_epochs
        self.patience = patience
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

    # -- fitting -------------------------------------------------------------------------

    def _torch_seed(self):
        if self.random_state is None:
            return None
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Fit the backbone and learn the symmetry of the task.

        A fit that raises changes nothing: the estimator keeps the previous
        fit (or stays unfitted).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs, finite values; at least 4 rows with a held-out share
            (2 held out, 2 to train on), 2 with ``validation_fraction=0``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows. Every loss term is a weighted
            mean over the rows: the task loss, the loss on moved rows (a
            moved row keeps the weight of its original), the consistency
            term, the held-out loss that early stopping watches, the
            held-out comparisons that confirm or refute a symmetry, and the
            reference score. The first-order evidence on each direction
            weighs the held-out rows alike: it measures the model. ``None``
            or equal weights: every row alike.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        params = self.get_params(deep=False)
        validate_parameters(params)
        X, y, n_features, feature_names = checked_training_data(self, X, y)
        weights = checked_weights(sample_weight, X)
        if weights is not None and self.__sklearn_tags__().classifier_tags is not None:
            weighted = np.unique(np.asarray(y)[weights > 0])
            if len(weighted) < 2:
                raise ValueError(
                    f"sample_weight is positive for one class only ({weighted[0]!r}); a "
                    "classifier needs at least 2 classes with positive weight."
                )
        rep = resolve_input_rep(self.input_rep, n_features)
        group = known_group(self.symmetrize, self.group, rep)
        n_items = None if group is None else group.n_items
        train, held_out = split_rows(len(X), self.validation_fraction, self.random_state)
        if weights is not None and not (weights[train].any() and weights[held_out].any()):
            raise ValueError(
                "sample_weight is zero on every training row or on every held-out row "
                f"(validation_fraction={self.validation_fraction}); give weight to both."
            )
        space = resolve_search_space(params, rep, X[train], n_items)
        device = resolve_device(self.device)
        task, y_torch = self._task_type.fit(
            y, output_rep=params.get("output_rep"), input_rep=rep, n_items=n_items
        )
        X_torch = space.scale(X)
        with seeded_torch(self._torch_seed(), device):
            found = discover(
                self, space, task, X_torch, y_torch, train, held_out, n_features, device, weights
            )
        state = FittedState(
            n_features_in=n_features,
            feature_names_in=feature_names,
            space=space,
            task=task,
            net=found.net,
            reference=found.reference,
            analysis=found.analysis,
        )
        commit(self, state)
        return self

    # -- using the fitted model --------------------------------------------------------------

    def _scaled_inputs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._state.space.scale(X)

    def _module_outputs(self, X_scaled):
        """Backbone outputs for already scaled inputs, as a float64 CPU tensor.

        With ``discrete="average"``, the mean over the finite group the
        discrete symmetries generate (see :func:`~symlearn._discrete.group_average`).
        """
        outputs = partial(module_outputs, self._state.net, self.n_group_samples_test)
        check_discrete(self.discrete)  # set_params after fit
        if self.discrete != "average":
            return outputs(X_scaled)
        found = self._state.analysis.discrete_symmetries
        return averaged_outputs(outputs, found, self._state.task.n_outputs, X_scaled)

    def _view_outputs(self, X, test_time_augmentation):
        """Outputs of the views of ``X`` (see :func:`~symlearn._analysis.augmented_outputs`)."""
        X_scaled = self._scaled_inputs(X)
        n_views = test_time_augmentation
        if n_views is None:
            n_views = self.test_time_augmentation
        check_scalar(n_views, "test_time_augmentation", Integral, min_val=0)
        # Predictions must not depend on, nor advance, any shared RNG.
        seed = self.random_state if isinstance(self.random_state, Integral) else 0
        return augmented_outputs(self._state, self._module_outputs, X_scaled, n_views, seed)

    def symmetry_score(
        self,
        X: ArrayLike,
        y: None = None,
        *,
        reach: float | None = None,
        n_transforms: int = 4,
        random_state: int = 0,
    ) -> float:
        """How symmetric the fitted model is under the discovered group, in [0, 1].

        Every row of ``X`` is moved by random elements ``g = exp(t sum_i v_i
        r_i L_i)`` of the group spanned by ``discovered_generators_``: ``v`` a
        random unit direction, ``t ~ U[-1, 1]`` and ``r_i`` the reach of
        generator ``L_i`` (``generator_strengths_``), which the data fix and
        training never changes: a full turn for a generator of a compact
        group (a rotation, in any coordinates), and for an unbounded one
        (scaling, boost, translation) the parameter at which the moved rows
        are displaced by the data's own spread (root-mean-square, in each
        feature's standard deviation). The score is::

            1 - mean D(g . f(x), f(g x)) / mean D(f(x), f(x'))

        clipped to [0, 1], where ``x'`` is another random row of ``X``,
        ``g . f(x)`` is ``f(x)`` moved by ``output_rep_`` (unchanged for an
        invariant target) and ``D`` compares predictions (squared error of
        the regression outputs; total-variation distance of the predicted
        class probabilities). So 1 means the predictions are exactly
        invariant (or equivariant) and 0 means moving a point along the
        group changes its prediction as much as replacing it by an unrelated
        point. With no discovered generator the score is 0.0: the model shows
        no symmetry, which must never read as a perfect one (so that model
        selection on the score prefers fits that found and learned one).

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
        if len(X_scaled) < 2:
            raise ValueError(
                f"symmetry_score needs at least 2 rows of X (it compares the change along the "
                f"group with the change between rows); got {len(X_scaled)}."
            )
        state = self._state
        if reach is None:
            reach = state.analysis.generator_strengths
        else:
            check_scalar(reach, "reach", Real, min_val=0)
            if not np.isfinite(reach):
                raise ValueError(f"reach must be a finite number; got {reach}.")
        check_scalar(n_transforms, "n_transforms", Integral, min_val=1)
        return symmetry_score(
            self._module_outputs,
            X_scaled,
            state.analysis,
            state.space,
            state.task,
            reach,
            n_transforms,
            random_state,
        )

    def generator_errors(
        self,
        X: ArrayLike,
        generators: Generators | None = None,
        *,
        model: Literal["fitted", "reference"] = "fitted",
    ) -> Float64Array:
        """Normalized first-order error of the model along each generator, on ``X``.

        The error of a generator ``L`` is ``sqrt(E|r_L|^2 / E|b_L|^2)``:
        ``r_L = J dL x - drho_out(L) f(x)`` is how much the outputs change
        (moved back, for an equivariant target) per unit of group parameter,
        and ``b_L`` what an arbitrary motion displacing the rows as much
        would change (see the user guide). 0 means an exact symmetry of the
        model, about 1 an arbitrary direction. Use it on held-out rows to test
        symmetries you have in mind.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        generators : array-like of shape (k, d, d), default=None
            Generators to rate (any scale; only their direction within
            ``generator_space_`` counts). ``None`` rates ``discovered_generators_``.
        model : {"fitted", "reference"}, default="fitted"
            ``"fitted"`` measures the final model; ``"reference"`` the backbone
            trained alone to convergence, before any augmentation, which rates
            how symmetric the data is along ``L`` without the bias of a model
            trained to be invariant along it.

        Returns
        -------
        errors : ndarray of shape (k,)
        """
        X_scaled = self._scaled_inputs(X)
        if model not in ("fitted", "reference"):
            raise ValueError(f'model must be "fitted" or "reference"; got {model!r}.')
        state = self._state
        if generators is None:
            generators = state.analysis.discovered_generators
        d = state.space.input_rep.dim
        generators = as_generator_stack(generators)
        if generators.shape[1:] != (d, d):
            raise ValueError(
                f"generators must have shape (k, {d}, {d}) for input_rep_="
                f"{state.space.input_rep!r}; got {generators.shape}."
            )
        if np.any(np.linalg.norm(generators, axis=(1, 2)) == 0):
            raise ValueError("generators must be non-zero: a zero matrix has no direction.")
        if len(generators) == 0:
            return np.zeros(0)
        backbone = state.reference if model == "reference" else state.net.module_.backbone
        errors, _, _ = rate_directions(
            backbone,
            X_scaled,
            state.space,
            state.task,
            state.space.to_model(generators),
        )
        return errors

    def describe_symmetry(self) -> str:
        """A plain-text report of the discovered symmetry, for a person to read.

        It gives the verdict (``symmetry_verdict_``) and its reason, names
        the algebra (``algebra_``) with its dimension, gives the closure
        error, the symmetry score on held-out rows, each generator's error
        with its interval, its reach and which features it mixes, and the
        most exact directions of the reference model's spectrum.

        Returns
        -------
        report : str
        """
        check_is_fitted(self)
        return symmetry_report(self)

    def symmetry_summary(self) -> dict[str, Any]:
        """What :meth:`describe_symmetry` says, as plain data for ``json.dumps``.

        Returns
        -------
        summary : dict
            ``verdict`` and ``verdict_reason``; ``algebra`` (``name``,
            ``dimension``, ``acting_dimension``, ``signature``, ``compact``,
            ``closure_error``); ``generators`` (nested lists, shape
            ``(n_generators, d, d)``) with their ``generator_errors``,
            ``generator_error_intervals`` and ``generator_reaches``;
            ``symmetry_score``, ``reference_score``, ``n_epochs``, the
            feature names and representations, and the reference model's
            ``spectrum`` with its ``spectrum_floors``.

        Examples
        --------
        >>> import json
        >>> from symlearn import SymmetryDiscoveringRegressor
        >>> from symlearn.datasets import make_rotation_invariant_regression
        >>> X, y, _ = make_rotation_invariant_regression(200, random_state=0)
        >>> est = SymmetryDiscoveringRegressor(max_epochs=5, random_state=0).fit(X, y)
        >>> summary = est.symmetry_summary()
        >>> summary["verdict"] in ("symmetric", "none", "inconclusive")
        True
        >>> text = json.dumps(summary)
        """
        check_is_fitted(self)
        return symmetry_summary(self)
