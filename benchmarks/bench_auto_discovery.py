"""Automatic discovery: dimension, similarity, closure and fit time per task and seed.

Run ``python benchmarks/bench_auto_discovery.py``; it prints a table and writes
``benchmarks/results/auto_discovery.json``.
"""

import json
import time
from pathlib import Path

import numpy as np

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import (
    make_asymmetric_regression,
    make_inner_product_regression,
    make_lorentz_invariant_regression,
    make_pairwise_distance_regression,
    make_rotation_invariant_regression,
)
from symlearn.metrics import lie_algebra_similarity
from symlearn.reps import Vectors

TASKS = {
    "so(2): sin(2|x|), R^2": (make_rotation_invariant_regression, None),
    "so(3): 4 points in R^3": (make_pairwise_distance_regression, Vectors(4, 3)),
    "so(4): 2 vectors in R^4": (make_inner_product_regression, Vectors(2, 4)),
    "so(1,3): 3 four-vectors": (make_lorentz_invariant_regression, Vectors(3, 4)),
    "none: x0 + 2x1^2 - x0x1": (make_asymmetric_regression, None),
}
SEEDS = (0, 1, 2)


def main():
    rows = []
    header = f"{'task':26s} {'seed':>4s} {'dim':>3s} {'true':>4s} {'similarity':>10s} "
    header += f"{'closure':>7s} {'algebra':>10s} {'fit s':>6s}"
    print(header)
    for task, (make, rep) in TASKS.items():
        for seed in SEEDS:
            X, y, truth = make(1000, random_state=seed)
            start = time.perf_counter()
            est = SymmetryDiscoveringRegressor(input_rep=rep, random_state=seed).fit(X, y)
            seconds = time.perf_counter() - start
            similarity = lie_algebra_similarity(est.discovered_generators_, truth)
            row = dict(
                task=task,
                seed=seed,
                dimension=int(est.n_generators_),
                true_dimension=len(truth),
                similarity=similarity,
                closure_error=est.closure_error_,
                algebra=est.algebra_.name,
                fit_seconds=seconds,
            )
            rows.append(row)
            print(
                f"{task:26s} {seed:4d} {row['dimension']:3d} {len(truth):4d} {similarity:10.4f} "
                f"{est.closure_error_:7.3f} {est.algebra_.name:>10s} {seconds:6.2f}",
                flush=True,
            )
    correct = np.mean([r["dimension"] == r["true_dimension"] for r in rows])
    print(f"dimension correct in {correct:.0%} of {len(rows)} fits")
    out = Path(__file__).parent / "results" / "auto_discovery.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
