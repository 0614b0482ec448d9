import numpy as np
import pytest
import torch

from symlearn.lie import so_generators
from symlearn.metrics import invariance_score, lie_algebra_similarity
from symlearn.reps import Vectors

SO3 = so_generators(3)


def test_similarity_is_one_for_the_same_span_in_any_basis():
    rng = np.random.default_rng(0)
    mixing = rng.standard_normal((3, 3))  # invertible change of basis inside so(3)
    other_basis = np.einsum("ij,jkl->ikl", mixing, SO3)
    assert lie_algebra_similarity(other_basis, SO3) == pytest.approx(1.0)


def test_similarity_ignores_signs_and_scales():
    scaled = SO3 * np.array([-5.0, 0.1, 3.0])[:, None, None]
    assert lie_algebra_similarity(scaled, SO3) == pytest.approx(1.0)
    assert lie_algebra_similarity(-SO3[0], SO3[0]) == pytest.approx(1.0)


def test_similarity_of_orthogonal_and_nested_spans():
    assert lie_algebra_similarity(np.eye(3), SO3) == pytest.approx(0.0, abs=1e-12)
    assert lie_algebra_similarity(SO3[:1], SO3) == pytest.approx(1 / 3)
    assert lie_algebra_similarity(SO3, SO3[:2]) == pytest.approx(2 / 3)
    # Symmetric: the order of the arguments does not matter.
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 2, 3, 3))
    assert lie_algebra_similarity(a, b) == pytest.approx(lie_algebra_similarity(b, a))


def test_similarity_at_a_known_angle():
    J = so_generators(2)[0] / np.sqrt(2)
    S = np.diag([1.0, -1.0]) / np.sqrt(2)
    tilted = np.cos(0.3) * J + np.sin(0.3) * S
    assert lie_algebra_similarity(tilted, J) == pytest.approx(np.cos(0.3) ** 2)


def test_similarity_edge_cases():
    empty = np.zeros((0, 3, 3))
    assert lie_algebra_similarity(empty, empty) == 1.0
    assert lie_algebra_similarity(empty, SO3) == 0.0
    # Dependent generators add no dimension.
    assert lie_algebra_similarity(np.stack([SO3[0], 2 * SO3[0]]), SO3[0]) == pytest.approx(1)
    with pytest.raises(ValueError, match="different spaces"):
        lie_algebra_similarity(SO3, so_generators(2))
    with pytest.raises(ValueError, match="shape"):
        lie_algebra_similarity(np.zeros((2, 2, 3)), SO3)


def _radial(x):
    return torch.sin(2 * x.norm(dim=1, keepdim=True))


def test_invariance_score_separates_invariant_from_non_invariant_functions():
    X = np.random.default_rng(0).standard_normal((200, 2))
    rep, J = Vectors(1, 2), so_generators(2)
    assert invariance_score(_radial, X, J, rep) == pytest.approx(1.0, abs=1e-5)
    first_coordinate = lambda x: x[:, :1]  # noqa: E731
    assert invariance_score(first_coordinate, X, J, rep) < 0.3
    constant = lambda x: torch.zeros(len(x), 1)  # noqa: E731
    assert invariance_score(constant, X, J, rep) == 1.0
    # A scaling is no symmetry of the radial function.
    assert invariance_score(_radial, X, np.eye(2) / np.sqrt(2), rep) < 0.3


def test_invariance_score_is_seeded_and_needs_two_rows():
    X = np.random.default_rng(0).standard_normal((50, 2))
    f = lambda x: x[:, :1] + 0.1 * x[:, 1:]  # noqa: E731
    rep, J = Vectors(1, 2), so_generators(2)
    assert invariance_score(f, X, J, rep, random_state=3) == invariance_score(
        f, X, J, rep, random_state=3
    )
    with pytest.raises(ValueError, match="at least 2 rows"):
        invariance_score(f, X[:1], J, rep)


# -- infinitesimal (LieSD-style) invariance errors ---------------------------------------


def test_infinitesimal_spectrum_finds_the_symmetries_of_a_known_function():


    from symlearn.lie import gl_basis, so_generators
    from symlearn.metrics._infinitesimal import (
        infinitesimal_gram,
        relative_invariance_errors,
        symmetry_spectrum,
    )
    from symlearn.reps import Vectors

    def radius(x):  # invariant under so(3) acting on every point of Vectors(2, 3)
        return (x[:, :3].norm(dim=1) + x[:, 3:].pow(2).sum(dim=1))[:, None]

    X = np.random.default_rng(0).standard_normal((200, 6))
    basis = gl_basis(3)
    gram = infinitesimal_gram(radius, X, Vectors(2, 3), basis)
    errors, directions = symmetry_spectrum(gram, basis)
    assert errors.shape == (9,) and directions.shape == (9, 3, 3)
    assert np.all(errors[:3] < 1e-6) and errors[3] > 0.1
    assert lie_algebra_similarity(directions[:3], so_generators(3)) > 1 - 1e-9
    rated = relative_invariance_errors(gram, basis, np.stack([5 * so_generators(3)[0], np.eye(3)]))
    assert rated[0] < 1e-6 < 0.1 < rated[1]
    constant = infinitesimal_gram(lambda x: 0 * x[:, :1], X, Vectors(2, 3), basis)
    np.testing.assert_array_equal(constant, 0)



@pytest.mark.parametrize("n_outputs", [9, 90])  # both Jacobian paths: per output, per direction
def test_equivariance_spectrum_of_the_inertia_tensor_is_so3_plus_scaling(n_outputs):
    from symlearn.datasets._equivariant import _inertia_tensors
    from symlearn.lie import gl_basis
    from symlearn.metrics._infinitesimal import infinitesimal_gram, symmetry_spectrum
    from symlearn.reps import Scalars, Tensor

    copies = n_outputs // 9

    def inertia(x):
        positions, masses = x[:, :9].reshape(-1, 3, 3), x[:, 9:]
        squared = (positions**2).sum(dim=2)
        isotropic = (masses * squared).sum(dim=1)[:, None, None] * torch.eye(3)
        tensors = isotropic - torch.einsum("np,npi,npj->nij", masses, positions, positions)
        return tensors.reshape(-1, 9).repeat(1, copies)

    X = np.random.default_rng(0).standard_normal((100, 12))
    X[:, 9:] = np.abs(X[:, 9:]) + 0.5
    np.testing.assert_allclose(  # the torch version is the data set's formula
        inertia(torch.as_tensor(X[:2]))[:, :9].numpy(),
        _inertia_tensors(X[:2, :9].reshape(2, 3, 3), X[:2, 9:]).reshape(2, 9),
    )
    output_rep = Tensor(3)
    for _ in range(copies - 1):
        output_rep = output_rep + Tensor(3)
    basis = gl_basis(3)
    gram = infinitesimal_gram(inertia, X, Vectors(3, 3) + Scalars(3), basis, output_rep=output_rep)
    errors, directions = symmetry_spectrum(gram, basis)
    truth = np.concatenate([so_generators(3), np.eye(3)[None]])
    assert np.all(errors[:4] < 1e-5) and errors[4] > 0.1
    assert lie_algebra_similarity(directions[:4], truth) > 1 - 1e-9
    # Read as an invariant target, the rotations are no symmetry at all.
    invariant = infinitesimal_gram(inertia, X, Vectors(3, 3) + Scalars(3), basis)
    assert symmetry_spectrum(invariant, basis)[0][0] > 0.1


def test_invariance_score_measures_equivariance_with_an_output_rep():
    X = np.random.default_rng(1).standard_normal((100, 3))
    rep, so3 = Vectors(1, 3), so_generators(3)
    scaled = lambda x: 2 * x  # noqa: E731 - equivariant, not invariant
    assert invariance_score(scaled, X, so3, rep, output_rep=rep) == pytest.approx(1.0)
    assert invariance_score(scaled, X, so3, rep) < 0.5
    assert invariance_score(lambda x: x.abs(), X, so3, rep, output_rep=rep) < 0.5
