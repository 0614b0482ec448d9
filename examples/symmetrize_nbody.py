"""
Exactly equivariant models: charged particles and discover-then-symmetrize
==========================================================================

Make an MLP exactly equivariant: charged particles, S_5 x O(3), and discover-then-symmetrize.

Run: python examples/symmetrize_nbody.py
"""

import numpy as np
import torch

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import make_charged_nbody, make_rotation_invariant_regression
from symlearn.reps import Scalars, Vectors
from symlearn.symmetrize import random_orthogonal

# Positions, velocities and charges of 5 particles -> positions a time unit later.
X, y, _ = make_charged_nbody(2000, random_state=0)
X_train, y_train, X_test, y_test = X[:1500], y[:1500], X[1500:], y[1500:]
options = dict(
    input_rep=Vectors(5, 3) + Vectors(5, 3) + Scalars(5),
    output_rep=Vectors(5, 3),
    augment=False,  # no discovery: the plain model, then the exact one
    max_epochs=60,
    random_state=0,
)
for name, extra in [
    ("plain MLP", {}),
    ("symmetrized MLP", dict(symmetrize="probabilistic", group="S_n x O(3)")),
]:
    est = SymmetryDiscoveringRegressor(**options, **extra).fit(X_train, y_train)
    mse = np.mean((est.predict(X_test) - y_test) ** 2)
    # Reflect and rotate every test simulation by one orthogonal map Q.
    Q = random_orthogonal(1, 3, generator=torch.Generator().manual_seed(1)).numpy()[0]
    X_moved = X_test.copy()
    for block in (slice(0, 15), slice(15, 30)):
        X_moved[:, block] = (X_test[:, block].reshape(-1, 5, 3) @ Q.T).reshape(-1, 15)
    expected = (est.predict(X_test).reshape(-1, 5, 3) @ Q.T).reshape(-1, 15)
    deviation = np.abs(est.predict(X_moved) - expected).max()
    print(f"{name}: test MSE {mse:.4f}, largest equivariance deviation {deviation:.2e}")

# Discover the rotation of a radial target, then symmetrize over what was found.
X, y, _ = make_rotation_invariant_regression(1000, random_state=0)
est = SymmetryDiscoveringRegressor(
    symmetrize="probabilistic", group="discovered", random_state=0
).fit(X, y)
turn = np.array([[0.0, -1.0], [1.0, 0.0]])  # a quarter turn
change = np.abs(est.predict(X @ turn.T) - est.predict(X)).max()
print(f"discovered {est.algebra_.name}; predictions change by {change:.2e} under a quarter turn")
