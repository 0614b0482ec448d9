"""Discrete symmetries: turns by 2 pi / n, mirrors, exchanges; reported, saved, averaged over."""

import json

import numpy as np
import pytest

import symlearn
from symlearn import SymmetryDiscoveringRegressor
from symlearn._discrete import finite_group, to_data_map, to_model_map
from symlearn._discrete_elements import simpler_normals, written_normal
from symlearn._scaling import RepStandardizer
from symlearn.reps import Scalars, Vectors


def exact_reference(function, task, seen=None):
    """A model that predicts ``function`` of the rows exactly, in the task's model units.

    ``seen``: a list that receives the number of rows of every call.
    """
    import torch

    offset, scale = float(task.scaler.offset_[0]), float(task.scaler.scale_[0])

    class Reference(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.unused = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            if seen is not None:
                seen.append(len(x))
            return ((function(x) - offset) / scale).reshape(len(x), 1) + 0 * self.unused

    return Reference()


# Small, fast fits: the reference model is what the search judges on.
FAST = {"augment": False, "max_epochs": 150, "random_state": 0}


def _fit(X, y, **params):
    return SymmetryDiscoveringRegressor(**{**FAST, **params}).fit(X, y)


def _kinds(estimator):
    return sorted(s.kind for s in estimator.discrete_symmetries_)


@pytest.fixture(scope="module")
def mirror_fit():
    """Even in x0 (cos), and no other symmetry: one mirror, normal (1, 0, 0)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1500, 3))
    y = np.cos(1.5 * X[:, 0]) + np.sin(X[:, 1]) * X[:, 2] + 0.5 * X[:, 1]
    return _fit(X, y, discrete="average"), X, y


def test_an_even_target_reports_its_mirror_and_nothing_else(mirror_fit):
    estimator, _, _ = mirror_fit
    assert _kinds(estimator) == ["reflection"]
    (mirror,) = estimator.discrete_symmetries_
    np.testing.assert_allclose(mirror.matrices[0], np.diag([-1.0, 1.0, 1.0]), atol=1e-12)
    assert mirror.group_order == 2
    assert mirror.loss_bound <= mirror.loss_allowed
    assert "mirror with normal (1, 0, 0)" in estimator.describe_symmetry()


def test_averaging_over_the_found_group_is_exactly_invariant_and_no_less_accurate(mirror_fit):
    estimator, _, _ = mirror_fit
    rng = np.random.default_rng(1)
    X = rng.standard_normal((800, 3))
    y = np.cos(1.5 * X[:, 0]) + np.sin(X[:, 1]) * X[:, 2] + 0.5 * X[:, 1]
    mirrored = X * np.array([-1.0, 1.0, 1.0])
    averaged = estimator.predict(X)
    np.testing.assert_allclose(estimator.predict(mirrored), averaged, atol=1e-6)
    plain = estimator.set_params(discrete="search").predict(X)
    assert np.abs(estimator.predict(mirrored) - plain).max() > 1e-4  # not invariant by itself
    estimator.set_params(discrete="average")
    assert np.mean((averaged - y) ** 2) <= np.mean((plain - y) ** 2) * 1.01


def test_discrete_symmetries_survive_save_load_and_reach_the_json_report(mirror_fit, tmp_path):
    estimator, X, _ = mirror_fit
    path = tmp_path / "m.safetensors"
    symlearn.save(estimator, path)
    loaded = symlearn.load(path)
    assert [s.description for s in loaded.discrete_symmetries_] == [
        s.description for s in estimator.discrete_symmetries_
    ]
    np.testing.assert_allclose(loaded.predict(X[:50]), estimator.predict(X[:50]), atol=1e-6)
    summary = json.loads(json.dumps(loaded.symmetry_summary()))
    (found,) = summary["discrete_symmetries"]
    assert found["kind"] == "reflection" and found["group_order"] == 2


def test_on_many_features_each_reported_mirror_is_a_true_one():
    """Even in each of 12 features, with unequal weights: its mirrors are the axes, no diagonal.

    A diagonal normal (e_i +- e_j) / sqrt 2 also swaps two features, which
    the unequal weights forbid; learned from the model, such normals were
    kept beside the axes (seven of eleven mirrors).
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1500, 12))
    y = np.cos(X) @ np.linspace(0.5, 1.5, 12) / np.sqrt(12)
    estimator = _fit(X, y + 0.05 * rng.standard_normal(len(y)))
    normals = [
        np.diag(s.matrices[0]) for s in estimator.discrete_symmetries_ if s.kind == "reflection"
    ]
    assert len(normals) >= 4
    for diagonal in normals:  # an axis mirror is diagonal, with one -1
        assert sorted(np.round(diagonal, 9)) == [-1.0] + [1.0] * 11


def test_a_chiral_target_keeps_no_mirror():
    """The determinant of three 3-D vectors: turns keep it; mirrors and x -> -x flip its sign."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((2000, 9))
    y = np.linalg.det(X.reshape(-1, 3, 3))
    estimator = _fit(X, y, input_rep=Vectors(3, 3), max_epochs=300)
    assert estimator.reference_score_ > 0.9  # it learned the sign it is judged on
    assert "reflection" not in _kinds(estimator)
    assert "point_reflection" not in _kinds(estimator)


@pytest.mark.slow  # default fits on 2,000 rows, about a minute each
@pytest.mark.parametrize("chiral", [False, True])
def test_beside_a_rotation_group_a_gram_target_keeps_its_mirrors_and_a_determinant_none(chiral):
    """A function of three 3-D vectors' Gram matrix keeps every mirror; with a determinant, none."""
    rng = np.random.default_rng(0)
    V = rng.standard_normal((2000, 3, 3))
    gram = np.einsum("nid,njd->nij", V, V)
    y = gram[:, 0, 0] + np.tanh(gram[:, 0, 1]) + 0.5 * np.sin(gram[:, 1, 2])
    if chiral:
        y = y + np.linalg.det(V)
    estimator = SymmetryDiscoveringRegressor(input_rep=Vectors(3, 3), random_state=0)
    estimator.fit(V.reshape(-1, 9), y + 0.01 * np.std(y) * rng.standard_normal(len(y)))
    assert estimator.algebra_.name == "so(3)"
    mirrors = {"reflection", "point_reflection"} & set(_kinds(estimator))
    assert (not mirrors) if chiral else mirrors


def test_exchangeable_items_are_found_as_one_class_and_the_odd_one_is_left_out():
    """Symmetric in the 2-D points 0, 1, 2, not in point 3."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2000, 8))
    P = X.reshape(-1, 4, 2)
    y = np.sum(np.tanh(P[:, :3, 0]) * P[:, :3, 1], axis=1) + 0.8 * P[:, 3, 0] - 0.5 * P[:, 3, 1]
    estimator = _fit(X, y, input_rep=Vectors(4, 2))
    exchanges = [s for s in estimator.discrete_symmetries_ if s.kind == "permutation"]
    assert [s.items for s in exchanges] == [(0, 1, 2)]
    assert exchanges[0].group_order == 6


def test_a_fivefold_turn_is_found_with_its_angle():
    rng = np.random.default_rng(4)
    X = np.column_stack([rng.standard_normal((4000, 2)), rng.uniform(-1, 1, 4000)])
    r, theta = np.hypot(X[:, 0], X[:, 1]), np.arctan2(X[:, 1], X[:, 0])
    y = np.tanh(r) * (1 + 0.4 * np.cos(5 * theta)) + np.sin(2 * X[:, 2] + 0.3) + 0.3 * r
    estimator = _fit(X, y, max_epochs=300)
    turns = [s for s in estimator.discrete_symmetries_ if s.kind == "rotation"]
    assert len(turns) == 1 and turns[0].group_order == 5
    assert abs(turns[0].angle - 72.0) <= 1.0
    assert estimator.n_generators_ == 0 or estimator.symmetry_verdict_ != "symmetric"


def test_no_discrete_symmetry_on_a_target_without_one():
    rng = np.random.default_rng(5)
    X = rng.normal([0.3, -0.2, 0.1], [1.0, 0.5, 2.0], size=(1500, 3))
    y = np.exp(0.5 * X[:, 0]) + np.sin(2 * X[:, 1] + 0.4) + 0.3 * X[:, 0] * X[:, 2] + X[:, 2]
    assert _fit(X, y).discrete_symmetries_ == []


def test_discrete_none_skips_the_search(mirror_fit):
    _, X, y = mirror_fit
    assert _fit(X[:300], y[:300], discrete=None, max_epochs=20).discrete_symmetries_ == []


@pytest.mark.parametrize("value", ["yes", True, 1])
def test_a_bad_discrete_value_is_refused_before_training(value):
    with pytest.raises(ValueError, match="discrete must be"):
        SymmetryDiscoveringRegressor(discrete=value).fit(np.zeros((10, 2)), np.zeros(10))


def test_maps_convert_between_data_and_model_coordinates():
    rng = np.random.default_rng(6)
    X = rng.normal([3.0, -1.0, 5.0], [1.0, 2.0, 0.5], size=(50, 3))
    scaler = RepStandardizer(Scalars(3)).fit(X)
    P = np.eye(3)[[1, 0, 2]]  # exchange the first two features
    A_m, b_m = to_model_map(P, np.zeros(3), scaler)
    moved = scaler.transform(X) @ A_m.T + b_m
    np.testing.assert_allclose(moved, scaler.transform(X @ P.T), atol=1e-12)
    A, b = to_data_map(A_m, b_m, scaler)
    np.testing.assert_allclose(A, P, atol=1e-12)
    np.testing.assert_allclose(b, 0.0, atol=1e-12)


def test_a_mirror_generates_a_group_of_two(mirror_fit):
    estimator, _, _ = mirror_fit
    (mirror,) = estimator.discrete_symmetries_
    group = finite_group([mirror], 1)
    assert len(group) == 2


@pytest.fixture
def matrix_exp_calls(monkeypatch):
    """The calls of ``torch.linalg.matrix_exp`` from here on, one entry each: the search's steps."""
    import torch

    calls = []
    matrix_exp = torch.linalg.matrix_exp

    def counted(A):
        calls.append(1)
        return matrix_exp(A)

    monkeypatch.setattr(torch.linalg, "matrix_exp", counted)
    return calls


def test_reachable_tells_elements_of_the_identity_component_from_the_rest(matrix_exp_calls):
    import symlearn._discrete_elements as elements
    from symlearn.lie import so_generators

    so3 = list(so_generators(3))
    quarter = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert elements.reachable(quarter, so3)  # a turn is in SO(3)
    for axis in range(3):  # half turns too: on the way there Adam overshoots
        assert elements.reachable(np.diag(np.where(np.arange(3) == axis, 1.0, -1.0)), so3)
    steps = matrix_exp_calls
    steps.clear()  # counted from here on
    # A mirror reverses orientation: never exp(X), refused without a search.
    assert not elements.reachable(np.diag([1.0, 1.0, -1.0]), so3)
    assert steps == []
    # A turn about z is not generated by the turns about x alone: it moves
    # the forms they preserve (diag(1, 0, 0): x stays), refused without a search.
    about_x = [L for L in so3 if L[1, 2] != 0]
    assert not elements.reachable(quarter, about_x)
    assert steps == []
    # Nor is the same turn in rotations preserving another form, diag(1, 4, 9).
    S = np.diag([1.0, 2.0, 3.0])
    in_form = [np.linalg.inv(S) @ L @ S for L in so3]
    assert not elements.reachable(quarter, in_form)
    assert steps == []
    # The turn written in that form is reached, also a little off (within
    # the tolerance), which the forms' check must let through to the search.
    assert elements.reachable(np.linalg.inv(S) @ quarter @ S, in_form)
    off = np.linalg.inv(S) @ quarter @ S + 0.5 * 1e-2 * np.eye(3)[[1, 2, 0]]
    assert elements.reachable(off, in_form)


def test_reachable_searches_when_no_form_tells(matrix_exp_calls):
    import symlearn._discrete_elements as elements

    # Turns and scalings of the plane preserve no form (the identity's
    # A^T Q + Q A = 2 Q): the search decides.
    generators = [np.array([[0.0, -1.0], [1.0, 0.0]]), np.eye(2)]
    assert len(elements.preserved_forms(generators)) == 0
    steps = matrix_exp_calls
    assert elements.reachable(np.array([[0.0, -2.0], [2.0, 0.0]]), generators)
    assert len(steps) > 0
    assert not elements.reachable(np.diag([2.0, 1.0]), generators)


def test_preserved_forms_weigh_every_generator_alike():
    import symlearn._discrete_elements as elements
    from symlearn.lie import rotation_generator

    # Turns in the planes (0, 1) and (1, 2) generate SO(3): only the identity's
    # multiples are preserved, however unequal the generators' sizes.
    generators = [1e7 * rotation_generator(3, 0, 1), rotation_generator(3, 1, 2)]
    (form,) = elements.preserved_forms(generators)
    np.testing.assert_allclose(form / form[0, 0], np.eye(3), atol=1e-9)
    # Many preserved forms are checked as a few random combinations of them.
    many = elements.preserved_forms([rotation_generator(12, 0, 1)])
    assert many.shape == (elements.MAX_CHECKED_FORMS, 12, 12)
    turn = np.eye(12)
    turn[:2, :2] = [[0.0, -1.0], [1.0, 0.0]]
    swap = np.eye(12)[[0, 1, 3, 2] + list(range(4, 12))] @ np.diag([1.0] * 11 + [-1.0])
    kept = elements._keep_forms(np.stack([turn, swap]), many, 1e-2)
    assert kept.tolist() == [True, False]


def test_simpler_normals_are_the_nearest_axis_then_the_nearest_diagonal():
    u = np.array([0.856, -0.366, 0.1, 0.05])
    u /= np.linalg.norm(u)
    axis, diagonal = simpler_normals(u)
    np.testing.assert_array_equal(axis, [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(diagonal, np.array([1.0, -1.0, 0.0, 0.0]) / np.sqrt(2))
    assert simpler_normals(np.array([0.0, -1.0, 0.0])) == []  # already an axis
    np.testing.assert_array_equal(simpler_normals(np.array([0.1, -0.995]))[0], [0.0, -1.0])


def test_a_long_normal_is_written_by_its_largest_components():
    u = np.zeros(50)
    u[3] = 1.0
    assert written_normal(u) == "(axis 3: 1)"
    assert written_normal(np.array([1.0, 0.0, 0.0])) == "(1, 0, 0)"
    assert len(written_normal(np.random.default_rng(0).standard_normal(400))) < 300


def test_rows_judged_beside_a_turning_group_are_moved_by_it_with_their_targets():
    """Random elements of so(3) move three 3-D vectors (norms kept) and a vector target alike."""
    from symlearn._discrete_judge import moved_by_group
    from symlearn._task import RegressionTask

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 9)).astype(np.float32)
    y = X[:, :3].astype(np.float32)  # the first vector, an equivariant target
    so3 = np.array([[[0, -1, 0], [1, 0, 0], [0, 0, 0]], [[0, 0, 1], [0, 0, 0], [-1, 0, 0]]])
    task = RegressionTask(None, Vectors(1, 3), 2)
    X_moved, y_moved = moved_by_group(X, y, Vectors(3, 3), task, so3.astype(float))
    assert np.abs(X_moved - X).max() > 0.5  # moved
    norms = np.linalg.norm(X.reshape(-1, 3, 3), axis=2)
    np.testing.assert_allclose(np.linalg.norm(X_moved.reshape(-1, 3, 3), axis=2), norms, rtol=1e-5)
    np.testing.assert_allclose(y_moved, X_moved[:, :3], atol=1e-5)
    X_three, y_three = moved_by_group(X, y, Vectors(3, 3), task, so3.astype(float), copies=3)
    assert X_three.shape == (150, 9) and y_three.shape == (150, 3)
    np.testing.assert_allclose(y_three, X_three[:, :3], atol=1e-5)
    assert np.abs(X_three[:50] - X_three[50:100]).max() > 0.5  # each copy by other elements
    scaling = np.eye(3)[None]  # unbounded: the rows stay as they are
    X_same, y_same = moved_by_group(X, y, Vectors(3, 3), task, scaling)
    assert X_same is X and y_same is y


@pytest.mark.xfail(
    strict=True,
    reason="A learned normal is replaced by its nearest axis when that axis's mirror holds, so "
    "a second true mirror far from the axis is not judged. Judging it when the turn the two "
    "make also holds found this one, but on 12 even features with unequal weights it also "
    "kept the swap of two features whose weights differ by 16% (and at 50 features "
    "leaning normals again): the reference rejects neither. If this passes, both are judged.",
)
def test_a_mirror_far_from_a_found_axis_is_still_judged_with_the_turn_they_make():
    """D4 in the plane of a = x0 and b = (x1 + x2) / sqrt 2: a's mirror and the swap of a and b.

    The swap's normal (0.707, -0.5, -0.5) is nearest to the axis of a, whose
    mirror holds; the swap holds too, and so does the quarter turn the two
    make, so both are reported (an exact reference, no training).
    """

    from symlearn import _discrete_search as search
    from symlearn._discrete_judge import Judge
    from symlearn._task import RegressionTask

    rep = Vectors(1, 3)
    X = np.random.default_rng(0).standard_normal((600, 3))
    scaler = RepStandardizer(rep).fit(X)
    X_m = scaler.transform(X).astype(np.float32)

    def target(x):
        a, b, c = x[:, 0], (x[:, 1] + x[:, 2]) / np.sqrt(2), (x[:, 1] - x[:, 2]) / np.sqrt(2)
        return a * a * b * b + a**4 + b**4 + c

    task, y = RegressionTask.fit(target(X_m), output_rep=None, input_rep=rep)
    space = type("Space", (), {"input_rep": rep, "scaler": scaler})()
    judge = Judge(exact_reference(target, task), X_m[:400], y[:400], task, None)
    found = search._Search(judge, space, task, [], False)
    swap = np.array([np.sqrt(0.5), -0.5, -0.5])
    found.mirror_normals = lambda *args: [np.eye(3)[0], swap]
    found.mirrors(None, None, 0)
    assert [s.description for s in found.found] == [
        "mirror with normal (1, 0, 0)",
        "mirror with normal (0.707, -0.5, -0.5)",
    ]


def test_an_element_that_surely_breaks_the_task_is_refused_on_the_screen_rows_alone():
    import torch

    from symlearn._discrete_judge import SCREEN_ROWS, Judge
    from symlearn._task import RegressionTask

    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 2)).astype(np.float32)
    task, y = RegressionTask.fit(
        X[:, 0] ** 2 + X[:, 1] + 0.1 * rng.standard_normal(400),
        output_rep=None,
        input_rep=Vectors(1, 2),
    )
    seen = []

    def f(x):
        return x[:, 0] ** 2 + x[:, 1]

    judge = Judge(exact_reference(f, task, seen), X, y, task, None)
    kept, broken = (
        (np.diag([-1.0, 1.0]), np.zeros(2), None),
        (np.diag([1.0, -1.0]), np.zeros(2), None),
    )
    rise_kept, rise_broken = judge.increases([kept, broken])
    # Both on the screen rows in one pass, then only the kept mirror on the rest.
    assert seen == [400, 2 * SCREEN_ROWS, 400 - SCREEN_ROWS]

    def moved_losses(A):
        outputs = exact_reference(f, task)(torch.as_tensor(X @ A.T)).detach()
        return judge.per_row(outputs).double().numpy()

    np.testing.assert_allclose(rise_kept, moved_losses(kept[0]).mean() - judge.loss, atol=1e-9)
    screen = judge.screen
    expected = moved_losses(broken[0])[screen].mean() - judge.losses[screen].mean()
    np.testing.assert_allclose(rise_broken, expected, rtol=1e-6)
    assert rise_broken > 10 * judge.allowance
    assert judge.confirm(broken) is None


def test_the_screen_draws_its_rows_at_random_from_rows_in_the_users_order():
    import torch

    from symlearn._discrete_judge import Judge
    from symlearn._task import RegressionTask

    # Rows sorted by x0 (a sweep); the mirror of x1 breaks the target only
    # where x0 < -1.5, the first rows: by the whole it keeps the loss.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 2)).astype(np.float32)
    X = X[np.argsort(X[:, 0])]

    def f(x):
        return x[:, 1] ** 2 + 0.2 * (x[:, 0] < -1.5) * x[:, 1]

    task, y = RegressionTask.fit(
        f(X) + 0.3 * rng.standard_normal(1000), output_rep=None, input_rep=Vectors(1, 2)
    )
    judge = Judge(exact_reference(f, task), X, y, task, None)
    mirror = (np.diag([1.0, -1.0]), np.zeros(2), None)
    with torch.no_grad():
        moved = exact_reference(f, task)(torch.as_tensor(X @ mirror[0].T))
    whole = judge.per_row(moved).double().numpy().mean() - judge.loss
    assert whole <= judge.allowance  # measured: 0.0052 against 0.0108
    np.testing.assert_allclose(judge.increase(mirror), whole, rtol=1e-6)
    assert judge.confirm(mirror) is not None


def test_a_file_naming_a_part_the_representation_lacks_is_refused():
    from symlearn._discrete import DiscreteSymmetry

    rep = Vectors(3, 2)
    scaler = RepStandardizer(rep).fit(np.random.default_rng(0).standard_normal((50, 6)))
    swap = np.eye(6)[[2, 3, 0, 1, 4, 5]]
    symmetry = DiscreteSymmetry(
        kind="permutation",
        description="S3: items 0, 1, 2 of part 0 can be exchanged",
        group_order=6,
        matrices=swap[None],
        offsets=np.zeros((1, 6)),
        output_matrices=None,
        items=(0, 1, 2),
        part=0,
        loss_before=0.1,
        loss_after=0.1,
        loss_bound=0.11,
        loss_allowed=0.025,
    )
    config = symmetry.to_config()
    assert DiscreteSymmetry.from_config(config, scaler, "s").part == 0
    with pytest.raises(ValueError, match=r"part.*must lie in \[0, 0\]; got 1"):
        DiscreteSymmetry.from_config({**config, "part": 1}, scaler, "s")
