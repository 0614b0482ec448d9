"""Equivariant targets: test MSE and fit time of four ways to train one backbone.

For the two-body and inertia tasks, at two training-set sizes and three
seeds, the same MLP is trained

* plain (``augment=False``: no symmetry at all);
* with the ground-truth rotations as data augmentation (the oracle: every
  row moved by 4 random rotations, a quarter of the epochs, so the same
  number of gradient steps; for the inertia task the rotations of so(3) over
  the full circle, not the scalings that are also exact);
* by symlearn discovering the symmetry (the defaults);
* by symlearn with candidate symmetries a user might guess.

Two-body training orbits start within 45 degrees of the x axis and test orbits
90-270 degrees away (out of distribution), with states 0.1 or 0.2 time units
apart; inertia test point clouds come from the training distribution.
Fit-time ratios are against the plain fit of the same run. Run
``python benchmarks/bench_equivariance.py``; it prints a table and writes
``benchmarks/results/equivariance.json``.
"""

import json
import time
from pathlib import Path

import numpy as np

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import (
    make_inertia_tensor_regression,
    make_two_body_trajectories,
    transform_dataset,
)
from symlearn.lie import so_generators
from symlearn.reps import Scalars, Tensor, Vectors

SIZES = (300, 1000)
SEEDS = (0, 1, 2)
TRAIN_ANGLES, SHIFTED_ANGLES = (-np.pi / 4, np.pi / 4), (np.pi / 2, 3 * np.pi / 2)


def two_body(n_samples, seed, *, shifted=False, time_step=0.1):
    angles = SHIFTED_ANGLES if shifted else TRAIN_ANGLES
    return make_two_body_trajectories(
        n_samples, angle_range=angles, time_step=time_step, random_state=seed
    )


def two_body_longer(n_samples, seed, *, shifted=False):
    return two_body(n_samples, seed, shifted=shifted, time_step=0.2)


def inertia(n_samples, seed, *, shifted=False):
    return make_inertia_tensor_regression(n_samples, random_state=seed)


TWO_BODY = dict(
    options=dict(input_rep=Vectors(20, 2), output_rep=Vectors(20, 2), max_epochs=100),
    candidates=["rotations", "scaling"],
    oracle=so_generators(2),
)
TASKS = {
    "two-body, step 0.1 (rotated)": dict(make=two_body, **TWO_BODY),
    "two-body, step 0.2 (rotated)": dict(make=two_body_longer, **TWO_BODY),
    "inertia tensor": dict(
        make=inertia,
        options=dict(
            input_rep=Vectors(5, 3) + Scalars(5),
            output_rep=Tensor(3, 2),
            module__hidden_sizes=(128, 128),
            max_epochs=200,
        ),
        candidates=["rotation_yz", "rotation_xz", "rotation_xy", "scaling"],
        oracle=so_generators(3),
    ),
}


def fit_timed(X, y, **params):
    start = time.perf_counter()
    est = SymmetryDiscoveringRegressor(**params).fit(X, y)
    return est, time.perf_counter() - start


def run(task, spec, n_samples, seed):
    X, y, _ = spec["make"](n_samples, seed)
    X_test, y_test, _ = spec["make"](1000, 1000 + seed, shifted=True)
    options = {**spec["options"], "random_state": seed}
    reps = dict(input_rep=options["input_rep"], output_rep=options["output_rep"])
    X_rot, y_rot = transform_dataset(X, y, spec["oracle"], **reps, n_copies=4, random_state=seed)
    fits = {
        "plain": fit_timed(X, y, **options, augment=False),
        "oracle": fit_timed(
            X_rot, y_rot, **{**options, "max_epochs": options["max_epochs"] // 4},
            augment=False,
        ),
        "discovering": fit_timed(X, y, **options),
        "candidates": fit_timed(X, y, **options, candidate_generators=spec["candidates"]),
    }
    plain_seconds = fits["plain"][1]
    row = dict(task=task, n_samples=n_samples, seed=seed)
    for name, (est, seconds) in fits.items():
        row[f"{name}_mse"] = float(np.mean((est.predict(X_test) - y_test) ** 2))
        row[f"{name}_time_ratio"] = seconds / plain_seconds
    row["plain_seconds"] = plain_seconds
    row["discovered"] = fits["discovering"][0].algebra_.name
    row["candidate_weights"] = dict(
        zip(spec["candidates"], np.round(fits["candidates"][0].candidate_weights_, 3).tolist())
    )
    return row


def main():
    # One throwaway fit, so that torch's one-time start-up cost does not land
    # in the first timed plain fit.
    X, y, _ = two_body(100, 0)
    fit_timed(X, y, **TWO_BODY["options"] | {"max_epochs": 2})
    rows = []
    methods = ("plain", "oracle", "discovering", "candidates")
    print(
        f"{'task':31s} {'n':>5s} {'seed':>4s} "
        + " ".join(f"{m + ' MSE':>15s}" for m in methods)
        + "  time ratios (oracle, disc., cand.)  discovered / candidate weights"
    )
    for task, spec in TASKS.items():
        for n_samples in SIZES:
            for seed in SEEDS:
                row = run(task, spec, n_samples, seed)
                rows.append(row)
                ratios = ", ".join(f"{row[m + '_time_ratio']:.2f}" for m in methods[1:])
                print(
                    f"{task:31s} {n_samples:5d} {seed:4d} "
                    + " ".join(f"{row[m + '_mse']:15.3e}" for m in methods)
                    + f"  {ratios:>34s}  {row['discovered']} / {row['candidate_weights']}",
                    flush=True,
                )
    out = Path(__file__).parent / "results" / "equivariance.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
