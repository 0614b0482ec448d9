import math

import numpy as np
import pytest
import torch

from symlearn._scaling import FLOAT32_ROUND_OFF
from symlearn.lie import so_generators
from symlearn.nn import FULL_TURN_EXTENT, MLP, ConvNet, LieAugmentation, SymmetryModule
from symlearn.reps import Scalars, Vectors


def _augmentation_with(generators, rep):
    augmentation = LieAugmentation(rep, len(generators))
    with torch.no_grad():
        augmentation.raw_generators.copy_(torch.as_tensor(generators, dtype=torch.float32))
    return augmentation


def test_generators_have_unit_norm_and_extents_their_range():
    torch.manual_seed(0)
    augmentation = LieAugmentation(Vectors(4, 3), n_generators=3, initial_extent=0.5)
    norms = augmentation.generators().flatten(1).norm(dim=1)
    np.testing.assert_allclose(norms.detach().numpy(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(augmentation.extents().detach().numpy(), 0.5, rtol=1e-6)
    coefficients = augmentation.sample_coefficients(1000)
    assert coefficients.shape == (1000, 3)
    assert coefficients.abs().max() <= 0.5
    assert coefficients.abs().max() > 0.45


def test_views_are_stacked_view_by_view():
    augmentation = LieAugmentation(Vectors(2, 3) + Scalars(1), n_generators=2)
    x = torch.randn(5, 7)
    views = augmentation(x, n_views=3)
    assert views.shape == (15, 7)
    # Scalars are untouched; view v of sample i is row v * n + i.
    np.testing.assert_array_equal(views[:, 6].detach().numpy(), x[:, 6].repeat(3).numpy())
    assert not torch.allclose(views[:5, :6], views[5:10, :6])


def test_rotation_augmentation_preserves_norms():
    augmentation = _augmentation_with(so_generators(2), Vectors(3, 2))
    x = torch.randn(8, 6)
    moved = augmentation(x)
    np.testing.assert_allclose(
        moved.reshape(8, 3, 2).norm(dim=2).detach().numpy(),
        x.reshape(8, 3, 2).norm(dim=2).numpy(),
        rtol=1e-5,
    )


def test_full_turn_extent_is_a_half_turn_of_a_unit_rotation_generator():
    augmentation = _augmentation_with(so_generators(2), Vectors(1, 2))
    g = augmentation.group_elements(torch.tensor([[FULL_TURN_EXTENT]]))
    np.testing.assert_allclose(g[0].detach().numpy(), -np.eye(2), atol=1e-5)


def test_overlap_measures_how_alike_the_generators_are():
    orthogonal = _augmentation_with(so_generators(3), Vectors(1, 3))
    assert orthogonal.overlap().item() == pytest.approx(0.0, abs=1e-7)
    same = _augmentation_with(np.stack([so_generators(3)[0]] * 2), Vectors(1, 3))
    assert same.overlap().item() == pytest.approx(1.0)
    single = _augmentation_with(so_generators(2), Vectors(1, 2))
    assert single.overlap().item() == 0.0


def test_reach_terms_and_gradients():
    augmentation = LieAugmentation(Vectors(1, 2), n_generators=2, initial_extent=1.0)
    assert augmentation.reach().item() == pytest.approx(1.0 / FULL_TURN_EXTENT)
    assert augmentation.log_reach().item() == pytest.approx(math.log(1.0 / FULL_TURN_EXTENT))
    augmentation(torch.randn(4, 2)).pow(2).sum().backward()
    assert augmentation.raw_generators.grad.abs().sum() > 0
    assert augmentation.extent_logits.grad.abs().sum() > 0


def test_augmentation_needs_vectors_and_a_valid_extent():
    with pytest.raises(ValueError, match="no vector part"):
        LieAugmentation(Scalars(3), n_generators=1)
    with pytest.raises(ValueError, match="initial_extent"):
        LieAugmentation(Vectors(1, 2), n_generators=1, initial_extent=10.0)


def test_mlp_standardization_judges_round_off_at_the_precision_asked_for():
    # The squared speed of particles that all move at 0.5, computed in float32,
    # varies by round-off only: features a model computes in float32 ask for
    # float32's round-off, and keep scale 1 (scaling it up makes the outputs
    # noise). Data as a user gives it keeps float64's: a column at 1e8 +- 50
    # is still scaled to unit spread.
    rng = np.random.default_rng(0)
    directions = rng.standard_normal((500, 3)).astype(np.float32)
    velocities = 0.5 * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    X = np.stack([np.sum(velocities**2, axis=1), rng.standard_normal(500)], axis=1)
    assert 0 < X[:, 0].std() < 1e-6 * X[:, 0].mean()
    mlp = MLP(2, 1).standardize_inputs(X, round_off=FLOAT32_ROUND_OFF)
    np.testing.assert_allclose(mlp.input_scale.numpy(), [1.0, X[:, 1].std()], rtol=1e-5)
    np.testing.assert_allclose(mlp.input_offset.numpy(), X.mean(axis=0), rtol=1e-5)
    large = np.stack([1e8 + 50 * rng.standard_normal(500), rng.standard_normal(500)], axis=1)
    mlp = MLP(2, 1).standardize_inputs(large)
    np.testing.assert_allclose(mlp.input_scale.numpy(), large.std(axis=0), rtol=1e-5)
    # A column that vanishes in exact arithmetic is judged against the common size.
    zero = np.stack([1e-8 * rng.standard_normal(500), rng.standard_normal(500)], axis=1)
    mlp = MLP(2, 1).standardize_inputs(zero, round_off=FLOAT32_ROUND_OFF, size=1.0)
    assert mlp.input_scale[0] == 1.0


def test_symmetry_module_forwards_through_the_backbone_only():
    backbone = MLP(2, 1, hidden_sizes=(8,))
    module = SymmetryModule(backbone, LieAugmentation(Vectors(1, 2), 1))
    x = torch.randn(3, 2)
    torch.testing.assert_close(module(x), backbone(x))
    names = {name for name, _ in module.named_parameters()}
    assert {"augmentation.raw_generators", "augmentation.extent_logits"} <= names


def test_candidates_sample_from_their_own_group_in_turn():
    from symlearn.nn import CandidateSymmetries

    lz, lx = so_generators(3)[0], so_generators(3)[2]
    module = CandidateSymmetries(Vectors(1, 3), [lz[None], 3 * lx[None]], reaches=[1.0, 2.0])
    assert module.n_generators == 0  # off until the warm-up ends
    module.enable()
    assert module.n_generators == 2
    np.testing.assert_allclose(module.candidate(1).flatten(1).norm(dim=1), 1.0)
    x = torch.randn(6, 3)
    moved, g, which = module(x)
    assert which.tolist() == [0, 1, 0, 1, 0, 1]
    # Each row turns about its candidate's axis only (z for 0, x for 1).
    fixed_axis = torch.where(which == 0, 2, 0)
    rows = torch.arange(6)
    torch.testing.assert_close(moved[rows, fixed_axis], x[rows, fixed_axis])
    torch.testing.assert_close(moved.norm(dim=1), x.norm(dim=1))
    np.testing.assert_array_equal(module.weights.numpy(), [1.0, 1.0])


def test_augmentation_can_be_seeded_with_extents():
    augmentation = LieAugmentation(Vectors(1, 2), 3, active=False)
    augmentation.set_generators(so_generators(2), extents=[2.0])
    assert augmentation.n_generators == 1
    np.testing.assert_allclose(augmentation.extents().detach().numpy(), [2.0], rtol=1e-6)
    with pytest.raises(ValueError, match="extents must lie"):
        augmentation.set_generators(so_generators(2), extents=[FULL_TURN_EXTENT])


@pytest.mark.parametrize("height, width, channels", [(12, 12, 1), (7, 10, 3), (1, 1, 2)])
def test_convnet_reads_flat_channel_first_rows(height, width, channels):
    torch.manual_seed(0)
    net = ConvNet(height, width, channels, 4, widths=(8,), hidden_size=16)
    x = torch.randn(5, channels * height * width, requires_grad=True)
    out = net(x)
    assert out.shape == (5, 4)
    out.sum().backward()
    assert x.grad.abs().sum() > 0  # differentiable end to end, for the probe
    # The rows are images: moving one pixel's value changes only that row's output.
    y = x.detach().clone()
    y[2, 0] += 1.0
    changed = (net(y) - out).abs().sum(dim=1) > 0
    assert changed.tolist() == [False, False, True, False, False]
