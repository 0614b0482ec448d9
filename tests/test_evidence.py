"""The reference model's evidence, measured on hand-written models whose symmetries are known exactly."""

import numpy as np
import pytest
import torch

from symlearn import SymmetryDiscoveringRegressor
from symlearn import _evidence as evidence_module
from symlearn._affine import affine_predictions
from symlearn._evidence import (
    measure_evidence,
    rate_directions,
    reference_score,
)
from symlearn._first_order import first_order as measure_first_order
from symlearn._space import resolve_search_space
from symlearn._task import ClassificationTask, RegressionTask
from symlearn.lie import rotation_generator
from symlearn.metrics import lie_algebra_similarity
from symlearn.reps import Vectors


class Radius(torch.nn.Module):
    """f(x) = |x|^2 - 1 on 2-D rows (plus an optional term in x_0): rotation-invariant for a = 0."""

    def __init__(self, a=0.0):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(float(a)), requires_grad=False)

    def forward(self, x):
        return (x.pow(2).sum(1, keepdim=True) - 1.0) + self.a * x[:, :1]


def setup(n=400, seed=0):
    """Rows in model coordinates, encoded targets, the search space gl(2) and the task."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = (X**2).sum(1) - 1.0
    params = SymmetryDiscoveringRegressor().get_params(deep=False)
    space = resolve_search_space(params, Vectors(1, 2), X)
    task, y_model = RegressionTask.fit(y, output_rep=None, input_rep=Vectors(1, 2))
    return space.scale(X), y_model, space, task


def test_an_exactly_invariant_model_puts_the_rotation_first_with_a_zero_error():
    X, _, space, task = setup()
    # Radius acts on the model coordinates directly; its targets are its own outputs.
    evidence = measure_evidence(Radius(), X, (X**2).sum(1) - 1.0, space, task)
    assert evidence.errors[0] < 1e-6
    assert (
        lie_algebra_similarity(evidence.directions[:1], rotation_generator(2, 0, 1)[None]) > 0.999
    )
    # The other three directions of gl(2) (scalings and shears) are broken.
    assert evidence.errors[1] > 0.3
    assert np.all(np.diff(evidence.errors) >= 0)
    assert evidence.intervals.shape == (4, 2) and np.all(
        evidence.intervals[:, 0] <= evidence.intervals[:, 1]
    )
    # A perfect model has a zero floor and a perfect score.
    assert evidence.reference_score > 0.999 and evidence.floors[0] < 1e-6


def test_the_floor_grows_with_the_models_own_held_out_error():
    X, _, space, task = setup()
    clean = (X**2).sum(1) - 1.0
    noisy = clean + 0.3 * np.random.default_rng(1).standard_normal(len(X))
    exact = measure_evidence(Radius(), X, clean, space, task)
    rough = measure_evidence(Radius(), X, noisy, space, task)
    np.testing.assert_allclose(rough.errors, exact.errors, atol=1e-9)  # the model is the same
    assert np.all(rough.floors > exact.floors)
    assert rough.reference_score < exact.reference_score


def test_a_symmetry_breaking_term_raises_the_rotations_error_with_its_size():
    X, _, space, task = setup()
    L = rotation_generator(2, 0, 1)[None]
    errors = [rate_directions(Radius(a), X, space, task, L)[0][0] for a in (0.0, 0.1, 0.5)]
    assert errors[0] < 1e-6 < errors[1] < errors[2]


class CosineSum(torch.nn.Module):
    """f(x) = |x_01|^2 + sum_i cos(x_i), i >= 2: only the turn of the first two features keeps it."""

    def forward(self, x):
        return x[:, :2].pow(2).sum(1, keepdim=True) + torch.cos(x[:, 2:]).sum(1, keepdim=True)


def wide_setup(n, seed):
    """``n`` rows of 8 tabular features (model coordinates), their targets, gl(8) and the task."""
    X = np.random.default_rng(seed).standard_normal((n, 8))
    y = CosineSum()(torch.as_tensor(X, dtype=torch.float32)).numpy().ravel()
    params = SymmetryDiscoveringRegressor().get_params(deep=False)
    space = resolve_search_space(params, Vectors(1, 8), X)
    task, y_model = RegressionTask.fit(y, output_rep=None, input_rep=Vectors(1, 8))
    return space.scale(X), y_model, space, task


def test_directions_are_found_on_other_rows_when_the_held_out_rows_are_too_few():
    # gl(8) has 64 directions; 40 held-out rows would leave 24 of them exact on those rows alone.
    X_held, y_held, space, task = wide_setup(40, seed=0)
    X_search, _, _, _ = wide_setup(1500, seed=1)
    alone = measure_evidence(CosineSum(), X_held, y_held, space, task)
    assert alone.constraints == 40  # too few: the verdict says so; the basis is only rated
    assert len(alone.errors) == 64 and np.all(np.diff(alone.errors) >= 0)
    assert np.isclose(np.abs(alone.directions).sum(axis=(1, 2)), 1.0).all()
    for n_search in (30, 50):  # no more rows than held out, or still too few
        too_few = measure_evidence(
            CosineSum(), X_held, y_held, space, task, search_rows=X_search[:n_search]
        )
        assert too_few.constraints == max(n_search, 40)
    evidence = measure_evidence(CosineSum(), X_held, y_held, space, task, search_rows=X_search)
    # The turn is still exact and first; every other direction is broken on the held-out rows.
    assert evidence.constraints == 1500 and evidence.errors[0] < 1e-6
    # 1,000 held-out rows give 15 constraints per direction: they find the directions.
    X_many, y_many, _, _ = wide_setup(1000, seed=2)
    found = measure_evidence(CosineSum(), X_many, y_many, space, task, search_rows=X_search)
    assert found.constraints == 1000 and found.errors[0] < 1e-6
    turn = rotation_generator(8, 0, 1)[None]
    assert lie_algebra_similarity(evidence.directions[:1], turn) > 0.999
    assert evidence.errors[1] > 0.1
    assert np.all(np.diff(evidence.errors) >= 0)


def test_rated_directions_have_intervals_and_floors_when_targets_are_given():
    X, y, space, task = setup()
    L = np.stack([rotation_generator(2, 0, 1), np.eye(2) / np.sqrt(2)])
    errors, intervals, floors = rate_directions(Radius(0.1), X, space, task, L, targets=y)
    assert errors.shape == (2,) and intervals.shape == (2, 2) and floors.shape == (2,)
    assert errors[0] < errors[1]
    assert np.all((intervals[:, 0] <= errors) & (errors <= intervals[:, 1]))
    assert rate_directions(Radius(), X, space, task, L)[2] is None


def test_reference_score_is_r2_for_regression_and_brier_skill_for_classification():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    assert reference_score(y[:, None], y, classify=False) == 1.0
    assert reference_score(np.full((4, 1), 1.5), y, classify=False) == 0.0
    labels = np.array([0, 1, 0, 1])
    confident = np.where(np.eye(2)[labels] > 0, 20.0, -20.0)
    assert reference_score(confident, labels, classify=True) > 0.999
    assert abs(reference_score(np.zeros((4, 2)), labels, classify=True)) < 1e-12
    assert isinstance(ClassificationTask(np.array([0, 1])), ClassificationTask)


class Affine(torch.nn.Module):
    """f(x) = x_0: what a model that learnt only the affine part of x_0 + 0.3 cos(3 x_1) predicts."""

    def forward(self, x):
        return x[:, :1]


def test_the_affine_comparison_is_paired_on_the_held_out_rows():
    X, _, space, task = setup()
    rng = np.random.default_rng(1)
    X_train = rng.standard_normal((1000, 2))

    def targets(X):
        return X[:, 0] + 0.3 * np.cos(3 * X[:, 1])

    affine = affine_predictions(X_train, targets(X_train), X)
    evidence = measure_evidence(Affine(), X, targets(X), space, task, affine=affine)
    assert 0.95 < evidence.affine_ratio < 1.1  # learnt no more than an affine function
    assert evidence.affine_gain <= 0

    def radius(X):
        return (X**2).sum(1) - 1.0

    affine = affine_predictions(X_train, radius(X_train), X)
    evidence = measure_evidence(Radius(), X, radius(X), space, task, affine=affine)
    assert evidence.affine_ratio < 1e-6  # exact where the affine fit explains nothing
    assert evidence.affine_gain > 0.99
    unmeasured = measure_evidence(Radius(), X, radius(X), space, task)
    assert np.isnan(unmeasured.affine_ratio) and np.isnan(unmeasured.affine_gain)


def pencil_forms(d=6, seed=0, constant=None):
    """gl(d)'s normalizing form on tabular rows (a constant feature if asked) and a rank-deficient G."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((500, d)) * rng.uniform(0.3, 3.0, d)
    if constant is not None:
        X[:, constant] = 0.0
    A = rng.standard_normal((d * d, d * d // 2))
    return A @ A.T, np.kron(np.eye(d), X.T @ X / len(X))


def test_the_one_call_pencil_solves_what_whitening_solves(monkeypatch):
    G, N = pencil_forms()
    assert evidence_module._safely_positive_definite(N)
    lam, C = evidence_module._pencil(G, N)
    monkeypatch.setattr(evidence_module, "_safely_positive_definite", lambda N: False)
    lam_w, C_w = evidence_module._pencil(G, N)
    np.testing.assert_allclose(lam, lam_w, atol=1e-10 * lam.max())
    np.testing.assert_allclose(C.T @ N @ C, np.eye(len(N)), atol=1e-10)
    np.testing.assert_allclose(G @ C, N @ C * lam, atol=1e-8 * lam.max())
    # The exact null space (half of gl(6)) is the same span either way.
    k = int(np.sum(lam < 1e-9 * lam.max()))
    assert k == 18
    cosines = np.linalg.svd(
        np.linalg.qr(C[:, :k])[0].T @ np.linalg.qr(C_w[:, :k])[0], compute_uv=False
    )
    assert cosines.min() > 1 - 1e-9


def test_a_singular_normalizing_form_is_whitened_and_its_null_space_left_out():
    G, N = pencil_forms(constant=2)
    assert not evidence_module._safely_positive_definite(N)
    C = evidence_module._pencil(G, N)[1]
    # gl(6) with one constant feature: the 6 directions that read it move nothing.
    assert C.shape == (36, 30)
    np.testing.assert_allclose(C.T @ N @ C, np.eye(30), atol=1e-10)
    # Nearly singular, within the estimate's margin: whitened too.
    assert not evidence_module._safely_positive_definite(N + 1e-12 * np.eye(36))


@pytest.mark.parametrize("output_rep", [None, Vectors(1, 2)])
def test_per_row_values_of_combined_directions_are_the_combinations_of_the_basis_ones(output_rep):
    X, _, space, task = setup()
    torch.manual_seed(0)
    backbone = Radius(0.3)
    if output_rep is not None:
        y = np.random.default_rng(2).standard_normal((len(X), 2))
        task = RegressionTask.fit(y, output_rep=output_rep, input_rep=Vectors(1, 2))[0]
        backbone = torch.nn.Sequential(
            torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)
        )
    first_order = measure_first_order(backbone, X, space, task, space.model_basis)
    C = np.random.default_rng(1).standard_normal((len(space.model_basis), 3))
    residual, _, baseline = first_order.along(C)
    # The same values from the basis's own quantities, combined row by row.
    ((tangents, res, moved),) = first_order.blocks()
    combined = np.einsum("nok,kj->noj", res.numpy(), C)
    moved_outputs = np.einsum("nok,kj->noj", moved.numpy(), C)
    tangent = np.einsum("nkd,kj->njd", tangents.numpy(), C)
    expected = first_order.sensitivity * np.einsum("njd,d->nj", tangent**2, first_order.weights)
    np.testing.assert_allclose(residual, (combined**2).sum(1), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(baseline, expected + (moved_outputs**2).sum(1), rtol=1e-10)


def test_the_one_call_pencil_is_checked_against_a_near_null_direction(monkeypatch):
    # A condition estimate can be fooled (an eigenvector the estimator never
    # probes): the solution's own column norms prove whether N had one.
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    N = Q @ np.diag(np.r_[5e-12, np.linspace(0.1, 1.0, 9)]) @ Q.T
    G = rng.standard_normal((10, 10))
    G = G @ G.T
    monkeypatch.setattr(evidence_module, "_safely_positive_definite", lambda N: True)
    _, C = evidence_module._pencil(G, N)
    assert C.shape == (10, 9)
    assert np.abs(C.T @ Q[:, 0]).max() < 1e-6  # the near-null direction is left out
