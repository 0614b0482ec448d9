"""Discovery speed and training overhead of symlearn on a 2-core CPU.

Measures, in one run:

1. the wall time to discover so(2) on ``y = sin(2|x|)`` (1000 rows, default
   settings), with the similarity reached (target: under 10 s);
2. the fit time of ``SymmetryDiscoveringRegressor`` (which stops early, both
   phases together) against the same MLP backbone trained by plain
   ``skorch.NeuralNetRegressor`` on the same training rows for the same
   number of epochs (``n_epochs_``), batch size and learning rate (target
   ratio: at most 2.0): the cost per epoch of everything symlearn adds;
3. the same ratio against plain skorch given symlearn's batched dataset, so
   that the cost of the augmentation itself is visible apart from the
   faster data loading symlearn uses.

Runs are interleaved and repeated; medians are reported. Prints a table and
writes ``benchmarks/results/discovery.json``.

Usage::

    python benchmarks/bench_discovery.py [--repeats 5]
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from skorch import NeuralNetRegressor

from symlearn import SymmetryDiscoveringRegressor
from symlearn._builders import auto_batch_size
from symlearn._data import TensorBatchDataset, collate_batch
from symlearn.datasets import make_rotation_invariant_regression
from symlearn.metrics import lie_algebra_similarity
from symlearn.nn import MLP


def _timed(fit, *args, **kwargs):
    start = time.perf_counter()
    result = fit(*args, **kwargs)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-samples", type=int, default=1000)
    args = parser.parse_args()

    X, y, truth = make_rotation_invariant_regression(args.n_samples, random_state=0)
    X32, y32 = X.astype(np.float32), y.astype(np.float32).reshape(-1, 1)
    settings = SymmetryDiscoveringRegressor().get_params()
    # The estimator trains on the rows it does not hold out; so does the baseline.
    n_train = len(X) - round(settings["validation_fraction"] * len(X))
    batch_size, lr = auto_batch_size(n_train), settings["lr"]

    def fit_symlearn(seed):
        return SymmetryDiscoveringRegressor(random_state=seed, device="cpu").fit(X, y)

    def fit_plain(seed, epochs, batched=False):
        torch.manual_seed(seed)
        loading = {}
        if batched:
            loading = dict(dataset=TensorBatchDataset, iterator_train__collate_fn=collate_batch)
        return NeuralNetRegressor(
            MLP(2, 1), max_epochs=epochs, batch_size=batch_size, lr=lr,
            optimizer=torch.optim.Adam, train_split=None, iterator_train__shuffle=True,
            verbose=0, device="cpu", **loading,
        ).fit(X32[:n_train], y32[:n_train])

    fit_symlearn(0), fit_plain(0, 5), fit_plain(0, 5, batched=True)  # warm up
    symlearn_times, plain_times, batched_times, similarities, epochs = [], [], [], [], []
    for seed in range(args.repeats):
        seconds, est = _timed(fit_symlearn, seed)
        symlearn_times.append(seconds)
        similarities.append(lie_algebra_similarity(est.discovered_generators_, truth))
        epochs.append(int(est.n_epochs_))
        plain_times.append(_timed(fit_plain, seed, epochs[-1])[0])
        batched_times.append(_timed(fit_plain, seed, epochs[-1], batched=True)[0])

    ratios = [s / p for s, p in zip(symlearn_times, plain_times)]
    batched_ratios = [s / p for s, p in zip(symlearn_times, batched_times)]
    results = {
        "machine": {"cpu_threads": torch.get_num_threads(), "python": platform.python_version(),
                    "torch": torch.__version__},
        "setup": {"n_samples": args.n_samples, "n_train": n_train, "epochs": epochs,
                  "batch_size": batch_size, "repeats": args.repeats},
        "discover_so2_seconds_median": statistics.median(symlearn_times),
        "discover_so2_similarity_min": min(similarities),
        "plain_skorch_seconds_median": statistics.median(plain_times),
        "fit_time_ratio_median": statistics.median(ratios),
        "fit_time_ratio_max": max(ratios),
        "plain_skorch_batched_seconds_median": statistics.median(batched_times),
        "fit_time_ratio_same_loader_median": statistics.median(batched_ratios),
        "targets": {"discover_so2_seconds": 10.0, "fit_time_ratio": 2.0},
    }
    rows = [
        ("time to discover so(2), median [s]", results["discover_so2_seconds_median"], "< 10"),
        ("similarity to so(2), worst seed", results["discover_so2_similarity_min"], ">= 0.99"),
        ("plain skorch fit, median [s]", results["plain_skorch_seconds_median"], ""),
        ("fit-time ratio symlearn / skorch, median", results["fit_time_ratio_median"], "<= 2.0"),
        ("fit-time ratio, worst repeat", results["fit_time_ratio_max"], ""),
        ("plain skorch, batched loader, median [s]",
         results["plain_skorch_batched_seconds_median"], ""),
        ("ratio vs skorch with the same loader, median",
         results["fit_time_ratio_same_loader_median"], "(augmentation cost)"),
    ]
    print(f"{'measure':<44}{'value':>10}  target")
    for name, value, target in rows:
        print(f"{name:<44}{value:>10.4f}  {target}")
    out = Path(__file__).parent / "results" / "discovery.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
