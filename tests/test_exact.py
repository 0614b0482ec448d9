"""Projecting noisy generators onto the exact algebra they approximate."""

import numpy as np
import pytest
from scipy.linalg import expm

from symlearn.lie import (
    exact_generators,
    gl_basis,
    orthonormal_span,
    so_generators,
    so_pq_generators,
    structure_constants,
)
from symlearn.metrics import lie_algebra_similarity


def _noisy(generators, level, seed=0):
    noise = np.random.default_rng(seed).standard_normal(generators.shape)
    return generators + level * noise * np.linalg.norm(generators, axis=(1, 2), keepdims=True)


def _preserved_form_error(generators, form):
    """Largest |L^T Q + Q L| relative to |L|."""
    images = generators.transpose(0, 2, 1) @ form + form @ generators
    return np.max(np.linalg.norm(images, axis=(1, 2)) / np.linalg.norm(generators, axis=(1, 2)))


def test_noisy_rotations_are_projected_onto_exact_rotations():
    truth = so_generators(5)
    noisy = _noisy(truth, 0.02)
    assert _preserved_form_error(noisy, np.eye(5)) > 0.01
    exact = exact_generators(noisy)
    assert _preserved_form_error(exact, np.eye(5)) < 1e-9
    np.testing.assert_allclose(
        np.linalg.norm(exact, axis=(1, 2)), np.linalg.norm(noisy, axis=(1, 2))
    )
    assert lie_algebra_similarity(exact, truth) > 0.9999 > lie_algebra_similarity(noisy, truth)


@pytest.mark.parametrize(
    "truth, form",
    [
        (so_pq_generators(1, 3), np.diag([1.0, -1, -1, -1])),
        (so_pq_generators(2, 1), np.diag([1.0, 1, -1])),
    ],
    ids=["so(1,3)", "so(2,1)"],
)
def test_noisy_boosts_come_closer_to_the_exact_algebra(truth, form):
    # An indefinite form's axes carry the generators' noise (only its scale
    # is snapped), so the projection preserves a slightly tilted form.
    noisy = _noisy(truth, 0.02)
    exact = exact_generators(noisy)
    assert _preserved_form_error(exact, form) < 0.5 * _preserved_form_error(noisy, form)
    assert lie_algebra_similarity(exact, truth) > lie_algebra_similarity(noisy, truth)


def test_exact_rotations_keep_lengths_over_a_full_turn():
    noisy = _noisy(so_generators(5), 0.02, seed=1)
    v = np.random.default_rng(2).standard_normal(5)
    coefficients = np.full(10, np.pi)
    squeezed = expm(np.einsum("k,kij->ij", coefficients, noisy)) @ v
    kept = expm(np.einsum("k,kij->ij", coefficients, exact_generators(noisy))) @ v
    assert abs(np.linalg.norm(squeezed) / np.linalg.norm(v) - 1) > 0.01
    assert abs(np.linalg.norm(kept) / np.linalg.norm(v) - 1) < 1e-9


def test_rotations_plus_scaling_and_scaling_alone():
    truth = np.concatenate([so_generators(3), np.eye(3)[None] / np.sqrt(3)])
    exact = exact_generators(_noisy(truth, 0.02))
    # Every generator is antisymmetric plus a multiple of the identity.
    symmetric = 0.5 * (exact + exact.transpose(0, 2, 1))
    traces = np.trace(symmetric, axis1=1, axis2=2) / 3
    np.testing.assert_allclose(symmetric, traces[:, None, None] * np.eye(3), atol=1e-9)
    (scaling,) = exact_generators(_noisy(np.eye(3)[None], 0.02))
    np.testing.assert_allclose(scaling, scaling[0, 0] * np.eye(3), atol=1e-9)


def test_rotation_of_a_sub_block_stays_in_its_plane():
    truth = np.zeros((1, 3, 3))
    truth[0, 0, 1], truth[0, 1, 0] = -1.0, 1.0
    (exact,) = exact_generators(_noisy(truth, 0.02))
    np.testing.assert_allclose(exact, -exact.T, atol=1e-9)
    assert np.abs(exact[2]).max() < 0.02 and np.abs(exact[:, 2]).max() < 0.02


def test_a_clearly_unequal_form_is_kept():
    # A rotation of ellipses (form diag(1, 4)) is not squashed onto circles.
    form = np.diag([1.0, 4.0])
    truth = (np.linalg.inv(form) @ np.array([[0.0, -1.0], [1.0, 0.0]]))[None]
    noisy = _noisy(truth, 0.01)
    (exact,) = exact_generators(noisy)
    assert _preserved_form_error(exact[None], np.eye(2)) > 1.0
    # An exact turn of its own ellipse: closes after one period.
    period = 2 * np.pi / np.sqrt(np.linalg.det(exact))
    assert abs(np.trace(exact)) < 1e-12 < abs(np.trace(noisy[0]))
    np.testing.assert_allclose(expm(period * exact), np.eye(2), atol=1e-9)


@pytest.mark.parametrize(
    "generators",
    [gl_basis(2), np.array([[[0.0, 1.0], [0.0, 0.0]]])],
    ids=["gl(2)", "shear"],
)
def test_other_algebras_are_returned_unchanged(generators):
    noisy = _noisy(generators, 0.01)
    np.testing.assert_array_equal(exact_generators(noisy), noisy)


@pytest.mark.parametrize("form", ["identified", "standard"])
def test_affine_generators_keep_their_translations_and_get_exact_rotations(form):
    # e(2) on homogeneous coordinates: a turn about (0, 0.3) and two translations.
    truth = np.zeros((3, 3, 3))
    truth[0, 0, 1], truth[0, 1, 0], truth[0, 1, 2] = -1.0, 1.0, 0.3
    truth[1, 0, 2] = truth[2, 1, 2] = 1.0
    noisy = _noisy(truth, 0.02)
    noisy[:, 2] = 0.0  # homogeneous: the last row stays zero
    exact = exact_generators(noisy, affine=True, form=form)
    linear = exact[:, :2, :2]
    np.testing.assert_allclose(linear, -linear.transpose(0, 2, 1), atol=1e-12)
    np.testing.assert_array_equal(exact[:, :, 2], noisy[:, :, 2])
    np.testing.assert_array_equal(exact[:, 2], 0.0)
    assert lie_algebra_similarity(exact, truth) > lie_algebra_similarity(noisy, truth)


def test_affine_translations_alone_lose_their_noisy_linear_parts():
    truth = np.zeros((2, 3, 3))
    truth[0, 0, 2] = truth[1, 1, 2] = 1.0
    noisy = _noisy(truth, 0.01)
    noisy[:, 2] = 0.0
    exact = exact_generators(noisy, affine=True)
    np.testing.assert_array_equal(exact[:, :2, :2], 0.0)
    np.testing.assert_array_equal(exact[:, :, 2], noisy[:, :, 2])


def _tilted(generators, tilt, seed=0):
    """Generators of the same algebra written in coordinates stretched by up to ``tilt``."""
    rng = np.random.default_rng(seed)
    A = np.eye(generators.shape[1]) + tilt * rng.uniform(-1, 1, generators.shape[1:])
    return np.linalg.inv(A) @ generators @ A


@pytest.mark.parametrize(
    "truth, form",
    [
        (so_generators(3), np.eye(3)),
        (so_pq_generators(1, 3), np.diag([1.0, -1, -1, -1])),
        (so_pq_generators(2, 1), np.diag([1.0, 1, -1])),
    ],
    ids=["so(3)", "so(1,3)", "so(2,1)"],
)
def test_the_standard_form_is_exact_where_the_identified_one_is_tilted(truth, form):
    # Noise that tilts the identified form by ~10% (the random polynomial
    # task's form differed by 30% between its axes).
    noisy = _noisy(_tilted(truth, 0.1), 0.02)
    identified = exact_generators(noisy)
    standard = exact_generators(noisy, form="standard")
    assert _preserved_form_error(identified, form) > 0.05
    assert _preserved_form_error(standard, form) < 1e-9
    np.testing.assert_allclose(
        np.linalg.norm(standard, axis=(1, 2)), np.linalg.norm(noisy, axis=(1, 2))
    )
    assert lie_algebra_similarity(standard, truth) > lie_algebra_similarity(identified, truth)


def test_the_standard_form_of_a_sub_block_keeps_to_its_axes():
    truth = np.zeros((3, 5, 5))
    truth[:, :3, :3] = so_generators(3)
    standard = exact_generators(_noisy(truth, 0.02), form="standard")
    assert np.abs(standard[:, 3:]).max() < 1e-12 and np.abs(standard[:, :, 3:]).max() < 1e-12
    np.testing.assert_allclose(standard, -standard.transpose(0, 2, 1), atol=1e-12)


def test_the_standard_form_keeps_a_plane_away_from_the_axes():
    # A rotation in the plane of (1, 1, 0)/sqrt(2) and e_z: no coordinate
    # plane is near, so the plane stays; only its magnitudes are made equal.
    u, w = np.array([1.0, 1.0, 0.0]) / np.sqrt(2), np.array([0.0, 0.0, 1.0])
    truth = (np.outer(w, u) - np.outer(u, w))[None]
    (standard,) = exact_generators(_noisy(truth, 0.01), form="standard")
    np.testing.assert_allclose(standard, -standard.T, atol=1e-12)
    assert lie_algebra_similarity(standard[None], truth) > 0.999


def test_an_unknown_form_is_refused():
    with pytest.raises(ValueError, match='"identified" or "standard"'):
        exact_generators(so_generators(3), form="Euclidean")


def test_affine_motions_without_translations_share_one_centre():
    # so(3) about c: b_i = -A_i c. Noisy translation parts would not close
    # under the bracket (and would generate translations too).
    centre = np.array([0.5, 0.2, 0.1])
    truth = np.zeros((3, 4, 4))
    truth[:, :3, :3] = so_generators(3)
    truth[:, :3, 3] = -so_generators(3) @ centre
    noisy = _noisy(truth, 0.02)
    noisy[:, 3] = 0.0
    exact = exact_generators(noisy, affine=True, form="standard")
    linear = exact[:, :3, :3]
    np.testing.assert_allclose(linear, -linear.transpose(0, 2, 1), atol=1e-12)
    fitted = np.linalg.lstsq(linear.reshape(-1, 3), -exact[:, :3, 3].reshape(-1), rcond=None)[0]
    np.testing.assert_allclose(exact[:, :3, 3], -linear @ fitted, atol=1e-12)
    np.testing.assert_allclose(fitted, centre, atol=0.05)
    assert structure_constants(orthonormal_span(exact))[1] < 1e-9
    assert structure_constants(orthonormal_span(noisy))[1] > 0.01
