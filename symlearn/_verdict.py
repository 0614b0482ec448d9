"""The verdict: symmetric, none, or inconclusive, decided on the reference model's evidence.

Each direction's error is measured against its floor, the error an exact
symmetry would show given the model's own held-out error (see
:mod:`symlearn._evidence`): their ratio ``z`` is about 1 or below for an
exact symmetry and grows with how much the direction breaks the task.

* A direction **passes** when, at the upper end of its bootstrap interval,
  ``z <= Z_MAX`` and its error is at most ``symmetry_tolerance`` times an
  arbitrary motion's (1, or the median error of the search space where that
  is higher): small in the model's own units *and* in absolute terms.
* The accepted directions are the most exact passing ones up to the
  largest jump in ``z``, which must be at least ``GAP``: the symmetry must
  stand clearly apart from the rest of the spectrum, or the data do not say
  where it ends.
* A direction is **broken** when, at the lower end of its interval,
  ``z > Z_MAX``. When every direction is broken the verdict is "none".
* A reference model with held-out R^2 below one half cannot tell a
  symmetry from a direction it has not learned: "inconclusive".

The constants were chosen on the benchmark families of
``benchmarks/discovery_families.py`` (the kept-out families excepted): exact
symmetries measured ``z`` up to 2.4 (a scaling), the most exact direction
of the negatives 3.8 and above (a rotation broken by 10%), and the accepted
clusters stood at least 1.6 times apart from the next direction.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["Verdict", "judge"]

#: A direction passes when its upper error is at most this multiple of its floor.
Z_MAX = 3.0

#: Accepted directions whose error is at most this multiple of their floor
#: are within the model's own error; those up to ``Z_MAX`` stand on
#: weaker evidence, and the model trained with them must predict the held-out
#: rows as well as the reference to be kept (see ``symlearn._discovery``).
Z_CLEAR = 1.0

#: The accepted directions must be at least this many times more exact (in
#: units of their floors) than the next direction of the spectrum.
GAP = 1.5

#: Below this held-out R^2 (Brier skill score for classifiers) the reference
#: model cannot tell a symmetry from a direction it has not learned.
MIN_REFERENCE_SCORE = 0.5


@dataclass(frozen=True)
class Verdict:
    """What the evidence says.

    Attributes
    ----------
    name : {"symmetric", "none", "inconclusive"}
    reason : str
        Why, in a sentence or two a person can act on.
    accepted : ndarray of int
        Indices (into the evidence's spectrum) of the directions accepted
        as exact symmetries.
    reported : ndarray of int
        Indices of the directions reported as discovered generators: the
        accepted ones, or the ``n_generators`` most exact when forced.
    """

    name: str
    reason: str
    accepted: np.ndarray
    reported: np.ndarray


def _advice():
    return (
        "Train longer (max_epochs, patience), use a larger backbone "
        "(module__hidden_sizes) or give more rows."
    )


def judge(evidence, *, tolerance, n_generators="auto"):
    """The :class:`Verdict` on an :class:`~symlearn._evidence.Evidence`.

    Parameters
    ----------
    evidence : Evidence
    tolerance : float
        Largest normalized error (upper bound) of an accepted direction.
    n_generators : "auto" or int
        ``"auto"``: report the accepted directions. An integer ``k``:
        report the ``k`` most exact directions whatever their evidence;
        only those among them that pass are accepted.
    """
    floors = np.maximum(evidence.floors, 1e-300)
    lower, upper = evidence.intervals[:, 0] / floors, evidence.intervals[:, 1] / floors
    z = evidence.errors / floors
    order = np.argsort(z, kind="stable")
    m = len(z)
    forced = n_generators != "auto"
    reported = np.sort(order[: min(int(n_generators), m)]) if forced else None
    nothing = np.zeros(0, dtype=int)

    def verdict(name, reason, accepted):
        return Verdict(name, reason, accepted, reported if forced else accepted)

    if evidence.reference_score < MIN_REFERENCE_SCORE:
        return verdict(
            "inconclusive",
            f"The reference model explains only {max(evidence.reference_score, 0):.0%} of the "
            f"held-out variation (R^2 {evidence.reference_score:.2f}), too little to tell a "
            f"symmetry from a direction it has not learned. {_advice()}",
            nothing,
        )
    # The baseline puts an arbitrary motion near error 1; where the search
    # space's directions sit higher (images: warps are smoother than an
    # arbitrary motion of the same size, 1.8-2.3 on rotated digits), the
    # tolerance is relative to their median.
    scale = max(1.0, float(np.median(evidence.errors)))
    passes = (upper <= Z_MAX) & (evidence.intervals[:, 1] <= tolerance * scale)
    passing = 0
    while passing < m and passes[order[passing]]:
        passing += 1
    if forced:
        passing = min(passing, len(reported))
    if passing:
        following = np.append(z[order], np.inf)
        jumps = following[1 : passing + 1] / np.maximum(following[:passing], 1e-300)
        count = int(np.argmax(jumps)) + 1
        if not forced and jumps[count - 1] < GAP:
            return verdict(
                "inconclusive",
                f"The {passing} most exact direction(s) are within the model's own error "
                f"(z = error / floor up to {z[order[passing - 1]]:.2f}), but no jump of "
                f"{GAP:g} times in z sets them apart from the rest: the data do not say where "
                f"the symmetry ends. {_advice()}",
                nothing,
            )
        accepted = np.sort(order[:count])
        jump = jumps[count - 1]
        return verdict(
            "symmetric",
            f"{count} direction(s) are exact within the model's own error (error / floor "
            f"up to {upper[order[count - 1]]:.2f} at the interval's upper end, limit {Z_MAX:g})"
            + (f", {jump:.1f} times more exact than the next." if np.isfinite(jump) else "."),
            accepted,
        )
    if (lower > Z_MAX).all():
        best = order[0]
        return verdict(
            "none",
            f"Every direction changes the predictions more than the model's own error allows "
            f"for a symmetry (the most exact: error {evidence.errors[best]:.3f}, "
            f"{z[best]:.1f} times its floor, limit {Z_MAX:g}).",
            nothing,
        )
    best = order[0]
    return verdict(
        "inconclusive",
        f"The most exact direction (error {evidence.errors[best]:.3f}, {lower[best]:.1f}-"
        f"{upper[best]:.1f} times its floor) is neither clearly exact (limit {Z_MAX:g} and "
        f"tolerance {tolerance:g}) nor clearly broken. {_advice()}",
        nothing,
    )
