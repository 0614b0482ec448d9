import matplotlib
import numpy as np
import pytest
from scipy.linalg import expm

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import make_rotation_invariant_regression
from symlearn.lie import so_generators
from symlearn.plotting import plot_generators, plot_image_orbits, plot_orbits

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


def test_plot_image_orbits_draws_each_image_along_each_generator(fitted):
    from symlearn import SymmetryDiscoveringClassifier
    from symlearn.datasets import make_rotated_digits
    from symlearn.lie import PLANAR_MOTIONS, planar_motions
    from symlearn.reps import Image

    X, y, _ = make_rotated_digits(200, random_state=0)
    rotation = planar_motions()[[PLANAR_MOTIONS.index("rotation")]]
    # One searched direction, kept whatever its error: a quick fit with one generator.
    clf = SymmetryDiscoveringClassifier(
        input_rep=Image(12, 12), generator_space=rotation, n_generators=1, max_epochs=3,
        random_state=0,
    ).fit(X, y)
    axes = plot_image_orbits(clf, X, n_images=2, n_steps=5)
    assert axes.shape == (2, 5)
    # The middle column is t = 0: the picked images themselves.
    picked = np.random.default_rng(0).choice(len(X), 2, replace=False)
    for row, index in enumerate(picked):
        shown = axes[row, 2].get_images()[0].get_array()
        np.testing.assert_allclose(shown, X[index].reshape(12, 12), atol=1e-4)
    assert not np.allclose(axes[0, 0].get_images()[0].get_array(), X[picked[0]].reshape(12, 12))
    assert "rotation" in axes[0, 2].get_title()
    with pytest.raises(ValueError, match="not a single symlearn.reps.Image"):
        plot_image_orbits(fitted[0], fitted[1])


def _overlap(boxes):
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_generator_figures_are_readable_without_the_code(fitted):
    est, _ = fitted
    axes = plot_generators(est)
    figure = axes[0].figure
    assert figure.get_suptitle().startswith("Discovered generators: so(2)")
    colorbars = [ax for ax in figure.axes if ax.get_label() == "<colorbar>"]
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "entry L[i, j]"
    assert axes[0].get_xlabel() and axes[0].get_ylabel()

    # Twelve long axis names over three panels: no tick label touches another.
    names = [f"feature_number_{i}" for i in range(12)]
    generators = np.stack([expm(0.1 * g) - np.eye(12) for g in np.random.default_rng(0)
                           .standard_normal((3, 12, 12))])  # fmt: skip
    axes = plot_generators(generators, axis_labels=names)
    figure = axes[0].figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    for ax in axes:
        assert not _overlap([t.get_window_extent(renderer) for t in ax.get_xticklabels()])
        assert not _overlap([t.get_window_extent(renderer) for t in ax.get_yticklabels()])
    panels = [ax.get_tightbbox(renderer) for ax in axes]
    assert not _overlap(panels)


def test_orbit_axes_are_named_after_the_features(fitted):
    est, X = fitted
    ax = plot_orbits(est, X, n_points=2)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x0", "x1")
    assert ax.get_legend() is not None
