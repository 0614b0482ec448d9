"""Task families for judging symmetry discovery, written apart from ``symlearn.datasets``.

Every family is a plain function ``family(n_samples, seed) -> Task`` that
draws its own rows with numpy's ``Generator`` API and states the truth it
was built with: the Lie algebra of the task's continuous symmetries (in the
user's coordinates), or none. They are deliberately written in another
style than the package's own generators (explicit formulas, other input
distributions, other function forms), so that a method tuned on those is
judged on something else here.

The negatives carry no continuous symmetry of the task: no symmetry at all,
a symmetry of the input distribution only, discrete symmetries only
(a mirror, an exchange of features), approximate symmetries broken at
several strengths, and pure noise. ``KEPT_OUT`` names
the families that were never looked at while choosing defaults.
"""

from dataclasses import dataclass, field

import numpy as np

from symlearn.lie import so_generators, so_pq_generators
from symlearn.reps import Points, Scalars, Tensor, Vectors

__all__ = ["FAMILIES", "KEPT_OUT", "Task"]


@dataclass
class Task:
    """One data set and the truth it was generated with.

    ``truth`` is a basis (k, d, d) of the symmetry algebra in data
    coordinates; (0, d, d) for no continuous symmetry.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    input_rep: object
    truth: np.ndarray
    output_rep: object = None
    classify: bool = False
    options: dict = field(default_factory=dict)

    @property
    def negative(self):
        return len(self.truth) == 0


def _none(d):
    return np.zeros((0, d, d))


def _plane(d, i, j):
    generator = np.zeros((d, d))
    generator[i, j], generator[j, i] = -1.0, 1.0
    return generator[None]


def _noisy(rng, y, fraction):
    return y + fraction * np.std(y) * rng.standard_normal(y.shape)


# -- negatives ---------------------------------------------------------------------------


def tabular_no_symmetry(n, seed):
    """exp, cos and a product of three anisotropic, offset features; no symmetry."""
    rng = np.random.default_rng(seed)
    X = rng.normal([0.3, -0.2, 0.1], [1.0, 0.5, 2.0], size=(n, 3))
    y = np.exp(0.5 * X[:, 0]) + np.cos(2 * X[:, 1]) + 0.3 * X[:, 0] * X[:, 2]
    return Task("tabular_no_symmetry", X, _noisy(rng, y, 0.02), None, _none(3))


def input_symmetric_only(n, seed):
    """Isotropic inputs (their distribution is rotation invariant), a target that is not."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    y = X[:, 0] + np.sin(X[:, 1]) * X[:, 2]
    return Task("input_symmetric_only", X, _noisy(rng, y, 0.02), None, _none(3))


def mirror_only(n, seed):
    """Even in the first feature (x0 -> -x0), and no continuous symmetry."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    y = np.cos(1.5 * X[:, 0]) + np.sin(X[:, 1]) * X[:, 2] + 0.5 * X[:, 1]
    return Task("mirror_only", X, _noisy(rng, y, 0.02), None, _none(3))


def exchange_only(n, seed):
    """Symmetric under swapping the first two features, and no continuous symmetry."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 3))
    y = np.sin(X[:, 0]) + np.sin(X[:, 1]) + 0.5 * X[:, 0] * X[:, 1] * X[:, 2]
    return Task("exchange_only", X, _noisy(rng, y, 0.02), None, _none(3))


def approximate_rotation(strength):
    def family(n, seed):
        """A rotation-invariant target plus a term that breaks the rotation, at ``strength``."""
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, 2))
        invariant = np.sin(2 * np.hypot(X[:, 0], X[:, 1]))
        breaking = X[:, 0] * X[:, 1]
        y = invariant + strength * np.std(invariant) * breaking / np.std(breaking)
        return Task(f"approximate_rotation_{strength}", X, _noisy(rng, y, 0.02), None, _none(2))

    return family


def pure_noise(n, seed):
    """A target that does not depend on the inputs."""
    rng = np.random.default_rng(seed)
    return Task(
        "pure_noise",
        rng.standard_normal((n, 3)),
        rng.standard_normal(n),
        None,
        _none(3),
    )


def skewed_classes(n, seed):
    """Two classes split by a boundary with no symmetry."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = (X[:, 0] + 0.7 * X[:, 1] ** 2 - 0.3 * X[:, 1] > 0.4).astype(int)
    return Task("skewed_classes", X, y, None, _none(2), classify=True)


def sevenfold_rotation(n, seed):
    """LieGAN's discrete task: turns by 2 pi / 7, and scalings of the plane they turn.

    LieGAN and the issue that brought it here call it a task with no
    continuous symmetry, but ``y`` depends on the plane only through the
    angle, which ``(x0, x1) -> lambda (x0, x1)`` keeps: that scaling is an
    exact symmetry, the truth here.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    angle = np.mod(np.arctan2(X[:, 1], X[:, 0]), 2 * np.pi / 7)
    y = X[:, 2] / (1 + angle)
    return Task("sevenfold_rotation", X, y, None, np.diag([1.0, 1.0, 0.0])[None] / np.sqrt(2))


# -- continuous symmetries ----------------------------------------------------------------


def noisy_rotation(noise):
    def family(n, seed):
        """A rotation-invariant function of a 2-D point with ``noise`` (fraction of its spread)."""
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, 2)) * 1.5
        radius = np.hypot(X[:, 0], X[:, 1])
        y = np.tanh(radius - 1.5) + 0.3 * np.cos(2 * radius)
        return Task(f"noisy_rotation_{noise}", X, _noisy(rng, y, noise), None, so_generators(2))

    return family


def o5_emlp(n, seed):
    """EMLP's O5Synthetic: sin|x1| - |x2|^3 / 2 + x1.x2 / (|x1||x2|)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.standard_normal((n, 5)), rng.standard_normal((n, 5))
    n1, n2 = np.linalg.norm(x1, axis=1), np.linalg.norm(x2, axis=1)
    y = np.sin(n1) - n2**3 / 2 + np.sum(x1 * x2, axis=1) / (n1 * n2)
    return Task("o5_emlp", np.hstack([x1, x2]), y, Vectors(2, 5), so_generators(5))


_ETA = np.diag([1.0, -1.0, -1.0, -1.0])


def _minkowski(a, b):
    return a[:, 0] * b[:, 0] - np.sum(a[:, 1:] * b[:, 1:], axis=1)


def lorentz_emlp(n, seed):
    """EMLP's ParticleInteraction: 4 sum_ij (Le * Lmu)_ij of four four-momenta."""
    rng = np.random.default_rng(seed)
    p = rng.standard_normal((n, 4, 4)) / 4
    p1, p2, p3, p4 = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
    le = (
        np.einsum("ni,nj->nij", p1, p3)
        - (_minkowski(p1, p3) - _minkowski(p1, p1))[:, None, None] * _ETA
    )
    lmu = (
        np.einsum("ni,nj->nij", p2 @ _ETA, p4 @ _ETA)
        - (_minkowski(p2, p4) - _minkowski(p2, p2))[:, None, None] * _ETA
    )
    y = 4 * np.sum(le * lmu, axis=(1, 2))
    return Task("lorentz_emlp", p.reshape(n, 16), y, Vectors(4, 4), so_pq_generators(1, 3))


def lorentz_products(n, seed):
    """A smooth function of the Minkowski products of three four-vectors."""
    rng = np.random.default_rng(seed)
    p = rng.standard_normal((n, 3, 4)) * np.array([1.0, 0.6, 0.6, 0.6])
    a, b, c = p[:, 0], p[:, 1], p[:, 2]
    y = (
        np.tanh(_minkowski(a, b))
        + 0.5 * _minkowski(b, c)
        - 0.3 * _minkowski(a, a) * _minkowski(c, c)
    )
    return Task("lorentz_products", p.reshape(n, 12), y, Vectors(3, 4), so_pq_generators(1, 3))


def so21_form(n, seed):
    """Two 3-vectors through the form diag(1, 1, -1): an so(2,1)-invariant target."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, 3)), rng.standard_normal((n, 3))
    form = np.array([1.0, 1.0, -1.0])

    def dot(u, v):
        return np.sum(u * v * form, axis=1)

    y = np.sin(dot(a, b)) + 0.2 * dot(a, a) - 0.1 * dot(b, b) ** 2 / (1 + dot(b, b) ** 2)
    return Task("so21_form", np.hstack([a, b]), y, Vectors(2, 3), so_pq_generators(2, 1))


def scale_free_direction(n, seed):
    """A function of the direction x / |x| only: invariant under scaling, not rotations."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)) * np.exp(0.4 * rng.standard_normal((n, 1)))
    u = X / np.linalg.norm(X, axis=1, keepdims=True)
    y = u[:, 0] ** 2 - u[:, 1] * u[:, 2] + 0.5 * u[:, 2]
    return Task("scale_free_direction", X, y, None, np.eye(3)[None])


def rotation_and_scale(n, seed):
    """Angle between two plane vectors and the ratio of their lengths: so(2) + scaling."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
    cosine = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    y = cosine + 0.5 * np.tanh(np.log(np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)))
    truth = np.concatenate([so_generators(2), np.eye(2)[None]])
    return Task("rotation_and_scale", np.hstack([a, b]), y, Vectors(2, 2), truth)


def subblock_rotation(n, seed):
    """Rotations of the first two of four features; the other two enter without symmetry."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    y = np.cos(np.hypot(X[:, 0], X[:, 1])) + X[:, 2] * X[:, 3] + 0.5 * X[:, 2]
    return Task("subblock_rotation", X, _noisy(rng, y, 0.02), None, _plane(4, 0, 1))


def random_polynomial_invariant(n, seed):
    """A random polynomial (degree 2 or 3) in the inner products of random vectors in R^d."""
    rng = np.random.default_rng(seed)
    d, k = int(rng.integers(2, 5)), int(rng.integers(2, 4))
    V = rng.standard_normal((n, k, d))
    rows, cols = np.triu_indices(k)
    gram = np.einsum("nid,njd->nij", V, V)[:, rows, cols]
    degree = int(rng.integers(2, 4))
    y = gram @ rng.standard_normal(gram.shape[1])
    for _ in range(degree - 1):
        y = y * (gram @ rng.standard_normal(gram.shape[1])) / gram.shape[1]
    y = y + 0.5 * (gram @ rng.standard_normal(gram.shape[1]))
    return Task(
        "random_polynomial_invariant",
        V.reshape(n, k * d),
        y,
        Vectors(k, d),
        so_generators(d),
    )


def rescaled_gram_invariant(n, seed):
    """Inner products of three 3-vectors whose axes were rescaled by (1, 1.5, 0.7) (units).

    The symmetry is so(3) of the form diag(1, 1/1.5^2, 1/0.7^2), near enough
    to the standard one to be mistaken for it.
    """
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((n, 3, 3))
    gram = np.einsum("nid,njd->nij", V, V)
    y = gram[:, 0, 1] + gram[:, 1, 2] ** 2 / 6 - 0.5 * np.sin(gram[:, 0, 0])
    S = np.diag([1.0, 1.5, 0.7])
    truth = S @ so_generators(3) @ np.linalg.inv(S)
    return Task("rescaled_gram_invariant", (V @ S).reshape(n, 9), y, Vectors(3, 3), truth)


def equivariant_vector(n, seed):
    """A 3-vector output built from two inputs with invariant weights: so(3)-equivariant."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, 3)), rng.standard_normal((n, 3))
    ab = np.sum(a * b, axis=1, keepdims=True)
    y = np.tanh(ab) * a + np.sin(np.linalg.norm(a, axis=1, keepdims=True)) * b
    rep = Vectors(1, 3)
    return Task(
        "equivariant_vector",
        np.hstack([a, b]),
        y,
        Vectors(2, 3),
        so_generators(3),
        output_rep=rep,
    )


def _inertia(masses, positions):
    squared = np.sum(positions**2, axis=-1)
    return np.einsum(
        "nk,nkij->nij",
        masses,
        squared[..., None, None] * np.eye(3) - positions[..., :, None] * positions[..., None, :],
    )


def inertia_emlp(n, seed):
    """EMLP's inertia tensor of 5 point masses: equivariant under rotations (and scaling)."""
    rng = np.random.default_rng(seed)
    masses = np.log1p(np.exp(rng.standard_normal((n, 5))))
    positions = rng.standard_normal((n, 5, 3))
    y = _inertia(masses, positions).reshape(n, 9)
    truth = np.concatenate([so_generators(3), np.eye(3)[None]])
    return Task(
        "inertia_emlp",
        np.hstack([positions.reshape(n, 15), masses]),
        y,
        Vectors(5, 3) + Scalars(5),
        truth,
        output_rep=Tensor(3, 2),
    )


def inertia_broken_z(n, seed):
    """The inertia tensor plus a term that singles out z: rotations about z and scaling remain."""
    task = inertia_emlp(n, seed)
    positions = task.X[:, :15].reshape(n, 5, 3)
    masses = task.X[:, 15:]
    z_term = np.einsum("nk,nk->n", masses, positions[..., 2] ** 2)[:, None, None] * np.diag(
        [0, 0, 1.0]
    )
    task.y = task.y + 2.0 * z_term.reshape(n, 9)
    task.name = "inertia_broken_z"
    task.truth = np.concatenate([_plane(3, 0, 1), np.eye(3)[None]])
    return task


def two_body_step(n, seed):
    """One time step of two gravitating bodies (LieGAN's setting): rotation-equivariant."""
    rng = np.random.default_rng(seed)
    q1 = rng.standard_normal((n, 2))
    q2 = -q1 + 0.2 * rng.standard_normal((n, 2))
    separation = q1 - q2
    distance = np.linalg.norm(separation, axis=1, keepdims=True)
    tangent = np.column_stack([-separation[:, 1], separation[:, 0]]) / distance
    v1 = tangent * rng.uniform(0.3, 0.6, size=(n, 1)) / np.sqrt(distance)
    v2 = -v1

    def accelerations(p, q):
        d = q - p
        cube = np.linalg.norm(d, axis=1, keepdims=True) ** 3
        return d / cube, -d / cube

    dt = 0.05
    a1, a2 = accelerations(q1, q2)
    w1, w2 = v1 + 0.5 * dt * a1, v2 + 0.5 * dt * a2
    p1, p2 = q1 + dt * w1, q2 + dt * w2
    b1, b2 = accelerations(p1, p2)
    X = np.hstack([q1, q2, v1, v2])
    y = np.hstack([p1, p2, w1 + 0.5 * dt * b1, w2 + 0.5 * dt * b2])
    rep = Vectors(4, 2)
    return Task("two_body_step", X, y, rep, so_generators(2), output_rep=rep)


def scaled_pipeline_rotation(n, seed):
    """Rotation-invariant positions and velocities after a per-axis rescaling (a scaler)."""
    rng = np.random.default_rng(seed)
    q, v = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
    y = np.sin(np.sum(q * q, axis=1)) + np.sum(q * v, axis=1) + 0.2 * np.sum(v * v, axis=1)
    scale = np.array([3.0, 0.5])  # what StandardScaler would undo on anisotropic units
    X = np.hstack([q / scale, v / scale])
    conjugated = np.diag(1 / scale) @ so_generators(2)[0] @ np.diag(scale)
    return Task("scaled_pipeline_rotation", X, y, Vectors(2, 2), conjugated[None])


def tabular_dose_weight(n, seed):
    """The issue's table: age, dose, weight, bp; only dose up with weight down leaves y alone."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(20, 80, n)
    dose = rng.gamma(4.0, 1.25, n)
    weight = rng.normal(75, 12, n)
    bp = rng.normal(125, 15, n)
    y = age + 2 * dose * weight + np.sin(bp)
    truth = np.diag([0.0, 1.0, -1.0, 0.0])[None]
    X = np.column_stack([age, dose, weight, bp])
    return Task("tabular_dose_weight", X, _noisy(rng, y, 0.01), None, truth)


def triangle_points(n, seed):
    """Three points in the plane; a function of their distances: rotations and translations."""
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((n, 3, 2)) + rng.normal(0, 2, size=(n, 1, 2))
    d = np.linalg.norm(P[:, :, None] - P[:, None], axis=-1)
    y = d[:, 0, 1] + np.tanh(d[:, 1, 2] - d[:, 0, 2])
    truth = np.zeros((3, 3, 3))
    truth[0, :2, :2] = so_generators(2)[0]
    truth[1, 0, 2] = truth[2, 1, 2] = 1.0
    return Task("triangle_points", P.reshape(n, 6), y, Points(3, 2), truth)


def ring_classes(n, seed):
    """Two classes: inside or outside a noisy circle; the label is rotation invariant."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2)) * 1.2
    radius = np.hypot(X[:, 0], X[:, 1]) + 0.1 * rng.standard_normal(n)
    return Task(
        "ring_classes",
        X,
        (radius > 1.3).astype(int),
        None,
        so_generators(2),
        classify=True,
    )


def _sized(family, size):
    """The family with only ``size`` training rows (the test rows stay as many)."""

    def sized(n, seed):
        task = family(n, seed)
        task.name = f"{task.name}@{size}"
        return task

    sized.n_train = size
    return sized


#: name -> (family, rows). The rows include the held-out fifth of each fit;
#: the test rows are drawn beside them with another seed.
FAMILIES = {
    "tabular_no_symmetry": tabular_no_symmetry,
    "input_symmetric_only": input_symmetric_only,
    "mirror_only": mirror_only,
    "exchange_only": exchange_only,
    "approximate_rotation_0.1": approximate_rotation(0.1),
    "approximate_rotation_0.3": approximate_rotation(0.3),
    "approximate_rotation_1.0": approximate_rotation(1.0),
    "sevenfold_rotation": sevenfold_rotation,
    "pure_noise": pure_noise,
    "skewed_classes": skewed_classes,
    "noisy_rotation_0.05": noisy_rotation(0.05),
    "noisy_rotation_0.2": noisy_rotation(0.2),
    "o5_emlp": o5_emlp,
    "lorentz_emlp": lorentz_emlp,
    "lorentz_products": lorentz_products,
    "so21_form": so21_form,
    "scale_free_direction": scale_free_direction,
    "rotation_and_scale": rotation_and_scale,
    "subblock_rotation": subblock_rotation,
    "random_polynomial_invariant": random_polynomial_invariant,
    "rescaled_gram_invariant": rescaled_gram_invariant,
    "equivariant_vector": equivariant_vector,
    "inertia_emlp": inertia_emlp,
    "inertia_broken_z": inertia_broken_z,
    "two_body_step": two_body_step,
    "scaled_pipeline_rotation": scaled_pipeline_rotation,
    "tabular_dose_weight": tabular_dose_weight,
    "triangle_points": triangle_points,
    "ring_classes": ring_classes,
    "rotation_and_scale@300": _sized(rotation_and_scale, 300),
    "o5_emlp@300": _sized(o5_emlp, 300),
    "tabular_no_symmetry@300": _sized(tabular_no_symmetry, 300),
    "subblock_rotation@3000": _sized(subblock_rotation, 3000),
}

#: Families never looked at while the defaults were chosen.
KEPT_OUT = (
    "two_body_step",
    "scaled_pipeline_rotation",
    "tabular_dose_weight",
    "lorentz_products",
    "sevenfold_rotation",
    "skewed_classes",
)
