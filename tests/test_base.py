"""Behaviour shared by both estimators: parameters, input checks, seeding, persistence."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_validate
from torch import nn

import symlearn._discovery as discovery
from symlearn import SymmetryDiscoveringClassifier, SymmetryDiscoveringRegressor
from symlearn.datasets import make_ring_classification, make_rotation_invariant_regression
from symlearn.lie import so_generators
from symlearn.metrics import symmetry_scorer
from symlearn.reps import Image, Points, Scalars, Tensor, Vectors

ESTIMATORS = [SymmetryDiscoveringRegressor, SymmetryDiscoveringClassifier]


def _data(estimator_class, n=200, seed=0):
    if estimator_class is SymmetryDiscoveringClassifier:
        X, y, _ = make_ring_classification(n, random_state=seed)
    else:
        X, y, _ = make_rotation_invariant_regression(n, random_state=seed)
    return X, y


def _small(estimator_class, **params):
    return estimator_class(**{"max_epochs": 5, "random_state": 0, **params})


# -- bad input: a clear error, raised before any training --------------------------------


def _with(X, row, col, value):
    X = X.copy()
    X[row, col] = value
    return X


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize(
    "make_bad, message",
    [
        (lambda X, y: (_with(X, 3, 0, np.nan), y), "NaN"),
        (lambda X, y: (_with(X, 3, 1, np.inf), y), "infinity"),
        (lambda X, y: (X[:0], y[:0]), "0 sample"),
        (lambda X, y: (X[:1], y[:1]), "1 sample"),
        (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
        (lambda X, y: (X[:, 0], y), "2D array"),
        (lambda X, y: (X[:3], y[:3]), "3 rows are too few: .* holds out 2 of them"),
        (lambda X, y: (X[:2], y[:2]), "2 rows are too few"),
    ],
    ids=["nan", "inf", "empty", "one-sample", "len-y", "1d-X", "too-few-3", "too-few-2"],
)
def test_bad_data_is_rejected_before_training(estimator_class, make_bad, message, no_training):
    X, y = make_bad(*_data(estimator_class))
    with pytest.raises(ValueError, match=message):
        _small(estimator_class).fit(X, y)


def test_nan_in_y_is_rejected(no_training):
    X, y = _data(SymmetryDiscoveringRegressor)
    y[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _small(SymmetryDiscoveringRegressor).fit(X, y)


def test_text_targets_point_the_regressor_to_the_classifier(no_training):
    X, _ = _data(SymmetryDiscoveringRegressor)
    labels = np.array(["in", "out"])[np.arange(len(X)) % 2]
    with pytest.raises(
        ValueError, match="values such as 'in' .* use SymmetryDiscoveringClassifier"
    ):
        _small(SymmetryDiscoveringRegressor).fit(X, labels)


def test_a_verdict_needs_enough_held_out_rows():
    X, y = _data(SymmetryDiscoveringRegressor, n=40)
    # Trained and judged on the same 8 rows: too few to say anything.
    est = _small(SymmetryDiscoveringRegressor, validation_fraction=0).fit(X[:8], y[:8])
    assert est.symmetry_verdict_ == "inconclusive" and est.n_generators_ == 0
    assert "8 held-out row(s), too few" in est.symmetry_verdict_reason_
    with pytest.raises(ValueError, match="symmetry_score needs at least 2 rows of X"):
        est.symmetry_score(X[:1])


def test_single_class_is_rejected(no_training):
    X, _ = _data(SymmetryDiscoveringClassifier)
    with pytest.raises(ValueError, match="at least 2 classes"):
        _small(SymmetryDiscoveringClassifier).fit(X, np.zeros(len(X)))


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"input_rep": Vectors(2, 2)}, ValueError, "describes 4 features, but X has 2"),
        ({"input_rep": Scalars(2)}, ValueError, "no Vectors part"),
        ({"input_rep": "vectors"}, TypeError, "input_rep must be"),
        ({"n_generators": 5}, ValueError, "exceeds the dimension of the search space"),
        ({"n_generators": 0}, ValueError, "n_generators"),
        ({"n_generators": "many"}, ValueError, 'must be "auto"'),
        ({"n_generators": 2, "generator_space": so_generators(2)}, ValueError, r"space \(1"),
        ({"generator_space": np.zeros((1, 3, 3))}, ValueError, r"stack of \(d, d\)"),
        ({"generator_space": np.zeros((1, 2, 2))}, ValueError, "spans nothing"),
        ({"symmetry_tolerance": -0.1}, ValueError, "symmetry_tolerance"),
        ({"symmetry_tolerance": "loose"}, ValueError, 'symmetry_tolerance must be "auto"'),
        ({"test_time_augmentation": -1}, ValueError, "test_time_augmentation"),
        ({"input_rep": Image(2, 2)}, ValueError, "describes 4 features, but X has 2"),
        ({"validation_fraction": 1.0}, ValueError, "validation_fraction"),
        ({"symmetry_weight": -1.0}, ValueError, "symmetry_weight"),
        ({"lr": 0.0}, ValueError, "lr"),
        ({"lr": "fast"}, TypeError, "lr"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"module": "mlp"}, TypeError, "module must be"),
        ({"module": nn.Linear(2, 7)}, ValueError, r"needs \(2, \d\)"),
        ({"module": nn.Linear(3, 1)}, ValueError, "backbone module failed"),
        ({"module": nn.Linear(2, 2), "module__bias": False}, ValueError, "instance"),
        ({"device": "tpu9"}, ValueError, "not a torch device"),
        ({"candidate_generators": []}, ValueError, "candidate_generators is empty"),
        ({"candidate_generators": ["spin"]}, ValueError, "Unknown symmetry name"),
        ({"candidate_generators": ["translations"]}, ValueError, "no Points part"),
        ({"candidate_generators": [np.eye(3)]}, ValueError, r"d = 2"),
        ({"candidate_generators": [np.zeros((2, 2))]}, ValueError, "zero generator"),
        (
            {"candidate_generators": ["rotations"], "n_generators": 1},
            ValueError,
            'must stay "auto"',
        ),
        ({"generator_space": np.eye(3)[None], "input_rep": Points(1, 2)}, ValueError, "last row"),
    ],
)
def test_bad_parameters_are_rejected_before_training(
    estimator_class, params, error, message, no_training
):
    X, y = _data(estimator_class)
    with pytest.raises(error, match=message):
        _small(estimator_class, **params).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_clear_error(no_training):
    X, y = _data(SymmetryDiscoveringRegressor)
    with pytest.raises(ValueError, match="CUDA is not available"):
        _small(SymmetryDiscoveringRegressor, device="cuda").fit(X, y)


def test_unknown_keyword_names_the_allowed_prefixes():
    with pytest.raises(TypeError, match="module__"):
        SymmetryDiscoveringRegressor(hidden_sizes=(8,))


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_predicting_needs_a_fit_and_the_same_features(estimator_class):
    from sklearn.exceptions import NotFittedError

    X, y = _data(estimator_class)
    with pytest.raises(NotFittedError):
        estimator_class().predict(X)
    est = _small(estimator_class).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="NaN"):
        est.symmetry_score(_with(X, 0, 0, np.nan))
    with pytest.raises(ValueError, match="at least 2 rows"):
        est.symmetry_score(X[:1])


# -- parameters, cloning, search ------------------------------------------------------


def test_prefixed_options_are_parameters_that_clone_and_grid_search_see():
    est = SymmetryDiscoveringRegressor(module__hidden_sizes=(8,), optimizer__weight_decay=1e-4)
    params = est.get_params()
    assert params["module__hidden_sizes"] == (8,)
    assert clone(est).get_params()["optimizer__weight_decay"] == 1e-4
    est.set_params(module__hidden_sizes=(4, 4), symmetry_weight=2.0)
    assert (est.module__hidden_sizes, est.symmetry_weight) == ((4, 4), 2.0)
    assert "module__hidden_sizes=(4, 4)" in repr(est)

    X, y = _data(SymmetryDiscoveringRegressor, n=120)
    search = GridSearchCV(
        SymmetryDiscoveringRegressor(max_epochs=3, random_state=0),
        {"module__hidden_sizes": [(4,), (16,)]},
        cv=2,
    ).fit(X, y)
    width = search.best_estimator_.net_.module_.backbone[0].out_features
    assert width == search.best_params_["module__hidden_sizes"][0]


def test_custom_module_class_and_instance():
    X, y = _data(SymmetryDiscoveringRegressor, n=100)
    est = _small(
        SymmetryDiscoveringRegressor,
        module=nn.Linear,
        module__in_features=2,
        module__out_features=1,
    ).fit(X, y)
    assert isinstance(est.net_.module_.backbone, nn.Linear)

    instance = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    before = [p.detach().clone() for p in instance.parameters()]
    _small(SymmetryDiscoveringRegressor, module=instance).fit(X, y)
    for old, new in zip(before, instance.parameters()):
        torch.testing.assert_close(old, new)  # the caller's module is not trained in place


def test_symmetry_scorer_in_model_selection():
    X, y = _data(SymmetryDiscoveringRegressor, n=120)
    result = cross_validate(
        _small(SymmetryDiscoveringRegressor),
        X,
        y,
        cv=2,
        scoring={"r2": "r2", "symmetry": symmetry_scorer},
    )
    assert np.all((result["test_symmetry"] >= 0) & (result["test_symmetry"] <= 1))

    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    est = _small(SymmetryDiscoveringRegressor).fit(X, y)
    pipeline = make_pipeline(FunctionTransformer(), est)
    assert symmetry_scorer(pipeline, X) == est.symmetry_score(X)
    with pytest.raises(TypeError, match="symlearn estimator"):
        symmetry_scorer(LinearRegression().fit(X, y), X)


# -- determinism and persistence ---------------------------------------------------------


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_seeded_fits_are_identical_and_leave_the_global_rng_alone(estimator_class):
    X, y = _data(estimator_class)
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = _small(estimator_class).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected_next.numpy())

    second = _small(estimator_class).fit(X, y)
    np.testing.assert_array_equal(first.discovered_generators_, second.discovered_generators_)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))
    other = _small(estimator_class, random_state=1).fit(X, y)
    method = "predict_proba" if hasattr(first, "predict_proba") else "predict"
    assert not np.array_equal(getattr(first, method)(X), getattr(other, method)(X))
    # fit always starts afresh (there is no warm_start or partial_fit): refitting
    # the other estimator with the first seed gives the first estimator's result.
    other.set_params(random_state=0).fit(X, y)
    np.testing.assert_array_equal(other.discovered_generators_, first.discovered_generators_)
    np.testing.assert_array_equal(getattr(other, method)(X), getattr(first, method)(X))
    assert not hasattr(first, "partial_fit") and "warm_start" not in first.get_params()


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_pickle_and_joblib_round_trips(estimator_class, tmp_path):
    X, y = _data(estimator_class)
    est = _small(estimator_class).fit(X, y)
    joblib.dump(est, tmp_path / "model.joblib")
    for restored in (joblib.load(tmp_path / "model.joblib"), pickle.loads(pickle.dumps(est))):
        np.testing.assert_array_equal(restored.predict(X), est.predict(X))
        np.testing.assert_array_equal(restored.discovered_generators_, est.discovered_generators_)
        assert restored.symmetry_score(X) == est.symmetry_score(X)


def test_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = _data(SymmetryDiscoveringRegressor)
    frame = pd.DataFrame(X, columns=["x", "y"])
    est = _small(SymmetryDiscoveringRegressor).fit(frame, y)
    np.testing.assert_array_equal(est.feature_names_in_, ["x", "y"])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        from_array = est.predict(X)
    np.testing.assert_allclose(est.predict(frame), from_array)


@pytest.mark.parametrize(
    "output_rep, n_targets, error, message",
    [
        ("vectors", 2, TypeError, "output_rep must be"),
        (Vectors(2, 2), 2, ValueError, "describes 4 targets, but y has 2"),
        (Vectors(1, 3), 3, ValueError, "their dimensions must agree"),
        (Points(1, 2), 2, ValueError, "has Points"),
    ],
)
def test_bad_output_reps_are_rejected_before_training(
    output_rep, n_targets, error, message, no_training
):
    X, y = _data(SymmetryDiscoveringRegressor)
    with pytest.raises(error, match=message):
        _small(SymmetryDiscoveringRegressor, output_rep=output_rep).fit(
            X, np.tile(y[:, None], n_targets)
        )


def test_only_the_regressor_has_an_output_rep():
    regressor = SymmetryDiscoveringRegressor(output_rep=Tensor(2))
    assert regressor.get_params()["output_rep"] == Tensor(2)
    assert "output_rep" not in SymmetryDiscoveringClassifier().get_params()


# -- sample weights ----------------------------------------------------------------------------


def test_equal_sample_weights_are_the_unweighted_fit():
    X, y = _data(SymmetryDiscoveringRegressor)
    plain = _small(SymmetryDiscoveringRegressor).fit(X, y)
    weighted = _small(SymmetryDiscoveringRegressor).fit(X, y, sample_weight=np.full(len(X), 3.0))
    np.testing.assert_array_equal(plain.predict(X), weighted.predict(X))


def test_zero_weights_silence_corrupted_rows():
    # 30% of the targets replaced by noise: weighted out, the fit recovers the
    # rotation-invariant target and its symmetry; counted, it does not.
    X, y, _ = make_rotation_invariant_regression(600, random_state=0)
    X_test, y_test, _ = make_rotation_invariant_regression(1000, random_state=5)
    rng = np.random.default_rng(1)
    corrupted = rng.random(len(X)) < 0.3
    y = y.copy()
    y[corrupted] = 3 * rng.standard_normal(corrupted.sum())
    plain = SymmetryDiscoveringRegressor(random_state=0).fit(X, y)
    weighted = SymmetryDiscoveringRegressor(random_state=0).fit(
        X, y, sample_weight=(~corrupted).astype(float)
    )
    plain_mse = np.mean((plain.predict(X_test) - y_test) ** 2)
    weighted_mse = np.mean((weighted.predict(X_test) - y_test) ** 2)
    assert weighted_mse < 0.02  # measured: 0.0036
    assert plain_mse > 0.1  # measured: 0.23
    assert weighted.symmetry_verdict_ == "symmetric" and weighted.algebra_.name == "so(2)"


@pytest.mark.parametrize(
    "estimator_class", [SymmetryDiscoveringRegressor, SymmetryDiscoveringClassifier]
)
def test_sample_weights_reach_the_affine_yardstick(estimator_class, monkeypatch):
    # The reference is compared with an affine model of the same weighted rows.
    X, y = _data(estimator_class)
    weights = 1.0 + np.arange(len(X)) / len(X)  # one value per row
    seen = {}
    affine_predictions, measure_evidence = discovery.affine_predictions, discovery.measure_evidence

    def spy_affine(X_train, y_train, X_held, w_train, n_classes):
        seen["train"], seen["classes"] = w_train, n_classes
        return affine_predictions(X_train, y_train, X_held, w_train, n_classes)

    def spy_evidence(*args, weights=None, affine=None, **kwargs):
        seen["held"], seen["affine"] = weights, affine
        return measure_evidence(*args, weights=weights, affine=affine, **kwargs)

    monkeypatch.setattr(discovery, "affine_predictions", spy_affine)
    monkeypatch.setattr(discovery, "measure_evidence", spy_evidence)
    _small(estimator_class).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(np.sort(np.r_[seen["train"], seen["held"]]), weights)
    classify = estimator_class is SymmetryDiscoveringClassifier
    assert seen["classes"] == (2 if classify else None)
    assert seen["affine"].shape == (len(seen["held"]), 2 if classify else 1)


def test_sample_weights_with_candidates_and_classes():
    X, y = _data(SymmetryDiscoveringClassifier, n=300)
    weights = np.where(y == 1, 2.0, 1.0)
    clf = _small(
        SymmetryDiscoveringClassifier, max_epochs=10, candidate_generators=["rotation_xy"]
    ).fit(X, y, sample_weight=weights)
    assert clf.candidate_weights_.shape == (1,) and np.isfinite(clf.candidate_errors_).all()


@pytest.mark.parametrize(
    "weights, message",
    [
        (np.ones(5), "sample_weight.shape"),
        (-np.ones(200), "Negative values"),
        (np.full(200, np.nan), "NaN"),
        (np.zeros(200), "at least one non-zero"),
    ],
)
def test_bad_sample_weights_are_rejected_before_training(weights, message, no_training):
    X, y = _data(SymmetryDiscoveringRegressor)
    with pytest.raises(ValueError, match=message):
        _small(SymmetryDiscoveringRegressor).fit(X, y, sample_weight=weights)


def test_weighted_batch_terms_average_to_the_weighted_mean_over_the_set():
    # skorch averages the batch terms by their row counts; with weights scaled
    # to mean 1 and mean(w * loss) per batch, that is the weighted mean.
    from symlearn._data import weighted_targets
    from symlearn._net import _weighted_mean

    rng = np.random.default_rng(0)
    losses = torch.as_tensor(rng.random(1000))
    weights = np.where(np.arange(1000) >= 500, 100.0, 1.0)
    targets = weighted_targets(np.zeros(1000), weights)
    w = targets["sample_weight"]
    assert abs(float(w.mean()) - 1) < 1e-6
    terms = [(float(_weighted_mean(losses[i : i + 64], w[i : i + 64])), len(losses[i : i + 64]))
             for i in range(0, 1000, 64)]  # fmt: skip
    epoch = np.average([t for t, _ in terms], weights=[n for _, n in terms])
    assert epoch == pytest.approx(np.average(losses.numpy(), weights=weights), rel=1e-6)


def test_an_interrupt_ends_the_whole_fit_and_changes_nothing():
    import os
    import signal

    from skorch.callbacks import Callback

    class Interrupt(Callback):
        # What Ctrl-C does: SIGINT to the process, in the middle of an epoch loop.
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                os.kill(os.getpid(), signal.SIGINT)

    X, y = _data(SymmetryDiscoveringRegressor)
    est = _small(SymmetryDiscoveringRegressor, callbacks=[Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert not hasattr(est, "n_features_in_")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    # Early stopping, which skorch also signals with KeyboardInterrupt, is no interrupt.
    assert (
        _small(SymmetryDiscoveringRegressor, max_epochs=200, patience=2).fit(X, y).n_epochs_ < 400
    )


def test_sample_weights_with_a_stratified_split():
    from skorch.dataset import ValidSplit

    X, y = _data(SymmetryDiscoveringClassifier)
    clf = _small(SymmetryDiscoveringClassifier, train_split=ValidSplit(5, stratified=True))
    clf.fit(X, y, sample_weight=np.where(y == 1, 2.0, 1.0))
    assert clf.score(X, y) > 0.5
