"""Discrete symmetries as values: what a fit found, the finite group they generate, its average.

A :class:`DiscreteSymmetry` is one finite symmetry a fit found (a turn by
``2 pi / n`` in a plane, a mirror, the point reflection, or the exchange of
a class of items), given by the elements that generate it. Every element is
an affine map of a row in the user's coordinates, ``x -> A x + b``, and a
linear map ``B`` of the model's outputs (the identity for an invariant
target): one group action, whatever the kind. :func:`finite_group` closes a
set of them under composition, and :func:`group_average` predicts as the
mean over that group, which makes the predictions exactly invariant
(equivariant) at one forward pass per element.

The search that finds them is :mod:`symlearn._discrete_search`.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from ._config import Fields

__all__ = [
    "DISCRETE_KINDS",
    "MAX_GROUP_ORDER",
    "DiscreteSymmetry",
    "averaged_outputs",
    "closure",
    "contains",
    "finite_group",
    "group_average",
    "to_data_map",
    "to_model_map",
    "with_model_maps",
]

#: The kinds of discrete symmetry a fit searches.
DISCRETE_KINDS = ("rotation", "reflection", "point_reflection", "permutation")

#: A finite group with more elements than this is not averaged over (a
#: prediction would cost as many forward passes); it is still reported.
MAX_GROUP_ORDER = 1024

#: Group elements whose entries agree to this precision (model coordinates)
#: are the same element.
SAME_ELEMENT = 1e-6


@dataclass(frozen=True, eq=False)
class DiscreteSymmetry:
    """One finite symmetry found by a fit, and the held-out evidence for it.

    The items of ``discrete_symmetries_`` (see the user guide's section on
    discrete symmetries); not built by hand.

    Attributes
    ----------
    kind : {"rotation", "reflection", "point_reflection", "permutation"}
    description : str
        What it is, in words (``"C7: turn by 51.43 degrees in the plane of
        x0 and x1"``).
    group_order : int
        How many elements the group it generates has (``n`` for ``C_n``, 2
        for a mirror, ``k!`` for the exchange of ``k`` items).
    matrices : ndarray of shape (g, n_features, n_features)
        The linear parts ``A`` of the elements that generate it, acting on a
        row of ``X`` in the user's units: ``x -> A x + b``.
    offsets : ndarray of shape (g, n_features)
        Their translations ``b`` (non-zero only for turns and mirrors of
        points, which act about the points' centroid).
    output_matrices : ndarray of shape (g, n_outputs, n_outputs) or None
        How each element acts on the outputs of an equivariant target
        (model units); ``None``: the target is invariant.
    angle : float or None
        For a rotation, the turn measured on the held-out rows (degrees):
        where the loss along the orbit is lowest near ``360 / n``.
    items : tuple of int or None
        For a permutation, the items (vectors, points or features) that
        can be exchanged, 0-based within ``part``.
    part : int or None
        For a permutation, the index of the representation's part whose
        items they are.
    loss_before, loss_after : float
        Held-out task loss (model units) of the reference model on the rows
        as they are, and on the rows moved by the group's elements (outputs
        moved back), averaged over the elements tested: every turn of a
        ``C_n``, every transposition of an exchangeable class, the mirror.
    loss_bound : float
        Upper 95% confidence bound on that average's increase.
    loss_allowed : float
        The increase a symmetry may show (see ``symlearn._confirmation``).
    """

    kind: str
    description: str
    group_order: int
    matrices: np.ndarray
    offsets: np.ndarray
    output_matrices: np.ndarray | None
    loss_before: float
    loss_after: float
    loss_bound: float
    loss_allowed: float
    angle: float | None = None
    items: tuple | None = None
    part: int | None = None
    model_maps: tuple = field(default=(), repr=False)

    def __repr__(self):
        return f"DiscreteSymmetry({self.description!r})"

    def summary(self):
        """A JSON-ready description, for reports (see ``symmetry_summary``)."""
        return {
            "kind": self.kind,
            "description": self.description,
            "group_order": int(self.group_order),
            "matrices": np.asarray(self.matrices).tolist(),
            "offsets": np.asarray(self.offsets).tolist(),
            "angle": self.angle,
            "items": None if self.items is None else list(self.items),
            "part": self.part,
            "loss_before": self.loss_before,
            "loss_after": self.loss_after,
            "loss_bound": self.loss_bound,
            "loss_allowed": self.loss_allowed,
        }

    def to_config(self):
        """The symmetry as plain data, for a model file (read back by ``from_config``)."""
        config = self.summary()
        config["matrices"] = np.asarray(self.matrices, dtype=float)
        config["offsets"] = np.asarray(self.offsets, dtype=float)
        config["output_matrices"] = self.output_matrices
        config["items"] = None if self.items is None else [int(i) for i in self.items]
        return config

    @classmethod
    def from_config(cls, config, scaler, path, reader=None):
        """The symmetry a ``to_config()`` description holds, every field checked."""
        keys = (
            "kind",
            "description",
            "group_order",
            "matrices",
            "offsets",
            "output_matrices",
            "angle",
            "items",
            "part",
            "loss_before",
            "loss_after",
            "loss_bound",
            "loss_allowed",
        )
        fields = Fields(config, path, required=keys, reader=reader)
        D = len(scaler.scale_)
        matrices = fields.array("matrices", (None, D, D))
        if not 1 <= len(matrices) <= 2:
            raise fields.error("matrices", "must hold 1 or 2 generating elements.")
        g = len(matrices)
        offsets = fields.array("offsets", (g, D))
        outputs = None
        if fields.has("output_matrices"):
            outputs = fields.array("output_matrices", (g, None, None))
            if outputs.shape[1] != outputs.shape[2]:
                raise fields.error("output_matrices", "must hold square matrices.")
        items = None
        if fields.has("items"):
            items = tuple(fields.items("items", D))
            if not all(isinstance(i, int) and 0 <= i < D for i in items):
                raise fields.error("items", f"must be integers from 0 to {D - 1}.")
        # A part of the representation: the exact model of a discovered group
        # looks it up when it is rebuilt.
        part = fields.optional("part", fields.integer, 0, len(scaler.rep.feature_slices()) - 1)
        symmetry = cls(
            kind=fields.string("kind", choices=set(DISCRETE_KINDS)),
            description=fields.string("description", max_length=500),
            group_order=fields.integer("group_order", 2, 10**9),
            matrices=matrices,
            offsets=offsets,
            output_matrices=outputs,
            angle=fields.optional("angle", fields.number, 0, 360),
            items=items,
            part=part,
            loss_before=fields.number("loss_before"),
            loss_after=fields.number("loss_after"),
            loss_bound=fields.number("loss_bound"),
            loss_allowed=fields.number("loss_allowed", low=0),
        )
        return with_model_maps(symmetry, scaler)


def to_model_map(A, b, scaler):
    """The data-coordinate map ``x -> A x + b`` in model coordinates: ``(A_m, b_m)``.

    Model coordinates are ``(x - offset) / scale`` per feature
    (:class:`~symlearn._scaling.RepStandardizer`).
    """
    s, mu = np.asarray(scaler.scale_, dtype=float), np.asarray(scaler.offset_, dtype=float)
    A_m = A * s[None, :] / s[:, None]
    b_m = (A @ mu + b - mu) / s
    return A_m, b_m


def to_data_map(A_m, b_m, scaler):
    """Inverse of :func:`to_model_map`: ``(A, b)`` in data coordinates."""
    s, mu = np.asarray(scaler.scale_, dtype=float), np.asarray(scaler.offset_, dtype=float)
    A = A_m * s[:, None] / s[None, :]
    b = s * b_m + mu - A @ mu
    return A, b


def with_model_maps(symmetry, scaler):
    """``symmetry`` with its generating elements in model coordinates, for the group's closure."""
    maps = []
    for index, (A, b) in enumerate(zip(symmetry.matrices, symmetry.offsets)):
        A_m, b_m = to_model_map(A, b, scaler)
        B = None if symmetry.output_matrices is None else symmetry.output_matrices[index]
        maps.append((A_m, b_m, B))
    return DiscreteSymmetry(**{**vars(symmetry), "model_maps": tuple(maps)})


def _homogeneous(A, b):
    H = np.eye(len(A) + 1)
    H[:-1, :-1], H[:-1, -1] = A, b
    return H


def finite_group(symmetries, n_outputs, max_order=MAX_GROUP_ORDER):
    """All elements of the group the ``symmetries`` generate, in model coordinates.

    Returns a list of ``(A_m, b_m, B)`` (the identity first; ``B`` is the
    output map, the identity for an invariant target), or ``None`` when the
    group has more than ``max_order`` elements (or is not finite: mirrors
    whose normals meet at an irrational angle).
    """
    generators = [
        (_homogeneous(A, b), np.eye(n_outputs) if B is None else np.asarray(B, dtype=float))
        for symmetry in symmetries
        for A, b, B in symmetry.model_maps
    ]
    if not generators:
        raise ValueError("finite_group needs at least one symmetry.")
    group = closure(generators, max_order)
    if group is None:
        return None
    return [(H[:-1, :-1], H[:-1, -1], B) for H, B in group]


def closure(generators, max_order):
    """Every product of the ``generators``, or None beyond ``max_order`` elements.

    Each generator is a tuple of square matrices multiplied componentwise
    (an action on rows and one on outputs); the identity comes first.
    """
    identity = tuple(np.eye(len(m)) for m in generators[0])
    # Elements keyed by their rounded entries: products of exact generators
    # agree to float precision, far finer than the rounding.
    elements = {_key(identity): identity}
    frontier = [identity]
    while frontier:
        grown = []
        for h in frontier:
            for g in generators:
                candidate = tuple(a @ b for a, b in zip(g, h))
                key = _key(candidate)
                if key in elements:
                    continue
                elements[key] = candidate
                grown.append(candidate)
                if len(elements) > max_order:
                    return None
        frontier = grown
    return list(elements.values())


def _key(element):
    digits = -int(np.log10(SAME_ELEMENT))
    # + 0.0 turns -0.0 into 0.0, which has other bytes.
    return b"".join((np.round(m, digits) + 0.0).tobytes() for m in element)


def contains(group, A_m, b_m, tolerance=0.05):
    """Whether the model-coordinate map ``(A_m, b_m)`` is (nearly) an element of ``group``."""
    return any(
        np.max(np.abs(A - A_m)) <= tolerance and np.max(np.abs(b - b_m), initial=0.0) <= tolerance
        for A, b, _ in group
    )


def averaged_outputs(outputs, symmetries, n_outputs, rows):
    """``outputs(rows)`` averaged over the finite group ``symmetries`` generate.

    As they are when nothing was found, or (with a warning) when the group
    has more than ``MAX_GROUP_ORDER`` elements.
    """
    if not symmetries:
        return outputs(rows)
    group = finite_group(symmetries, n_outputs)
    if group is None:
        warnings.warn(
            f"The discrete symmetries found generate more than {MAX_GROUP_ORDER} elements; "
            "the predictions are not averaged over them.",
            UserWarning,
            stacklevel=5,
        )
        return outputs(rows)
    return group_average(outputs, group, torch.as_tensor(rows))


def group_average(outputs, group, rows):
    """The mean over ``group`` of ``B^-1 outputs(A x + b)`` for rows ``x`` (model coordinates).

    ``outputs`` maps a float tensor of rows to a float64 tensor of outputs;
    the mean over a whole finite group is exactly invariant (equivariant):
    moving ``x`` by an element permutes the terms of the sum.
    """
    rows = torch.as_tensor(rows)
    total = None
    for A, b, B in group:
        A_t = torch.as_tensor(A, dtype=rows.dtype)
        b_t = torch.as_tensor(b, dtype=rows.dtype)
        moved = outputs(rows @ A_t.T + b_t)
        back = torch.as_tensor(np.linalg.inv(B), dtype=moved.dtype)
        term = moved @ back.T
        total = term if total is None else total + term
    return total / len(group)
