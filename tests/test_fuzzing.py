"""Property-based input fuzzing: every input ends in a clear error or a correct result.

A clear error is a ``ValueError`` or ``TypeError`` with a message, raised by
symlearn's or scikit-learn's validation, never a crash inside torch, and a
result is never silently non-finite.
"""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from symlearn import SymmetryDiscoveringClassifier, SymmetryDiscoveringRegressor
from symlearn._net import SymmetryNet
from symlearn._scaling import _mean_and_std
from symlearn.reps import Image, Points, Scalars, Tensor, Vectors

FAST = dict(max_epochs=2, batch_size=8, random_state=0)
FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

#: Extremes first: hypothesis draws ordinary floats on its own.
EXTREMES = [0.0, -0.0, 1e300, -1e300, 1e-300, 3e38, np.nan, np.inf, -np.inf]
FLOATS = st.sampled_from(EXTREMES) | st.floats(allow_nan=True, allow_infinity=True)
FINITE = st.sampled_from([0.0, 1e300, -1e300, 1e-300]) | st.floats(-1e6, 1e6)


def outcome(action, messages=None):
    """The action's result, or ``None`` if it raised a clear error (message kept in ``messages``)."""
    try:
        return action()
    except (ValueError, TypeError) as error:
        assert str(error), "an error without a message"
        if messages is not None:
            messages.append(str(error))
        return None


def matrices(elements, rows=(1, 10), columns=(1, 3)):
    shape = st.tuples(st.integers(*rows), st.integers(*columns))
    return hnp.arrays(np.float64, shape, elements=elements)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    return SymmetryDiscoveringRegressor(**FAST).fit(X, np.sin(X[:, 0])), X


@FUZZ
@given(X=matrices(FLOATS), data=st.data())
def test_fit_on_any_float_matrix_refuses_clearly_or_predicts_finite_values(X, data):
    y = data.draw(hnp.arrays(np.float64, len(X), elements=FINITE))
    errors = []
    est = outcome(lambda: SymmetryDiscoveringRegressor(**FAST).fit(X, y), errors)
    if est is None:
        # The documented reasons: non-finite values, fewer than 2 rows, no 2
        # rows left to train on once 2 are held out (2 or 3 rows), or rows that
        # span more than float32's range once scaled like the training rows.
        orders = np.log10(np.abs(X[np.isfinite(X) & (X != 0)]))
        span = orders.max() - orders.min() if orders.size else 0.0
        assert (
            not np.all(np.isfinite(X))
            or len(X) in (1, 2, 3)
            or ("float32" in errors[0] and (span > 30 or orders.max() > 38))
        ), errors
        return
    assert np.all(np.isfinite(est.predict(X)))
    if len(X) >= 2:
        assert 0.0 <= est.symmetry_score(X) <= 1.0


@FUZZ
@given(y=hnp.arrays(np.float64, 12, elements=FLOATS))
def test_any_float_target_refuses_clearly_or_predicts_finite_values(y):
    X = np.random.default_rng(0).standard_normal((12, 2))
    est = outcome(lambda: SymmetryDiscoveringRegressor(**FAST).fit(X, y))
    if est is None:
        assert not np.all(np.isfinite(y))
        return
    predictions = est.predict(X)
    assert np.all(np.isfinite(predictions))
    # Predictions are on the targets' scale (huge targets are neither overflowed
    # nor squashed); two epochs leave the standardized outputs of order one.
    mean, std = _mean_and_std(y)  # without overflow, for targets near 1e300
    assert np.max(np.abs(predictions - mean)) <= 10 * (std if std > 0 else 1.0)


MALFORMED = {
    "object array with None": lambda n: np.array([[1.0, None]] * n, dtype=object),
    "strings": lambda n: np.array([["a", "b"]] * n),
    "complex": lambda n: np.ones((n, 2)) + 1j,
    "sparse": lambda n: sp.random(n, 2, density=0.5, format="csr", random_state=0),
    "ragged lists": lambda n: [[1.0, 2.0], [3.0]] * (n // 2),
    "3-d array": lambda n: np.ones((n, 2, 2)),
    "1-d array": lambda n: np.ones(n),
    "no rows": lambda n: np.ones((0, 2)),
    "no columns": lambda n: np.ones((n, 0)),
}
WELL_FORMED = {
    "object array of numbers": lambda n: np.arange(2.0 * n).reshape(n, 2).astype(object),
    "booleans": lambda n: np.arange(2 * n).reshape(n, 2) % 3 == 0,
    "integers": lambda n: np.arange(2 * n).reshape(n, 2) % 5,
    "duplicate rows": lambda n: np.ones((n, 2)),
    "zero-variance column": lambda n: np.c_[np.arange(n), np.zeros(n)],
    "float32": lambda n: np.arange(2.0 * n, dtype=np.float32).reshape(n, 2),
}


@FUZZ
@given(kind=st.sampled_from(sorted(MALFORMED)), n=st.integers(4, 12))
def test_malformed_inputs_are_refused_before_training(kind, n):
    X = MALFORMED[kind](n)

    def no_training(*args, **kwargs):
        raise AssertionError("training started although the input was invalid")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SymmetryNet, "fit", no_training)
        for est in (SymmetryDiscoveringRegressor(**FAST), SymmetryDiscoveringClassifier(**FAST)):
            assert outcome(lambda: est.fit(X, np.arange(n) % 2)) is None, kind


@FUZZ
@given(kind=st.sampled_from(sorted(WELL_FORMED)), n=st.integers(4, 12))
def test_unusual_but_valid_inputs_fit_and_predict(kind, n):
    X = WELL_FORMED[kind](n)
    y = np.arange(n) % 2
    for est in (SymmetryDiscoveringRegressor(**FAST), SymmetryDiscoveringClassifier(**FAST)):
        est.fit(X, y)
        assert np.all(
            np.isfinite(est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X))
        )


@FUZZ
@given(X=matrices(FLOATS, rows=(0, 6), columns=(1, 3)))
def test_fitted_methods_refuse_clearly_or_return_finite_results(fitted, X):
    est, _ = fitted
    for method in (est.predict, est.symmetry_score, est.generator_errors):
        result = outcome(lambda: method(X))
        if result is not None:
            assert np.all(np.isfinite(result)), method.__name__
        elif X.shape[1] == 2 and len(X) >= 2 and np.all(np.isfinite(X)):
            # Well-formed rows may only be refused for being out of float32 range.
            assert np.max(np.abs(X)) > 1e30, method.__name__


@FUZZ
@given(reach=FLOATS, n_transforms=st.integers(-2, 3))
def test_symmetry_score_options_are_checked(fitted, reach, n_transforms):
    est, X = fitted
    score = outcome(lambda: est.symmetry_score(X, reach=reach, n_transforms=n_transforms))
    if score is None:
        assert not (np.isfinite(reach) and reach >= 0 and n_transforms >= 1)
    else:
        assert 0.0 <= score <= 1.0


REPS = [
    Vectors(2, 3),
    Tensor(3),
    Points(2, 2) + Vectors(1, 2),
    Image(3, 4, channels=2),
    Scalars(2) + Vectors(1, 3),
]


@FUZZ
@given(
    rep=st.sampled_from(REPS),
    rows=st.integers(0, 4),
    width_change=st.sampled_from([0, 0, -1, 1]),
    g_shape=st.sampled_from(["one", "per row", "wrong size", "wrong count", "flat"]),
    k=st.integers(0, 3),
)
def test_reps_act_and_tangent_refuse_bad_shapes_clearly(rep, rows, width_change, g_shape, k):
    d = rep.dim
    x = torch.randn(rows, rep.size + width_change, dtype=torch.float64)
    g = {
        "one": torch.eye(d),
        "per row": torch.eye(d).expand(rows, d, d),
        "wrong size": torch.eye(d + 1),
        "wrong count": torch.eye(d).expand(rows + 1, d, d),
        "flat": torch.ones(d),
    }[g_shape].to(torch.float64)
    valid_x = width_change == 0
    moved = outcome(lambda: rep.act(g, x))
    if moved is None:
        assert not valid_x or g_shape in ("wrong size", "wrong count", "flat")
    else:
        assert valid_x and moved.shape == x.shape
        torch.testing.assert_close(moved, x)  # the identity moves nothing
    generators = torch.zeros(k, d, d, dtype=torch.float64)
    tangent = outcome(lambda: rep.tangent(generators, x))
    if tangent is None:
        assert not valid_x
    else:
        assert tangent.shape == (rows, k, rep.size)
    assert outcome(lambda: rep.act(g.numpy(), x)) is None  # numpy: a clear TypeError


@FUZZ
@given(
    labels=st.lists(
        st.one_of(st.integers(-3, 3), st.text(max_size=2), st.floats()), min_size=6, max_size=10
    )
)
def test_classifier_labels_refuse_clearly_or_round_trip(labels):
    X = np.random.default_rng(0).standard_normal((len(labels), 2))
    y = np.array(labels, dtype=object)
    clf = outcome(lambda: SymmetryDiscoveringClassifier(**FAST).fit(X, y))
    if clf is not None:
        assert set(clf.predict(X).tolist()) <= set(y.tolist())
