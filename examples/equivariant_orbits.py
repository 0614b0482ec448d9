"""
Two-body orbits: an equivariant map and its candidates
======================================================

Two-body orbits: discover the rotation symmetry of an equivariant map, test candidates.

The input is 5 states of two orbiting bodies, the target the next 5 states;
rotating the initial state rotates the whole orbit, so the map is
*equivariant*: the target turns with the input. Training orbits start within
45 degrees of the x axis; the test orbits start 90-270 degrees away.

Run: python examples/equivariant_orbits.py
"""

import numpy as np

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import make_two_body_trajectories
from symlearn.metrics import lie_algebra_similarity
from symlearn.reps import Vectors

np.set_printoptions(precision=3, suppress=True)

# States 0.1 time units apart: a quarter orbit per window.
X, y, truth = make_two_body_trajectories(
    1000, angle_range=(-np.pi / 4, np.pi / 4), time_step=0.1, random_state=0
)
X_test, y_test, _ = make_two_body_trajectories(
    500, angle_range=(np.pi / 2, 3 * np.pi / 2), time_step=0.1, random_state=1
)
states = Vectors(20, 2)  # every state is (q1, q2, v1, v2): four 2-D vectors
options = dict(input_rep=states, output_rep=states, max_epochs=100, random_state=0)


def rotated_test_mse(est):
    return np.mean((est.predict(X_test) - y_test) ** 2)


plain = SymmetryDiscoveringRegressor(**options, augment=False).fit(X, y)
print(f"plain MLP: rotated-orbit test MSE {rotated_test_mse(plain):.2e}")

discovering = SymmetryDiscoveringRegressor(**options).fit(X, y)
similarity = lie_algebra_similarity(discovering.discovered_generators_, truth)
print(f"discovering: {discovering.algebra_.name}, similarity to so(2): {similarity:.4f}")
print(f"  equivariance score (held out): {discovering.symmetry_score_:.3f}")
print(f"  rotated-orbit test MSE {rotated_test_mse(discovering):.2e}")

candidates = SymmetryDiscoveringRegressor(
    **options, candidate_generators={"rotation": "rotations", "scaling": "scaling"}
).fit(X, y)
weights = {
    name: round(float(weight), 3)
    for name, weight in zip(candidates.candidate_names_, candidates.candidate_weights_)
}
print(f"candidates: weights {weights}")
print(f"  rotated-orbit test MSE {rotated_test_mse(candidates):.2e}")
