"""Charged n-body: test MSE and cost of four ways to train one MLP.

For 3000 training simulations of 5 charged particles in 3-D
(``symlearn.datasets.make_charged_nbody``) and three seeds, the same MLP
(two hidden layers of 64 units, the same optimizer, learning rate and
epochs) is trained

* plain (``augment=False``);
* with random O(3) data augmentation (every simulation turned by 4
  Haar-random orthogonal maps, a quarter of the epochs: the same number of
  gradient steps);
* soft-regularized towards the rotations (``candidate_generators=["rotations"]``,
  the soft equivariance of Kim et al., ICML 2023);
* symmetrized (``symmetrize="probabilistic"``, ``group="S_n x O(3)"``, 4
  draws per row in training), predicted with 1, 5, 20 and 50 draws.

Times are seconds on this machine (fit, and predicting the 1000 test rows).
Run ``python benchmarks/bench_symmetrize.py``; it prints a table and writes
``benchmarks/results/symmetrize.json``.
"""

import json
import time
from pathlib import Path

import numpy as np
import torch

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import make_charged_nbody, transform_dataset
from symlearn.reps import Scalars, Vectors

N_TRAIN, N_TEST = 3000, 1000
SEEDS = (0, 1, 2)
TEST_SAMPLES = (1, 5, 20, 50)
INPUT_REP = Vectors(5, 3) + Vectors(5, 3) + Scalars(5)
OUTPUT_REP = Vectors(5, 3)
OPTIONS = dict(
    input_rep=INPUT_REP,
    output_rep=OUTPUT_REP,
    lr=0.003,
    max_epochs=100,
    validation_fraction=0.1,
)


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def run(seed):
    X, y, _ = make_charged_nbody(N_TRAIN + N_TEST, random_state=seed)
    X, y, X_test, y_test = X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]
    X_aug, y_aug = transform_dataset(
        X, y, "O(3)", input_rep=INPUT_REP, output_rep=OUTPUT_REP, n_copies=4, random_state=seed
    )
    options = {**OPTIONS, "random_state": seed}
    quarter = {**options, "max_epochs": options["max_epochs"] // 4}
    setups = {
        "plain": (X, y, dict(options, augment=False)),
        "augmented": (X_aug, y_aug, dict(quarter, augment=False)),
        "soft": (X, y, dict(options, candidate_generators=["rotations"])),
        "symmetrized": (
            X,
            y,
            dict(options, augment=False, symmetrize="probabilistic", group="S_n x O(3)"),
        ),
    }
    row = dict(seed=seed)
    for name, (X_fit, y_fit, params) in setups.items():
        est, seconds = timed(lambda: SymmetryDiscoveringRegressor(**params).fit(X_fit, y_fit))
        row[f"{name}_fit_s"] = seconds
        samples = TEST_SAMPLES if name == "symmetrized" else (None,)
        for k in samples:
            if k is not None:
                est.set_params(n_group_samples_test=k)
            prediction, predict_s = timed(lambda: est.predict(X_test))
            key = name if k is None else f"{name}_{k}"
            row[f"{key}_mse"] = float(np.mean((prediction - y_test) ** 2))
            row[f"{key}_predict_s"] = predict_s
    return row


def main():
    torch.set_num_threads(max(1, torch.get_num_threads()))
    columns = ["plain", "augmented", "soft"] + [f"symmetrized_{k}" for k in TEST_SAMPLES]
    print(f"{'seed':>4s} " + " ".join(f"{c:>15s}" for c in columns) + "   (test MSE)")
    rows = []
    for seed in SEEDS:
        row = run(seed)
        rows.append(row)
        print(f"{seed:4d} " + " ".join(f"{row[c + '_mse']:15.4f}" for c in columns), flush=True)
        print(
            "     fit s: "
            + ", ".join(
                f"{name} {row[name + '_fit_s']:.1f}"
                for name in ("plain", "augmented", "soft", "symmetrized")
            )
            + " | predict s: "
            + ", ".join(f"{c} {row[c + '_predict_s']:.3f}" for c in columns),
            flush=True,
        )
    out = Path(__file__).parent / "results" / "symmetrize.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
