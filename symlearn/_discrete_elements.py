"""Group elements the discrete search tries: turns, mirrors and exchanges as matrices.

Turns and mirrors act on the vectors' axes through the representation
(:func:`full_row_map` turns such an element into the matrix acting on a
whole row); exchanges permute items of the user's features. Normals of
learned mirrors are snapped to axes and diagonals, and
:func:`reachable` tells whether a matrix lies in the connected group of
given generators.
"""

import math

import numpy as np
import torch

from .lie import invariant_forms
from .reps import Points, Scalars, Vectors

__all__ = [
    "embedded",
    "full_row_map",
    "item_classes",
    "mirror",
    "nearest_simple",
    "output_map",
    "permutation",
    "plane_turn",
    "preserved_forms",
    "reachable",
    "simpler_normals",
    "snapped",
    "written_normal",
]

#: A learned mirror normal within this many degrees of an axis or a
#: diagonal is snapped to it.
SNAP_DEGREES = 2.0

#: A normal is written out in full up to this many axes; beyond, its largest
#: components by axis (the matrices hold it exactly).
MAX_WRITTEN_AXES = 12

#: At most this many items are tested pairwise for exchange.
MAX_ITEMS = 24


def full_row_map(rep, g):
    """The matrix ``A`` with ``rep.act(g, x) = A x`` on a whole row (model coordinates)."""
    identity = torch.eye(rep.size, dtype=torch.float64)
    return rep.act(torch.as_tensor(g, dtype=torch.float64), identity).numpy().T


def output_map(task, g):
    if task.output_rep is None:
        return None
    return full_row_map(task.output_rep, g)


def embedded(rep, linear):
    """A linear map of the vectors' axes as a group element of ``rep`` (points: about the origin)."""
    g = np.eye(rep.dim)
    k = len(linear)
    g[:k, :k] = linear
    return g


def plane_turn(p, q, angle):
    k = len(p)
    c, s = np.cos(angle), np.sin(angle)
    return (
        np.eye(k)
        + (c - 1) * (np.outer(p, p) + np.outer(q, q))
        + s * (np.outer(q, p) - np.outer(p, q))
    )


def permutation(size, item_slices, mapping):
    """The matrix that moves item ``i`` to where item ``mapping[i]`` was."""
    P = np.eye(size)
    for source, target in mapping.items():
        rows, cols = item_slices[target], item_slices[source]
        P[rows] = 0.0
        P[rows, cols] = 1.0
    return P


def item_classes(rep, features_as_items):
    """For each part whose items may be exchanged: (part index, list of feature index arrays)."""
    if features_as_items:
        return [(0, [np.array([i]) for i in range(rep.size)][:MAX_ITEMS])]
    classes = []
    for index, (where, part) in enumerate(rep.feature_slices()):
        if isinstance(part, (Vectors, Points)) and part.n >= 2:
            width = part.size // part.n
            items = [
                np.arange(where.start + k * width, where.start + (k + 1) * width)
                for k in range(part.n)
            ]
        elif isinstance(part, Scalars) and part.n >= 2:
            items = [np.array([where.start + k]) for k in range(part.n)]
        else:
            continue
        if len(items) <= MAX_ITEMS:
            classes.append((index, items))
    return classes


def nearest_simple(u):
    """The axis or diagonal ``(e_i +- e_j) / sqrt 2`` nearest to the unit vector ``u``."""
    return _simpler_candidates(u)[-1]


def simpler_normals(u):
    """The nearest axis, then the nearest diagonal, of the unit vector ``u``, unless ``u`` is one.

    The diagonal only when it is nearer than the axis.
    """
    return [v for v in _simpler_candidates(u) if not np.allclose(v, u)]


def _simpler_candidates(u):
    """``[axis]`` or ``[axis, diagonal]``: the nearest axis, and the diagonal when nearer.

    The nearest diagonal joins the two largest components (``|u_i| + |u_j|``
    is largest there), so nothing is enumerated: 50 features have 2,500
    diagonals.
    """
    magnitude = np.abs(u)
    order = np.argsort(-magnitude, kind="stable")
    signs = np.where(u >= 0, 1.0, -1.0)
    i = order[0]
    axis = np.zeros(len(u))
    axis[i] = signs[i]
    if len(u) < 2 or (magnitude[i] + magnitude[order[1]]) / np.sqrt(2) <= magnitude[i]:
        return [axis]
    j = order[1]
    diagonal = np.zeros(len(u))
    diagonal[i], diagonal[j] = signs[i] / np.sqrt(2), signs[j] / np.sqrt(2)
    return [axis, diagonal]


def written_normal(u):
    """``u`` as a description writes it: in full up to MAX_WRITTEN_AXES axes, else sparsely.

    A description must stay short (a file accepts 500 characters): a
    mirror of one of 50 features is ``(axis 3: 1)``, not 50 numbers.
    """
    u = np.asarray(u, dtype=float)
    if len(u) <= MAX_WRITTEN_AXES:
        return "(" + ", ".join(f"{value:.3g}" for value in u) + ")"
    largest = np.argsort(-np.abs(u), kind="stable")[:MAX_WRITTEN_AXES]
    shown = sorted(int(i) for i in largest if abs(u[i]) >= 1e-3)
    more = ", ..." if np.sum(np.abs(u) >= 1e-3) > len(shown) else ""
    return "(" + ", ".join(f"axis {i}: {u[i]:.3g}" for i in shown) + more + ")"


def snapped(u):
    """``u`` snapped to the nearest axis or diagonal within SNAP_DEGREES."""
    best = nearest_simple(u)
    return best if best @ u >= np.cos(np.radians(SNAP_DEGREES)) else u


def mirror(u):
    return np.eye(len(u)) - 2 * np.outer(u, u)


#: Every this many steps the search gives up on a distance that stopped falling.
PLATEAU_STEPS = 20

#: A falling start of :func:`reachable` goes on while, at the pace of its last
#: PLATEAU_STEPS steps, it would arrive within this many times the steps left.
ARRIVAL_SLACK = 3

#: Forms the unit generators preserve to this relative residual are preserved
#: by every element of their group (:func:`~symlearn.lie.invariant_forms`).
FORM_RTOL = 1e-6

#: Room for the forms' own residual when a matrix is checked against them.
FORM_SLACK = 1e-4

#: At most this many forms are checked: beyond, as many random combinations
#: of them (so(2) of two features among 50 preserves 1,177 forms).
MAX_CHECKED_FORMS = 8

#: Forms are looked for up to this many axes: their d (d + 1) / 2 unknowns
#: cost d^6 to solve (30 axes: 0.15 s, 50: seconds, more than they save).
MAX_FORM_AXES = 30


def preserved_forms(generators):
    """Symmetric forms (f, d, d) that every generator preserves, at most ``MAX_CHECKED_FORMS``.

    None (f = 0) beyond ``MAX_FORM_AXES`` axes.

    The generators are taken at unit norm, as :func:`reachable` searches
    them: a residual relative to the whole stack would let one generator
    1e7 times larger than another hide a form the small one moves. A
    combination of preserved forms is preserved, and one that a matrix
    moves is moved by almost every random combination of them.
    """
    stack = np.stack(generators).astype(float)
    if stack.shape[-1] > MAX_FORM_AXES:
        return np.zeros((0, *stack.shape[1:]))
    stack = stack / np.maximum(np.linalg.norm(stack, axis=(1, 2)), 1e-300)[:, None, None]
    residuals, forms = invariant_forms(stack)
    forms = forms[residuals <= FORM_RTOL]
    if len(forms) > MAX_CHECKED_FORMS:
        mixing, _ = np.linalg.qr(
            np.random.default_rng(0).standard_normal((len(forms), MAX_CHECKED_FORMS))
        )
        forms = np.einsum("fc,fab->cab", mixing, forms)
    return forms


def _keep_forms(targets, forms, tolerance):
    """Which of ``targets`` (m, d, d) keep every one of ``forms`` as a group element would.

    Every element ``g`` of the connected group preserves the forms, so a
    matrix within ``eps = tolerance sqrt(d)`` of one (what :func:`reachable`
    accepts) moves a form ``Q`` by at most
    ``|M^T Q M - Q| <= |Q|_2 (2 |g|_2 eps + eps^2)``, with
    ``|g|_2 <= |M|_2 + eps``. One that moves a form further is not reached.
    """
    if not len(forms):
        return np.ones(len(targets), dtype=bool)
    eps = tolerance * math.sqrt(targets.shape[-1])
    # Batched products (m, f, d, d): a three-operand einsum loops m f d^4 times.
    T = targets[:, None]
    moved = np.swapaxes(T, -1, -2) @ forms[None] @ T - forms[None]
    change = np.linalg.norm(moved, axis=(2, 3))  # (m, f)
    size = np.linalg.norm(targets, ord=2, axis=(1, 2)) + eps
    bound = np.linalg.norm(forms, ord=2, axis=(1, 2)) * (2 * size[:, None] * eps + eps**2)
    # The forms hold to FORM_RTOL, not exactly: a little room for that.
    return np.all(change <= bound + FORM_SLACK, axis=1)


def reachable(M, generators, starts=8, steps=150, tolerance=1e-2, forms=None):
    """Whether ``M = exp(sum_i c_i L_i)`` for some coefficients ``c`` (searched numerically).

    ``M`` is one matrix (d, d) or several (m, d, d): then whether any of
    them is reached. All starts of all matrices descend together, as one
    batch: the origin and random coefficients of the size of a half turn
    (one search for the 64 elements a found group may hold, instead of one
    each: 90 s of a 10-feature fit went to those). ``det exp(X) =
    exp(tr X) > 0``, so a matrix that reverses orientation (a mirror) is
    refused at once, and so is one that moves a form every generator
    preserves (``forms``: :func:`preserved_forms` of the generators, when
    already at hand).
    """
    M = np.asarray(M, dtype=float)
    targets = M.reshape(-1, *M.shape[-2:])
    targets = targets[np.linalg.det(targets) > 0]
    if not len(targets):
        return False
    if len(generators):
        # When every matrix moves a preserved form, none is reached, and the
        # search is spared (so(10) of a form, 48 turns: 0.57 s to find none).
        # Otherwise all of them are searched together, as without the forms.
        forms = preserved_forms(generators) if forms is None else forms
        if not _keep_forms(targets, forms, tolerance).any():
            return False
    m, d = len(targets), targets.shape[-1]
    L = torch.as_tensor(np.stack(generators), dtype=torch.float64)
    L = L / torch.linalg.matrix_norm(L).clamp_min(1e-12)[:, None, None]
    target = torch.as_tensor(targets).repeat_interleave(starts, dim=0)
    generator = torch.Generator().manual_seed(0)
    c = torch.randn(m * starts, len(L), generator=generator, dtype=torch.float64) * np.pi
    c[::starts] = 0.0
    c.requires_grad_(True)
    optimizer = torch.optim.Adam([c], lr=0.1)
    threshold = (tolerance**2) * d
    earlier = torch.full((m * starts,), math.inf, dtype=torch.float64)
    for step in range(steps):
        optimizer.zero_grad()
        residual = torch.linalg.matrix_exp(torch.einsum("sk,kij->sij", c, L)) - target
        losses = residual.pow(2).sum(dim=(1, 2))
        if bool((losses.detach() < threshold).any()):
            return True
        if step % PLATEAU_STEPS == 0 and step:
            # Reached elements arrive within about 20 steps; the rest level off
            # by then far above the threshold (16 axes, 30 generators: at 5-7
            # against 0.0016), where the last 110 steps cost 3/4 of the time.
            # Each start is judged by its own progress: Adam overshoots, and the
            # start nearest at one check may be farther at the next while
            # another closes in (a half turn of so(3): 0.0077, then 0.0183,
            # while another fell from 1.83 to 0.04 and reached it at step 100).
            # A start still falling must also be able to arrive in the steps left
            # at the pace it keeps (ARRIVAL_SLACK times them): beside 29 generators
            # on 10 axes, starts levelling off towards 0.02-0.05 (the threshold:
            # 0.001) ran almost every step; one search's 15 calls took 3.7 s, 2.1 s.
            now = losses.detach()
            pace = torch.log(now / earlier)  # per check; -inf at the first
            needed = PLATEAU_STEPS * torch.log(threshold / now) / pace
            arriving = (now <= 0.95 * earlier) & (needed <= ARRIVAL_SLACK * (steps - step))
            if not bool(((now <= 10 * threshold) | arriving).any()):
                return False
            earlier = now
        losses.sum().backward()
        optimizer.step()
    return False
