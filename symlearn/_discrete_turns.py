"""Turns ``C_n`` in a plane, searched by the discrete search (:mod:`symlearn._discrete_search`).

The planes are the coordinate planes of the vectors (up to
``MAX_PLANE_AXES`` axes) and the planes of the most exact rotation-like
directions of the spectrum. The loss along the orbit is read at every
angle ``2 pi k / n`` (``n`` up to ``MAX_ORDER``) and at angles no such
``n`` reaches; ``n`` is the largest order whose every turn keeps the loss,
unless arbitrary angles do too (then the plane turns continuously, which
is the continuous part's to report). The ``n - 1`` turns are confirmed
together, and the angle is measured where the loss is lowest near
``360 / n``.
"""

from itertools import combinations
from math import gcd

import numpy as np

from ._discrete_elements import plane_turn
from ._reach import rotation_frequency

__all__ = ["MAX_ORDER", "MAX_PLANE_AXES", "search_turns"]

#: The largest n of a turn by 2 pi / n that is searched.
MAX_ORDER = 12

#: Coordinate planes are searched when the vectors have at most this many axes.
MAX_PLANE_AXES = 8

#: Angles no order up to MAX_ORDER reaches; when most keep the loss, the
#: plane turns continuously.
N_FREE_ANGLES = 8


def search_turns(search, spectrum):
    """Judge the turns of every plane, and keep each ``C_n`` that holds in ``search``.

    Parameters
    ----------
    search : symlearn._discrete_search._Search
        The search: its judge, the continuous group and what it found so far.
    spectrum : ndarray of shape (m, d, d)
        The most exact directions of the spectrum, model coordinates.
    """
    judge = search.judge
    golden = (np.sqrt(5) - 1) / 2
    free = [2 * np.pi * ((k * golden) % 1) for k in range(1, N_FREE_ANGLES + 1)]
    for p, q, where in _planes(search, spectrum):
        if search.continuously_generated(plane_turn(p, q, free[0])):
            continue  # the continuous group turns the plane: its turns are not news

        def increases(angles, p=p, q=q):
            return judge.increases([search.linear_map(plane_turn(p, q, angle)) for angle in angles])

        kept_free = np.array(increases(free)) <= judge.allowance
        if kept_free.sum() > N_FREE_ANGLES // 2:
            continue  # it turns continuously: the continuous part's to report

        def judged(fractions, increases=increases):
            """Whether the turn by each reduced fraction ``2 pi k / n`` keeps the loss."""
            fractions = sorted(set(fractions))
            rises = increases([2 * np.pi * k / n for k, n in fractions])
            return {f: rise <= judge.allowance for f, rise in zip(fractions, rises)}

        # The first turn of each order, then the multiples of those it keeps.
        keeps = judged([(1, n) for n in range(2, MAX_ORDER + 1)])
        first = [n for n in range(2, MAX_ORDER + 1) if keeps[(1, n)]]
        multiples = {_reduced(k, n) for n in first for k in range(2, n)} - set(keeps)
        keeps |= judged(multiples)
        orders = [n for n in first if all(keeps[_reduced(k, n)] for k in range(2, n))]
        if not orders:
            continue
        n = max(orders)
        maps = search.linear_map(plane_turn(p, q, 2 * np.pi / n))
        if search.generated(*maps[:2]):
            continue
        turns = [search.linear_map(plane_turn(p, q, 2 * np.pi * k / n)) for k in range(1, n)]
        confirmation = judge.confirm(*turns)
        if not search.holds(confirmation):
            continue
        angle = _measured_angle(increases, 360 / n)
        search.keep(
            "rotation",
            f"C{n}: turn by {360 / n:.2f} degrees in the plane of "
            f"{_axis_names(where, search.features_as_items)} (measured {angle:.2f})",
            n,
            [maps],
            [confirmation],
            linears=[plane_turn(p, q, 2 * np.pi / n)],
            angle=angle,
        )


def _planes(search, spectrum):
    """Coordinate planes (few axes) and the planes of rotation-like spectrum directions."""
    axes = search.axes
    planes = []
    if axes <= MAX_PLANE_AXES:
        eye = np.eye(axes)
        planes = [(eye[i], eye[j], f"axes {i} and {j}") for i, j in combinations(range(axes), 2)]
    for L in spectrum:
        linear = np.asarray(L)[:axes, :axes]
        if rotation_frequency(linear) is None:
            continue
        values, vectors = np.linalg.eig(linear)
        v = vectors[:, int(np.argmax(np.abs(values.imag)))]
        p = v.real / max(np.linalg.norm(v.real), 1e-300)
        q = v.imag - (v.imag @ p) * p
        q /= max(np.linalg.norm(q), 1e-300)
        projector = np.outer(p, p) + np.outer(q, q)
        if all(
            np.abs(projector - np.outer(a, a) - np.outer(b, b)).max() > 0.05 for a, b, _ in planes
        ):
            planes.append((p, q, "a plane of the most exact directions"))
    return planes


def _reduced(k, n):
    return (k // gcd(k, n), n // gcd(k, n))


def _measured_angle(increases, degrees):
    """The angle (degrees) within 3 of ``degrees`` whose turn raises the loss least.

    On the grid of 0.05 degrees, found coarse to fine: every 0.5 degrees,
    then every 0.05 within 0.5 of the best (34 turns judged, not 121).
    """
    coarse = np.linspace(degrees - 3, degrees + 3, 13)
    best = coarse[int(np.argmin(increases(np.radians(coarse))))]
    fine = np.linspace(best - 0.5, best + 0.5, 21)
    fine = fine[np.abs(fine - degrees) <= 3 + 1e-9]
    return float(fine[int(np.argmin(increases(np.radians(fine))))])


def _axis_names(where, features_as_items):
    if where.startswith("axes ") and features_as_items:
        i, j = (int(a) for a in where[5:].split(" and "))
        return f"features {i} and {j}"
    return where
