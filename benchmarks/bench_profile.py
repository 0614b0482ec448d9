"""Profile of one default fit: where its time goes, by part, for several kinds of input.

For tabular inputs of 2, 10, 20 and 50 features (``input_rep=None``: the
search space is gl(d)), 16 features as 8 plane vectors (``Vectors(8, 2)``),
a symmetric-matrix input (``Tensor(3, 2)``), point clouds with a tensor
output (inertia tensors) and 12x12 images (rotated digits), one fit with the
default parameters (1,000 rows; 600 images) is broken into its parts with
the timers of ``_fit_parts.py``: the two training phases and, inside them,
the backbone's forward passes, the backward pass, the optimizer, moving the
rows by group elements (of which the matrix exponentials), the loss terms
with their one host sync per batch, the validation steps and the data
loading; after training, the probe, the verdict, the exact group, the
reaches, the confirmation, the analysis, the discrete search and the score.
Times are inclusive wall-clock seconds on this machine.

Prints a table per task and writes ``benchmarks/results/profile.json``.

Usage::

    python benchmarks/bench_profile.py [--tasks tabular_2 vectors_8x2] [--max-epochs N]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _fit_parts import timed_parts
from _results import write_results

from symlearn import SymmetryDiscoveringClassifier, SymmetryDiscoveringRegressor
from symlearn.datasets import make_inertia_tensor_regression, make_rotated_digits
from symlearn.reps import Image, Points, Scalars, Tensor, Vectors

N_ROWS = 1000


def tabular(n_features):
    """A turn of the first two features is the only continuous symmetry."""

    def make(rng):
        X = rng.standard_normal((N_ROWS, n_features))
        rest = np.cos(X[:, 2:]).sum(axis=1) / np.sqrt(max(n_features - 2, 1))
        y = np.sin(2 * np.linalg.norm(X[:, :2], axis=1)) + rest
        return X, y + 0.05 * rng.standard_normal(N_ROWS), {}

    return make


def plane_vectors(rng):
    """Eight plane vectors; invariant under turning them all together."""
    V = rng.standard_normal((N_ROWS, 8, 2))
    y = np.sin(np.linalg.norm(V[:, 0], axis=1)) + (V[:, 1] * V[:, 2]).sum(axis=1)
    return V.reshape(N_ROWS, 16), y + 0.05 * rng.standard_normal(N_ROWS), {
        "input_rep": Vectors(8, 2)}


def symmetric_matrix(rng):
    """A symmetric 3x3 matrix; ``tr(T^2) + tr(T)`` is invariant under conjugation."""
    A = rng.standard_normal((N_ROWS, 3, 3))
    T = (A + A.transpose(0, 2, 1)) / 2
    y = np.einsum("nij,nji->n", T, T) / 3 + np.trace(T, axis1=1, axis2=2)
    return T.reshape(N_ROWS, 9), y, {"input_rep": Tensor(3, 2)}


def inertia(rng):
    X, y, _ = make_inertia_tensor_regression(N_ROWS, random_state=int(rng.integers(1 << 31)))
    return X, y, {"input_rep": Points(5, 3) + Scalars(5), "output_rep": Tensor(3, 2)}


def digits(rng):
    X, y, _ = make_rotated_digits(600, random_state=int(rng.integers(1 << 31)))
    return X, y, {"input_rep": Image(12, 12)}


TASKS = {
    "tabular_2": tabular(2),
    "tabular_10": tabular(10),
    "tabular_20": tabular(20),
    "tabular_50": tabular(50),
    "vectors_8x2": plane_vectors,
    "tensor_3x3": symmetric_matrix,
    "inertia_points": inertia,
    "image_12x12": digits,
}


def profile(name, max_epochs=None):
    X, y, options = TASKS[name](np.random.default_rng(0))
    estimator = SymmetryDiscoveringClassifier if name.startswith("image") else (
        SymmetryDiscoveringRegressor)
    if max_epochs is not None:
        options["max_epochs"] = max_epochs
    model = estimator(random_state=0, device="cpu", **options)
    with timed_parts() as parts:
        start = time.perf_counter()
        model.fit(X, y)
        total = time.perf_counter() - start
    return {
        "task": name,
        "n_rows": len(X),
        "n_features": X.shape[1],
        "total_seconds": total,
        "epochs": int(model.n_epochs_),
        "verdict": model.symmetry_verdict_,
        "n_generators": int(model.n_generators_),
        "after_training_share": parts.after_training_share(total),
        "parts": [
            {"part": label, "seconds": seconds, "share": share, "calls": calls}
            for label, seconds, share, calls in parts.table(total)
        ],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "profile.json"))
    args = parser.parse_args()

    results = []
    for name in args.tasks:
        result = profile(name, args.max_epochs)
        results.append(result)
        print(f"\n{name}: {result['n_rows']} rows x {result['n_features']} features, "
              f"{result['total_seconds']:.1f} s, {result['epochs']} epochs, "
              f"verdict {result['verdict']} ({result['n_generators']} generators); "
              f"after training {100 * result['after_training_share']:.0f}%")
        for part in result["parts"]:
            print(f"  {part['part']:<34}{part['seconds']:>9.2f} s {100 * part['share']:>6.1f}%"
                  f"  {part['calls']:>7} calls")
    write_results(args.out, results=results)


if __name__ == "__main__":
    main()
