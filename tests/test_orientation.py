"""The reflections of a preserved form, and what they leave of the invariant features."""

import numpy as np
import pytest

from symlearn._discrete import DiscreteSymmetry
from symlearn._orientation import (
    form_reflections,
    kept_orientations,
    reflections_beyond,
    vector_maps,
)
from symlearn.reps import Scalars, Vectors

MINKOWSKI = np.diag([-1.0, 1.0, 1.0, 1.0])


def symmetry(*model_maps):
    """A DiscreteSymmetry holding only its model maps ``(A, b, B)``."""
    size = len(model_maps[0][0])
    return DiscreteSymmetry(
        kind="reflection",
        description="test",
        group_order=2,
        matrices=np.eye(size)[None],
        offsets=np.zeros((1, size)),
        output_matrices=None,
        loss_before=0.0,
        loss_after=0.0,
        loss_bound=0.0,
        loss_allowed=0.0,
        model_maps=model_maps,
    )


@pytest.mark.parametrize("form", [np.eye(3), MINKOWSKI, np.diag([2.0, 0.5])])
def test_each_reflection_preserves_the_form_and_reverses_one_axis(form):
    frame = np.linalg.qr(np.random.default_rng(0).normal(size=(len(form),) * 2))[0]
    # The form in the frame's coordinates: B' = F^T B F preserved by F g F^-1 maps.
    local_form = frame.T @ form @ frame
    reflections = form_reflections(frame, local_form)
    assert [label for label, _, _ in reflections] == (
        ["mirror", "time reversal"] if form is MINKOWSKI else ["mirror"]
    )
    for _, g, normal in reflections:
        np.testing.assert_allclose(g.T @ form @ g, form, atol=1e-12)
        np.testing.assert_allclose(g @ g, np.eye(len(form)), atol=1e-12)
        np.testing.assert_allclose(g @ normal, -normal, atol=1e-12)
        assert np.isclose(np.linalg.det(g), -1.0)


def test_a_mirror_takes_the_determinants_and_time_reversal_the_time_orientations_too():
    frame = np.eye(4)
    (_, mirror, normal), (_, reversal, time) = form_reflections(frame, MINKOWSKI)
    assert abs(time[0]) == 1.0 and normal[0] == 0.0  # the time axis, and a space axis
    assert kept_orientations(frame, MINKOWSKI, []) == (True, True)
    assert kept_orientations(frame, MINKOWSKI, [mirror]) == (False, True)
    assert kept_orientations(frame, MINKOWSKI, [reversal]) == (False, False)
    # Their product (PT) keeps orientation and swaps the cones.
    assert kept_orientations(frame, MINKOWSKI, [mirror @ reversal]) == (True, False)


def test_maps_outside_the_group_of_the_form_take_nothing_away():
    frame = np.eye(3)
    stretch = np.diag([-2.0, 1.0, 1.0])  # reverses orientation but does not preserve |x|^2
    assert kept_orientations(frame, np.eye(3), [stretch]) == (True, True)
    # A subspace the group fixes must stay fixed: the form lives on the first two axes.
    mixing = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [1.0, 0.0, 1.0]])
    assert kept_orientations(frame, np.eye(2), [mixing]) == (True, True)
    assert kept_orientations(frame, np.eye(2), [np.diag([1.0, -1.0, 1.0])]) == (False, True)


def test_vector_maps_are_read_from_elements_that_move_every_vector_alike():
    rep = Vectors(2, 2) + Scalars(1)
    g = np.array([[1.0, 0.0], [0.0, -1.0]])
    alike = np.eye(5)
    alike[:2, :2] = alike[2:4, 2:4] = g
    exchange = np.eye(5)[[2, 3, 0, 1, 4]]  # swaps the two vectors
    scalar_moved = alike.copy()
    scalar_moved[4, 4] = -1.0
    zeros = np.zeros(5)
    maps = vector_maps(
        rep, [symmetry((alike, zeros, None)), symmetry((exchange, zeros, None))]
    ) + vector_maps(rep, [symmetry((scalar_moved, zeros, None))])
    assert len(maps) == 1
    np.testing.assert_array_equal(maps[0], g)


def test_only_reflections_that_take_features_away_are_added():
    frame = np.eye(4)
    (_, mirror, _), (_, reversal, _) = form_reflections(frame, MINKOWSKI)
    assert [label for label, _, _ in reflections_beyond(frame, MINKOWSKI, [])] == [
        "mirror",
        "time reversal",
    ]
    # Beside a found parity only time reversal is new; beside time reversal, nothing.
    assert [label for label, _, _ in reflections_beyond(frame, MINKOWSKI, [mirror])] == [
        "time reversal"
    ]
    assert reflections_beyond(frame, MINKOWSKI, [reversal, mirror]) == []
    assert reflections_beyond(np.eye(3), np.eye(3), [np.diag([1.0, 1.0, -1.0])]) == []
