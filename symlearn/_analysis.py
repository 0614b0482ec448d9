"""What a fit found, as one value: the discovered generators, their evidence, the verdict, the score.

:func:`analyze_symmetry` turns the reference model's evidence and the
verdict into a :class:`SymmetryAnalysis`, which ``fit`` commits with
everything else. The functions that score the fitted model
(:func:`symmetry_score`), move its inputs for test-time augmentation and
rate candidates are shared with the estimators' public methods.
"""

import itertools
from dataclasses import dataclass, fields, replace
from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_scalar

from ._config import Fields
from ._discrete import DiscreteSymmetry
from ._evidence import rate_directions
from ._reach import orbit_reaches
from .groups import GroupAction, LieGroup
from .lie import AlgebraIdentity, identify_algebra, structure_constants
from .metrics import invariance_score
from .symmetrize import Symmetrized

__all__ = [
    "VERDICTS",
    "SymmetryAnalysis",
    "analyze_symmetry",
    "augmented_outputs",
    "module_outputs",
    "rate_candidates",
    "readable_generators",
    "symmetry_score",
    "with_discrete",
    "with_score",
]

#: At most this many discrete symmetries are read from a file.
MAX_DISCRETE = 256

#: The verdicts a fit can reach.
VERDICTS = ("symmetric", "none", "inconclusive")


@dataclass(frozen=True, eq=False)
class SymmetryAnalysis:
    """The symmetry a fit found; each field is the estimator attribute of the same name + ``_``.

    ``verdict`` and ``verdict_reason`` are ``symmetry_verdict_`` and
    ``symmetry_verdict_reason_``.
    """

    symmetry_spectrum: np.ndarray
    symmetry_floor: np.ndarray
    symmetry_directions: np.ndarray
    discovered_generators: np.ndarray
    generator_accepted: np.ndarray
    generator_errors: np.ndarray
    generator_error_intervals: np.ndarray
    generator_strengths: np.ndarray
    structure_constants: np.ndarray
    closure_error: float
    algebra: object
    verdict: str
    verdict_reason: str
    reference_score: float
    symmetry_score: float = 0.0
    candidate_weights: np.ndarray | None = None
    candidate_errors: np.ndarray | None = None
    discrete_symmetries: tuple = ()

    @property
    def n_generators(self):
        return len(self.discovered_generators)

    @property
    def accepted_generators(self):
        """The discovered generators the verdict accepted as exact symmetries."""
        return self.discovered_generators[self.generator_accepted]

    def attributes(self):
        """The fitted attributes of the estimator, by name."""
        renamed = {
            "verdict": "symmetry_verdict",
            "verdict_reason": "symmetry_verdict_reason",
        }
        attributes = {
            f"{renamed.get(field.name, field.name)}_": getattr(self, field.name)
            for field in fields(self)
            if not field.name.startswith("candidate_")
        }
        attributes["discrete_symmetries_"] = list(self.discrete_symmetries)
        attributes["n_generators_"] = self.n_generators
        if self.candidate_weights is not None:
            attributes["candidate_weights_"] = self.candidate_weights
            attributes["candidate_errors_"] = self.candidate_errors
        return attributes

    def to_config(self):
        config = {field.name: getattr(self, field.name) for field in fields(self)}
        config["algebra"] = self.algebra.to_config()
        config["discrete_symmetries"] = [s.to_config() for s in self.discrete_symmetries]
        return config

    @classmethod
    def from_config(cls, config, space, path="analysis", reader=None):
        """The analysis a :meth:`to_config` description holds, checked against ``space``."""
        # Files written before discrete symmetries were searched have none.
        keys = [field.name for field in fields(cls) if field.name != "discrete_symmetries"]
        described = Fields(
            config, path, required=keys, optional=["discrete_symmetries"], reader=reader
        )
        d, m = space.input_rep.dim, len(space.basis)
        discovered = described.array("discovered_generators", (None, d, d))
        k = len(discovered)
        if k > m:
            raise described.error("discovered_generators", f"must hold at most {m} generators.")
        algebra = AlgebraIdentity.from_config(
            described.raw("algebra"), d, described.where("algebra"), reader
        )
        if algebra.dimension != k:
            raise described.error("algebra", f"must have dimension {k}.")
        spectrum = described.array("symmetry_spectrum", (None,))
        if len(spectrum) > m:
            raise described.error("symmetry_spectrum", f"must hold at most {m} directions.")
        J = None if space.candidates is None else len(space.candidates.names)
        candidate = {
            key: (None if J is None else described.array(key, (J,)))
            for key in ("candidate_weights", "candidate_errors")
        }
        if J is None and (described.has("candidate_weights") or described.has("candidate_errors")):
            raise described.error("candidate_weights", "must be null without candidates.")
        return cls(
            symmetry_spectrum=spectrum,
            symmetry_floor=described.array("symmetry_floor", spectrum.shape),
            symmetry_directions=described.array("symmetry_directions", (len(spectrum), d, d)),
            discovered_generators=discovered,
            generator_accepted=described.array("generator_accepted", (k,), kinds="b"),
            generator_errors=described.array("generator_errors", (k,)),
            generator_error_intervals=described.array("generator_error_intervals", (k, 2)),
            generator_strengths=described.array("generator_strengths", (k,)),
            structure_constants=described.array("structure_constants", (k, k, k)),
            closure_error=described.number("closure_error", low=0),
            algebra=algebra,
            verdict=described.string("verdict", choices=set(VERDICTS)),
            verdict_reason=described.string("verdict_reason", max_length=2000),
            reference_score=described.number("reference_score", low=-1e12, high=1),
            symmetry_score=described.number("symmetry_score", low=0, high=1),
            **candidate,
            discrete_symmetries=_read_discrete(described, space, reader),
        )


def _read_discrete(described, space, reader):
    """The discrete symmetries of a description (none in files that predate them)."""
    if not described.has("discrete_symmetries"):
        return ()
    where = described.where("discrete_symmetries")
    return tuple(
        DiscreteSymmetry.from_config(item, space.scaler, f"{where}[{index}]", reader)
        for index, item in enumerate(described.items("discrete_symmetries", MAX_DISCRETE))
    )


def readable_generators(directions, space):
    """A readable basis, in data coordinates, of the span of ``directions`` (model coordinates)."""
    if len(directions) == 0:
        return np.zeros((0, *space.basis.shape[1:]))
    return space.to_data_basis(space.sparse_basis(directions))


def rate_candidates(module, X_scaled, *, space, task):
    """Root-mean-square normalized error of each candidate's span for the backbone of ``module``."""
    spans = space.candidates.spans
    errors, _, _ = rate_directions(module.backbone, X_scaled, space, task, np.concatenate(spans))
    bounds = np.cumsum([0, *map(len, spans)])
    return np.array([np.sqrt(np.mean(errors[a:b] ** 2)) for a, b in itertools.pairwise(bounds)])


def module_outputs(net, n_group_samples_test, X_scaled):
    """The net's outputs for rows in model coordinates, as a float64 CPU tensor."""
    backbone = net.module_.backbone
    if isinstance(backbone, Symmetrized):
        # A prediction-time option: set_params takes effect without a refit.
        check_scalar(n_group_samples_test, "n_group_samples_test", Integral, min_val=1)
        backbone.n_samples_eval = n_group_samples_test
    return net.forward(torch.as_tensor(X_scaled)).double()


def analyze_symmetry(
    evidence, verdict, reference, X_held, X_train, space, task, *, module=None, accepted=None
):
    """The :class:`SymmetryAnalysis` of a fit (without its score).

    Parameters
    ----------
    evidence : Evidence
        The reference model's evidence over the search space.
    verdict : Verdict
        What it says; its reported directions become the discovered generators.
    reference : torch.nn.Module
        The reference backbone, which rates the discovered generators.
    X_held, X_train : ndarray
        Held-out rows (the generators are rated on them) and training rows
        (which fix the reach of non-compact generators), model coordinates.
    space, task
        As for :func:`~symlearn._evidence.measure_evidence`.
    module : SymmetryModule, default=None
        The trained module: its candidate weights, in candidate mode.
    accepted : ndarray of shape (len(verdict.accepted), d, d), default=None
        The exact generators (data coordinates) the accepted directions
        approximate (see :func:`~symlearn.lie.exact_generators`), reported
        in their place; ``None`` reports their readable basis as measured.
    """
    # The accepted directions first, then (with n_generators forced) the
    # other reported ones, each span in its own readable basis.
    if accepted is None:
        accepted = readable_generators(evidence.directions[verdict.accepted], space)
    others = np.setdiff1d(verdict.reported, verdict.accepted)
    rejected = readable_generators(evidence.directions[others], space)
    blocks = []
    for block in (accepted, rejected):
        in_model = space.to_model(block)
        errors, intervals = np.zeros(0), np.zeros((0, 2))
        if len(block):
            errors, intervals, _ = rate_directions(reference, X_held, space, task, in_model)
        order = np.argsort(errors, kind="stable")
        blocks.append((block[order], in_model[order], errors[order], intervals[order]))
    generators, in_model, errors, intervals = (np.concatenate(parts) for parts in zip(*blocks))
    k = len(generators)
    reaches = (
        orbit_reaches(in_model, X_train, space.input_rep, space.variances) if k else np.zeros(0)
    )
    constants, closure = structure_constants(generators)
    candidate_weights = candidate_errors = None
    if space.candidates is not None:
        candidate_weights = module.augmentation.weights.cpu().double().numpy()
        candidate_errors = rate_candidates(module, X_held, space=space, task=task)
    return SymmetryAnalysis(
        symmetry_spectrum=evidence.errors,
        symmetry_floor=evidence.floors,
        symmetry_directions=space.to_data(evidence.directions),
        discovered_generators=generators,
        generator_accepted=np.arange(k) < len(accepted),
        generator_errors=errors,
        generator_error_intervals=intervals,
        generator_strengths=reaches,
        structure_constants=constants,
        closure_error=closure,
        algebra=identify_algebra(generators, affine=space.input_rep.affine),
        verdict=verdict.name,
        verdict_reason=verdict.reason,
        reference_score=evidence.reference_score,
        candidate_weights=candidate_weights,
        candidate_errors=candidate_errors,
    )


def symmetry_score(outputs, X_scaled, analysis, space, task, reach, n_transforms, random_state):
    """``symmetry_score`` of a model whose outputs on model-coordinate rows are ``outputs(X)``.

    The group is the one the accepted generators generate; ``reach``: one per
    discovered generator (or one for all). 0.0 when no generator was
    accepted: the model shows no symmetry to score.
    """
    accepted = analysis.generator_accepted
    if not accepted.any():
        return 0.0
    # Scaling each unit generator by its reach and sampling with reach 1
    # gives every generator its own range.
    reach = np.broadcast_to(np.asarray(reach, dtype=float), (analysis.n_generators,))[accepted]
    return invariance_score(
        outputs,
        X_scaled,
        space.to_model(analysis.accepted_generators) * reach[:, None, None],
        space.input_rep,
        output_rep=task.output_rep,
        discrepancy=task.discrepancy,
        reach=1.0,
        n_transforms=n_transforms,
        random_state=random_state,
    )


def augmented_outputs(state, outputs, X_scaled, n_views, seed):
    """Outputs of ``n_views`` moved copies of the rows, moved back (test-time augmentation).

    Each row is moved by random elements of the discovered group (the
    accepted generators), as far as each generator's reach
    (``generator_strengths_``), and each output moved
    back by the inverse element; shape (n_views, n, n_outputs). One view,
    the rows as they are, without generators or with ``n_views=0``.
    """
    analysis, space = state.analysis, state.space
    if n_views == 0 or not analysis.generator_accepted.any():
        return outputs(X_scaled)[None]
    reach = analysis.generator_strengths[analysis.generator_accepted]
    group = LieGroup(space.to_model(analysis.accepted_generators) * reach[:, None, None], 1.0)
    action = GroupAction(space.input_rep, state.task.output_rep)
    rng = torch.Generator().manual_seed(int(seed))
    rows = torch.as_tensor(X_scaled)
    views = []
    for _ in range(n_views):
        g = group.sample(len(rows), generator=rng)
        views.append(action.act_outputs(g.inverse(), outputs(action.act(g, rows))))
    return torch.stack(views)


def with_discrete(analysis, discrete):
    """``analysis`` with the discrete symmetries found, named in the verdict's reason."""
    if not discrete:
        return analysis
    found = "; ".join(symmetry.description for symmetry in discrete)
    reason = (
        f"{analysis.verdict_reason} Discrete symmetries (each confirmed on the held-out "
        f"rows): {found}."
    )
    return replace(analysis, discrete_symmetries=tuple(discrete), verdict_reason=reason)


def with_score(analysis, score):
    """``analysis`` with its symmetry score."""
    return replace(analysis, symmetry_score=float(score))
