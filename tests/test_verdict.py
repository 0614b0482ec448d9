"""The verdict on synthetic evidence: each rule of symlearn._verdict, one at a time."""

import numpy as np
import pytest

from symlearn._evidence import Evidence
from symlearn._verdict import GAP, MIN_REFERENCE_SCORE, Z_MAX, judge


def evidence(errors, floors=0.05, width=0.01, score=0.95):
    """Evidence with the given errors (increasing), a common floor and symmetric intervals."""
    errors = np.asarray(errors, dtype=float)
    floors = np.broadcast_to(np.asarray(floors, dtype=float), errors.shape).copy()
    intervals = np.stack([np.maximum(errors - width, 0.0), errors + width], axis=1)
    directions = np.zeros((len(errors), 2, 2))
    return Evidence(errors, intervals, floors, directions, score)


def test_a_cluster_well_inside_the_floor_and_apart_from_the_rest_is_accepted():
    verdict = judge(evidence([0.02, 0.03, 0.9, 1.0]), tolerance=0.6)
    assert verdict.name == "symmetric"
    np.testing.assert_array_equal(verdict.accepted, [0, 1])
    np.testing.assert_array_equal(verdict.reported, [0, 1])
    assert "2 direction(s)" in verdict.reason


def test_the_acceptance_ends_at_the_largest_jump_among_passing_directions():
    # All three pass (z <= 3 at the upper end), but the third stands 4x apart
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


def test_a_poor_reference_model_is_inconclusive_whatever_its_spectrum():
    verdict = judge(evidence([0.001, 1.0], score=MIN_REFERENCE_SCORE - 0.01), tolerance=0.6)
    assert verdict.name == "inconclusive" and len(verdict.accepted) == 0
    assert "R^2 0.49" in verdict.reason and "max_epochs" in verdict.reason


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


def test_a_direction_neither_exact_nor_broken_is_inconclusive():
    # z between 2.6 and 3.4: its interval straddles the limit.
    verdict = judge(evidence([0.15, 0.9], floors=0.05, width=0.02), tolerance=0.6)
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
