import numpy as np
import torch
from scipy.linalg import expm

from symlearn._scaling import RepStandardizer
from symlearn.lie import so_generators
from symlearn.reps import Points, Scalars, Vectors


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


def test_points_are_centred_and_generators_change_coordinates_exactly():
    from symlearn.lie import named_generators
    from symlearn.reps import Points

    rep = Points(3, 2) + Vectors(1, 2)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((40, 8)) * 5.0 + 10.0
    scaler = RepStandardizer(rep).fit(X)
    points = scaler.transform(X)[:, :6].reshape(-1, 2)
    np.testing.assert_allclose(points.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(np.mean(points**2)), 1.0)
    # A motion in data coordinates acts as its conjugate in model coordinates.
    generators = named_generators("euclidean", 2, affine=True)
    g = expm(0.6 * generators[0] + 0.4 * generators[1] - 0.3 * generators[2])
    model_g = expm(0.6 * scaler.to_model_generators(generators[0])
                   + 0.4 * scaler.to_model_generators(generators[1])
                   - 0.3 * scaler.to_model_generators(generators[2]))
    act = lambda m, rows: rep.act(torch.as_tensor(m), torch.as_tensor(rows)).numpy()  # noqa: E731
    np.testing.assert_allclose(scaler.transform(act(g, X)), act(model_g, scaler.transform(X)),
                               atol=1e-10)
    np.testing.assert_allclose(
        scaler.to_data_generators(scaler.to_model_generators(generators)), generators, atol=1e-12
    )


def test_statistics_do_not_overflow_for_huge_values():
    rep = Vectors(1, 2) + Scalars(1) + Points(2, 2)
    X = np.random.default_rng(2).standard_normal((30, 7))
    for factor in (1e300, 1e-300):
        scaler = RepStandardizer(rep).fit(X * factor)
        assert np.all(np.isfinite(scaler.scale_)) and np.all(scaler.scale_ > 0)
        # Standardizing is unit-free: the scaled rows do not depend on the factor.
        np.testing.assert_allclose(
            scaler.transform(X * factor), RepStandardizer(rep).fit(X).transform(X), atol=1e-9
        )
