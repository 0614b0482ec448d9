import numpy as np
import pytest
import torch

from symlearn import SymmetryDiscoveringClassifier, SymmetryDiscoveringRegressor
from symlearn.datasets import (
    make_charged_nbody,
    make_rotated_digits,
    make_rotation_invariant_regression,
    transform_dataset,
)
from symlearn.nn import MLP
from symlearn.reps import Image, Points, Scalars, Vectors
from symlearn.symmetrize import (
    EquivariantFrameNet,
    ItemLayout,
    Symmetrized,
    complete_orientation,
    gram_schmidt,
    parse_group,
    random_orthogonal,
    sorting_permutation,
    straight_through_permutation,
)
from symlearn.testing import assert_group_equivariant, assert_invariant

NBODY_IN = Vectors(5, 3) + Vectors(5, 3) + Scalars(5)
NBODY_OUT = Vectors(5, 3)
GROUPS = ["O(3)", "SO(3)", "S_5", "S_n x O(3)"]


def _symmetrized_mlp(group_name, input_rep, output_rep, n_outputs):
    group = parse_group(group_name, input_rep)
    layout = ItemLayout(input_rep, group.n_items)
    outputs = None if output_rep is None else ItemLayout(output_rep, group.n_items)
    model = Symmetrized(
        MLP(input_rep.size, n_outputs),
        EquivariantFrameNet(group, layout),
        layout,
        outputs,
        translations=group.translations,
    )
    return model.eval()


# -- the constructions ----------------------------------------------------------------


def test_gram_schmidt_is_orthonormal_and_turns_with_its_vectors():
    torch.manual_seed(0)
    vectors = torch.randn(6, 3, 3, dtype=torch.float64)
    frame = gram_schmidt(vectors)
    eye = torch.eye(3, dtype=torch.float64).expand(6, 3, 3)
    torch.testing.assert_close(frame.transpose(-1, -2) @ frame, eye)
    Q = random_orthogonal(6, 3)
    torch.testing.assert_close(gram_schmidt(Q @ vectors), Q @ frame)
    special = complete_orientation(frame[..., :2])
    torch.testing.assert_close(torch.linalg.det(special), torch.ones(6, dtype=torch.float64))


def test_straight_through_sorting_is_the_hard_permutation_forward_and_learns_backward():
    scores = torch.tensor([[0.3, -1.0, 2.0, 0.1]], requires_grad=True)
    permutation = straight_through_permutation(scores, temperature=0.1)
    assert torch.equal(permutation, sorting_permutation(scores.detach()))
    sorted_scores = (permutation @ scores.unsqueeze(-1)).squeeze(-1)
    assert torch.equal(sorted_scores.detach(), torch.sort(scores.detach()).values)
    (sorted_scores * torch.arange(4.0)).sum().backward()
    assert scores.grad is not None and scores.grad.abs().sum() > 0


# -- exactness: untrained and trained ----------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_a_symmetrized_mlp_is_exactly_equivariant_before_training(group):
    torch.manual_seed(0)
    model = _symmetrized_mlp(group, NBODY_IN, NBODY_OUT, NBODY_OUT.size)
    X = torch.randn(64, NBODY_IN.size)
    with torch.no_grad():
        assert_group_equivariant(model, X, group, NBODY_IN, NBODY_OUT, rtol=1e-5)


@pytest.mark.parametrize("group", GROUPS)
def test_a_symmetrized_mlp_is_exactly_invariant_for_scalar_targets(group):
    torch.manual_seed(0)
    model = _symmetrized_mlp(group, NBODY_IN, None, 2)
    X = torch.randn(64, NBODY_IN.size)
    with torch.no_grad():
        assert_group_equivariant(model, X, group, NBODY_IN, None, rtol=1e-5)


def test_euclidean_groups_centre_the_points_first():
    torch.manual_seed(0)
    rep = Points(5, 3) + Vectors(5, 3) + Scalars(5)
    model = _symmetrized_mlp("S_n x E(3)", rep, NBODY_OUT, NBODY_OUT.size)
    X = torch.randn(64, rep.size)
    with torch.no_grad():
        assert_group_equivariant(model, X, "S_n x E(3)", rep, NBODY_OUT, rtol=1e-5)
    # An unsymmetrized MLP fails the same assertion: it can fail.
    with pytest.raises(AssertionError, match="Not equivariant under S_5 x E"):
        assert_group_equivariant(MLP(rep.size, 15), X, "S_n x E(3)", rep, NBODY_OUT)


@pytest.fixture(scope="module")
def nbody():
    X, y, _ = make_charged_nbody(1400, random_state=0)
    return X[:1000], y[:1000], X[1000:], y[1000:]


@pytest.mark.parametrize("group", GROUPS)
def test_a_trained_symmetrized_regressor_is_exactly_equivariant(nbody, group):
    X, y, X_test, _ = nbody
    est = SymmetryDiscoveringRegressor(
        input_rep=NBODY_IN,
        output_rep=NBODY_OUT,
        symmetrize="probabilistic",
        group=group,
        augment=False,
        max_epochs=3,
        random_state=0,
    ).fit(X[:300], y[:300])
    predict = lambda rows: torch.as_tensor(est.predict(rows.numpy()))  # noqa: E731
    # Predictions in data units (float32 inside): relative 1e-5.
    assert_group_equivariant(
        predict, torch.as_tensor(X_test), group, NBODY_IN, NBODY_OUT, rtol=1e-5
    )


def test_a_trained_symmetrized_classifier_is_exactly_invariant():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, NBODY_IN.size))
    y = (np.linalg.norm(X[:, :15].reshape(-1, 5, 3), axis=-1).sum(axis=1) > 7.5).astype(int)
    est = SymmetryDiscoveringClassifier(
        input_rep=NBODY_IN,
        symmetrize="probabilistic",
        group="S_n x O(3)",
        max_epochs=3,
        random_state=0,
    ).fit(X, y)
    proba = lambda rows: torch.as_tensor(est.predict_proba(rows.numpy()))  # noqa: E731
    assert_group_equivariant(proba, torch.as_tensor(X[:100]), "S_n x O(3)", NBODY_IN, None)


# -- accuracy on charged n-body --------------------------------------------------------


@pytest.fixture(scope="module")
def nbody_accuracy():
    """Test MSE on charged n-body: one MLP plain, augmented, symmetrized; invariant features."""
    X, y, _ = make_charged_nbody(4000, random_state=0)
    X, y, X_test, y_test = X[:3000], y[:3000], X[3000:], y[3000:]
    options = dict(
        input_rep=NBODY_IN,
        output_rep=NBODY_OUT,
        lr=0.003,
        max_epochs=100,
        validation_fraction=0.1,
        augment=False,
        random_state=0,
    )
    X_aug, y_aug = transform_dataset(
        X, y, "O(3)", input_rep=NBODY_IN, output_rep=NBODY_OUT, n_copies=4, random_state=0
    )

    def mse(est):
        return float(np.mean((est.predict(X_test) - y_test) ** 2))

    return {
        "plain": mse(SymmetryDiscoveringRegressor(**options).fit(X, y)),
        "augmented": mse(
            SymmetryDiscoveringRegressor(**{**options, "max_epochs": 25}).fit(X_aug, y_aug)
        ),
        "symmetrized": mse(
            SymmetryDiscoveringRegressor(
                **options, symmetrize="probabilistic", group="S_n x O(3)"
            ).fit(X, y)
        ),
        "invariant_features": mse(
            SymmetryDiscoveringRegressor(
                **options, symmetrize="invariant_features", group="S_n x O(3)"
            ).fit(X, y)
        ),
    }


@pytest.mark.slow
def test_symmetrizing_the_mlp_beats_plain_and_augmented_training_on_charged_nbody(
    nbody_accuracy,
):
    # Measured with seed 0: plain 0.087, augmented 0.078, symmetrized 0.060.
    assert nbody_accuracy["symmetrized"] < nbody_accuracy["augmented"]
    assert nbody_accuracy["symmetrized"] < nbody_accuracy["plain"] / 1.3


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="The issue's target is a 2x lower MSE than the plain MLP; measured 1.34-1.45x "
    "(benchmarks/bench_symmetrize.py, seeds 0-2). If this passes, the target is met.",
)
def test_symmetrizing_halves_the_mlp_error_on_charged_nbody(nbody_accuracy):
    assert nbody_accuracy["symmetrized"] <= nbody_accuracy["plain"] / 2


@pytest.mark.slow
def test_invariant_features_of_particles_halve_the_mlp_error_on_charged_nbody(nbody_accuracy):
    # Invariants of particles and pairs, pooled (S_n x O(3) exactly). Measured
    # with seed 0: plain 0.087, invariant features 0.015 (100 epochs).
    assert nbody_accuracy["invariant_features"] <= nbody_accuracy["plain"] / 2


# -- discovered groups -----------------------------------------------------------------


def test_discover_then_symmetrize_gives_predictions_invariant_to_float_precision():
    X, y, truth = make_rotation_invariant_regression(600, random_state=0)
    options = dict(random_state=0, max_epochs=40)
    plain = SymmetryDiscoveringRegressor(augment=False, **options).fit(X, y)
    est = SymmetryDiscoveringRegressor(
        symmetrize="probabilistic", group="discovered", **options
    ).fit(X, y)
    assert est.algebra_.name == "so(2)"
    # Exact rotations of the truth, not only the discovered generator's own.
    scale = np.abs(est.predict(X)).max()
    predict = lambda rows: est.predict(rows.numpy())  # noqa: E731
    assert_invariant(predict, X[:200], truth, Vectors(1, 2), atol=1e-5 * scale)
    with pytest.raises(AssertionError):  # the same backbone unwrapped is not
        assert_invariant(
            lambda rows: plain.predict(rows.numpy()),
            X[:200],
            truth,
            Vectors(1, 2),
            atol=1e-5 * scale,
        )
    # The wrapper keeps what the backbone learned.
    assert est.score(X, y) > plain.score(X, y) - 0.02
    assert est.symmetry_score_ > plain.symmetry_score_


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"symmetrize": "exact"},
            'symmetrize must be None, "probabilistic" or "invariant_features"',
        ),
        ({"group": "U(3)"}, "Unknown group 'U\\(3\\)'"),
        ({"group": "O(2)"}, "acts on R\\^2, but input_rep"),
        ({"group": "S_4 x O(3)"}, "permutes 4 items"),
        ({"group": "E(3)"}, "translations, which move only Points"),
        ({"n_group_samples": 0}, "n_group_samples"),
        ({"group": 3}, "group must be a string"),
    ],
)
def test_bad_symmetrization_options_fail_before_training(options, message):
    X, y, _ = make_charged_nbody(30, n_steps=5, random_state=0)
    options = {"symmetrize": "probabilistic", "group": "S_n x O(3)", **options}
    est = SymmetryDiscoveringRegressor(input_rep=NBODY_IN, output_rep=NBODY_OUT, **options)
    with pytest.raises((ValueError, TypeError), match=message):
        est.fit(X, y)
    assert not hasattr(est, "net_")


def test_discovered_symmetrization_of_images_is_refused_before_training():
    X, y, _ = make_rotated_digits(40, random_state=0)
    est = SymmetryDiscoveringClassifier(input_rep=Image(12, 12), symmetrize="probabilistic")
    with pytest.raises(ValueError, match="Image part"):
        est.fit(X, y)


# -- persistence and model selection ------------------------------------------------------


@pytest.mark.parametrize("group", ["S_n x O(3)", "discovered"])
def test_symmetrized_estimators_round_trip_through_the_safe_format(tmp_path, group):
    import symlearn

    if group == "discovered":
        X, y, _ = make_rotation_invariant_regression(300, random_state=0)
        options = {}
    else:
        X, y, _ = make_charged_nbody(200, n_steps=50, random_state=0)
        options = {"input_rep": NBODY_IN, "output_rep": NBODY_OUT}
    est = SymmetryDiscoveringRegressor(
        symmetrize="probabilistic", group=group, max_epochs=10, random_state=0, **options
    ).fit(X, y)
    assert isinstance(est.net_.module_.backbone, Symmetrized)
    symlearn.save(est, tmp_path / "model.safetensors")
    loaded = symlearn.load(tmp_path / "model.safetensors")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert loaded.symmetry_score(X) == est.symmetry_score(X)


def test_group_and_test_samples_are_parameters_like_any_other():
    from sklearn.model_selection import GridSearchCV

    X, y, _ = make_charged_nbody(200, n_steps=50, random_state=0)
    est = SymmetryDiscoveringRegressor(
        input_rep=NBODY_IN,
        output_rep=NBODY_OUT,
        symmetrize="probabilistic",
        augment=False,
        max_epochs=3,
        random_state=0,
    )
    search = GridSearchCV(est, {"group": ["O(3)", "S_n x O(3)"]}, cv=2).fit(X, y)
    assert search.best_params_["group"] in ("O(3)", "S_n x O(3)")
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    # The number of draws at prediction time applies without a refit.
    fitted = search.best_estimator_
    few = fitted.set_params(n_group_samples_test=1).predict(X)
    many = fitted.set_params(n_group_samples_test=30).predict(X)
    assert not np.array_equal(few, many)
    np.testing.assert_array_equal(many, fitted.predict(X))


@pytest.mark.parametrize("name", ["S_n x O(3)", "O(3) x S_n"])
def test_the_order_of_the_factors_does_not_change_what_is_accepted(name):
    from symlearn.reps import Tensor

    assert parse_group(name, NBODY_IN) == parse_group("S_n x O(3)", NBODY_IN)
    with pytest.raises(ValueError, match="Tensor parts cannot be combined"):
        parse_group(name, Vectors(5, 3) + Tensor(3, 2))
