import matplotlib
import numpy as np
import pytest
from scipy.linalg import expm

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import make_rotation_invariant_regression
from symlearn.lie import so_generators
from symlearn.plotting import plot_generators, plot_orbits

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def fitted():
    X, y, _ = make_rotation_invariant_regression(400, random_state=0)
    return SymmetryDiscoveringRegressor(max_epochs=30, random_state=0).fit(X, y), X


def test_plot_generators_labels_panels_with_features_and_errors(fitted):
    est, _ = fitted
    axes = plot_generators(est)
    assert len(axes) == est.n_generators_ == 1
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["x0", "x1"]
    assert "error" in axes[0].get_title()
    axes = plot_generators(so_generators(3), axis_labels=["x", "y", "z"])
    assert len(axes) == 3
    with pytest.raises(ValueError, match="needs 3 entries"):
        plot_generators(so_generators(3), axis_labels=["x"])


def test_plot_orbits_draws_the_one_parameter_groups(fitted):
    est, X = fitted
    n_steps = 40
    ax = plot_orbits(est, X, n_points=3, n_steps=n_steps)
    orbits = [line.get_xydata() for line in ax.get_lines()]
    assert len(orbits) == 3
    generator, strength = est.discovered_generators_[0], est.generator_strengths_[0]
    step = expm(2 * strength / (n_steps - 1) * generator)
    for orbit in orbits:
        # Each point is the previous one moved by the same group element,
        # and the orbit passes through a data point at t = 0 (mid-way).
        np.testing.assert_allclose(orbit[1:], orbit[:-1] @ step.T, atol=1e-9)
        middle = expm(-strength * generator) @ orbit[-1]
        assert np.min(np.linalg.norm(X - middle, axis=1)) < 1e-9
    with pytest.raises(ValueError, match="single 2-D or 3-D"):
        plot_orbits(est, np.c_[X, X])
