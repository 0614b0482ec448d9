"""What a fitted model says about the symmetry: measured after training, as one value.

:func:`analyze_symmetry` reads the trained net (and the reference backbone
kept at the end of the warm-up) on held-out rows and returns a
:class:`SymmetryAnalysis`, which ``fit`` commits with everything else. The
functions that measure a backbone (:func:`backbone_gram`) and score the
fitted model (:func:`symmetry_score`) are shared with the estimators'
public methods.
"""

from dataclasses import dataclass, fields, replace
from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_scalar

from ._config import Fields
from .groups import FULL_TURN_EXTENT, GroupAction, LieGroup
from .lie import AlgebraIdentity, identify_algebra, structure_constants
from .metrics import invariance_score
from .metrics._infinitesimal import (
    infinitesimal_gram,
    relative_invariance_errors,
    symmetry_spectrum,
)
from .nn import LieAugmentation
from .symmetrize import Symmetrized

__all__ = [
    "SymmetryAnalysis",
    "analyze_symmetry",
    "augmented_outputs",
    "backbone_gram",
    "candidate_errors",
    "generator_errors",
    "generator_reach",
    "module_outputs",
    "rate_candidates",
    "rotation_like",
    "symmetry_score",
]


@dataclass(frozen=True, eq=False)
class SymmetryAnalysis:
    """The symmetry a fit found; each field is the estimator attribute of the same name + ``_``."""

    symmetry_spectrum: np.ndarray
    symmetry_directions: np.ndarray
    discovered_generators: np.ndarray
    generator_errors: np.ndarray
    generator_strengths: np.ndarray
    structure_constants: np.ndarray
    closure_error: float
    algebra: object
    symmetry_score: float = float("nan")
    candidate_weights: np.ndarray | None = None
    candidate_errors: np.ndarray | None = None

    @property
    def n_generators(self):
        return len(self.discovered_generators)

    def to_config(self):
        config = {field.name: getattr(self, field.name) for field in fields(self)}
        config["algebra"] = self.algebra.to_config()
        return config

    @classmethod
    def from_config(cls, config, space, path="analysis"):
        """The analysis a :meth:`to_config` description holds, checked against ``space``."""
        described = Fields(config, path, required=[field.name for field in fields(cls)])
        d, m = space.input_rep.dim, len(space.basis)
        discovered = described.array("discovered_generators", (None, d, d))
        k = len(discovered)
        if k > m:
            raise described.error("discovered_generators", f"must hold at most {m} generators.")
        algebra = AlgebraIdentity.from_config(described.raw("algebra"), d, described.where("algebra"))
        if algebra.dimension != k:
            raise described.error("algebra", f"must have dimension {k}.")
        J = None if space.candidates is None else len(space.candidates.names)
        candidate = {
            key: (None if J is None else described.array(key, (J,)))
            for key in ("candidate_weights", "candidate_errors")
        }
        if J is None and (described.has("candidate_weights") or described.has("candidate_errors")):
            raise described.error("candidate_weights", "must be null without candidates.")
        return cls(
            symmetry_spectrum=described.array("symmetry_spectrum", (m,)),
            symmetry_directions=described.array("symmetry_directions", (m, d, d)),
            discovered_generators=discovered,
            generator_errors=described.array("generator_errors", (k,)),
            generator_strengths=described.array("generator_strengths", (k,)),
            structure_constants=described.array("structure_constants", (k, k, k)),
            closure_error=described.number("closure_error", low=0),
            algebra=algebra,
            symmetry_score=described.number("symmetry_score", low=0, high=1),
            **candidate,
        )

    def attributes(self):
        """The fitted attributes of the estimator, by name."""
        names = (
            "symmetry_spectrum",
            "symmetry_directions",
            "discovered_generators",
            "generator_errors",
            "generator_strengths",
            "structure_constants",
            "closure_error",
            "algebra",
            "symmetry_score",
            "n_generators",
        )
        attributes = {f"{name}_": getattr(self, name) for name in names}
        if self.candidate_weights is not None:
            attributes["candidate_weights_"] = self.candidate_weights
            attributes["candidate_errors_"] = self.candidate_errors
        return attributes


def rotation_like(generators, rep):
    """Mask of the unit generators whose linear part is antisymmetric (compact orbits)."""
    d = rep.dim - rep.affine
    linear = np.asarray(generators)[:, :d, :d]
    norms = np.linalg.norm(linear, axis=(1, 2))
    asymmetry = np.linalg.norm(linear + linear.transpose(0, 2, 1), axis=(1, 2))
    return (norms > 0.1) & (asymmetry <= 0.1 * np.maximum(norms, 1e-12))


def backbone_gram(backbone, X_scaled, space, task):
    """Gram matrix of the first-order invariance (equivariance) conditions of ``backbone``.

    In the coefficients of ``space.model_basis``, measured on ``X_scaled``
    in eval mode (the backbone's mode is restored after).
    """
    device = next(iter(backbone.parameters()), torch.empty(0)).device
    was_training = backbone.training
    backbone.eval()
    try:
        with torch.enable_grad():
            return infinitesimal_gram(
                lambda x: task.symmetry_outputs(backbone(x.to(device))),
                X_scaled,
                space.input_rep,
                space.model_basis,
                output_rep=task.output_rep,
            )
    finally:
        backbone.train(was_training)


def candidate_errors(gram, space):
    """Root-mean-square relative error of each candidate's generators, shape (J,).

    One Gram matrix on the span of all candidates rates every candidate.
    """
    return np.array(
        [
            np.sqrt(np.mean(relative_invariance_errors(gram, space.model_basis, span) ** 2))
            for span in space.candidates.spans
        ]
    )


def rate_candidates(module, X_scaled, *, space, task):
    """Error of each candidate for the backbone of ``module`` (see :func:`candidate_errors`)."""
    return candidate_errors(backbone_gram(module.backbone, X_scaled, space, task), space)


def module_outputs(net, n_group_samples_test, X_scaled):
    """The net's outputs for rows in model coordinates, as a float64 CPU tensor."""
    backbone = net.module_.backbone
    if isinstance(backbone, Symmetrized):
        # A prediction-time option: set_params takes effect without a refit.
        check_scalar(n_group_samples_test, "n_group_samples_test", Integral, min_val=1)
        backbone.n_samples_eval = n_group_samples_test
    return net.forward(torch.as_tensor(X_scaled)).double()


def _learned_generators(augmentation, gram, space):
    """The generators training produced and how far each reaches, model coordinates.

    For the learnable augmentation, its active generators and extents.
    For candidates, the directions of their span ordered by exactness on
    the fitted model, each reaching as far as the weighted reaches of the
    candidates it lies in.
    """
    basis = space.model_basis
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
    for j, span in enumerate(space.candidates.spans):
        inside = np.einsum("kab,iab->ki", learned, span) ** 2
        reach += weighted[j] ** 2 * inside.sum(axis=1)
    return learned, np.sqrt(reach)


def analyze_symmetry(module, reference, X_held_out, space, task, *, keep_below_tolerance):
    """Measure, prune, canonicalize and name the learned generators.

    Parameters
    ----------
    module : symlearn.nn.SymmetryModule
        The trained backbone and augmentation.
    reference : torch.nn.Module
        The backbone as it was after the warm-up.
    X_held_out : ndarray of shape (n, n_features)
        Held-out rows, model coordinates (float32).
    space : SearchSpace
    task : RegressionTask or ClassificationTask
    keep_below_tolerance : bool
        Keep only the generators whose error is below ``space.tolerance``
        (``n_generators="auto"``); otherwise keep all.

    Returns
    -------
    SymmetryAnalysis
        Without the score, which is measured on the model that predicts
        (see :func:`symmetry_score`).
    """
    basis = space.model_basis
    errors, directions = symmetry_spectrum(backbone_gram(reference, X_held_out, space, task), basis)
    spectrum, spectrum_directions = errors, space.to_data(directions)
    gram = backbone_gram(module.backbone, X_held_out, space, task)
    learned, extents = _learned_generators(module.augmentation, gram, space)
    errors = relative_invariance_errors(gram, basis, learned)
    if keep_below_tolerance:
        keep = errors < space.tolerance
        learned, extents = learned[keep], extents[keep]
    if len(learned):
        generators = space.sparse_basis(learned)
    else:
        generators = learned.reshape(0, *basis.shape[1:])
    generators = space.to_data_basis(generators)
    in_model = space.to_model(generators)
    errors = relative_invariance_errors(gram, basis, in_model)
    # The reach of the learned distribution along each canonical direction:
    # coefficient variance sum_i w_i^2 <u, L_i>^2 / 3 matches U[-w, w] of that w.
    overlaps = np.einsum("kab,iab->ki", in_model, learned)
    strengths = np.sqrt(np.einsum("ki,i->k", overlaps**2, extents**2))
    order = np.argsort(errors, kind="stable")
    discovered = generators[order]
    constants, closure = structure_constants(discovered)
    candidate_weights = rated = None
    if space.candidates is not None:
        candidate_weights = module.augmentation.weights.cpu().double().numpy()
        rated = candidate_errors(gram, space)
    return SymmetryAnalysis(
        symmetry_spectrum=spectrum,
        symmetry_directions=spectrum_directions,
        discovered_generators=discovered,
        generator_errors=errors[order],
        generator_strengths=strengths[order],
        structure_constants=constants,
        closure_error=closure,
        algebra=identify_algebra(discovered, affine=space.input_rep.affine),
        candidate_weights=candidate_weights,
        candidate_errors=rated,
    )


def generator_reach(analysis, space, rotation_reach=FULL_TURN_EXTENT):
    """Reach of each discovered generator, shape (k,).

    ``rotation_reach`` for rotation-like generators (their one-parameter
    group is compact); for boosts, scalings and translations, whose
    groups are unbounded, as far as the learned augmentation reached
    along them, at most one unit: beyond the data the model has nothing
    to be symmetric on.
    """
    compact = rotation_like(analysis.discovered_generators, space.input_rep)
    return np.where(compact, rotation_reach, np.minimum(analysis.generator_strengths, 1.0))


def symmetry_score(outputs, X_scaled, analysis, space, task, reach, n_transforms, random_state):
    """``symmetry_score`` of a model whose outputs on model-coordinate rows are ``outputs(X)``.

    ``reach``: one per discovered generator (or one for all).
    """
    # Scaling each unit generator by its reach and sampling with reach 1
    # gives every generator its own range.
    reach = np.broadcast_to(np.asarray(reach, dtype=float), (analysis.n_generators,))
    return invariance_score(
        outputs,
        X_scaled,
        space.to_model(analysis.discovered_generators) * reach[:, None, None],
        space.input_rep,
        output_rep=task.output_rep,
        discrepancy=task.discrepancy,
        reach=1.0,
        n_transforms=n_transforms,
        random_state=random_state,
    )


def augmented_outputs(state, outputs, X_scaled, n_views, seed):
    """Outputs of ``n_views`` moved copies of the rows, moved back (test-time augmentation).

    Each row is moved by random elements of the discovered group, as far
    as the learned strengths (at most one unit along an unbounded
    direction), and each output moved back by the inverse element; shape
    (n_views, n, n_outputs). One view, the rows as they are, without
    generators or with ``n_views=0``.
    """
    analysis, space = state.analysis, state.space
    if n_views == 0 or analysis.n_generators == 0:
        return outputs(X_scaled)[None]
    reach = generator_reach(analysis, space, rotation_reach=analysis.generator_strengths)
    group = LieGroup(space.to_model(analysis.discovered_generators) * reach[:, None, None], 1.0)
    action = GroupAction(space.input_rep, state.task.output_rep)
    rng = torch.Generator().manual_seed(int(seed))
    rows = torch.as_tensor(X_scaled)
    views = []
    for _ in range(n_views):
        g = group.sample(len(rows), generator=rng)
        views.append(action.act_outputs(g.inverse(), outputs(action.act(g, rows))))
    return torch.stack(views)


def generator_errors(state, X_scaled, generators, model):
    """Relative invariance errors of data-coordinate ``generators`` for the fitted or reference model."""
    backbone = state.reference if model == "reference" else state.net.module_.backbone
    gram = backbone_gram(backbone, X_scaled, state.space, state.task)
    return relative_invariance_errors(
        gram, state.space.model_basis, state.space.to_model(generators)
    )


def with_score(analysis, score):
    """``analysis`` with its symmetry score."""
    return replace(analysis, symmetry_score=float(score))
