"""The verdict: symmetric, none, or inconclusive, decided on the reference model's evidence.

Each direction's error is measured against its floor, the error an exact
symmetry would show given the model's own held-out error (see
:mod:`symlearn._evidence`): their ratio ``z`` is about 1 or below for an
exact symmetry and grows with how much the direction breaks the task.

* A direction **passes** when it is not clearly broken (at the lower end of
  its bootstrap interval ``z <= Z_MAX``) and its error is at most
  ``symmetry_tolerance`` times an arbitrary motion's (1, or the median
  error of the search space where that is higher): small in the model's
  own units *and* in absolute terms. Only directions within the model's
  own error (``z <= Z_CLEAR``), where the evidence could have shown them
  broken (:func:`resolving`), are taken on this evidence alone; the model
  trained with any other must be confirmed on the held-out rows
  (``symlearn._confirmation``). An interval that straddles ``Z_MAX`` says the
  first-order evidence cannot decide; the orbit can (a scaling of a very
  accurate model, z 2.7 in 2.1-3.3, eight times more exact than the next
  direction; a rotation broken by 10%, z 3.3 in 2.4-4.0, which training
  with it predicts four times worse). When no model trained with the
  directions will meet the held-out rows (``augment=False`` without an
  exact model), a direction passes only with its whole interval within
  ``Z_MAX``.
* The accepted directions are the most exact passing ones up to the
  largest jump in ``z``, which must be at least ``GAP``: the symmetry must
  stand clearly apart from the rest of the spectrum, or the data do not say
  where it ends.
* A direction is **broken** when, at the lower end of its interval,
  ``z > Z_MAX``. When every direction is broken the verdict is "none".
* A reference model with held-out R^2 below one half cannot tell a
  symmetry from a direction it has not learned: "inconclusive". Its
  directions cannot be judged one by one, but when its most exact ones
  span a whole named group (so(p, q) of a form, or e(n)) that structure is
  a hypothesis worth one more training phase: :func:`propose_group` proposes
  it, and the held-out rows decide (see ``symlearn._confirmation``).
* A reference not significantly better than an affine model fitted to the
  same rows (least squares; logistic regression for classifiers), paired on
  the held-out rows (``Evidence.affine_gain`` at or below 0), may have learnt
  no more than an affine function, which every motion within its level sets
  leaves alone: "inconclusive", and no discrete search (:func:`can_judge`).
  LieGAN's 7-fold task on 1,000 rows: error ratio 1.00 at R^2 0.96, and a
  6-dimensional algebra (the maps that fix ``x3``) before this rule.

The constants were chosen on the benchmark families of
``benchmarks/discovery_families.py`` (the kept-out families excepted): exact
symmetries measured ``z`` up to 2.4 (a scaling), the most exact direction
of the negatives 3.8 and above (a rotation broken by 10%), and the accepted
clusters stood at least 1.6 times apart from the next direction.
"""

import re
from dataclasses import dataclass

import numpy as np

from .lie import identify_algebra

__all__ = ["Verdict", "can_judge", "judge", "propose_group", "resolving"]

#: A direction is clearly broken when its lower error is above this multiple of its floor.
Z_MAX = 3.0

#: Accepted directions whose error is at most this multiple of their floor
#: are within the model's own error; the others (not clearly broken) stand
#: on weaker evidence, and the model trained with them must predict the
#: held-out rows as well as the reference to be kept (see ``symlearn._confirmation``).
Z_CLEAR = 1.0

#: The accepted directions must be at least this many times more exact (in
#: units of their floors) than the next direction of the spectrum.
GAP = 1.5

#: Below this held-out R^2 (Brier skill score for classifiers) the reference
#: model cannot tell a symmetry from a direction it has not learned. With a
#: linear part (see symlearn._linear_part) it is the R^2 over what that part
#: leaves: a model that learnt only the linear part of a one-step map is
#: equivariant under every linear map and could tell nothing.
MIN_REFERENCE_SCORE = 0.5

#: How the reasons name the variation a linear part leaves.
LEFT_BY_LINEAR_PART = " its linear part leaves"

#: Fewer held-out rows than this cannot carry a verdict: the bootstrap
#: intervals and the orbit's confirmation need a sample to speak of.
MIN_JUDGED_ROWS = 10

#: A weak reference's most exact directions are searched for a named group
#: among at most this many (so(6) has 15 generators).
MAX_TENTATIVE = 15

#: More accepted directions than this make the verdict inconclusive (a model that
#: ignores most inputs; on 50 tabular features 1,213 of 2,500 passed, and
#: identifying or training with such a span cost minutes and gigabytes).
MAX_ACCEPTED = 128

#: The groups a weak reference's directions may propose: so(p, q) of a
#: form on the whole space they act on (p + q >= 3, so never abelian),
#: with or without scaling, and the Euclidean groups e(n). Subalgebras and
#: unnamed spans are no evidence: a few noisy directions close under the
#: bracket by chance far more often than they span a whole so(p, q).
_NAMED_GROUP = re.compile(r"(so\(\d+(,\d+)?\)|e\(\d\))( \+ scaling)?")


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


def arbitrary_error(evidence):
    """The error an arbitrary motion shows: 1, or the spectrum's median where that is higher.

    The baseline puts an arbitrary motion near error 1; where the search
    space's directions sit higher (images: warps are smoother than an
    arbitrary motion of the same size, 1.8-2.3 on rotated digits), their
    median is the scale.
    """
    return max(1.0, float(np.median(evidence.errors)))


def can_judge(evidence):
    """Whether the reference model learnt enough to tell a symmetry from what it has not learned.

    Its held-out R^2 is at least ``MIN_REFERENCE_SCORE`` and it predicts the
    held-out rows significantly better than an affine model (or that
    comparison was not made).
    """
    return evidence.reference_score >= MIN_REFERENCE_SCORE and not evidence.affine_gain <= 0


def resolving(evidence):
    """Per direction: whether the first-order evidence could show it broken, bool (m,).

    A direction is shown broken when its error is beyond ``Z_MAX`` times
    its floor. Where that is more than an arbitrary motion's error, the
    model's own error hides every motion: a direction within its floor then
    says nothing, and only the orbit can confirm it (charged n-body, R^2
    0.92, floors 1.2: all nine directions of gl(3) within 0.15 of them).
    """
    return Z_MAX * evidence.floors < arbitrary_error(evidence)


def _leading(flags):
    """How many of ``flags`` (directions, most exact first) hold before the first that does not."""
    return int(np.argmin(flags)) if not flags.all() else len(flags)


def _advice():
    return (
        "Train longer (max_epochs, patience), use a larger backbone "
        "(module__hidden_sizes) or give more rows."
    )


def judge(evidence, *, tolerance, n_generators="auto", tested=True, n_rows=None):
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
    tested : bool, default=True
        Whether a model trained with the accepted directions will meet the
        held-out rows. Without that test a direction passes only when its
        whole interval is within ``Z_MAX`` of its floor: a straddling one
        would be taken on the first-order evidence alone.
    n_rows : int, optional
        How many held-out rows the evidence was measured on; fewer than
        ``MIN_JUDGED_ROWS`` give an "inconclusive" verdict.
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

    if n_rows is not None and n_rows < MIN_JUDGED_ROWS:
        return verdict(
            "inconclusive",
            f"The evidence rests on {n_rows} held-out row(s), too few to judge a symmetry "
            f"(at least {MIN_JUDGED_ROWS}). Give more rows.",
            nothing,
        )
    if evidence.constraints is not None and evidence.constraints < m:
        return verdict(
            "inconclusive",
            f"The search space has {m} directions, and the rows they were found on give "
            f"{evidence.constraints} first-order constraint(s) (rows times outputs): at least "
            f"{m - evidence.constraints} direction(s) are exact on those rows whatever the "
            f"model, so no symmetry can be singled out among them. Search a smaller space "
            f"(an input_rep with vector or point parts, or generator_space) or give more "
            f"rows.",
            nothing,
        )
    if evidence.reference_score < MIN_REFERENCE_SCORE:
        explains = (
            f"The reference model explains only {max(evidence.reference_score, 0):.0%} of the "
            f"held-out variation{LEFT_BY_LINEAR_PART if evidence.beyond_linear else ''} "
            f"(R^2 {evidence.reference_score:.2f})"
        )
        if evidence.beyond_linear:
            # Noise beyond a linear equivariant target looks the same as signal not learnt.
            reason = (
                f"{explains}. That part commutes with every searched direction: either the "
                f"target is it plus noise, and every searched direction is a symmetry, or "
                f"the model has not learnt the rest. In the second case: {_advice()}"
            )
        else:
            reason = (
                f"{explains}, too little to tell a symmetry from a direction it has not "
                f"learned. {_advice()}"
            )
        return verdict("inconclusive", reason, nothing)
    if evidence.affine_gain <= 0:
        # Noise beyond an affine target looks the same as signal not learnt.
        reason = (
            f"The reference model does not predict the held-out rows significantly better "
            f"than an affine function of the inputs fitted to the same rows (its error is "
            f"{evidence.affine_ratio:.0%} of the affine model's; at the 5% bootstrap quantile "
            f"it gains {evidence.affine_gain:.0%}). An affine function is unchanged by every "
            f"motion of the inputs within its level sets: either the target is affine plus "
            f"noise, and those motions are its symmetries, or the model has not learnt the "
            f"rest. In the second case: {_advice()}"
        )
        return verdict("inconclusive", reason, nothing)
    # The tolerance is relative to an arbitrary motion's error.
    scale = arbitrary_error(evidence)
    passes = ((upper if not tested else lower) <= Z_MAX) & (
        evidence.intervals[:, 1] <= tolerance * scale
    )
    passing = _leading(passes[order])
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
        if not forced and count > MAX_ACCEPTED:
            return verdict(
                "inconclusive",
                f"{count} of {m} directions leave the model unchanged within its own error: "
                f"it ignores most of what it is given, or the data cannot tell. symlearn "
                f"does not train with spans of more than {MAX_ACCEPTED} directions (every "
                f"step would exponentiate them). Drop inputs the target does not use, or "
                f"give a smaller search space (`generator_space`). {_advice()}",
                nothing,
            )
        accepted = np.sort(order[:count])
        jump = jumps[count - 1]
        return verdict(
            "symmetric",
            f"{count} direction(s) are not broken beyond the model's own error (error / floor "
            f"up to {z[order[count - 1]]:.2f}; limit {Z_MAX:g} at the interval's lower end)"
            + (f", {jump:.3g} times more exact than the next." if np.isfinite(jump) else "."),
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


def propose_group(evidence, verdict, *, affine=False):
    """The group a reference too weak to judge directions proposes, or None.

    When the reference model explains less than ``MIN_REFERENCE_SCORE`` of
    the held-out variation, its first-order errors cannot separate a
    symmetry from a direction it has not learned, but their order still
    carries information: on EMLP's Lorentz task (R^2 0.47-0.49) the six
    most exact of sixteen directions span so(1,3) (similarity 0.93-0.95),
    while no gap in z sets them apart. The largest ``k`` (3 to
    ``MAX_TENTATIVE``) whose ``k`` most exact directions are all within
    ``Z_MAX`` of their floors and span a whole named group
    (:func:`~symlearn.lie.identify_algebra`: so(p, q), with or without
    scaling, or e(n)) is proposed. It is only a hypothesis: the model
    trained with it must predict the held-out rows clearly better than
    the reference (``symlearn._confirmation``).

    Parameters
    ----------
    evidence : Evidence
    verdict : Verdict
        What :func:`judge` said; only an "inconclusive" verdict on a weak
        reference gets a proposal.
    affine : bool, default=False
        Whether the directions are homogeneous affine generators.

    Returns
    -------
    proposal : tuple of (ndarray of int, str) or None
        Indices of the proposed directions (into the evidence's spectrum)
        and the name of the group they span.
    """
    if verdict.name != "inconclusive" or evidence.reference_score >= MIN_REFERENCE_SCORE:
        return None
    floors = np.maximum(evidence.floors, 1e-300)
    z = evidence.errors / floors
    order = np.argsort(z, kind="stable")
    # Within their floors, but not within the tolerance: a weak model's
    # errors are large along every direction (0.39-0.73 of an arbitrary
    # motion's along the Lorentz generators), so only their order and the
    # structure of their span speak.
    passing = _leading(evidence.intervals[order, 1] / floors[order] <= Z_MAX)
    # Never the whole search space: nothing would be left to tell it apart from.
    for k in range(min(MAX_TENTATIVE, passing, len(z) - 1), 2, -1):
        identity = identify_algebra(evidence.directions[order[:k]], affine=affine)
        if _NAMED_GROUP.fullmatch(identity.name):
            return np.sort(order[:k]), identity.name
    return None
