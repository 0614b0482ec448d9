"""Reaches fixed by the data: a full turn for compact directions, the data's spread for the others."""

import numpy as np
import pytest

from symlearn._reach import (
    MAX_REACH,
    SPREAD_FRACTION,
    orbit_reaches,
    rotation_frequency,
)
from symlearn.lie import rotation_generator
from symlearn.reps import Points, Vectors


def test_a_unit_rotation_generator_turns_at_speed_one_over_root_two():
    L = rotation_generator(3, 0, 1)
    L = L / np.linalg.norm(L)
    assert rotation_frequency(L) == pytest.approx(1 / np.sqrt(2))
    # In other coordinates (a diagonal conjugate, as a per-feature scaler makes it) it still turns.
    D = np.diag([1.0, 3.0, 1.0])
    assert rotation_frequency(D @ L @ np.linalg.inv(D)) is not None


@pytest.mark.parametrize(
    "generator",
    [np.eye(2), np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])],
    ids=["scaling", "shear", "boost"],
)
def test_scalings_shears_and_boosts_are_not_compact(generator):
    assert rotation_frequency(generator) is None


def test_a_rotation_about_another_point_is_compact_in_homogeneous_coordinates():
    L = np.zeros((3, 3))
    L[:2, :2] = [[0.0, -1.0], [1.0, 0.0]]
    L[:2, 2] = [2.0, -1.0]  # the same turn about another centre
    assert rotation_frequency(L) == pytest.approx(1.0)


def test_a_compact_direction_reaches_a_full_turn_whatever_the_data():
    L = rotation_generator(2, 0, 1)[None] / np.sqrt(2)
    for scale in (0.01, 1.0, 100.0):
        X = scale * np.random.default_rng(0).standard_normal((100, 2))
        reach = orbit_reaches(L, X, Vectors(1, 2), X.var(axis=0))
        assert reach[0] == pytest.approx(np.pi * np.sqrt(2))


def test_a_scaling_reaches_as_far_as_moves_the_rows_by_their_spread():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2)) + 3.0  # far from the origin: a scaling moves them a lot
    L = np.eye(2)[None] / np.sqrt(2)
    variances = X.var(axis=0)
    reach = orbit_reaches(L, X, Vectors(1, 2), variances)[0]
    assert 0 < reach < MAX_REACH
    # Check the definition directly: mean squared displacement in standard
    # deviations over t uniform in [-reach, reach] equals the number of features.
    t = np.linspace(-reach, reach, 4001)
    factors = np.exp(t / np.sqrt(2)) - 1.0
    displacement = np.mean(factors**2) * np.mean(np.sum(X**2 / variances, axis=1))
    assert displacement == pytest.approx(SPREAD_FRACTION**2 * 2, rel=0.02)
    # Rows near the origin move less under a scaling: the reach is longer.
    centred = X - X.mean(axis=0)
    assert orbit_reaches(L, centred, Vectors(1, 2), variances)[0] > reach


def test_a_translation_of_points_reaches_the_datas_spread():
    X = np.random.default_rng(0).standard_normal((200, 2)) * [1.0, 1.0]
    L = np.zeros((1, 3, 3))
    L[0, 0, 2] = 1.0  # translation along x, unit norm
    reach = orbit_reaches(L, X, Points(1, 2), X.var(axis=0))[0]
    # Displacement t along x in units of its standard deviation: mean t^2 = r^2 / 3 = 2.
    assert reach == pytest.approx(np.sqrt(6) * X[:, 0].std(), rel=0.02)


def test_a_direction_that_barely_moves_the_data_is_capped():
    X = np.zeros((50, 2))
    X[:, 0] = np.random.default_rng(0).standard_normal(50)
    L = np.array([[[0.0, 0.0], [0.0, 1.0]]])  # scales the constant-zero second feature
    reach = orbit_reaches(L, X, Vectors(1, 2), np.array([1.0, 0.0]))[0]
    assert reach == MAX_REACH
