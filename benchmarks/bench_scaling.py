"""How the cost of a fit grows with rows and features: time, peak memory, fitted exponents.

Each fit runs in a fresh process (so its peak resident memory is its own),
on the tabular task of ``bench_profile.py`` (a turn of the first two
features; ``input_rep=None``, so the search space is gl(d), up to 2,500
directions at d = 50), with a fixed number of epochs per phase (early
stopping off) so that the cost per epoch is compared, not how soon each fit
converges:

* rows 1,000, 10,000 and 100,000 at 10 features;
* features 2, 5, 10, 20 and 50 at 1,000 rows.

For each: fit seconds, the share spent after training (probe, verdict,
exact group, reaches, confirmation, analysis, discrete search, score), the
peak resident memory above the process's size before the fit, and the
verdict. The exponents ``b`` of ``time ~ rows^b`` and ``time ~ features^b``
are least-squares slopes on log-log axes. Prints a table and writes
``benchmarks/results/scaling.json``.

Usage::

    python benchmarks/bench_scaling.py [--epochs 20] [--rows 1000 10000 100000]
"""

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
from _results import write_results

HERE = Path(__file__).resolve().parent


def one_fit(n_rows, n_features, epochs):
    """Run in the child: one fit, measured; returns a dict."""
    import time

    sys.path.insert(0, str(HERE))
    from _fit_parts import timed_parts

    from symlearn import SymmetryDiscoveringRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, n_features))
    rest = np.cos(X[:, 2:]).sum(axis=1) / np.sqrt(max(n_features - 2, 1))
    y = np.sin(2 * np.linalg.norm(X[:, :2], axis=1)) + rest + 0.05 * rng.standard_normal(n_rows)
    est = SymmetryDiscoveringRegressor(
        max_epochs=epochs, callbacks__early_stopping=None, random_state=0, device="cpu"
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with timed_parts() as parts:
        start = time.perf_counter()
        est.fit(X, y)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "n_rows": n_rows,
        "n_features": n_features,
        "search_space_dimension": n_features**2,
        "seconds": seconds,
        "after_training_share": parts.after_training_share(seconds),
        "probe_seconds": parts.seconds["probe (evidence)"],
        "peak_memory_mb_above_start": (peak - before) / 1024,
        "peak_memory_mb": peak / 1024,
        "epochs": int(est.n_epochs_),
        "verdict": est.symmetry_verdict_,
        "n_generators": int(est.n_generators_),
    }


def _in_child(n_rows, n_features, epochs):
    command = [sys.executable, __file__, "--child", str(n_rows), str(n_features), str(epochs)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _exponent(sizes, seconds):
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--features", type=int, nargs="+", default=[2, 5, 10, 20, 50])
    parser.add_argument("--child", type=int, nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(HERE / "results" / "scaling.json"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_fit(*args.child)))
        return

    by_rows = [_in_child(n, 10, args.epochs) for n in args.rows]
    by_features = [_in_child(1000, d, args.epochs) for d in args.features]
    exponents = {
        "rows": _exponent([r["n_rows"] for r in by_rows], [r["seconds"] for r in by_rows]),
        "features": _exponent(
            [r["n_features"] for r in by_features], [r["seconds"] for r in by_features]
        ),
    }
    print(f"{'rows':>8}{'features':>10}{'fit [s]':>10}{'after training':>16}"
          f"{'peak MB (+fit)':>16}  verdict")
    for row in by_rows + by_features:
        print(f"{row['n_rows']:>8}{row['n_features']:>10}{row['seconds']:>10.1f}"
              f"{100 * row['after_training_share']:>15.0f}%"
              f"{row['peak_memory_mb_above_start']:>16.0f}  "
              f"{row['verdict']} ({row['n_generators']})")
    print(f"\ntime ~ rows^{exponents['rows']:.2f} (10 features), "
          f"time ~ features^{exponents['features']:.2f} (1,000 rows); "
          f"{args.epochs} epochs per phase")
    write_results(args.out, epochs_per_phase=args.epochs, by_rows=by_rows,
                  by_features=by_features, exponents=exponents)


if __name__ == "__main__":
    main()
