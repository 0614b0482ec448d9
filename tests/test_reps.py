import numpy as np
import pytest
import torch
from scipy.linalg import expm

from symlearn.reps import DirectSum, Points, Scalars, Tensor, Vectors

REPS = [
    Vectors(1, 2),
    Vectors(4, 3),
    Vectors(2, 3) + Scalars(2),
    Scalars(1) + Vectors(3, 2),
    Tensor(3),
    Tensor(2, order=3),
    Vectors(2, 3) + Tensor(3) + Scalars(1),
]


@pytest.mark.parametrize("rep", REPS, ids=repr)
def test_batched_action_matches_the_representation_matrix(rep):
    rng = np.random.default_rng(0)
    g = rng.standard_normal((5, rep.dim, rep.dim))
    x = rng.standard_normal((5, rep.size))
    moved = rep.act(torch.as_tensor(g), torch.as_tensor(x)).numpy()
    expected = np.stack([rep.group_matrix(gi) @ xi for gi, xi in zip(g, x)])
    np.testing.assert_allclose(moved, expected, atol=1e-12)


@pytest.mark.parametrize("rep", REPS, ids=repr)
def test_algebra_matrix_exponentiates_to_group_matrix(rep):
    generator = np.random.default_rng(1).standard_normal((rep.dim, rep.dim))
    np.testing.assert_allclose(
        expm(0.7 * rep.algebra_matrix(generator)),
        rep.group_matrix(expm(0.7 * generator)),
        atol=1e-10,
    )


def test_vectors_layout_is_one_vector_after_another():
    rep = Vectors(2, 2)
    g = torch.tensor([[0.0, -1.0], [1.0, 0.0]])  # quarter turn
    moved = rep.act(g, torch.tensor([[1.0, 0.0, 0.0, 2.0]]))
    np.testing.assert_allclose(moved.numpy(), [[0.0, 1.0, -2.0, 0.0]])


def test_scalars_are_left_unchanged():
    rep = Vectors(1, 2) + Scalars(3)
    x = torch.randn(4, 5)
    moved = rep.act(torch.randn(4, 2, 2), x)
    np.testing.assert_array_equal(moved[:, 2:].numpy(), x[:, 2:].numpy())


def test_direct_sum_flattens_and_compares():
    rep = Vectors(2, 3) + (Scalars(1) + Vectors(1, 3))
    assert isinstance(rep, DirectSum)
    assert rep.parts() == [Vectors(2, 3), Scalars(1), Vectors(1, 3)]
    assert (rep.size, rep.dim) == (10, 3)
    assert repr(rep) == "Vectors(2, 3) + Scalars(1) + Vectors(1, 3)"
    assert rep == DirectSum(Vectors(2, 3), Scalars(1), Vectors(1, 3))
    assert hash(rep) == hash(DirectSum(Vectors(2, 3), Scalars(1), Vectors(1, 3)))
    assert Vectors(2, 3) != Vectors(3, 2)
    assert Scalars(2).dim is None


def test_invalid_reps_are_rejected():
    with pytest.raises(ValueError, match="same dimension"):
        Vectors(1, 2) + Vectors(1, 3)
    with pytest.raises(ValueError, match="positive integer"):
        Vectors(0, 3)
    with pytest.raises(ValueError, match="positive integer"):
        Scalars(1.5)
    with pytest.raises(TypeError, match="symlearn.reps"):
        DirectSum(Vectors(1, 2), "x")
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        Vectors(1, 3).group_matrix(np.eye(2))
    with pytest.raises(ValueError, match="no base space"):
        Scalars(2).group_matrix(np.eye(2))


def test_order_two_tensor_is_g_T_g_transposed_row_major():
    T = np.arange(9.0).reshape(3, 3)
    g = np.random.default_rng(3).standard_normal((3, 3))
    moved = Tensor(3).act(torch.as_tensor(g), torch.as_tensor(T.reshape(1, 9))).numpy()
    np.testing.assert_allclose(moved.reshape(3, 3), g @ T @ g.T, atol=1e-12)
    assert repr(Tensor(3)) == "Tensor(3, order=2)" and Tensor(3) != Tensor(3, order=3)


AFFINE = [Points(3, 2), Points(2, 3) + Vectors(1, 3) + Scalars(2)]


@pytest.mark.parametrize("rep", AFFINE, ids=repr)
def test_points_move_affinely_and_vectors_feel_only_the_linear_part(rep):
    rng = np.random.default_rng(4)
    d = rep.dim - 1
    A, b = rng.standard_normal((d, d)), rng.standard_normal(d)
    g = np.eye(d + 1)
    g[:d, :d], g[:d, d] = A, b
    x = rng.standard_normal((2, rep.size))
    moved = rep.act(torch.as_tensor(g), torch.as_tensor(x)).numpy()
    for where, part in rep.feature_slices():
        block = x[:, where]
        if isinstance(part, Points):
            expected = (block.reshape(2, -1, d) @ A.T + b).reshape(2, -1)
        elif isinstance(part, Vectors):
            expected = (block.reshape(2, -1, d) @ A.T).reshape(2, -1)
        else:
            expected = block
        np.testing.assert_allclose(moved[:, where], expected, atol=1e-12)


@pytest.mark.parametrize("rep", [*REPS, *AFFINE], ids=repr)
def test_tangent_is_the_derivative_of_the_action(rep):
    rng = np.random.default_rng(5)
    generators = torch.as_tensor(rng.standard_normal((2, rep.dim, rep.dim)))
    if rep.affine:
        generators[:, -1] = 0.0  # aff(d): the last row of a generator is zero
    x = torch.as_tensor(rng.standard_normal((3, rep.size)))
    step = 1e-6
    for k, generator in enumerate(generators):
        forward = rep.act(torch.linalg.matrix_exp(step * generator), x)
        backward = rep.act(torch.linalg.matrix_exp(-step * generator), x)
        np.testing.assert_allclose(
            rep.tangent(generators, x)[:, k].numpy(),
            ((forward - backward) / (2 * step)).numpy(),
            atol=1e-6,
        )


def test_affine_reps_have_no_row_matrix_and_mixed_dimensions_fail():
    with pytest.raises(ValueError, match="affine maps"):
        Points(1, 2).group_matrix(np.eye(3))
    assert (Points(1, 2) + Vectors(1, 2)).dim == 3
    with pytest.raises(ValueError, match="same dimension"):
        Points(1, 2) + Vectors(1, 3)
    with pytest.raises(ValueError, match="positive integer"):
        Tensor(3, order=0)
