"""Task families for judging the discrete-symmetry search, with the finite truth they were built with.

Each family is ``family(n_samples, seed) -> DiscreteTask``: rows drawn with
numpy's ``Generator``, a target written out as a formula, and the discrete
symmetries the target has (beyond its continuous ones, stated as well):

* ``("rotation", n, (i, j))``: a turn by ``2 pi / n`` in the plane of
  features ``i`` and ``j``;
* ``("reflection", normal)``: a mirror with that normal (a unit vector; a
  2-D array of several rows means any unit normal in their span);
* ``("point_reflection",)``: ``x -> -x``;
* ``("permutation", items)``: the items (features, or the vectors of a
  ``Vectors`` part) that can be exchanged.

The targets are chiral where they must be (a turn's profile with a sine at
twice the order has no mirror) and keep a radius term, so that no scaling
of the plane is a continuous symmetry. ``KEPT_OUT`` names families kept out
of any tuning of the search's constants.
"""

from dataclasses import dataclass, field

import numpy as np

from symlearn.reps import Vectors

__all__ = ["DISCRETE_FAMILIES", "KEPT_OUT", "DiscreteTask"]


@dataclass
class DiscreteTask:
    name: str
    X: np.ndarray
    y: np.ndarray
    input_rep: object
    discrete: list
    continuous_dimension: int = 0
    options: dict = field(default_factory=dict)

    @property
    def negative(self):
        return not self.discrete


def _noisy(rng, y, fraction=0.02):
    return y + fraction * np.std(y) * rng.standard_normal(y.shape)


def _others(rng, n):
    """Two more features the target depends on without any symmetry."""
    return rng.uniform(-1.5, 1.5, size=(n, 2))


def _other_terms(o):
    return np.sin(o[:, 0] + 0.4) * (1 + 0.3 * o[:, 1]) + 0.25 * o[:, 1]


def cyclic(order):
    def family(n, seed):
        """A chiral n-fold pattern in the plane of features 0, 1, and two unrelated features."""
        rng = np.random.default_rng(seed)
        plane = rng.standard_normal((n, 2)) * 1.3
        o = _others(rng, n)
        r, theta = np.hypot(*plane.T), np.arctan2(plane[:, 1], plane[:, 0])
        angular = 1 + 0.35 * np.cos(order * theta) + 0.2 * np.sin(2 * order * theta)
        y = np.tanh(r) * angular + 0.3 * r + _other_terms(o)
        X = np.hstack([plane, o])
        return DiscreteTask(
            f"cyclic_{order}", X, _noisy(rng, y), None, [("rotation", order, (0, 1))]
        )

    return family


def sevenfold_sawtooth(n, seed):
    """LieGAN's discrete task, x2 / (1 + (theta mod 2 pi / 7)), with a radius term."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    theta = np.mod(np.arctan2(X[:, 1], X[:, 0]), 2 * np.pi / 7)
    y = X[:, 2] / (1 + theta) + 0.3 * np.hypot(X[:, 0], X[:, 1])
    return DiscreteTask("sevenfold_sawtooth", X, y, None, [("rotation", 7, (0, 1))])


def fourfold_with_rotation(n, seed):
    """A chiral 4-fold pattern in features 0, 1 and a full rotation of features 2, 3."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    r, theta = np.hypot(X[:, 0], X[:, 1]), np.arctan2(X[:, 1], X[:, 0])
    s = np.hypot(X[:, 2], X[:, 3])
    y = (
        np.tanh(r) * (1 + 0.35 * np.cos(4 * theta) + 0.2 * np.sin(8 * theta))
        + np.sin(s * s)
        + 0.3 * r
    )
    in_plane = np.eye(4)[[2, 3]]  # the (x2, x3) plane turns and mirrors freely
    return DiscreteTask(
        "fourfold_with_rotation",
        X,
        _noisy(rng, y),
        None,
        [("rotation", 4, (0, 1)), ("reflection", in_plane)],
        continuous_dimension=1,
    )


def parity_invariant(n, seed):
    """A function of the Gram matrix of three 3-D vectors: O(3), mirrors included."""
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((n, 3, 3))
    gram = np.einsum("nid,njd->nij", V, V)
    y = gram[:, 0, 0] + np.tanh(gram[:, 0, 1]) + 0.5 * np.sin(gram[:, 1, 2])
    return DiscreteTask(
        "parity_invariant",
        V.reshape(n, 9),
        _noisy(rng, y),
        Vectors(3, 3),
        [("reflection", np.eye(3))],
        continuous_dimension=3,
    )


def chiral_triple(n, seed):
    """The determinant of three 3-D vectors (a pseudo-scalar) plus a length: SO(3) only."""
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((n, 3, 3))
    y = np.linalg.det(V) + 0.5 * np.sum(V[:, 0] ** 2, axis=1)
    return DiscreteTask("chiral_triple", V.reshape(n, 9), _noisy(rng, y), Vectors(3, 3), [], 3)


def chiral_pair(n, seed):
    """The dot and cross product of two planar vectors: SO(2) only, no mirror."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    a, b = X[:, :2], X[:, 2:]
    y = np.tanh(np.sum(a * b, axis=1)) + (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
    return DiscreteTask("chiral_pair", X, _noisy(rng, y), Vectors(2, 2), [], 1)


def exchangeable_points(n, seed):
    """Four planar points; the target is symmetric in the first three, not in the fourth."""
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((n, 4, 2))
    y = (
        np.sum(np.sin(P[:, :3, 0] + 0.3) * P[:, :3, 1], axis=1)
        + 0.8 * P[:, 3, 0]
        - 0.4 * P[:, 3, 1] ** 3
    )
    return DiscreteTask(
        "exchangeable_points",
        P.reshape(n, 8),
        _noisy(rng, y),
        Vectors(4, 2),
        [("permutation", (0, 1, 2))],
    )


def exchangeable_features(n, seed):
    """Five tabular features: a sum over the first four of one function, the fifth apart."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 5))
    g = np.sin(X[:, :4] + 0.3) + 0.2 * X[:, :4] ** 2
    y = g.sum(axis=1) + 0.1 * np.prod(X[:, :4], axis=1) + np.tanh(X[:, 4])
    return DiscreteTask(
        "exchangeable_features", X, _noisy(rng, y), None, [("permutation", (0, 1, 2, 3))]
    )


def two_classes(n, seed):
    """Five features in two exchangeable classes, {0, 1} and {2, 3, 4}: S2 x S3."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 5))
    pair = np.exp(0.4 * X[:, 0]) + np.exp(0.4 * X[:, 1]) + 0.3 * X[:, 0] * X[:, 1]
    y = pair + np.sum(np.sin(X[:, 2:] + 0.5), axis=1) + 0.2 * np.prod(X[:, 2:], axis=1)
    return DiscreteTask(
        "two_classes",
        X,
        _noisy(rng, y),
        None,
        [("permutation", (0, 1)), ("permutation", (2, 3, 4))],
    )


# -- negatives ---------------------------------------------------------------------------


def no_discrete(n, seed):
    """Anisotropic, offset features; no symmetry of any kind."""
    rng = np.random.default_rng(seed)
    X = rng.normal([0.3, -0.2, 0.1], [1.0, 0.5, 2.0], size=(n, 3))
    y = np.exp(0.5 * X[:, 0]) + np.sin(2 * X[:, 1] + 0.4) + 0.3 * X[:, 0] * X[:, 2] + X[:, 2]
    return DiscreteTask("no_discrete", X, _noisy(rng, y), None, [])


def broken_mirror(strength):
    def family(n, seed):
        """Even in x0 but for an odd term of the given strength."""
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, 3))
        y = (
            np.cos(1.5 * X[:, 0])
            + strength * X[:, 0]
            + np.sin(X[:, 1] + 0.2) * X[:, 2]
            + 0.4 * X[:, 2]
        )
        return DiscreteTask(f"broken_mirror_{strength}", X, _noisy(rng, y), None, [])

    return family


def broken_exchange(n, seed):
    """Nearly symmetric in x0 and x1: one weight 20% higher."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 3))
    y = (
        np.sin(X[:, 0] + 0.3)
        + 1.2 * np.sin(X[:, 1] + 0.3)
        + 0.5 * X[:, 0] * X[:, 1] * X[:, 2]
        + X[:, 2]
    )
    return DiscreteTask("broken_exchange", X, _noisy(rng, y), None, [])


def broken_turn(n, seed):
    """A 5-fold pattern with a 1-fold term (strength 0.15): no turn is a symmetry."""
    rng = np.random.default_rng(seed)
    plane = rng.standard_normal((n, 2)) * 1.3
    o = _others(rng, n)
    r, theta = np.hypot(*plane.T), np.arctan2(plane[:, 1], plane[:, 0])
    angular = 1 + 0.35 * np.cos(5 * theta) + 0.2 * np.sin(10 * theta) + 0.15 * np.cos(theta)
    y = np.tanh(r) * angular + 0.3 * r + _other_terms(o)
    return DiscreteTask("broken_turn", np.hstack([plane, o]), _noisy(rng, y), None, [])


def pure_noise(n, seed):
    """A target that does not depend on the inputs: nothing can be judged."""
    rng = np.random.default_rng(seed)
    return DiscreteTask("pure_noise", rng.standard_normal((n, 3)), rng.standard_normal(n), None, [])


def _sized(family, size):
    def sized(n, seed):
        return family(n, seed)

    sized.n_train = size
    return sized


DISCRETE_FAMILIES = {
    "cyclic_3": _sized(cyclic(3), 5000),
    "cyclic_5": _sized(cyclic(5), 5000),
    "cyclic_7": _sized(cyclic(7), 5000),
    "sevenfold_sawtooth": _sized(sevenfold_sawtooth, 5000),
    "fourfold_with_rotation": _sized(fourfold_with_rotation, 5000),
    "parity_invariant": parity_invariant,
    "chiral_triple": chiral_triple,
    "chiral_pair": chiral_pair,
    "exchangeable_points": exchangeable_points,
    "exchangeable_features": exchangeable_features,
    "two_classes": two_classes,
    "no_discrete": no_discrete,
    "broken_mirror_0.1": broken_mirror(0.1),
    "broken_mirror_0.3": broken_mirror(0.3),
    "broken_exchange": broken_exchange,
    "broken_turn": _sized(broken_turn, 5000),
    "pure_noise": pure_noise,
}

#: Never looked at while choosing the search's constants.
KEPT_OUT = ("sevenfold_sawtooth", "two_classes", "broken_exchange", "chiral_pair")
