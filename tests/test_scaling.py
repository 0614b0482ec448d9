import numpy as np
import torch
from scipy.linalg import expm

from symlearn._scaling import RepStandardizer
from symlearn.lie import so_generators
from symlearn.reps import Scalars, Vectors


def test_rescaling_commutes_with_the_group_action():
    rep = Vectors(2, 3) + Scalars(2)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 8)) * 7.0 + 3.0
    scaler = RepStandardizer(rep).fit(X)
    g = torch.as_tensor(expm(0.8 * so_generators(3)[1]))
    act = lambda rows: rep.act(g, torch.as_tensor(rows)).numpy()  # noqa: E731
    np.testing.assert_allclose(scaler.transform(act(X)), act(scaler.transform(X)), atol=1e-12)


def test_vectors_share_one_scale_and_scalars_are_standardized():
    rep = Vectors(1, 2) + Scalars(1)
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(0, 100, 500), rng.normal(0, 1, 500), rng.normal(5, 2, 500)])
    scaled = RepStandardizer(rep).fit(X).transform(X)
    assert np.isclose(np.sqrt(np.mean(scaled[:, :2] ** 2)), 1.0)
    # The ratio between the two vector components is kept: no per-axis scaling.
    np.testing.assert_allclose(scaled[:, 0] / scaled[:, 1], X[:, 0] / X[:, 1])
    np.testing.assert_allclose([scaled[:, 2].mean(), scaled[:, 2].std()], [0, 1], atol=1e-12)


def test_round_trip_and_constant_columns():
    rep = Vectors(1, 2) + Scalars(1)
    X = np.column_stack([np.zeros(10), np.zeros(10), np.full(10, 4.0)])
    scaler = RepStandardizer(rep).fit(X)
    np.testing.assert_array_equal(scaler.scale_, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X)
