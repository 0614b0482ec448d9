"""
Report and draw a discovered symmetry
=====================================

The target is exactly invariant under rotations about z and only approximately
(30% broken) about x and y: with n_generators="auto" the verdict keeps the
exact one. Prints the report and saves two figures.

Run ``python examples/plot_symmetry.py`` (needs matplotlib: the ``plot`` extra).
"""

import matplotlib

matplotlib.use("Agg")

from symlearn import SymmetryDiscoveringRegressor  # noqa: E402
from symlearn.datasets import make_broken_rotation_regression  # noqa: E402
from symlearn.plotting import plot_generators, plot_orbits  # noqa: E402

# Exactly symmetric under rotations about z, approximately about x and y.
X, y, truth = make_broken_rotation_regression(1000, epsilon=0.3, random_state=0)
est = SymmetryDiscoveringRegressor(random_state=0).fit(X, y)
print(est.describe_symmetry())

axes = plot_generators(est, axis_labels=["x", "y", "z"])
axes[0].figure.savefig("discovered_generators.png", bbox_inches="tight")
ax = plot_orbits(est, X, n_points=5)
ax.figure.savefig("orbits.png", bbox_inches="tight")
print("saved discovered_generators.png and orbits.png")
