"""The exact model of a discovered group, trained in place of the augmented one.

With ``symmetrize="invariant_features"`` and ``group="discovered"`` a fit
whose verdict is *symmetric* trains an invariant-feature model of the
accepted algebra. The algebra generates the connected group; whether the
reflections of the form it preserves are symmetries as well (parity, and
time reversal for so(r-1, 1)) is for the held-out rows to say. Where they
would take features away (determinants, time orientations), a model
without those features is trained first and kept, the reflections
reported as discrete symmetries, when it predicts the held-out rows as
well as the connected group's model, within the allowance of
:mod:`symlearn._confirmation`; otherwise the connected group's. Items the
discrete search found exchangeable are pooled (``S_n`` times the group;
see :func:`~symlearn._model.build_discovered_model`).

Measured on EMLP's particle-scattering task (1,000 rows, seed 0): the
connected group's 15 features (10 Minkowski products, a determinant, 4
time orientations) gave held-out loss 0.0070 and test MSE 0.0076; the 10
products alone 0.0015 and 0.0013.
"""

import copy
from functools import partial

import numpy as np
import torch

from ._builders import resolve_lr
from ._confirmation import _confirmation
from ._discrete import DiscreteSymmetry, to_data_map, with_model_maps
from ._discrete_elements import embedded, full_row_map, output_map, written_normal
from ._model import build_discovered_model, build_invariant_model
from ._orientation import reflections_beyond, vector_maps
from ._phases import standardized, start_phase
from .symmetrize._invariants import invariant_frame

__all__ = ["invariant_model_error", "train_exact_model"]


def invariant_model_error(estimator, space, task, exact):
    """The ValueError an invariant-feature model of ``exact`` raises, or None if it builds.

    Built aside, with torch's random state restored: the trial leaves the
    fit's draws (the networks trained next) as they were.
    """
    with torch.random.fork_rng(devices=[]):
        try:
            build_invariant_model(estimator, space, task, space.to_model(exact))
        except ValueError as error:
            return error
    return None


def train_exact_model(estimator, net, space, task, exact, rows, linear_part, found=()):
    """Train the exact model of ``exact`` and the discrete symmetries ``found``.

    Parameters
    ----------
    estimator : the fitting estimator (its parameters)
    net : SymmetryNet
        Its backbone is replaced by the trained model.
    space : SearchSpace
    task : RegressionTask or ClassificationTask
    exact : ndarray of shape (k, d, d)
        The accepted generators, data coordinates.
    rows : tuple
        ``(X_train, fit_targets, X_held, y_held, w_held)``, model coordinates.
    linear_part : tuple or None
        The reference's fixed linear part (see :func:`~symlearn._phases.standardized`).
    found : tuple of DiscreteSymmetry
        Discrete symmetries found on the reference model: those that are
        reflections of the form join the group.

    Returns
    -------
    tuple of DiscreteSymmetry
        ``found``, and the form's reflections when the held-out rows chose
        the model invariant under them.
    """
    X_train, fit_targets, X_held, y_held, w_held = rows
    generators = space.to_model(exact)
    frame, form, _ = invariant_frame(generators, affine=space.input_rep.affine)
    reflections = []
    if estimator.discrete is not None:
        reflections = reflections_beyond(frame, form, vector_maps(space.input_rep, found))
    train = partial(
        _train_invariant_model,
        estimator,
        net,
        space,
        task,
        generators,
        X_train,
        fit_targets,
        linear_part,
    )
    if not reflections:
        train(found)
        return tuple(found)
    # The larger group first: kept unless the held-out rows need what it ignores.
    symmetries = [_reflection_symmetry(space, task, *reflection) for reflection in reflections]
    train(tuple(found) + tuple(symmetries))
    invariant = copy.deepcopy(net.module_.backbone)
    train(found)
    comparison = _confirmation(net.module_.backbone, invariant, X_held, y_held, task, 0, w_held)
    if not comparison.bounded or comparison.worse:
        return tuple(found)
    net.module_.backbone = invariant
    net.initialize_optimizer()  # of the model kept, not of the one trained last
    measured = {
        "loss_before": comparison.before,
        "loss_after": comparison.after,
        "loss_bound": comparison.bound,
        "loss_allowed": comparison.allowed,
    }
    chosen = (
        f"; a model invariant under it predicts the held-out rows as well (loss "
        f"{comparison.after:.4g} against {comparison.before:.4g})"
    )
    return tuple(found) + tuple(
        DiscreteSymmetry(
            **{**vars(symmetry), **measured, "description": symmetry.description + chosen}
        )
        for symmetry in symmetries
    )


def _train_invariant_model(
    estimator, net, space, task, generators, X_train, fit_targets, linear_part, discrete
):
    """Train, in place of the reference backbone, the exact model of ``generators`` and ``discrete``.

    The phase an augmented model would take, as long (early stopping on the
    held-out rows): the model is exactly invariant, so the augmentation is off.
    It keeps the reference's ``linear_part`` (see
    :func:`~symlearn._phases.standardized`) and trains at its own rate when
    ``lr="auto"`` (see :func:`~symlearn._builders.resolve_lr`). The
    ``discrete`` symmetries that are reflections of the form join the group;
    an exchange of every item pools the items
    (:func:`~symlearn._model.build_discovered_model`).
    """
    model = build_discovered_model(estimator, space, task, generators, discrete)
    net.module_.backbone = standardized(model, X_train, linear_part).to(net.device)
    augmentation = net.module_.augmentation
    active = augmentation.active.clone()
    augmentation.active.zero_()
    rate = net.lr
    net.lr = resolve_lr(estimator.lr, model)
    start_phase(net)
    try:
        net.partial_fit(X_train, fit_targets)
    finally:
        net.lr = rate
    augmentation.active.copy_(active)


def _reflection_symmetry(space, task, label, g, normal):
    """The form's reflection ``g`` (vectors' axes, model coordinates) as a DiscreteSymmetry.

    ``normal``: the unit vector it reverses (a direction of the data's
    vectors too: model coordinates scale each part's vectors alike).

    Its losses are filled in once the held-out rows have compared the models.
    """
    rep = space.input_rep
    element = embedded(rep, g)
    A, b = to_data_map(full_row_map(rep, element), np.zeros(rep.size), space.scaler)
    B = output_map(task, element)
    description = (
        f"{label}: reflection of the form the discovered group preserves, "
        f"along {written_normal(normal)}"
    )
    symmetry = DiscreteSymmetry(
        kind="reflection",
        description=description,
        group_order=2,
        matrices=A[None],
        offsets=b[None],
        output_matrices=None if B is None else B[None],
        loss_before=float("nan"),
        loss_after=float("nan"),
        loss_bound=float("nan"),
        loss_allowed=0.0,
    )
    return with_model_maps(symmetry, space.scaler)
