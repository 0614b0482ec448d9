"""The search space of a fit: what moves, which directions are searched, in which coordinates.

Resolved once per fit, from the parameters and the training rows, into one
immutable :class:`SearchSpace`. Generators are searched in *model*
coordinates (the rows after :class:`~symlearn._scaling.RepStandardizer`)
and reported in the user's *data* coordinates; the two conversions live
here and nowhere else.
"""

import math
from dataclasses import dataclass
from functools import cached_property
from numbers import Integral

import numpy as np
from sklearn.utils import check_scalar

from ._config import Fields, check_array
from ._scaling import RepStandardizer
from .groups import default_reach
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
)
from .reps import Image, Vectors
from .reps._image import has_image

__all__ = ["CandidateSet", "SearchSpace", "resolve_search_space", "to_float32"]

#: ``symmetry_tolerance="auto"``: the tolerance for smooth (vector, tensor,
#: point) features, and for images. On pixel grids the bilinear resampling
#: sets a floor under the first-order error that no model gets below: on
#: 12x12 rotated digits a CNN trained with the exact rotation augmentation
#: measures 0.54-0.68 along the rotation, and 1.7-2.3 along the most exact
#: other planar motion (benchmarks/bench_images.py, seeds 0-2).
DEFAULT_TOLERANCE = 0.6
IMAGE_TOLERANCE = 1.0

#: Bounds on what a description of candidates may hold.
MAX_CANDIDATES = 1000
MAX_NAME = 200


@dataclass(frozen=True, eq=False)
class CandidateSet:
    """Candidate symmetries: names, generators in both coordinates, reaches.

    Attributes
    ----------
    names : tuple of str
    generators : tuple of ndarray of shape (k_j, d, d)
        Unit-norm generators in data coordinates (``candidate_generators_``).
    model_generators : tuple of ndarray of shape (k_j, d, d)
        The same in model coordinates, unit norm.
    reaches : tuple of float
        How far each candidate's group is sampled.
    """

    names: tuple
    generators: tuple
    model_generators: tuple
    reaches: tuple

    @cached_property
    def spans(self):
        """Orthonormal basis of each candidate's span, model coordinates."""
        return [orthonormal_span(stack) for stack in self.model_generators]

    def to_config(self):
        return {
            "names": list(self.names),
            "generators": list(self.generators),
            "model_generators": list(self.model_generators),
            "reaches": list(self.reaches),
        }

    @classmethod
    def from_config(cls, config, dim, path="candidates", reader=None):
        keys = ("names", "generators", "model_generators", "reaches")
        fields = Fields(config, path, required=keys, reader=reader)
        names = fields.items("names", MAX_CANDIDATES)
        if not names or not all(
            isinstance(n, str) and len(n) <= MAX_NAME and n.isprintable() for n in names
        ):
            raise fields.error(
                "names",
                f"must be 1 to {MAX_CANDIDATES} names of at most {MAX_NAME} characters.",
            )
        stacks = {}
        for key in ("generators", "model_generators"):
            items = fields.items(key, len(names))
            if len(items) != len(names):
                raise fields.error(key, f"must hold one stack per candidate ({len(names)}).")
            where = fields.where(key)
            stacks[key] = tuple(
                check_array(
                    fields.decode(stack, f"{where}.{j}"),
                    f"{where}.{j}",
                    (None, dim, dim),
                )
                for j, stack in enumerate(items)
            )
        if [len(s) for s in stacks["generators"]] != [len(s) for s in stacks["model_generators"]]:
            raise fields.error("model_generators", "must match generators stack by stack.")
        reaches = fields.items("reaches", len(names))
        if len(reaches) != len(names) or not all(
            isinstance(r, (int, float)) and not isinstance(r, bool) and 0 < r < math.inf
            for r in reaches
        ):
            raise fields.error("reaches", "must be one positive finite number per candidate.")
        return cls(
            tuple(names),
            stacks["generators"],
            stacks["model_generators"],
            tuple(reaches),
        )


@dataclass(frozen=True, eq=False)
class SearchSpace:
    """Everything a fit searches, in model and data coordinates.

    Attributes
    ----------
    input_rep : symlearn.reps.Rep
        How a group element acts on a row of ``X``.
    scaler : RepStandardizer
        The fitted change of coordinates, data -> model.
    basis : ndarray of shape (m, d, d)
        Orthonormal basis of the searched directions, data coordinates
        (``generator_space_``).
    model_basis : ndarray of shape (m, d, d)
        Orthonormal basis of the same span in model coordinates.
    tolerance : float
        ``symmetry_tolerance_``.
    candidates : CandidateSet or None
    variances : ndarray of shape (n_features,)
        Each feature's variance over the training rows, model coordinates:
        the metric in which displacements are measured.
    n_items : int or None
        Items a named permutation group exchanges (their scalars share one
        scale); ``None`` otherwise.
    """

    input_rep: object
    scaler: RepStandardizer
    basis: np.ndarray
    model_basis: np.ndarray
    tolerance: float
    variances: np.ndarray
    candidates: CandidateSet | None = None
    n_items: int | None = None

    @property
    def readable_coordinates(self):
        """The basis whose directions read as named motions (images), or None: matrix entries."""
        return planar_motions() if has_image(self.input_rep) else None

    def sparse_basis(self, generators):
        """A readable basis of a span: sparse in :attr:`readable_coordinates`."""
        return sparse_basis(generators, coordinates=self.readable_coordinates)

    def to_model(self, generators):
        """Generators in data coordinates -> unit-norm generators in model coordinates."""
        return normalize_generators(self.scaler.to_model_generators(generators))

    def to_data(self, generators):
        """Generators in model coordinates -> unit-norm generators in data coordinates."""
        return normalize_generators(self.scaler.to_data_generators(generators))

    def to_data_basis(self, generators):
        """A model-coordinate orthonormal basis -> a readable one in data coordinates."""
        if len(generators) == 0 or not self.input_rep.affine:
            return generators
        return self.sparse_basis(self.scaler.to_data_generators(generators))

    def scale(self, X):
        """Rows of ``X`` (data coordinates) as float32 model inputs."""
        return to_float32(self.scaler.transform(X))

    def to_config(self):
        return {
            "scaler": self.scaler.to_config(),
            "basis": self.basis,
            "model_basis": self.model_basis,
            "tolerance": self.tolerance,
            "variances": self.variances,
            "candidates": None if self.candidates is None else self.candidates.to_config(),
            "n_items": self.n_items,
        }

    @classmethod
    def from_config(cls, config, path="space", reader=None):
        """The space a :meth:`to_config` description holds, every field checked."""
        keys = (
            "scaler",
            "basis",
            "model_basis",
            "tolerance",
            "variances",
            "candidates",
            "n_items",
        )
        fields = Fields(config, path, required=keys, reader=reader)
        scaler = RepStandardizer.from_config(fields.raw("scaler"), fields.where("scaler"), reader)
        rep = scaler.rep
        d = rep.dim
        if d is None:
            raise fields.error("scaler", "its representation has no part that moves.")
        basis = fields.array("basis", (None, d, d))
        if not 1 <= len(basis) <= d * d:
            raise fields.error("basis", f"must hold 1 to {d * d} directions; got {len(basis)}.")
        variances = fields.array("variances", (rep.size,))
        if np.any(variances < 0):
            raise fields.error("variances", "must not be negative.")
        candidates = None
        if fields.has("candidates"):
            candidates = CandidateSet.from_config(
                fields.raw("candidates"), d, fields.where("candidates"), reader
            )
        return cls(
            input_rep=rep,
            scaler=scaler,
            basis=basis,
            model_basis=fields.array("model_basis", basis.shape),
            tolerance=fields.number("tolerance", low=0),
            variances=variances,
            candidates=candidates,
            n_items=fields.optional("n_items", fields.integer, 1, rep.size),
        )


def to_float32(scaled):
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


# -- resolving the parameters ------------------------------------------------------------


def resolve_input_rep(input_rep, n_features):
    """``input_rep`` (or one vector of all features) checked against ``X``."""
    rep = Vectors(1, n_features) if input_rep is None else input_rep
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


def full_space(rep):
    """Basis of every direction a generator can take for ``rep``."""
    if has_image(rep):
        return planar_motions()
    return aff_basis(rep.dim - 1) if rep.affine else gl_basis(rep.dim)


def resolve_tolerance(symmetry_tolerance, rep):
    if symmetry_tolerance != "auto":
        return float(symmetry_tolerance)
    return IMAGE_TOLERANCE if has_image(rep) else DEFAULT_TOLERANCE


def resolve_candidates(spec, rep, *, n_generators, generator_space):
    """Names and generator stacks (data coordinates) of the candidate symmetries."""
    if isinstance(spec, str) or (isinstance(spec, np.ndarray) and spec.ndim <= 3):
        spec = [spec]
    items = list(spec.items()) if isinstance(spec, dict) else [(None, c) for c in spec]
    if not items:
        raise ValueError("candidate_generators is empty; give at least one candidate.")
    if n_generators != "auto" or generator_space is not None:
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


def resolve_search_basis(generator_space, rep, n_generators):
    """Orthonormal basis (m, d, d) of the searched space, in data coordinates."""
    if generator_space is None:
        basis = full_space(rep)
    else:
        space = np.asarray(generator_space, dtype=float)
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
    if n_generators == "auto":
        return basis
    check_scalar(n_generators, "n_generators", Integral, min_val=1)
    if n_generators > len(basis):
        raise ValueError(
            f"n_generators={n_generators} exceeds the dimension of the search "
            f"space ({len(basis)}: every direction for {rep!r} unless generator_space "
            f"restricts it); at most {len(basis)} generators can be linearly "
            f'independent. Use n_generators="auto" to let the data decide.'
        )
    return basis


def resolve_search_space(params, rep, X_train, n_items=None):
    """The :class:`SearchSpace` of a fit.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    rep : symlearn.reps.Rep
        The input representation (see :func:`resolve_input_rep`).
    X_train : ndarray of shape (n_train, n_features)
        The rows the change of coordinates is fitted on.
    n_items : int or None
        Items of a named permutation group (their scalars share one scale).
    """
    candidates = None
    if params["candidate_generators"] is None:
        basis = resolve_search_basis(params["generator_space"], rep, params["n_generators"])
    else:
        names, stacks = resolve_candidates(
            params["candidate_generators"],
            rep,
            n_generators=params["n_generators"],
            generator_space=params["generator_space"],
        )
        basis = orthonormal_span(np.concatenate(stacks))
    scaler = RepStandardizer(rep, n_items).fit(X_train)
    if params["candidate_generators"] is not None:
        candidates = CandidateSet(
            names=tuple(names),
            generators=tuple(normalize_generators(stack) for stack in stacks),
            model_generators=tuple(
                normalize_generators(scaler.to_model_generators(stack)) for stack in stacks
            ),
            reaches=tuple(
                default_reach(identify_algebra(stack, affine=rep.affine).compact)
                for stack in stacks
            ),
        )
    return SearchSpace(
        input_rep=rep,
        scaler=scaler,
        basis=basis,
        model_basis=orthonormal_span(scaler.to_model_generators(basis)),
        tolerance=resolve_tolerance(params["symmetry_tolerance"], rep),
        variances=metric_variances(rep, scaler.transform(X_train)),
        candidates=candidates,
        n_items=n_items,
    )


def metric_variances(rep, X):
    """Per-feature variances that displacements are measured in, model coordinates.

    Each feature's own variance, except in an ``Image`` part, where every
    pixel of a channel shares the channel's mean variance: pixel values are
    in one unit, and a pixel that is rarely inked must neither make a small
    motion look large nor, when always blank, make a motion invisible
    (measured on rotated digits: per-pixel variances let every planar motion
    pass as exact, and gave stretches a reach of 0.01).
    """
    variances = np.asarray(X, dtype=float).var(axis=0)
    for where, part in rep.feature_slices():
        if isinstance(part, Image):
            block = variances[where].reshape(part.channels, -1)
            variances[where] = np.repeat(block.mean(axis=1), block.shape[1])
    return variances
