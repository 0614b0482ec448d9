"""The linear part of an equivariant target that every searched direction leaves alone."""

import numpy as np
import pytest
import torch

import symlearn
import symlearn._discovery as discovery
from symlearn import SymmetryDiscoveringRegressor
from symlearn._linear_part import commuting_maps, fit_linear_part, residual_scale
from symlearn.datasets import make_charged_nbody, make_two_body_trajectories
from symlearn.lie import aff_basis, gl_basis, so_generators
from symlearn.nn import MLP
from symlearn.reps import Points, Scalars, Tensor, Vectors


def _commutes(maps, input_rep, output_rep, directions):
    """Largest ``|drho_out(L) W x - W (T_L x + c_L)|`` over maps, directions and random rows."""
    rows = torch.randn(7, input_rep.size, dtype=torch.float64)
    worst = 0.0
    for W in torch.as_tensor(maps):
        moved_in = input_rep.tangent(torch.as_tensor(directions), rows)  # (n, k, D)
        outputs = rows @ W.T
        linear = torch.as_tensor(directions)
        if output_rep.dim is not None and linear.shape[-1] == output_rep.dim + 1:
            linear = linear[..., :-1, :-1]
        moved_out = output_rep.tangent(linear, outputs)  # (n, k, o)
        worst = max(worst, float((moved_out - moved_in @ W.T).abs().max()))
    return worst


@pytest.mark.parametrize(
    ("input_rep", "output_rep", "directions", "dimension"),
    [
        (Vectors(4, 2), Vectors(4, 2), gl_basis(2), 16),  # A (x) I_2, A any 4 x 4
        (Vectors(4, 2), Vectors(4, 2), so_generators(2), 32),  # also A (x) J
        (Vectors(2, 3), Vectors(1, 3), gl_basis(3), 2),
        (Vectors(2, 3) + Scalars(2), Vectors(1, 3) + Scalars(1), gl_basis(3), 4),
        (Points(3, 2), Vectors(3, 2), aff_basis(2), 6),  # differences of points
        (Vectors(2, 3), Tensor(3, 2), gl_basis(3), 0),  # scaling forbids any
    ],
)
def test_the_commuting_maps_are_exactly_the_equivariant_linear_maps(
    input_rep, output_rep, directions, dimension
):
    maps = commuting_maps(input_rep, output_rep, directions)
    assert maps.shape == (dimension, output_rep.size, input_rep.size)
    if dimension:
        assert _commutes(maps, input_rep, output_rep, directions) < 1e-9
        gram = np.einsum("aij,bij->ab", maps, maps)
        np.testing.assert_allclose(gram, np.eye(dimension), atol=1e-9)


def test_points_map_to_vectors_only_through_their_differences():
    maps = commuting_maps(Points(3, 2), Vectors(3, 2), aff_basis(2))
    # Moving every point by the same t changes no output.
    shift = np.tile([0.7, -1.3], 3)
    np.testing.assert_allclose(maps @ shift, 0.0, atol=1e-9)


def test_invariant_targets_images_and_oversized_problems_have_no_linear_part():
    assert commuting_maps(Vectors(2, 3), None, gl_basis(3)).shape[0] == 0
    assert commuting_maps(Vectors(30, 3), Vectors(30, 3), gl_basis(3)).shape[0] == 0


def test_the_fitted_linear_part_recovers_an_equivariant_linear_target():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 2))  # 3 output vectors from 2 input vectors
    X = rng.standard_normal((50, 4))
    Y = np.einsum("vw,nwd->nvd", A, X.reshape(50, 2, 2)).reshape(50, 6)
    maps = commuting_maps(Vectors(2, 2), Vectors(3, 2), gl_basis(2))
    W = fit_linear_part(X, Y, maps)
    # Up to the weakest ridge (1e-3 of the largest eigenvalue): a shrinkage of ~1e-3.
    np.testing.assert_allclose(W, np.kron(A, np.eye(2)), atol=5e-3 * np.abs(A).max())
    weights = rng.uniform(0.5, 2.0, 50)
    np.testing.assert_allclose(fit_linear_part(X, Y, maps, weights), W, atol=5e-3)
    assert np.all(fit_linear_part(X, Y, maps[:0]) == 0)
    # What an exact W leaves is round-off: the layers' unit is float32's
    # resolution of the targets, not that round-off.
    exact = np.kron(A, np.eye(2))
    target_scale = np.sqrt(np.mean(Y**2))
    np.testing.assert_allclose(residual_scale(X, Y, exact, Vectors(3, 2)), 1e-6 * target_scale)


def test_the_mlp_adds_its_linear_part_to_its_scaled_layers():
    torch.manual_seed(0)
    mlp = MLP(4, 6, hidden_sizes=(8,))
    x = torch.randn(5, 4)
    layers = mlp(x)
    W, scale = np.arange(24.0).reshape(6, 4) / 10, np.full(6, 3.0)
    mlp.set_linear_part(W, scale)
    expected = layers * 3.0 + x @ torch.as_tensor(W, dtype=torch.float32).T
    torch.testing.assert_close(mlp(x), expected)
    with pytest.raises(ValueError, match=r"shape \(6, 4\) \(outputs, inputs\)"):
        mlp.set_linear_part(np.zeros((4, 6)))


def _one_step_orbits():
    X, y, _ = make_two_body_trajectories(1400, n_past=1, n_future=1, time_step=0.05, random_state=0)
    return X[:600], y[:600], X[600:], y[600:]


def test_a_one_step_map_is_learned_beside_its_linear_part(monkeypatch, tmp_path):
    """The near-identity of one-step orbits: the layers learn only what it leaves.

    Measured: test MSE 6.1e-8 with the linear part, 1.0e-5 without.
    """
    X, y, X_test, y_test = _one_step_orbits()
    rep = Vectors(4, 2)
    options = {"input_rep": rep, "output_rep": rep, "random_state": 0, "max_epochs": 150}
    est = SymmetryDiscoveringRegressor(**options).fit(X, y)
    error = np.mean((est.predict(X_test) - y_test) ** 2)
    assert est.algebra_.name == "so(2)"
    W = est.net_.module_.backbone.linear_part.numpy().astype(float)
    # One short step ahead the linear part alone predicts the states to 2%
    # (model coordinates: one scale for inputs and outputs alike, 0.42).
    linear = X_test @ W.T
    assert np.sqrt(np.mean((linear - y_test) ** 2) / np.mean(y_test**2)) < 0.05
    monkeypatch.setattr(discovery, "_linear_part", lambda *args: None)
    without = SymmetryDiscoveringRegressor(**options).fit(X, y)
    error_without = np.mean((without.predict(X_test) - y_test) ** 2)
    assert error < error_without / 10
    path = tmp_path / "orbits.safetensors"
    symlearn.save(est, path)
    np.testing.assert_allclose(symlearn.load(path).predict(X_test), est.predict(X_test), rtol=1e-6)


def test_a_model_that_learnt_only_the_linear_part_cannot_tell_a_symmetry():
    # Charged n-body from 500 rows: positions and velocities a while later are
    # nearly linear in the inputs, and that part commutes with all of gl(3).
    # The reference learns nothing of the interactions beyond it, so it is
    # equivariant under every linear map: without the linear part its R^2
    # over the whole target (0.91) let gl(3) through to the orbit test.
    rep = Vectors(5, 3) + Vectors(5, 3) + Scalars(5)
    X, y, _ = make_charged_nbody(500, random_state=0)
    est = SymmetryDiscoveringRegressor(
        input_rep=rep, output_rep=Vectors(5, 3), max_epochs=100, random_state=0
    ).fit(X, y)
    assert est.symmetry_verdict_ == "inconclusive"
    assert est.reference_score_ < 0.5
    assert "of the held-out variation its linear part leaves" in est.symmetry_verdict_reason_
    assert "over what its linear part leaves" in est.describe_symmetry()


def test_a_linear_target_plus_noise_is_inconclusive_and_says_why():
    # All of gl(2) commutes with y = (A (x) I) x: what the linear part leaves
    # is noise, which looks like signal the model has not learnt.
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 2))
    X = rng.standard_normal((400, 4))
    y = np.einsum("vw,nwd->nvd", A, X.reshape(400, 2, 2)).reshape(400, 4)
    y = y + 0.05 * rng.standard_normal(y.shape)
    rep = Vectors(2, 2)
    est = SymmetryDiscoveringRegressor(
        input_rep=rep, output_rep=rep, max_epochs=60, random_state=0
    ).fit(X, y)
    assert est.symmetry_verdict_ == "inconclusive"
    assert "either the target is it plus noise" in est.symmetry_verdict_reason_
    # The predictions are the linear part's, to the noise.
    assert np.mean((est.predict(X) - y) ** 2) < 2 * 0.05**2
