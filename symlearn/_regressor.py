"""The symmetry-discovering regressor."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from sklearn.base import RegressorMixin

from ._base import PATIENCE, BaseSymmetryDiscoverer
from ._task import RegressionTask

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Literal

    from ._typing import ArrayLike, Float64Array, Generators, RandomState
    from .reps import Rep

__all__ = ["SymmetryDiscoveringRegressor"]


class SymmetryDiscoveringRegressor(RegressorMixin, BaseSymmetryDiscoverer):
    """Regressor that learns which transformations leave the target unchanged (or move it along).

    ``fit`` trains a torch backbone (through skorch) in two phases. First
    the backbone alone, until its loss on the held-out rows stops improving:
    the *reference model*. Its first-order response along every direction
    ``L`` of the search space (``gl(d)`` unless restricted), measured
    against what an arbitrary motion would do and against the error the
    model's own held-out accuracy allows, is the evidence on which each
    direction is judged an exact symmetry, broken, or undetermined; the
    verdict (``symmetry_verdict_``: ``"symmetric"``, ``"none"`` or
    ``"inconclusive"``, with its reason) says whether the data show a
    symmetry at all. Then a fresh backbone is trained with the accepted
    group as data augmentation ``g = exp(sum_i t_i L_i)``, sampled over a
    reach the data fix (a full turn for a rotation), which makes the fitted
    model symmetric and usually more accurate; if the held-out rows do not
    confirm that it predicts as well as the reference, the reference is
    kept. Afterwards
    ``discovered_generators_`` is a basis of the discovered Lie algebra and
    :meth:`symmetry_score` says how symmetric the fitted model is. With an
    ``output_rep`` the target is equivariant instead of invariant: the same
    group element moves ``x`` and ``y``. With ``candidate_generators`` the
    estimator tests symmetries you suggest instead of searching.

    Inputs are rescaled in a way that commutes with the group action (one
    scale per ``Vectors`` block, no centring; ``Scalars`` standardized), and
    targets are standardized, so the loss weights do not depend on units.
    The default backbone centres and scales its inputs inside itself (a
    fixed layer set from the training rows), so the group still acts on
    uncentred inputs.

    Parameters
    ----------
    module : None, torch.nn.Module subclass or instance, default=None
        The backbone, mapping ``(n, n_features)`` float32 inputs to
        ``(n, n_outputs)``. ``None`` builds an :class:`~symlearn.nn.MLP`
        with three hidden layers of 256 SiLU units; a class is instantiated with the
        ``module__*`` options; an instance is deep-copied before training.
    input_rep : symlearn.reps.Rep, default=None
        How a ``d x d`` group element acts on a row of ``X``; must cover
        exactly ``n_features``. ``None`` treats the whole row as one vector
        (``Vectors(1, n_features)``). With :class:`~symlearn.reps.Points`,
        generators are homogeneous matrices of ``aff(d)`` (translations too).
    output_rep : symlearn.reps.Rep, default=None
        How the group acts on ``y`` (e.g. ``Vectors(n, d)`` for future
        positions, ``Tensor(d, 2)`` for an inertia tensor); must cover every
        column of ``y`` and act on the same ``R^d`` as ``input_rep``.
        ``None``: the target is invariant.
    n_generators : "auto" or int, default="auto"
        ``"auto"``: the verdict decides how many generators there are
        (possibly none). An integer ``k`` reports the ``k`` most exact
        directions of the search space whatever their evidence;
        ``generator_accepted_`` says which of them the verdict accepts, and
        only those are used for training and scored.
    generator_space : array-like of shape (m, d, d), default=None
        Restricts the search to the span of these matrices, to use domain
        knowledge (e.g. ``symlearn.lie.so_generators(d)`` for rotations only,
        or matrices with known-zero blocks). ``None`` searches all of gl(d)
        (``aff(d)`` with points).
    candidate_generators : list or dict, default=None
        Candidate symmetries to test instead of searching: generator stacks
        ``(k, d, d)`` or names such as ``"rotation_xy"``, ``"rotations"``,
        ``"scaling"``, ``"translations"`` (see
        :func:`symlearn.lie.named_generators`), as a list or a dict from
        your names to them. Each gets its own equivariance regularizer whose
        weight is tuned during training (``candidate_weights_``).
    symmetry_tolerance : float or "auto", default="auto"
        Largest normalized error (see :meth:`generator_errors`: 0 for an
        exact symmetry, about 1 for an arbitrary motion) of a direction
        accepted as a symmetry, at the upper end of its interval; it must
        also not be clearly beyond three times the error the model's own
        inaccuracy allows (its floor), and beyond the floor itself the model
        trained with it must be confirmed on the held-out rows. ``"auto"`` is 0.6, or 1.0 when ``input_rep``
        has an :class:`~symlearn.reps.Image` part (resampling a pixel grid
        puts a floor under the error that no model gets below).
    validation_fraction : float, default=0.2
        Fraction of the rows held out of training: early stopping watches
        their task loss, and the evidence, the verdict, the confirmation and
        the symmetry score are measured on them. ``0`` trains on all rows,
        stops on the training loss, and measures on the training rows.
    augment : bool, default=True
        Train the fitted model with the discovered symmetry (the second
        phase). ``False`` measures and reports the symmetry, and the
        reference model predicts.
    symmetry_weight : float, default=0.0
        Weight of a consistency term ``mean |f(g x) - g . f(x)|^2`` (in
        standardized target units) added to the augmented task loss in the
        second phase, or of all candidate regularizers. The augmentation
        alone gave the most accurate models on the benchmark families
        (inertia tensors: 0.83-0.86 test MSE against 2.2 with weight 1).
    reach_weight, distinctness_weight : deprecated
        No effect since 0.2 (the reach is fixed by the data, the generators
        by the evidence); setting them warns. Removed in 0.3.
    n_augmentations : int, default=1
        Augmented views per sample and batch. Each costs one more forward
        and backward pass of the backbone.
    test_time_augmentation : int, default=0
        Default of :meth:`predict`'s option of the same name: average the
        predictions over this many random elements of the discovered group
        at the learned strengths. Each costs one forward pass; ``0`` predicts
        on the inputs as they are.
    symmetrize : None, "probabilistic" or "invariant_features", default=None
        ``"probabilistic"`` makes the model exactly equivariant (invariant for
        ``output_rep=None``) under ``group``, whatever the backbone:
        predictions average ``rho_out(g) f(rho_in(g)^-1 x)`` over group
        elements ``g`` drawn by a small equivariant network from ``x`` and
        invariant noise (probabilistic symmetrization, Kim et al., NeurIPS
        2023). ``"invariant_features"`` trains the backbone on the group's
        invariants: the products ``v_i^T B v_j`` of the vectors under the
        form ``B`` the group preserves, determinants of ``d``-tuples for the
        connected group, and the features the group does not move (Villar
        et al., NeurIPS 2021); equivariant vector and tensor outputs are
        built from invariant coefficients. See :mod:`symlearn.symmetrize`.
    group : str, default="discovered"
        The group for ``symmetrize``: ``"O(d)"``, ``"SO(d)"``, ``"E(d)"``,
        ``"SE(d)"`` (with Points), ``"S_n"`` (permuting the items of
        ``input_rep``: parts with as many entries as its first Vectors
        part), a product such as ``"S_n x O(3)"`` (probabilistic only),
        ``"O(p,q)"`` or ``"SO(p,q)"`` (invariant features only; ``"O(1,3)"``
        is the Lorentz group); or ``"discovered"``: after fitting, the
        backbone is symmetrized over the discovered group (probabilistic:
        one rotation, or all of so(d); invariant features: so(d) or so(p,q)
        in any basis, on all axes or a subspace, and e(n) on Points, trained
        in place of the augmented model when the verdict is symmetric). A
        named group builds the model from the start, and the discovery then
        runs on it (``augment=False`` trains that reference only).
    n_group_samples : int, default=4
        Group elements drawn per row in each training step.
    n_group_samples_test : int, default=20
        Group elements per row when predicting, from a fixed seed (so
        predictions are deterministic); each costs one forward pass. It can
        be changed with ``set_params`` after fitting.
    discrete : "search", "average" or None, default="search"
        Discrete symmetries, searched after the continuous part on the
        reference model's held-out rows (``discrete_symmetries_``): turns
        by ``2 pi / n`` (n up to 12) in a plane, mirrors with a learned
        normal and the point reflection ``x -> -x``, and, for invariant
        targets, classes of exchangeable items. ``"average"`` also predicts
        as the mean over the finite group they generate (one forward pass
        per element; exactly invariant, or equivariant), which can be
        switched with ``set_params`` after fitting. ``None`` skips the
        search. See the user guide's section on discrete symmetries.
    max_epochs : int, default=1000
        Cap on the epochs of each training phase.
    patience : int, default=60
        A phase ends after this many epochs without a better held-out loss,
        and the best epoch's weights are restored (skorch's
        ``EarlyStopping``, named ``early_stopping``: tune it with
        ``callbacks__early_stopping__*``).
    batch_size : int or "auto", default="auto"
        Mini-batch size for training and prediction; ``"auto"`` is a
        sixteenth of the training rows, between 32 and 256.
    lr : float or "auto", default="auto"
        Learning rate of the optimizer. ``"auto"``: 1e-3, and 1e-4 for
        invariant-feature models of a group of vectors or points
        (``symmetrize="invariant_features"``: the whole fit with a named
        group, the exact model's phase with ``group="discovered"``; not the
        item model of ``"S_n x G"``), whose features are products of the
        inputs and whose training is spiky at 1e-3 (EMLP's Lorentz task:
        test MSE 3-5 times lower at 1e-4, for 2-4 times the epochs). A
        number is used for every phase.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Options go in ``optimizer__*`` (e.g. ``optimizer__weight_decay``).
        ``Adam`` and ``AdamW`` run fused (``optimizer__fused=True``) unless
        ``optimizer__fused`` or ``optimizer__foreach`` is given.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks, e.g. :class:`symlearn.callbacks.EpochProgressBar`.
    train_split : None or callable, default=None
        skorch's validation split for early stopping, e.g.
        ``skorch.dataset.ValidSplit(5)``. ``None`` uses the held-out rows
        (``validation_fraction``).
    device : str, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU. Asking for
        ``"cuda"`` on a machine without CUDA raises a ``ValueError``.
    random_state : int, RandomState instance or None, default=None
        Seeds torch (initialization, shuffling, augmentation draws) for the
        duration of ``fit`` only; the caller's global RNG state is restored.
    verbose : int, default=0
        ``0`` is silent; ``1`` prints skorch's table of per-epoch losses.
    **kwargs
        Options prefixed ``module__`` (backbone constructor), ``optimizer__``,
        ``iterator_train__``, ``iterator_valid__`` or ``callbacks__`` (passed
        to skorch). They are parameters like any other, so ``GridSearchCV``
        can tune them.

    Attributes
    ----------
    discovered_generators_ : ndarray of shape (`n_generators_`, d, d)
        Orthonormal basis of the discovered algebra in a readable form (each
        generator as sparse as the span allows, largest entry positive),
        accepted generators first, most exact first. When their algebra is
        recognized (so(p, q), with scaling, translations), the accepted ones
        span the exact algebra the measured directions approximate (see
        :func:`symlearn.lie.exact_generators` and the user guide). Shape
        (0, d, d) when no symmetry was found.
    n_generators_ : int
        Dimension of the discovered algebra; 0 means no continuous symmetry.
    generator_accepted_ : ndarray of bool, shape (`n_generators_`,)
        Which generators the verdict accepts (all, unless ``n_generators``
        forced more).
    generator_errors_ : ndarray of shape (`n_generators_`,)
        Normalized first-order error of each generator for the reference
        model on the held-out rows (0 exact, about 1 arbitrary; see
        :meth:`generator_errors`).
    generator_error_intervals_ : ndarray of shape (`n_generators_`, 2)
        Bootstrap 5% and 95% quantiles of those errors over the held-out rows.
    generator_strengths_ : ndarray of shape (`n_generators_`,)
        The reach of each generator, fixed by the data: a full turn for a
        compact direction (``pi * sqrt(2)`` for a unit-norm rotation
        generator); for an unbounded one (scaling, boost, translation) the
        reach at which the moved rows are, on average over the sampled
        elements, displaced by the data's own spread. Training, the score and
        test-time augmentation use it.
    symmetry_verdict_ : {"symmetric", "none", "inconclusive"}
        What the evidence says; ``symmetry_verdict_reason_`` says why, and
        what to change when it is inconclusive.
    symmetry_verdict_reason_ : str
    discrete_symmetries_ : list of DiscreteSymmetry
        The discrete symmetries found (empty when none, or with
        ``discrete=None``), each with the elements that generate it
        (``matrices`` and ``offsets``, acting on a row of ``X`` in its own
        units), ``group_order``, a ``description``, the measured ``angle``
        of a turn, the exchangeable ``items`` of a permutation, and its
        held-out evidence (``loss_before``, ``loss_after``, ``loss_bound``,
        ``loss_allowed``).
    reference_score_ : float
        Held-out R^2 of the reference model (Brier skill score for a
        classifier); below 0.5 the verdict is inconclusive. With an
        equivariant target and the default backbone, it is the R^2 over what
        the backbone's linear part leaves (see the user guide's "The linear
        part every direction leaves alone").
    symmetry_spectrum_ : ndarray of shape (m,)
        Normalized errors of all directions of the search space for the
        reference model, increasing.
    symmetry_floor_ : ndarray of shape (m,)
        For each, the error an exact symmetry would show given the
        reference model's held-out error.
    symmetry_directions_ : ndarray of shape (m, d, d)
        The directions matching ``symmetry_spectrum_``.
    closure_error_ : float
        How far the span is from closing under the bracket (0 for a Lie algebra).
    structure_constants_ : ndarray of shape (`n_generators_`,) * 3
        ``[L_i, L_j] = sum_k c_ijk L_k`` in the basis ``discovered_generators_``.
    algebra_ : symlearn.lie.AlgebraIdentity
        The algebra's name (e.g. ``"so(3)"``, ``"so(1,3)"``), whether it is
        compact, the axes it acts on and the metric it preserves.
    symmetry_score_ : float
        :meth:`symmetry_score` on the held-out rows (0.0 when nothing was
        accepted).
    n_epochs_ : int
        Epochs trained, both phases together (``net_.history`` has each).
    candidate_names_ : list of str
        Candidate mode only: the candidates' names.
    candidate_generators_ : list of ndarray of shape (k_j, d, d)
        Candidate mode only: their unit-norm generators.
    candidate_weights_ : ndarray of shape (n_candidates,)
        Candidate mode only: tuned weight of each candidate in (0, 1]; 1 for
        the most exact, small for a broken one.
    candidate_errors_ : ndarray of shape (n_candidates,)
        Candidate mode only: RMS relative error of each candidate's
        generators for the fitted model on the held-out rows.
    generator_space_ : ndarray of shape (m, d, d)
        Orthonormal basis of the search space.
    input_rep_ : symlearn.reps.Rep
        The representation used (``input_rep`` or its default).
    output_rep_ : symlearn.reps.Rep or None
        ``output_rep``.
    net_ : symlearn._net.SymmetryNet
        The fitted skorch net; ``net_.module_.backbone`` is the trained
        backbone and ``net_.history`` the training history.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    SymmetryDiscoveringClassifier : The same for classification.
    symlearn.metrics.lie_algebra_similarity : Compare discovered and true algebras.

    Examples
    --------
    >>> import numpy as np
    >>> from symlearn import SymmetryDiscoveringRegressor
    >>> from symlearn.datasets import make_rotation_invariant_regression
    >>> from symlearn.metrics import lie_algebra_similarity
    >>> X, y, truth = make_rotation_invariant_regression(1000, random_state=0)
    >>> est = SymmetryDiscoveringRegressor(random_state=0).fit(X, y)
    >>> est.discovered_generators_.shape
    (1, 2, 2)
    >>> lie_algebra_similarity(est.discovered_generators_, truth) > 0.99
    True
    """

    def __init__(
        self,
        *,
        module: type[torch.nn.Module] | torch.nn.Module | None = None,
        input_rep: Rep | None = None,
        output_rep: Rep | None = None,
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
        # Only the regressor has output_rep: class labels never transform.
        self.output_rep = output_rep
        super().__init__(
            module=module,
            input_rep=input_rep,
            n_generators=n_generators,
            generator_space=generator_space,
            candidate_generators=candidate_generators,
            symmetry_tolerance=symmetry_tolerance,
            validation_fraction=validation_fraction,
            augment=augment,
            symmetry_weight=symmetry_weight,
            reach_weight=reach_weight,
            distinctness_weight=distinctness_weight,
            n_augmentations=n_augmentations,
            test_time_augmentation=test_time_augmentation,
            symmetrize=symmetrize,
            group=group,
            n_group_samples=n_group_samples,
            n_group_samples_test=n_group_samples_test,
            discrete=discrete,
            max_epochs=max_epochs,
            patience=patience,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            callbacks=callbacks,
            train_split=train_split,
            device=device,
            random_state=random_state,
            verbose=verbose,
            **kwargs,
        )

    _task_type = RegressionTask

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X: ArrayLike, *, test_time_augmentation: int | None = None) -> Float64Array:
        """Predict targets for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        test_time_augmentation : int, default=None
            Average the predictions over this many random elements ``g`` of
            the discovered group, drawn at the learned strengths, each moved
            back by ``g^-1`` when the target is equivariant (``0``: predict
            on ``X`` as it is). ``None`` uses the estimator's
            ``test_time_augmentation``. Costs one forward pass and one
            transformation of ``X`` per element.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            float64, same number of dimensions as the ``y`` given to ``fit``.
        """
        outputs = self._view_outputs(X, test_time_augmentation).mean(dim=0).numpy()
        return self._state.task.predict(outputs)
