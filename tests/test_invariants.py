import numpy as np
import pytest
import torch

import symlearn._discovery as discovery
import symlearn._exact_phase as exact_phase
from symlearn import SymmetryDiscoveringRegressor, load, save
from symlearn._builders import AUTO_LR, INVARIANT_LR
from symlearn.datasets import make_charged_nbody
from symlearn.lie import (
    affine_embedding,
    so_generators,
    so_pq_generators,
    translation_generators,
)
from symlearn.nn import MLP
from symlearn.reps import Points, Scalars, Tensor, Vectors
from symlearn.symmetrize import parse_group
from symlearn.symmetrize._invariants import (
    InvariantFeatures,
    InvariantModel,
    invariant_frame,
    n_coefficients,
)
from symlearn.testing import assert_group_equivariant, equivariance_error


def _conjugated(generators, seed):
    """The same algebra in a random basis of R^d."""
    d = generators.shape[1]
    R = np.random.default_rng(seed).normal(size=(d, d)) + 2 * np.eye(d)
    return np.einsum("ab,kbc,cd->kad", R, generators, np.linalg.inv(R))


def _rotation_xy():
    L = np.zeros((1, 3, 3))
    L[0, 0, 1], L[0, 1, 0] = -1.0, 1.0
    return L


def _model(generators, input_rep, output_rep=None, oriented=True):
    torch.manual_seed(0)
    frame, form, scaling = invariant_frame(generators)
    features = InvariantFeatures(input_rep, frame, form, oriented=oriented, scaling=scaling)
    n_outputs = n_coefficients(features, output_rep) or 2
    return InvariantModel(features, MLP(features.n_features, n_outputs), output_rep).double()


# -- the frame and form of an algebra ------------------------------------------------------


def test_frame_of_so5_has_a_definite_form():
    frame, form, _ = invariant_frame(so_generators(5))
    assert frame.shape == (5, 5)
    np.testing.assert_allclose(form, np.eye(5), atol=1e-10)


def test_frame_of_lorentz_algebra_in_any_basis_has_signature_3_1():
    _, form, _ = invariant_frame(_conjugated(so_pq_generators(1, 3), 0))
    eigenvalues = np.linalg.eigvalsh(form)
    assert (np.sum(eigenvalues > 0), np.sum(eigenvalues < 0)) == (3, 1)


def test_frame_of_rotations_and_scaling_splits_off_the_scaling():
    _, form, scaling = invariant_frame(
        _conjugated(np.concatenate([so_generators(3), np.eye(3)[None]]), 2)
    )
    assert scaling
    assert np.all(np.linalg.eigvalsh(form) > 0)
    assert not invariant_frame(so_generators(3))[2]


def test_frame_of_a_subblock_rotation_moves_the_plane_and_fixes_the_axis():
    frame, form, _ = invariant_frame(_rotation_xy())
    assert form.shape == (2, 2)
    # The fixed direction is the z axis, up to sign.
    np.testing.assert_allclose(np.abs(frame[:, 2]), [0, 0, 1], atol=1e-10)


@pytest.mark.parametrize(
    ("generators", "named"),
    [
        (so_generators(3)[:2], "span"),
        (np.eye(3)[None], "scaling"),
    ],
)
def test_frame_names_the_algebra_it_cannot_build(generators, named):
    with pytest.raises(ValueError, match="invariant_features") as error:
        invariant_frame(generators)
    assert named in str(error.value)


# -- exactness ------------------------------------------------------------------------------

CASES = {
    "O(5), two vectors": (so_generators(5), Vectors(2, 5), None, 3.0),
    "Lorentz, four four-vectors": (so_pq_generators(1, 3), Vectors(4, 4), None, 1.0),
    "so(2,1), random basis": (_conjugated(so_pq_generators(2, 1), 1), Vectors(3, 3), None, 1.0),
    "z rotation, vector out": (_rotation_xy(), Vectors(2, 3) + Scalars(2), Vectors(1, 3), 3.0),
    "so(3), tensor out": (so_generators(3), Vectors(3, 3), Tensor(3, 2), 3.0),
    "so(3), mixed out": (so_generators(3), Vectors(3, 3), Vectors(2, 3) + Scalars(1), 3.0),
    "so(3) + scaling, tensor out": (
        np.concatenate([so_generators(3), np.eye(3)[None]]),
        Vectors(4, 3) + Scalars(2),
        Tensor(3, 2),
        1.0,
    ),
    "so(1,3) + scaling": (
        np.concatenate([so_pq_generators(1, 3), np.eye(4)[None]]),
        Vectors(3, 4),
        Vectors(1, 4),
        1.0,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invariant_model_is_exactly_equivariant(case):
    generators, input_rep, output_rep, reach = CASES[case]
    model = _model(generators, input_rep, output_rep)
    X = torch.randn(64, input_rep.size, generator=torch.Generator().manual_seed(0)).double()
    error = equivariance_error(
        model, X, generators, input_rep, output_rep, reach=reach, relative=True
    )
    assert error <= 1e-6  # the frame and form are stored in float32
    # A generic motion is not a symmetry: the check can fail.
    other = np.random.default_rng(0).normal(size=(1, *generators.shape[1:]))
    assert equivariance_error(model, X, other, input_rep, output_rep, reach=1.0) > 1e-3


def test_float32_model_is_equivariant_to_float_precision_under_boosts():
    generators = so_pq_generators(1, 3)
    model = _model(generators, Vectors(4, 4)).float()
    X = torch.randn(64, 16, generator=torch.Generator().manual_seed(1))
    assert equivariance_error(model, X, generators, Vectors(4, 4), reach=1.0, relative=True) < 1e-5


def test_exactness_is_asserted_under_boosts_up_to_rapidity_one_and_scalings_up_to_two():
    lorentz = so_pq_generators(1, 3)  # boosts E_0i + E_i0: t is the rapidity
    model = _model(lorentz, Vectors(4, 4)).float()
    X = torch.randn(64, 16, generator=torch.Generator().manual_seed(1))
    assert_group_equivariant(model, X, lorentz, Vectors(4, 4), reach=1.0, rtol=1e-5)
    conformal = np.concatenate([so_generators(3), np.eye(3)[None]])  # exp(t Id): factor e^t
    model = _model(conformal, Vectors(3, 3), Tensor(3, 2)).float()
    X = torch.randn(64, 9, generator=torch.Generator().manual_seed(2))
    assert_group_equivariant(model, X, conformal, Vectors(3, 3), Tensor(3, 2), reach=np.log(2))
    # A model of another group is not: the assertion can fail, and says under what.
    with pytest.raises(AssertionError, match="group of 6 generator"):
        rotations_only = _model(so_generators(4), Vectors(4, 4))
        X = torch.randn(64, 16, generator=torch.Generator().manual_seed(3)).double()
        assert_group_equivariant(rotations_only, X, lorentz, Vectors(4, 4), reach=1.0)


def test_the_connected_lorentz_group_keeps_time_orientation_which_pt_reverses():
    lorentz = so_pq_generators(1, 3)
    frame, form, _ = invariant_frame(lorentz)
    connected = InvariantFeatures(Vectors(3, 4), frame, form, time_oriented=True).double()
    determinant_preserving = InvariantFeatures(Vectors(3, 4), frame, form).double()
    assert connected.n_features == determinant_preserving.n_features + 3  # one per vector
    X = torch.randn(256, 12, generator=torch.Generator().manual_seed(0)).double()
    # Exact under the connected group (boosts up to rapidity 1 and rotations) ...
    assert_group_equivariant(connected, X, lorentz, Vectors(3, 4), reach=1.0)
    # ... and the time orientations change sign under PT (x -> -x, determinant +1),
    # which leaves the other features as they are.
    features, reversed_ = connected(X), connected(-X)
    n = determinant_preserving.n_features
    torch.testing.assert_close(reversed_[:, :n], features[:, :n])
    torch.testing.assert_close(reversed_[:, n:], -features[:, n:])
    timelike = X.reshape(256, 3, 4)[..., 0] ** 2 > (X.reshape(256, 3, 4)[..., 1:] ** 2).sum(-1)
    assert (features[:, n:] != 0).eq(timelike).all()  # zero outside the light cones


def test_oriented_features_keep_a_chiral_sign_that_orthogonal_ones_lose():
    rep = Vectors(3, 3)
    X = torch.randn(16, 9, generator=torch.Generator().manual_seed(0))
    mirrored = X.reshape(16, 3, 3) * torch.tensor([-1.0, 1.0, 1.0])
    mirrored = mirrored.reshape(16, 9)
    frame, form, _ = invariant_frame(so_generators(3))
    oriented = InvariantFeatures(rep, frame, form, oriented=True)
    unoriented = InvariantFeatures(rep, frame, form, oriented=False)
    torch.testing.assert_close(unoriented(mirrored), unoriented(X))
    determinant = torch.linalg.det(X.reshape(16, 3, 3))
    torch.testing.assert_close(oriented(X)[:, 6], determinant)
    torch.testing.assert_close(oriented(mirrored)[:, 6], -determinant)


def test_tensor_outputs_need_not_be_symmetric():
    model = _model(so_generators(3), Vectors(3, 3), Tensor(3, 2)).float()
    T = model(torch.randn(8, 9, generator=torch.Generator().manual_seed(0))).reshape(8, 3, 3)
    assert (T - T.transpose(1, 2)).abs().max() > 1e-3


def _euclidean(d):
    return np.concatenate([affine_embedding(so_generators(d)), translation_generators(d)])


def test_points_are_centred_so_that_euclidean_motions_leave_the_features_exact():
    rep = Points(3, 2) + Vectors(1, 2) + Scalars(1)  # positions, a velocity, a mass
    frame, form, _ = invariant_frame(_euclidean(2), affine=True)
    features = InvariantFeatures(rep, frame, form)
    model = InvariantModel(features, MLP(features.n_features, 4 * 2), Vectors(2, 2)).double()
    X = 30 + torch.randn(64, rep.size, generator=torch.Generator().manual_seed(0)).double()
    # Turns about any point and translations (30 units away), on points and velocity.
    assert_group_equivariant(model, X, _euclidean(2), rep, Vectors(2, 2), reach=10.0)
    # A scaling about the origin is not a symmetry of the model: the check can fail.
    scaling = affine_embedding(np.eye(2)[None])
    with pytest.raises(AssertionError):
        assert_group_equivariant(model, X, scaling, rep, Vectors(2, 2), reach=0.5)


def test_points_need_every_translation_in_the_span():
    turn_about_a_point = affine_embedding(so_generators(2))
    with pytest.raises(ValueError, match="so\\(2\\) .*every translation"):
        invariant_frame(turn_about_a_point, affine=True)


def test_invariant_features_refuse_unbuildable_outputs():
    sub_frame, sub_form, _ = invariant_frame(_rotation_xy())
    features = InvariantFeatures(Vectors(2, 3), sub_frame, sub_form)
    with pytest.raises(ValueError, match="subspace only"):
        n_coefficients(features, Tensor(3, 2))


# -- group names ----------------------------------------------------------------------------


def test_pseudo_orthogonal_group_names_parse():
    group = parse_group("SO(1, 3)", Vectors(4, 4))
    assert (group.orthogonal, group.signature, group.dim) == ("SO", (1, 3), 4)
    assert group.name == "SO(1,3)"
    assert parse_group("O(3,0)", Vectors(2, 3)).signature is None
    with pytest.raises(ValueError, match="R\\^4"):
        parse_group("O(1,3)", Vectors(2, 3))
    with pytest.raises(ValueError, match="Unknown group"):
        parse_group("E(1,3)", Vectors(2, 4))


@pytest.mark.parametrize(
    ("symmetrize", "group", "rep", "message"),
    [
        ("probabilistic", "O(1,3)", Vectors(2, 4), "not compact"),
        ("invariant_features", "S_n", Vectors(3, 3), "permutations of items alone"),
        ("invariant_features", "E(3)", Points(3, 3) + Tensor(3, 2), "Tensor part"),
        ("probabilistic", "discovered", Points(3, 3), "Points part"),
        ("invariant_features", "discovered", Vectors(2, 3) + Tensor(3, 2), "Tensor part"),
        ("invariant_features_x", "O(3)", Vectors(3, 3), "invariant_features"),
    ],
)
def test_unsupported_requests_fail_before_training(symmetrize, group, rep, message):
    X = np.random.default_rng(0).normal(size=(40, rep.size))
    estimator = SymmetryDiscoveringRegressor(
        input_rep=rep, symmetrize=symmetrize, group=group, max_epochs=1
    )
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, X[:, 0])
    assert not hasattr(estimator, "n_features_in_")


# -- the estimators -------------------------------------------------------------------------


def _o5_task(n, seed):
    """EMLP's O(5) task: sin|x1| - |x2|^3 / 2 + x1.x2 / (|x1| |x2|)."""
    X = np.random.default_rng(seed).normal(size=(n, 10))
    x1, x2 = X[:, :5], X[:, 5:]
    r1, r2 = np.linalg.norm(x1, axis=1), np.linalg.norm(x2, axis=1)
    return X, np.sin(r1) - r2**3 / 2 + np.sum(x1 * x2, axis=1) / (r1 * r2)


def test_named_group_model_is_exact_accurate_and_survives_save_and_load(tmp_path):
    X, y = _o5_task(400, 0)
    X_test, y_test = _o5_task(300, 1)
    options = {"input_rep": Vectors(2, 5), "augment": False, "max_epochs": 80, "random_state": 0}
    plain = SymmetryDiscoveringRegressor(**options).fit(X, y)
    exact = SymmetryDiscoveringRegressor(
        symmetrize="invariant_features", group="O(5)", **options
    ).fit(X, y)
    assert isinstance(exact.net_.module_.backbone, InvariantModel)
    plain_mse = np.mean((plain.predict(X_test) - y_test) ** 2)
    exact_mse = np.mean((exact.predict(X_test) - y_test) ** 2)
    assert exact_mse < 0.5 * plain_mse
    error = equivariance_error(
        exact.predict, X_test[:50], "O(5)", Vectors(2, 5), relative=True, seed=0
    )
    assert error < 1e-5
    save(exact, tmp_path / "o5.symlearn")
    restored = load(tmp_path / "o5.symlearn")
    np.testing.assert_array_equal(restored.predict(X_test), exact.predict(X_test))


def test_chiral_target_needs_the_special_group():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 9))
    y = np.linalg.det(X.reshape(-1, 3, 3))
    scores = {}
    for group in ("O(3)", "SO(3)"):
        estimator = SymmetryDiscoveringRegressor(
            input_rep=Vectors(3, 3),
            symmetrize="invariant_features",
            group=group,
            augment=False,
            max_epochs=60,
            random_state=0,
        ).fit(X[:400], y[:400])
        scores[group] = estimator.score(X[400:], y[400:])
    assert scores["SO(3)"] > 0.95
    assert scores["O(3)"] < 0.1


def test_discovered_group_becomes_an_exact_model(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    y = np.sin(np.sum(X[:, :2] ** 2, axis=1)) + np.sum(X[:, :2] * X[:, 2:], axis=1)
    estimator = SymmetryDiscoveringRegressor(
        input_rep=Vectors(2, 2), symmetrize="invariant_features", max_epochs=80, random_state=0
    ).fit(X, y)
    assert estimator.symmetry_verdict_ == "symmetric"
    assert estimator.algebra_.name == "so(2)"
    assert isinstance(estimator.net_.module_.backbone, InvariantModel)
    error = equivariance_error(
        estimator.predict, X[:50], so_generators(2), Vectors(2, 2), relative=True
    )
    assert error < 1e-5
    save(estimator, tmp_path / "so2.symlearn")
    np.testing.assert_array_equal(
        load(tmp_path / "so2.symlearn").predict(X[:50]), estimator.predict(X[:50])
    )


def test_auto_lr_trains_invariant_feature_models_at_their_own_rate(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    y = np.sin(np.sum(X[:, :2] ** 2, axis=1)) + np.sum(X[:, :2] * X[:, 2:], axis=1)
    rates = []  # the rate each later phase starts with
    start_phase = exact_phase.start_phase
    monkeypatch.setattr(
        exact_phase, "start_phase", lambda net: [rates.append(net.lr), start_phase(net)]
    )
    estimator = SymmetryDiscoveringRegressor(
        input_rep=Vectors(2, 2), symmetrize="invariant_features", max_epochs=80, random_state=0
    ).fit(X, y)
    assert isinstance(estimator.net_.module_.backbone, InvariantModel)
    assert rates == [INVARIANT_LR]  # the exact model's phase; the MLP's was the net's own
    assert estimator.net_.lr == AUTO_LR
    options = {"input_rep": Vectors(2, 2), "augment": False, "max_epochs": 2, "random_state": 0}
    named = SymmetryDiscoveringRegressor(symmetrize="invariant_features", group="O(2)", **options)
    assert named.fit(X, y).net_.lr == INVARIANT_LR
    assert named.set_params(lr=0.01).fit(X, y).net_.lr == 0.01  # a number, for every phase
    assert SymmetryDiscoveringRegressor(**options).fit(X, y).net_.lr == AUTO_LR


def test_discovered_without_a_symmetry_warns_and_keeps_the_plain_model():
    rng = np.random.default_rng(0)
    X = rng.normal([0.3, -0.2, 0.1], [1.0, 0.5, 2.0], size=(600, 3))
    y = np.exp(0.5 * X[:, 0]) + np.cos(2 * X[:, 1]) + 0.3 * X[:, 0] * X[:, 2]
    estimator = SymmetryDiscoveringRegressor(
        symmetrize="invariant_features", max_epochs=100, random_state=0
    )
    with pytest.warns(UserWarning, match="not made exactly invariant"):
        estimator.fit(X, y)
    assert estimator.symmetry_verdict_ != "symmetric"
    assert isinstance(estimator.net_.module_.backbone, MLP)


def test_an_algebra_no_features_cover_meets_the_orbit_before_it_is_refused(monkeypatch):
    # Charged n-body from 500 rows: positions after a while are nearly p + t v,
    # which every linear map commutes with, so all of gl(3) lies within floors
    # that hide every motion. It cannot be built, so the augmented model meets
    # the held-out rows first: refuted there, the fit falls back with a warning
    # instead of stopping on an error about an algebra that is not a symmetry.
    # Without the linear part (a backbone of the user's own has none): with it,
    # the reference is judged on what that part leaves, and found to have
    # learnt none of it (test_a_model_that_learnt_only_the_linear_part_...).
    # Nor the affine yardstick, which finds the reference no better than an
    # affine map and makes the verdict inconclusive before any orbit.
    monkeypatch.setattr(discovery, "_linear_part", lambda *args: None)
    monkeypatch.setattr(discovery, "affine_predictions", lambda *args: None)
    rep = Vectors(5, 3) + Vectors(5, 3) + Scalars(5)
    X, y, _ = make_charged_nbody(500, random_state=0)
    estimator = SymmetryDiscoveringRegressor(
        input_rep=rep,
        output_rep=Vectors(5, 3),
        symmetrize="invariant_features",
        max_epochs=100,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="not made exactly invariant") as record:
        estimator.fit(X, y)
    assert "9 direction(s)" in str(record[0].message)
    assert estimator.symmetry_verdict_ == "inconclusive"
    assert isinstance(estimator.net_.module_.backbone, MLP)


def test_a_confirmed_algebra_no_features_cover_is_named_in_an_error():
    # Invariant under scaling alone (a function of the direction): confirmed
    # along the orbit, and not an algebra invariant features are built for.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2)) * [1.0, 0.6] + [0.3, 0.2]
    theta = np.arctan2(X[:, 1], X[:, 0])
    estimator = SymmetryDiscoveringRegressor(
        input_rep=Vectors(1, 2), symmetrize="invariant_features", max_epochs=100, random_state=0
    )
    with pytest.raises(ValueError, match="The algebra here is scaling"):
        estimator.fit(X, np.cos(2 * theta) + 0.5 * np.sin(theta))
    assert not hasattr(estimator, "n_features_in_")


def test_points_with_an_explicit_scalars_output_fit():
    # Scalars outputs do not move: the probe gives them no output action
    # (it asked Scalars for an algebra matrix and raised).
    X = np.random.default_rng(0).normal(size=(120, 12))
    estimator = SymmetryDiscoveringRegressor(
        input_rep=Points(4, 3),
        output_rep=Scalars(2),
        symmetrize="invariant_features",
        group="E(3)",
        max_epochs=2,
        module__hidden_sizes=(16,),
        random_state=0,
    ).fit(X, X[:, :2])
    assert estimator.predict(X[:5]).shape == (5, 2)


def test_a_named_euclidean_group_gives_an_exactly_invariant_fit_on_points():
    rng = np.random.default_rng(0)
    P = rng.standard_normal((300, 3, 2)) + rng.normal(0, 2, size=(300, 1, 2))
    y = np.linalg.norm(P[:, 0] - P[:, 1], axis=1)
    est = SymmetryDiscoveringRegressor(
        input_rep=Points(3, 2),
        symmetrize="invariant_features",
        group="E(2)",
        augment=False,
        max_epochs=20,
        random_state=0,
    ).fit(P.reshape(300, 6), y)
    X = P.reshape(300, 6)[:50]
    predict = lambda rows: torch.as_tensor(est.predict(rows.numpy()))[:, None]
    # Reflections included (E(2)), 32-bit model: within float precision.
    assert_group_equivariant(predict, torch.as_tensor(X), "E(2)", Points(3, 2), rtol=1e-5)
