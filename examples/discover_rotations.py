"""
Discover rotations in a radial target and in pairwise distances
===============================================================

Discover so(2) in a radial target and so(3) in pairwise distances.

Run: python examples/discover_rotations.py
"""

import numpy as np

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import make_pairwise_distance_regression, make_rotation_invariant_regression
from symlearn.metrics import lie_algebra_similarity
from symlearn.reps import Vectors

np.set_printoptions(precision=3, suppress=True)

# y = sin(2 |x|) on the plane: invariant under rotations about the origin.
# 600 training rows each: enough for both, and the script runs in under a minute.
X, y, truth = make_rotation_invariant_regression(850, random_state=0)
est = SymmetryDiscoveringRegressor(random_state=0).fit(X[:600], y[:600])
print("so(2) task: discovered generator\n", est.discovered_generators_[0])
print(f"  similarity to so(2): {lie_algebra_similarity(est.discovered_generators_, truth):.4f}")
print(f"  strength {est.generator_strengths_[0]:.2f} of max {np.pi * np.sqrt(2):.2f}")
print(f"  symmetry score (held out): {est.symmetry_score(X[600:]):.3f}")

# Four points in R^3 per row; the target is invariant under joint rotations.
X, y, truth = make_pairwise_distance_regression(850, random_state=0)
est = SymmetryDiscoveringRegressor(input_rep=Vectors(4, 3), n_generators=3, random_state=0)
est.fit(X[:600], y[:600])
print("\nso(3) task: strengths", est.generator_strengths_)
print(f"  similarity to so(3): {lie_algebra_similarity(est.discovered_generators_, truth):.4f}")
print(f"  symmetry score (held out): {est.symmetry_score(X[600:]):.3f}")
print(f"  R^2 (held out): {est.score(X[600:], y[600:]):.3f}")
