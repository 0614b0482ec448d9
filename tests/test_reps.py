import numpy as np
import pytest
import torch
from scipy.linalg import expm

from symlearn.reps import DirectSum, Image, Points, Scalars, Tensor, Vectors, parse_rep

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
IMAGES = [Image(5, 7, channels=2), Image(4, 4) + Vectors(1, 2) + Scalars(1)]


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


@pytest.mark.parametrize("rep", [*REPS, *AFFINE, *IMAGES], ids=repr)
def test_tangent_is_the_derivative_of_the_action(rep):
    rng = np.random.default_rng(5)
    generators = torch.as_tensor(rng.standard_normal((2, rep.dim, rep.dim)))
    if rep.affine:
        generators[:, -1] = 0.0  # aff(d): the last row of a generator is zero
    x = torch.as_tensor(rng.standard_normal((3, rep.size)))
    # An image warp is bilinear between pixel centres: its central difference
    # carries an O(step) cross term, so the step is small (float64 keeps
    # the round-off at ~1e-8).
    step = 1e-8
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


def _homogeneous(linear=((1.0, 0.0), (0.0, 1.0)), shift=(0.0, 0.0)):
    g = torch.eye(3, dtype=torch.float64)
    g[:2, :2], g[:2, 2] = torch.tensor(linear), torch.tensor(shift)
    return g


def test_image_quarter_turn_is_rot90_counter_clockwise():
    rep = Image(6, 6, channels=2)
    images = torch.rand(3, 2, 6, 6, dtype=torch.float64)
    turned = rep.act(_homogeneous(((0.0, -1.0), (1.0, 0.0))), images.reshape(3, -1))
    expected = torch.rot90(images, k=1, dims=(2, 3))  # counter-clockwise on screen
    np.testing.assert_allclose(turned.reshape(3, 2, 6, 6), expected, atol=1e-12)


def test_image_translation_shifts_content_and_fills_zeros():
    # The longer side spans [-1, 1]: a shift of 0.5 is two pixels of an 8-wide image.
    rep = Image(4, 8)
    image = torch.rand(1, 4, 8, dtype=torch.float64) + 1.0
    right_up = rep.act(_homogeneous(shift=(0.5, 0.5)), image.reshape(1, -1)).reshape(4, 8)
    expected = torch.zeros(4, 8, dtype=torch.float64)
    expected[:2, 2:] = image[0, 2:, :6]  # content moves right and up, zeros come in
    np.testing.assert_allclose(right_up, expected, atol=1e-12)


def test_image_coordinates_and_gradient_follow_the_frame():
    rep = Image(2, 4)
    coordinates = rep.pixel_coordinates(dtype=torch.float64)
    np.testing.assert_allclose(coordinates[0], [-0.75, 0.25, 1.0])  # top left pixel
    np.testing.assert_allclose(coordinates[-1], [0.75, -0.25, 1.0])  # bottom right
    ramp = torch.tensor([[0.0, 1.0, 2.0, 3.0]] * 2, dtype=torch.float64).reshape(1, -1)
    d_x, d_y = rep.gradient(ramp)
    # One unit per pixel is two per frame unit (4 pixels span 2); zeros outside the frame.
    np.testing.assert_allclose(d_x[0, 0, 0], [1.0, 2.0, 2.0, -2.0])
    # y points up: above the top row is outside (zero), below it is the ramp.
    np.testing.assert_allclose(d_y[0, 0], [[0.0, -1.0, -2.0, -3.0], [0.0, 1.0, 2.0, 3.0]])


def test_image_rep_validation_and_identity():
    rep = Image(8, 8)
    assert (rep.size, rep.dim, rep.affine, rep.shape) == (64, 3, True, (1, 8, 8))
    assert rep == Image(8, 8, channels=1) and rep != Image(8, 8, channels=3)
    assert repr(Image(2, 3, channels=3)) == "Image(2, 3, channels=3)"
    with pytest.raises(ValueError, match="Image: height must be a positive integer"):
        Image(0, 8)
    with pytest.raises(ValueError, match="cannot combine Image and Points"):
        Image(4, 4) + Points(2, 2)
    with pytest.raises(ValueError, match="same dimension"):
        Image(4, 4) + Vectors(1, 3)


# -- representations as text ------------------------------------------------------------------


@pytest.mark.parametrize(
    "rep",
    [
        Vectors(4, 3) + Scalars(2),
        Tensor(3, 2),
        Tensor(4, 3),
        Points(3, 2) + Vectors(1, 2),
        Image(8, 8),
        Image(6, 5, channels=3),
        Scalars(7),
    ],
)
def test_parse_rep_reads_back_every_repr(rep):
    assert parse_rep(repr(rep)) == rep


def test_parse_rep_takes_keywords_defaults_and_spacing():
    assert parse_rep("Vectors(dim=3, n=4)+Scalars( 2 )") == Vectors(4, 3) + Scalars(2)
    assert parse_rep("Tensor(3)") == Tensor(3, 2)
    assert parse_rep("Image(8, 8, channels=1)") == Image(8, 8)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "it is empty"),
        ("Vector(3, 2)", "unknown representation 'Vector'"),
        ("Vectors(3)", "missing dim"),
        ("Vectors(3, 2, 1)", "at most 2 arguments"),
        ("Vectors(a, 2)", "'a' is not a whole number"),
        ("Vectors(-1, 2)", "'-1' is not a whole number"),
        ("Vectors(0, 2)", "from 1 to"),
        ("Vectors(3, 2) +", "a '+' has no term"),
        ("Vectors(n=2, n=3)", "'n' is given twice"),
        ("Tensor(3, rank=2)", "has no argument 'rank'"),
        ("__import__('os').system('true')", "is not a term"),
        ("__import__(1)", "unknown representation '__import__'"),
        ("Vectors(2, 3) * 2", "is not a term"),
    ],
)
def test_parse_rep_refuses_with_the_accepted_forms(text, problem):
    with pytest.raises(ValueError, match="Accepted forms: Scalars") as error:
        parse_rep(text)
    assert problem in str(error.value)
