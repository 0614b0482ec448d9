import numpy as np
import pytest
from scipy.linalg import expm

from symlearn.lie import (
    identify_algebra,
    named_generators,
    canonicalize_signs,
    lie_bracket,
    normalize_generators,
    rotation_generator,
    so_generators,
)
from symlearn.metrics import lie_algebra_similarity, span_basis


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_so_generators_are_an_antisymmetric_basis(n):
    basis = so_generators(n)
    assert basis.shape == (n * (n - 1) // 2, n, n)
    np.testing.assert_array_equal(basis, -basis.transpose(0, 2, 1))
    assert len(span_basis(basis)) == n * (n - 1) // 2


def test_so2_generator_is_counter_clockwise_rotation():
    (J,) = so_generators(2)
    np.testing.assert_array_equal(J, [[0, -1], [1, 0]])
    np.testing.assert_allclose(expm(np.pi / 2 * J) @ [1, 0], [0, 1], atol=1e-12)
    np.testing.assert_array_equal(rotation_generator(2, 0, 1), J)


@pytest.mark.parametrize("n", [3, 4])
def test_so_n_closes_under_the_bracket(n):
    basis = so_generators(n)
    flat_basis = span_basis(basis)
    for a in basis:
        for b in basis:
            bracket = lie_bracket(a, b).ravel()
            residual = bracket - flat_basis.T @ (flat_basis @ bracket)
            np.testing.assert_allclose(residual, 0, atol=1e-12)


def test_so3_structure_constants():
    lz, ly, lx = so_generators(3)  # planes (0,1), (0,2), (1,2)
    np.testing.assert_allclose(lie_bracket(lz, ly), lx)
    np.testing.assert_allclose(lie_bracket(lx, lx), 0)


def test_normalize_and_canonicalize():
    generators = np.stack([-3 * so_generators(2)[0], np.diag([0.5, -2.0])])
    unit = normalize_generators(generators)
    np.testing.assert_allclose(np.linalg.norm(unit.reshape(2, -1), axis=1), 1)
    canonical = canonicalize_signs(unit)
    np.testing.assert_allclose(canonical[1], np.diag([-0.5, 2.0]) / np.hypot(0.5, 2))
    # Ties between equal magnitudes go to the first entry in row-major order.
    assert canonical[0][0, 1] > 0
    with pytest.raises(ValueError, match="zero generator"):
        normalize_generators(np.zeros((1, 2, 2)))


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros((1, 2, 3)), [[np.nan]]])
def test_generator_stacks_are_validated(bad):
    with pytest.raises(ValueError):
        normalize_generators(bad)


# -- structure: closure, readable bases, names ---------------------------------------


def _mixed(generators, seed=0):
    rng = np.random.default_rng(seed)
    return np.einsum("ij,jab->iab", rng.standard_normal((len(generators),) * 2), generators)


def test_so_pq_preserves_its_metric_and_has_boosts():
    from symlearn.lie import so_pq_generators

    lorentz = so_pq_generators(1, 3)
    eta = np.diag([1.0, -1.0, -1.0, -1.0])
    np.testing.assert_allclose(lorentz.transpose(0, 2, 1) @ eta + eta @ lorentz, 0)
    symmetric = [np.allclose(L, L.T) for L in lorentz]
    assert sum(symmetric) == 3  # three boosts, three rotations
    with pytest.raises(ValueError, match="p \\+ q >= 2"):
        so_pq_generators(1, 0)


def test_structure_constants_of_so3_and_of_a_span_that_is_not_an_algebra():
    from symlearn.lie import orthonormal_span, structure_constants

    basis = orthonormal_span(_mixed(so_generators(3)))
    constants, error = structure_constants(basis)
    assert error < 1e-12
    np.testing.assert_allclose(constants, -constants.transpose(1, 0, 2), atol=1e-12)
    # Rotations about two axes only: their bracket (the third) leaves the span.
    _, error = structure_constants(so_generators(3)[:2] / np.sqrt(2))
    assert error > 0.4


def test_sparse_basis_returns_plane_rotations_for_any_basis_of_so3():
    from symlearn.lie import sparse_basis

    basis = sparse_basis(_mixed(so_generators(3), seed=3))
    assert lie_algebra_similarity(basis, so_generators(3)) > 1 - 1e-9
    np.testing.assert_allclose(
        np.sort(np.abs(basis).reshape(3, -1), axis=1)[:, -2:], 1 / np.sqrt(2), atol=1e-6
    )


@pytest.mark.parametrize(
    "generators, name, compact",
    [
        (so_generators(2), "so(2)", True),
        (so_generators(3), "so(3)", True),
        (so_generators(4), "so(4)", True),
        (None, "so(1,3)", False),
        (np.eye(3)[None], "scaling", False),
        (np.stack([so_generators(2)[0], np.eye(2)]), "so(2) + scaling", True),
        (np.zeros((0, 3, 3)), "trivial", True),
    ],
)
def test_identify_algebra_in_any_coordinates(generators, name, compact):
    from symlearn.lie import identify_algebra, so_pq_generators

    if generators is None:
        generators = so_pq_generators(1, 3)
    if len(generators):
        # Another basis of the span, in other coordinates of R^d.
        change = np.random.default_rng(1).standard_normal(generators.shape[1:]) + 3 * np.eye(
            generators.shape[1]
        )
        generators = change @ _mixed(generators) @ np.linalg.inv(change)
    identity = identify_algebra(generators)
    assert identity.name == name
    assert identity.compact == compact


def test_identify_algebra_sees_a_subblock_and_an_open_span():
    from symlearn.lie import identify_algebra

    plane = np.zeros((1, 3, 3))
    plane[0, :2, :2] = so_generators(2)[0]
    identity = identify_algebra(plane)
    assert (identity.name, identity.acting_dimension, identity.axes) == ("so(2)", 2, (0, 1))
    assert "not closed" in identify_algebra(so_generators(3)[:2]).name


def test_named_generators_and_affine_algebras():
    from symlearn.lie import aff_basis, translation_generators

    for name, (i, j) in [("rotation_xy", (0, 1)), ("rotation_02", (0, 2))]:
        np.testing.assert_array_equal(named_generators(name, 3)[0], rotation_generator(3, i, j))
    assert lie_algebra_similarity(named_generators("rotations", 4), so_generators(4)) > 1 - 1e-12
    assert identify_algebra(named_generators("lorentz", 4)).name == "so(1,3)"
    np.testing.assert_array_equal(named_generators("scaling", 2)[0], np.eye(2))
    euclidean = named_generators("euclidean", 3, affine=True)
    assert euclidean.shape == (6, 4, 4) and np.all(euclidean[:, -1] == 0)
    basis = aff_basis(2)
    assert basis.shape == (6, 3, 3) and np.all(basis[:, -1] == 0)
    np.testing.assert_allclose(np.einsum("kij,lij->kl", basis, basis), np.eye(6))
    # exp(t T_0) moves the homogeneous point (x, y, 1) by t along x.
    moved = expm(0.5 * translation_generators(2)[0]) @ np.array([1.0, 2.0, 1.0])
    np.testing.assert_allclose(moved, [1.5, 2.0, 1.0])
    for bad, match in [("rotation_xz", "names axis"), ("spin", "Unknown symmetry")]:
        with pytest.raises(ValueError, match=match):
            named_generators(bad, 2)
    with pytest.raises(ValueError, match="Points"):
        named_generators("translations", 2)


@pytest.mark.parametrize(
    "name, dim, expected, compact",
    [
        ("euclidean", 2, "e(2)", False),
        ("euclidean", 3, "e(3)", False),
        ("translations", 3, "translations", False),
        ("rotations", 3, "so(3)", True),
    ],
)
def test_identify_affine_algebras(name, dim, expected, compact):
    generators = named_generators(name, dim, affine=True)
    mixing = np.random.default_rng(0).standard_normal((len(generators),) * 2)
    mixed = np.einsum("kl,lij->kij", mixing, generators)
    identity = identify_algebra(mixed, affine=True)
    assert (identity.name, identity.compact) == (expected, compact)


def test_planar_motions_are_an_orthonormal_basis_of_aff2_by_kind():
    from symlearn.lie import PLANAR_MOTIONS, aff_basis, planar_motions

    basis = planar_motions()
    flat = basis.reshape(6, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(6), atol=1e-12)
    assert lie_algebra_similarity(basis, aff_basis(2)) > 1 - 1e-12
    motions = dict(zip(PLANAR_MOTIONS, basis))
    np.testing.assert_allclose(motions["translation_x"][:, 2], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(motions["rotation"][:2, :2] * np.sqrt(2), so_generators(2)[0])
    np.testing.assert_allclose(motions["scaling"][:2, :2] * np.sqrt(2), np.eye(2))


def test_sparse_basis_in_motion_coordinates_separates_rotation_and_shear():
    from symlearn.lie import PLANAR_MOTIONS, planar_motions, sparse_basis

    motions = dict(zip(PLANAR_MOTIONS, planar_motions()))
    rotation, shear = motions["rotation"], motions["shear"]
    # The two elementary shears (x += c y, y += c x) span rotation and shear.
    elementary = np.stack([rotation + shear, rotation - shear]) / np.sqrt(2)
    entries = sparse_basis(elementary)
    named = sparse_basis(elementary, coordinates=planar_motions())
    assert lie_algebra_similarity(named, elementary) > 1 - 1e-12  # same span
    shares = np.einsum("kab,mab->km", named, planar_motions()) ** 2
    np.testing.assert_allclose(np.sort(shares.max(axis=1)), [1.0, 1.0], atol=1e-9)
    # Judged by matrix entries, the elementary shears are the sparsest basis.
    np.testing.assert_allclose(np.sort(np.sum(np.abs(entries) > 1e-9, axis=(1, 2))), [1, 1])
    with pytest.raises(ValueError, match="do not lie in the span of coordinates"):
        sparse_basis(elementary, coordinates=planar_motions()[3:])


def test_structure_constants_built_a_block_at_a_time_are_the_same(monkeypatch):
    import symlearn.lie._structure as structure
    from symlearn.lie import orthonormal_span, structure_constants

    rng = np.random.default_rng(0)
    # so(4) and one direction outside it: a nonzero closure error to reproduce.
    span = np.concatenate([_mixed(so_generators(4)), rng.standard_normal((1, 4, 4))])
    basis = orthonormal_span(span)
    whole, whole_error = structure_constants(basis)
    monkeypatch.setattr(structure, "CHUNK_ENTRIES", 40)  # about one row of brackets per block
    blocks, blocks_error = structure_constants(basis)
    np.testing.assert_allclose(blocks, whole, atol=1e-12)
    assert blocks_error == pytest.approx(whole_error, rel=1e-12)
    assert whole_error > 0.05


def test_invariant_forms_of_a_large_span_come_from_combinations_of_it():
    import symlearn.lie._structure as structure
    from symlearn.lie import invariant_forms, so_pq_generators

    # so(19, 1): 190 generators of 20 x 20, past the size where combinations stand in.
    generators = so_pq_generators(19, 1)
    assert len(generators) * 20**4 > 4 * structure.CHUNK_ENTRIES
    residuals, forms = invariant_forms(generators)
    metric = np.diag([1.0] * 19 + [-1.0])
    form = forms[0] * np.sign(forms[0][0, 0])
    np.testing.assert_allclose(form, metric / np.linalg.norm(metric), atol=1e-8)
    assert residuals[0] < 1e-10 and residuals[1] > 0.05


def test_an_orthogonal_elementary_basis_is_normalized_without_rotation():
    from symlearn.lie import orthonormal_span

    elementary = np.zeros((4, 2, 2))
    for k, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        elementary[k, i, j] = [2.0, 0.5, 3.0, 0.0][k]
    basis = orthonormal_span(elementary)
    # The zero matrix has no direction; the others keep their order and places.
    assert basis.shape == (3, 2, 2)
    np.testing.assert_allclose(basis, elementary[:3] / np.array([2.0, 0.5, 3.0])[:, None, None])
