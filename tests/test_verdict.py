"""The verdict on synthetic evidence: each rule of symlearn._verdict, one at a time."""

import dataclasses

import numpy as np
import pytest

from symlearn._evidence import Evidence
from symlearn._verdict import (
    GAP,
    MAX_ACCEPTED,
    MIN_REFERENCE_SCORE,
    Z_CLEAR,
    Z_MAX,
    can_judge,
    judge,
    propose_group,
)


def evidence(errors, floors=0.05, width=0.01, score=0.95, affine_gain=float("nan")):
    """Evidence with the given errors (increasing), a common floor and symmetric intervals."""
    errors = np.asarray(errors, dtype=float)
    floors = np.broadcast_to(np.asarray(floors, dtype=float), errors.shape).copy()
    intervals = np.stack([np.maximum(errors - width, 0.0), errors + width], axis=1)
    directions = np.zeros((len(errors), 2, 2))
    ratio = 1.0 - affine_gain - 0.05  # the point estimate, above its lower bound
    return Evidence(
        errors, intervals, floors, directions, score, affine_ratio=ratio, affine_gain=affine_gain
    )


def test_a_cluster_well_inside_the_floor_and_apart_from_the_rest_is_accepted():
    verdict = judge(evidence([0.02, 0.03, 0.9, 1.0]), tolerance=0.6)
    assert verdict.name == "symmetric"
    np.testing.assert_array_equal(verdict.accepted, [0, 1])
    np.testing.assert_array_equal(verdict.reported, [0, 1])
    assert "2 direction(s)" in verdict.reason


def test_the_acceptance_ends_at_the_largest_jump_among_passing_directions():
    # All three pass (z <= 3 even at the upper end), but the third stands 4x apart
    # from the second while the first two are 1.25x apart.
    verdict = judge(evidence([0.02, 0.025, 0.1, 1.0], floors=0.05), tolerance=0.6)
    assert verdict.name == "symmetric"
    np.testing.assert_array_equal(verdict.accepted, [0, 1, 2])
    verdict = judge(evidence([0.01, 0.04, 0.11, 1.0], floors=0.05), tolerance=0.6)
    # z = 0.2, 0.8, 2.2 (upper 0.4, 1.0, 2.4): jumps 4, 2.75, 9.1 -> all three.
    np.testing.assert_array_equal(verdict.accepted, [0, 1, 2])


def test_every_direction_clearly_broken_is_none():
    errors = np.array([0.3, 0.5, 0.9])
    verdict = judge(evidence(errors, floors=0.05), tolerance=0.6)
    assert verdict.name == "none" and len(verdict.accepted) == 0
    assert f"limit {Z_MAX:g}" in verdict.reason


def test_fewer_constraints_than_directions_are_inconclusive_whatever_the_spectrum():
    errors = [0.0, 0.0, 0.0, 0.9]  # the first three exact on rows that cannot tell
    found = evidence(errors)
    verdict = judge(dataclasses.replace(found, constraints=1), tolerance=0.6)
    assert verdict.name == "inconclusive" and len(verdict.accepted) == 0
    assert "4 directions" in verdict.reason and "1 first-order constraint" in verdict.reason
    assert "generator_space" in verdict.reason
    # As many constraints as directions determine them: judged on the spectrum.
    assert judge(dataclasses.replace(found, constraints=4), tolerance=0.6).name == "symmetric"


def test_a_poor_reference_model_is_inconclusive_whatever_its_spectrum():
    verdict = judge(evidence([0.001, 1.0], score=MIN_REFERENCE_SCORE - 0.01), tolerance=0.6)
    assert verdict.name == "inconclusive" and len(verdict.accepted) == 0
    assert "R^2 0.49" in verdict.reason and "max_epochs" in verdict.reason


@pytest.mark.parametrize("gain", [0.0, -0.05])
def test_a_reference_not_significantly_better_than_an_affine_model_is_inconclusive(gain):
    # An accurate (R^2 0.95) reference that may have learnt only w.x + b: every
    # motion within its level sets leaves it unchanged, so its spectrum says nothing.
    verdict = judge(evidence([0.02, 0.03, 0.9, 1.0], affine_gain=gain), tolerance=0.6)
    assert verdict.name == "inconclusive" and len(verdict.accepted) == 0
    assert "significantly better than an affine" in verdict.reason
    assert "max_epochs" in verdict.reason
    assert not can_judge(evidence([0.02], affine_gain=gain))


@pytest.mark.parametrize("gain", [float("nan"), 0.01, 0.5])
def test_a_reference_significantly_better_than_an_affine_model_is_judged_on_its_spectrum(gain):
    verdict = judge(evidence([0.02, 0.03, 0.9, 1.0], affine_gain=gain), tolerance=0.6)
    assert verdict.name == "symmetric"
    np.testing.assert_array_equal(verdict.accepted, [0, 1])
    assert can_judge(evidence([0.02], affine_gain=gain))
    assert not can_judge(evidence([0.02], score=MIN_REFERENCE_SCORE - 0.01, affine_gain=gain))


def test_passing_directions_without_a_gap_are_inconclusive():
    # A smooth spectrum: z = 1.6 ... 2.6 pass, 3.3 does not, and no jump of
    # GAP sets a cluster apart from the rest.
    errors = 0.05 * np.array([1.6, 1.8, 2.0, 2.2, 2.6, 3.3, 3.6])
    verdict = judge(evidence(errors, floors=0.05, width=0.005), tolerance=0.6)
    assert verdict.name == "inconclusive"
    assert f"{GAP:g} times" in verdict.reason


def test_a_search_space_that_is_all_symmetry_is_accepted_whole():
    # Nothing follows the last direction: the whole space is the symmetry
    # (e.g. generator_space=so(3) on a rotation-invariant task).
    verdict = judge(evidence([0.02, 0.022, 0.025]), tolerance=0.6)
    assert verdict.name == "symmetric"
    np.testing.assert_array_equal(verdict.accepted, [0, 1, 2])


def test_a_direction_whose_interval_straddles_the_limit_is_left_to_the_orbit():
    # z between 2.6 and 3.4: not clearly broken, and six times more exact
    # than the next direction. Accepted here; above Z_CLEAR, the model
    # trained with it must still be confirmed on the held-out rows.
    straddling = evidence([0.15, 0.9], floors=0.05, width=0.02)
    verdict = judge(straddling, tolerance=0.6)
    assert verdict.name == "symmetric"
    np.testing.assert_array_equal(verdict.accepted, [0])
    assert straddling.errors[0] > Z_CLEAR * straddling.floors[0]
    # Beyond the absolute tolerance it is neither clearly exact nor clearly broken.
    verdict = judge(straddling, tolerance=0.1)
    assert verdict.name == "inconclusive" and "neither clearly exact" in verdict.reason
    # Nor is it taken when no model trained with it will meet the held-out rows
    # (augment=False without an exact model): the first order alone must decide.
    verdict = judge(straddling, tolerance=0.6, tested=False)
    assert verdict.name == "inconclusive" and "neither clearly exact" in verdict.reason


def test_the_absolute_tolerance_caps_a_direction_the_floor_would_allow():
    # A very inaccurate model has a large floor: z is small, the error is not.
    verdict = judge(evidence([0.5, 2.0], floors=0.4, width=0.05), tolerance=0.3)
    assert verdict.name != "symmetric"


@pytest.mark.parametrize("k", [1, 3])
def test_forcing_n_generators_reports_k_directions_but_accepts_only_passing_ones(k):
    verdict = judge(evidence([0.02, 0.9, 1.0, 1.1]), tolerance=0.6, n_generators=k)
    np.testing.assert_array_equal(verdict.reported, np.arange(k))
    np.testing.assert_array_equal(verdict.accepted, [0])
    negative = judge(evidence([0.5, 0.9, 1.0]), tolerance=0.6, n_generators=k)
    assert negative.name == "none" and len(negative.accepted) == 0
    assert len(negative.reported) == k


def _lorentz_among_others(seed=0):
    """The six so(1,3) generators (unit norm) and ten other gl(4) directions, all orthonormal."""
    from symlearn.lie import so_pq_generators

    lorentz = so_pq_generators(1, 3).reshape(6, 16)
    others = np.random.default_rng(seed).standard_normal((10, 16))
    basis, _ = np.linalg.qr(np.vstack([lorentz, others]).T)  # Gram-Schmidt keeps the order
    # The first six columns span so(1,3) (QR of its own basis first).
    return basis.T.reshape(16, 4, 4)


def test_a_weak_reference_whose_most_exact_directions_span_a_named_group_proposes_it():
    # A smooth spectrum, well within the floors: a weak model's evidence.
    errors = np.linspace(0.4, 1.2, 16)
    weak = evidence(errors, floors=2.0, width=0.05, score=0.47)
    weak = Evidence(weak.errors, weak.intervals, weak.floors, _lorentz_among_others(), 0.47)
    verdict = judge(weak, tolerance=0.2)
    assert verdict.name == "inconclusive"
    accepted, name = propose_group(weak, verdict)
    np.testing.assert_array_equal(accepted, np.arange(6))
    assert name == "so(1,3)"


def test_only_a_weak_reference_on_a_named_group_proposes_anything():
    errors = np.linspace(0.4, 1.2, 16)
    base = evidence(errors, floors=2.0, width=0.05)
    directions = _lorentz_among_others()

    def proposal(score, directions):
        weak = Evidence(base.errors, base.intervals, base.floors, directions, score)
        return propose_group(weak, judge(weak, tolerance=0.2))

    # A reference good enough to judge directions one by one.
    assert proposal(MIN_REFERENCE_SCORE + 0.01, directions) is None
    # The same directions, the Lorentz ones not all among the most exact.
    assert proposal(0.47, directions[np.r_[0:5, 6:16, 5]]) is None
    # Random directions: a few close under the bracket by chance, never a whole so(p,q).
    random = np.random.default_rng(1).standard_normal((16, 4, 4))
    assert proposal(0.47, random / np.linalg.norm(random, axis=(1, 2), keepdims=True)) is None


def test_more_accepted_directions_than_can_be_trained_with_is_inconclusive():
    # A model unchanged along most of a large search space (it ignores most
    # inputs): the span is not identified or trained with, and the reason says why.
    n = MAX_ACCEPTED + 1
    errors = np.r_[np.full(n, 0.01), np.full(20, 1.0)]
    verdict = judge(evidence(errors), tolerance=0.6)
    assert verdict.name == "inconclusive" and len(verdict.accepted) == 0
    assert f"{n} of {n + 20} directions" in verdict.reason
    assert "generator_space" in verdict.reason
    # One fewer is accepted as usual.
    verdict = judge(evidence(np.r_[np.full(n - 1, 0.01), np.full(20, 1.0)]), tolerance=0.6)
    assert verdict.name == "symmetric" and len(verdict.accepted) == MAX_ACCEPTED
