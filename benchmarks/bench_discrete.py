"""The discrete-symmetry search judged on the families of ``discrete_families.py``.

For every family and seed: the default ``SymmetryDiscoveringRegressor``
(``discrete="search"``), then the same fitted model with
``discrete="average"`` (``set_params``, no refit). The table reports what
was found against the truth, whether a continuous algebra was reported
where the truth has none (or its dimension where it has one), the test MSE
of the plain and the averaged predictions against a plain skorch MLP of
the package's default size with early stopping (fitted in the same run, on
the same rows), how far the averaged predictions move under the found
group's generators (exact invariance: 0 up to float precision), and the
fit time.

A fit is right when the found discrete symmetries match the truth one to
one: a turn by its order and plane (its measured angle within 1 degree of
360 / n), a mirror by its normal (within 5 degrees, or within the stated
span), an exchange by its items (an exchange of two features also matches
a mirror whose normal ``(e_i - e_j) / sqrt 2`` lies in the stated span).

Run ``python benchmarks/bench_discrete.py`` (all families, seeds 0-2) or
``--families a,b --seeds 0``; it prints the table and writes
``benchmarks/results/discrete.json`` (or ``--out``).
"""

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from bench_discovery_families import baseline
from discrete_families import DISCRETE_FAMILIES, KEPT_OUT

from symlearn import SymmetryDiscoveringRegressor

N_TEST = 2000
N_TRAIN = 2000


def _normal(symmetry, k):
    """A mirror's unit normal, read off the block of its first ``k`` features (the first vector)."""
    A = symmetry.matrices[0][:k, :k]
    values, vectors = np.linalg.eigh(0.5 * (A + A.T))
    u = vectors[:, int(np.argmin(values))]
    return u


def _matches(found, truth):
    kind = truth[0]
    if kind == "rotation":
        n, (i, j) = truth[1], truth[2]
        if found.kind != "rotation" or found.group_order != n:
            return False
        moved = np.abs(found.matrices[0] - np.eye(len(found.matrices[0]))).max(axis=0) > 1e-9
        return set(np.flatnonzero(moved)) <= {i, j} and abs(found.angle - 360 / n) <= 1.0
    if kind == "reflection":
        span = np.atleast_2d(truth[1])
        if found.kind == "permutation" and len(found.items) == 2 and found.part in (0, None):
            u = np.zeros(span.shape[1])
            if max(found.items) >= len(u):
                return False
            u[list(found.items)] = [1.0, -1.0]
            u /= np.sqrt(2)
        elif found.kind == "reflection":
            u = _normal(found, span.shape[1])
        else:
            return False
        basis, _ = np.linalg.qr(span.T)
        inside = np.linalg.norm(basis.T @ u)
        return inside >= np.cos(np.radians(5))
    if kind == "point_reflection":
        return found.kind == "point_reflection"
    if kind == "permutation":
        return found.kind == "permutation" and tuple(found.items) == tuple(truth[1])
    raise ValueError(kind)


def judge(found, truth):
    """Whether ``found`` and ``truth`` match one to one."""
    unmatched = list(found)
    for entry in truth:
        match = next((f for f in unmatched if _matches(f, entry)), None)
        if match is None:
            return False
        unmatched.remove(match)
    return not unmatched


def _invariance(est, X):
    """Largest change of the predictions when the rows are moved by a generating element."""
    base = est.predict(X)
    worst = 0.0
    for symmetry in est.discrete_symmetries_:
        if symmetry.output_matrices is not None:
            continue
        for A, b in zip(symmetry.matrices, symmetry.offsets):
            worst = max(worst, float(np.abs(est.predict(X @ A.T + b) - base).max()))
    return worst


def run(name, seed, baselines=True):
    family = DISCRETE_FAMILIES[name]
    n_train = getattr(family, "n_train", N_TRAIN)
    task = family(n_train + N_TEST, seed)
    X, y, X_test, y_test = task.X[:n_train], task.y[:n_train], task.X[n_train:], task.y[n_train:]
    start = time.perf_counter()
    est = SymmetryDiscoveringRegressor(input_rep=task.input_rep, random_state=seed).fit(X, y)
    seconds = time.perf_counter() - start
    plain = est.predict(X_test)
    est.set_params(discrete="average")
    averaged = est.predict(X_test)
    found = est.discrete_symmetries_
    row = {
        "family": name,
        "seed": seed,
        "kept_out": name in KEPT_OUT,
        "negative": task.negative,
        "rows": n_train,
        "right": judge(found, task.discrete),
        "found": [s.description for s in found],
        "truth": [str(t[:1] + t[2:] if t[0] == "reflection" else t) for t in task.discrete],
        "continuous_dimension": int(est.n_generators_),
        "true_continuous_dimension": task.continuous_dimension,
        "verdict": est.symmetry_verdict_,
        "reference_r2": float(est.reference_score_),
        "error": float(np.mean((plain - y_test) ** 2)),
        "averaged_error": float(np.mean((averaged - y_test) ** 2)),
        "averaged_invariance": _invariance(est, X_test[:500]) if found else 0.0,
        "fit_seconds": seconds,
        "angles": [s.angle for s in found if s.angle is not None],
    }
    if baselines:
        plain_task = SimpleNamespace(X=X, y=y, classify=False)
        predicted, row["plain_seconds"] = baseline(plain_task, seed, X_test, augment=False)
        row["plain_error"] = float(np.mean((predicted.ravel() - y_test) ** 2))
    return row


def _line(row):
    found = "; ".join(row["found"]) or "-"
    return (
        f"{row['family'][:24]:24s} {row['seed']:2d} {'ok' if row['right'] else 'XX':>3s} "
        f"{row['continuous_dimension']:2d}/{row['true_continuous_dimension']:<2d} "
        f"{row['reference_r2']:6.3f} {row['error']:9.4g} {row['averaged_error']:9.4g} "
        f"{row.get('plain_error', float('nan')):9.4g} "
        f"{row['averaged_invariance']:8.1e} {row['fit_seconds']:6.1f}  {found[:90]}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=None, help="comma-separated names (default: all)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "discrete.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    names = args.families.split(",") if args.families else list(DISCRETE_FAMILIES)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(
        f"{'family':24s} {'s':>2s} {'ok':>3s} {'cont':>5s} {'ref R2':>6s} {'MSE':>9s} "
        f"{'averaged':>9s} {'plain ES':>9s} {'invar.':>8s} {'fit s':>6s}  found"
    )
    rows = []
    for name in names:
        for seed in seeds:
            row = run(name, seed, baselines=not args.no_baselines)
            rows.append(row)
            print(_line(row), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
    for kept in (False, True):
        chosen = [r for r in rows if r["kept_out"] == kept]
        if chosen:
            negatives = [r for r in chosen if r["negative"]]
            compared = [r for r in chosen if "plain_error" in r]
            print(
                f"{'kept-out' if kept else 'tuned'}: right {sum(r['right'] for r in chosen)}/"
                f"{len(chosen)}, discrete false positives on negatives "
                f"{sum(not r['right'] for r in negatives)}/{len(negatives)}"
                + (
                    f", averaged MSE at most the plain early-stopped MLP's in "
                    f"{sum(r['averaged_error'] <= r['plain_error'] for r in compared)}/"
                    f"{len(compared)}"
                    if compared
                    else ""
                )
            )


if __name__ == "__main__":
    main()
