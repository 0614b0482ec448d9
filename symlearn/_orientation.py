"""The discrete part of a group that preserves a form: which reflections its model respects.

A discovered algebra so(p, q) generates the *connected* group, whose
invariant features (:class:`~symlearn.symmetrize.InvariantFeatures`) carry
what reflections change: the determinants of ``r``-tuples (orientation)
and, for one negative sign of the form (so(r-1, 1), the Lorentz algebra),
the time orientations. The form's own reflections ``x -> x - 2 a (a^T B x)
/ (a^T B a)`` generate the rest of the group that preserves it: a mirror of
a space axis (orientation), and for so(r-1, 1) also time reversal (both).
A reflection known to be a symmetry (found on held-out rows) takes away
the features it does not leave invariant.
"""

import numpy as np

from .symmetrize._invariants import _layout

__all__ = ["form_reflections", "kept_orientations", "reflections_beyond", "vector_maps"]

#: Tolerance of the checks that a map preserves the frame and the form.
TOLERANCE = 1e-6


def form_reflections(frame, form):
    """The reflections that, with the connected group, generate all that preserves ``form``.

    Parameters
    ----------
    frame : ndarray of shape (d, d)
        ``[E | C]`` from :func:`~symlearn.symmetrize.invariant_frame`.
    form : ndarray of shape (r, r)
        The preserved form, in the coordinates of ``E``.

    Returns
    -------
    list of (str, ndarray of shape (d, d), ndarray of shape (d,))
        A mirror of one space axis (``"mirror"``, orientation reversing);
        for one negative sign also the reflection of the time axis
        (``"time reversal"``, which swaps the two cones and reverses
        orientation). Each with its map of the vectors' axes (fixing the
        subspace the group fixes) and the unit vector it reverses.
    """
    frame, form = np.asarray(frame, dtype=float), np.asarray(form, dtype=float)
    values, axes = np.linalg.eigh(form)
    # The space axes are those of the majority sign (every axis for a definite form).
    space = axes[:, -1] if np.sum(values > 0) >= np.sum(values < 0) else axes[:, 0]
    reflections = [("mirror", *_reflection(frame, form, space))]
    if np.sum(values < 0) == 1:
        reflections.append(("time reversal", *_reflection(frame, form, axes[:, 0])))
    return reflections


def _reflection(frame, form, axis):
    """``a -> a - 2 axis (axis^T B a) / (axis^T B axis)`` on the moved coordinates.

    Returns its (d, d) map of the vectors' axes and the unit vector it reverses.
    """
    r = len(form)
    local = np.eye(len(frame))
    local[:r, :r] -= 2.0 * np.outer(axis, form @ axis) / (axis @ form @ axis)
    normal = frame[:, :r] @ axis
    return frame @ local @ np.linalg.inv(frame), normal / np.linalg.norm(normal)


def reflections_beyond(frame, form, maps):
    """The form's reflections that take away features the known ``maps`` (d, d) leave.

    Those of :func:`form_reflections`, each kept only when it changes
    :func:`kept_orientations` of the maps and the reflections kept before
    it: beside a found mirror only time reversal is new (so(1,3)), and
    beside a found mirror of a definite form nothing is.
    """
    maps, beyond = list(maps), []
    for reflection in form_reflections(frame, form):
        if kept_orientations(frame, form, [*maps, reflection[1]]) != kept_orientations(
            frame, form, maps
        ):
            beyond.append(reflection)
            maps.append(reflection[1])
    return beyond


def kept_orientations(frame, form, maps):
    """``(oriented, time_oriented)``: what stays invariant under every map in ``maps``.

    ``maps`` are linear maps (d, d) of the vectors' axes known to be
    symmetries. One that keeps the moved and the fixed subspaces apart,
    preserves the form and reverses orientation takes away the
    determinants; one that swaps the two cones of a form with one negative
    sign, the time orientations. Other maps leave both.
    """
    frame, form = np.asarray(frame, dtype=float), np.asarray(form, dtype=float)
    r = len(form)
    values, axes = np.linalg.eigh(form)
    oriented = time_oriented = True
    for g in maps:
        local = np.linalg.solve(frame, np.asarray(g, dtype=float) @ frame)
        moved = local[:r, :r]
        scale = max(np.abs(form).max(), 1e-300)
        apart = np.allclose(local[r:, :r], 0.0, atol=TOLERANCE) and np.allclose(
            local[:r, r:], 0.0, atol=TOLERANCE
        )
        if not apart or not np.allclose(moved.T @ form @ moved, form, atol=TOLERANCE * scale):
            continue
        if np.linalg.det(moved) < 0:
            oriented = False
        if np.sum(values < 0) == 1:
            time = axes[:, 0]
            # Within the cones, t^T B g t < 0 keeps a vector's cone and > 0 swaps it.
            if time @ form @ moved @ time > 0:
                time_oriented = False
    return oriented, time_oriented


def vector_maps(rep, symmetries):
    """The linear maps (d, d) of the vectors' axes by which ``symmetries`` move every vector alike.

    From each generating element's model map of the
    :class:`~symlearn._discrete.DiscreteSymmetry` items; elements that
    exchange items or features, or move features that are not vectors,
    have none and are left out (a translation of points is: the invariant
    features centre the points).
    """
    vectors, others, _ = _layout(rep)
    maps = []
    for symmetry in symmetries:
        for A, _, _ in symmetry.model_maps:
            A = np.asarray(A, dtype=float)
            first = vectors[0]
            g = A[np.ix_(first, first)]
            expected = np.zeros_like(A)
            expected[others, others] = 1.0
            for columns in vectors:
                expected[np.ix_(columns, columns)] = g
            if np.allclose(A, expected, atol=TOLERANCE):
                maps.append(g)
    return maps
