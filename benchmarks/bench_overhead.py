"""What symlearn adds to the cost of training: fit time against plain skorch, three tasks.

For the rotation task (``y = sin(2|x|)``, 2 features), the two-body task
(``Vectors(20, 2)`` in and out) and the inertia task (five 3-D points and
their masses in, a ``Tensor(3, 2)`` out), 1,000 rows each, in one run:

* a default ``SymmetryDiscoveringRegressor`` fit (both training phases,
  the probe, the verdict, the confirmation, the analysis, the discrete
  search: everything ``fit`` does);
* the same MLP backbone trained by plain ``skorch.NeuralNetRegressor`` with
  symlearn's batched loader (``TensorBatchDataset``), the same batch size,
  learning rate and optimizer class, on the same training rows, for as many
  epochs as the symlearn fit trained in all its phases (``n_epochs_``).

The ratio of the two is the cost of everything symlearn adds per epoch.
Fits are interleaved and repeated; medians are reported. Prints a table and
writes ``benchmarks/results/overhead.json``.

Usage::

    python benchmarks/bench_overhead.py [--repeats 3] [--tasks rotation two_body inertia]
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from _results import write_results
from skorch import NeuralNetRegressor

from symlearn import SymmetryDiscoveringRegressor
from symlearn._builders import auto_batch_size, resolve_lr
from symlearn._data import TensorBatchDataset, collate_batch
from symlearn.datasets import (
    make_inertia_tensor_regression,
    make_rotation_invariant_regression,
    make_two_body_trajectories,
)
from symlearn.nn import MLP
from symlearn.reps import Scalars, Tensor, Vectors

N_ROWS = 1000
TARGETS = {"rotation": 1.5, "two_body": 1.8, "inertia": 1.8}


def rotation():
    X, y, _ = make_rotation_invariant_regression(N_ROWS, random_state=0)
    return X, y, {}


def two_body():
    X, y, _ = make_two_body_trajectories(N_ROWS, time_step=0.1, random_state=0)
    return X, y, {"input_rep": Vectors(20, 2), "output_rep": Vectors(20, 2)}


def inertia():
    X, y, _ = make_inertia_tensor_regression(N_ROWS, random_state=0)
    return X, y, {"input_rep": Vectors(5, 3) + Scalars(5), "output_rep": Tensor(3, 2)}


TASKS = {"rotation": rotation, "two_body": two_body, "inertia": inertia}


def _timed(fit, *args):
    start = time.perf_counter()
    result = fit(*args)
    return time.perf_counter() - start, result


def measure(name, repeats):
    X, y, options = TASKS[name]()
    X32 = X.astype(np.float32)
    y32 = y.astype(np.float32).reshape(len(y), -1)
    settings = SymmetryDiscoveringRegressor().get_params()
    n_train = len(X) - round(settings["validation_fraction"] * len(X))
    # The rate symlearn's default ("auto") gives this backbone.
    batch_size = auto_batch_size(n_train)
    lr = resolve_lr(settings["lr"], MLP(X.shape[1], y32.shape[1]))

    def fit_symlearn(seed):
        return SymmetryDiscoveringRegressor(random_state=seed, device="cpu", **options).fit(X, y)

    def fit_plain(seed, epochs):
        torch.manual_seed(seed)
        return NeuralNetRegressor(
            MLP(X.shape[1], y32.shape[1]), max_epochs=epochs, batch_size=batch_size, lr=lr,
            optimizer=torch.optim.Adam, train_split=None, iterator_train__shuffle=True,
            dataset=TensorBatchDataset, iterator_train__collate_fn=collate_batch,
            verbose=0, device="cpu",
        ).fit(X32[:n_train], y32[:n_train])

    fit_plain(0, 3)  # warm up
    symlearn_times, plain_times, epochs, algebras = [], [], [], []
    for seed in range(repeats):
        seconds, est = _timed(fit_symlearn, seed)
        symlearn_times.append(seconds)
        epochs.append(int(est.n_epochs_))
        algebras.append(est.algebra_.name)
        plain_times.append(_timed(fit_plain, seed, epochs[-1])[0])
    ratios = [s / p for s, p in zip(symlearn_times, plain_times)]
    return {
        "task": name,
        "epochs": epochs,
        "algebras": algebras,
        "symlearn_seconds": symlearn_times,
        "plain_seconds": plain_times,
        "ratio_median": statistics.median(ratios),
        "ratio_max": max(ratios),
        "target": TARGETS[name],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "overhead.json"))
    args = parser.parse_args()

    rows = [measure(name, args.repeats) for name in args.tasks]
    print(f"{'task':<10}{'epochs':>18}{'symlearn [s]':>14}{'skorch [s]':>12}"
          f"{'ratio':>8}{'worst':>8}{'target':>8}  found")
    for row in rows:
        print(f"{row['task']:<10}{row['epochs']!s:>18}"
              f"{statistics.median(row['symlearn_seconds']):>14.1f}"
              f"{statistics.median(row['plain_seconds']):>12.1f}{row['ratio_median']:>8.2f}"
              f"{row['ratio_max']:>8.2f}{row['target']:>8.1f}  {', '.join(set(row['algebras']))}")
    write_results(args.out, n_rows=N_ROWS, rows=rows)


if __name__ == "__main__":
    main()
