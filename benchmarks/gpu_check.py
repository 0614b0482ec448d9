"""The CUDA path, run for real: tests, headline fits on CUDA and on the CPU, compared and timed.

On a machine with a CUDA GPU this script

1. runs a fast subset of the test suite, where ``device="auto"`` (the
   default the tests use) now means CUDA;
2. fits the headline tasks (rotation, two-body, inertia; 1,000 rows, the
   defaults) once with ``device="cuda"`` and once with ``device="cpu"``,
   from the same seed, and compares them: the same discovered algebra (name
   and similarity of the generators), held-out accuracy of each;
3. saves the CUDA model, loads it on the CPU, and checks that the CPU copy
   predicts what the CUDA model predicts (float32 tolerance), and that the
   two predict every row alike;
4. prints the timings (fit seconds on each device, prediction throughput on
   100,000 rows) and writes ``benchmarks/results/gpu_check.json``.

Exits 1 if a check fails, and 0 with a message (checking nothing) when no
CUDA device is present; ``--require-cuda`` makes that an error instead.
The test suite itself never needs a GPU.

Usage::

    python benchmarks/gpu_check.py [--skip-tests] [--require-cuda]
"""

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import symlearn
from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import (
    make_inertia_tensor_regression,
    make_rotation_invariant_regression,
    make_two_body_trajectories,
)
from symlearn.metrics import lie_algebra_similarity
from symlearn.reps import Scalars, Tensor, Vectors

ROOT = Path(__file__).resolve().parent.parent
#: Test files that exercise training, symmetrization and persistence on the default device.
TEST_FILES = (
    "tests/test_net.py",
    "tests/test_nn.py",
    "tests/test_regressor.py",
    "tests/test_classifier.py",
    "tests/test_symmetrize.py",
    "tests/test_persistence.py",
    "tests/test_images.py",
)
#: Relative tolerance between the CUDA model's predictions and its CPU copy's (float32).
PREDICTION_RTOL = 1e-4


def tasks():
    rotation = make_rotation_invariant_regression(2000, random_state=0)
    two_body = make_two_body_trajectories(2000, time_step=0.1, random_state=0)
    inertia = make_inertia_tensor_regression(2000, random_state=0)
    return {
        "rotation": (rotation, {}),
        "two_body": (two_body, {"input_rep": Vectors(20, 2), "output_rep": Vectors(20, 2)}),
        "inertia": (inertia, {"input_rep": Vectors(5, 3) + Scalars(5),
                              "output_rep": Tensor(3, 2)}),
    }


def _fit(X, y, device, options):
    start = time.perf_counter()
    est = SymmetryDiscoveringRegressor(random_state=0, device=device, **options).fit(X, y)
    return est, time.perf_counter() - start


def _mse(est, X, y):
    return float(np.mean((est.predict(X) - y.reshape(est.predict(X).shape)) ** 2))


def compare(name, data, options, failures):
    (X, y, _) = data
    X_train, y_train, X_test, y_test = X[:1000], y[:1000], X[1000:], y[1000:]
    on_cuda, cuda_seconds = _fit(X_train, y_train, "cuda", options)
    on_cpu, cpu_seconds = _fit(X_train, y_train, "cpu", options)
    similarity = (
        lie_algebra_similarity(on_cuda.discovered_generators_, on_cpu.discovered_generators_)
        if on_cuda.n_generators_ and on_cuda.n_generators_ == on_cpu.n_generators_ else None
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.safetensors"
        symlearn.save(on_cuda, path)
        copy = symlearn.load(path, device="cpu")
    cuda_predictions, cpu_predictions = on_cuda.predict(X_test), copy.predict(X_test)
    deviation = float(np.max(np.abs(cuda_predictions - cpu_predictions))
                      / max(np.max(np.abs(cuda_predictions)), 1e-12))
    big = np.repeat(X_test, 100_000 // len(X_test) + 1, axis=0)[:100_000]
    start = time.perf_counter()
    on_cuda.predict(big)
    cuda_predict = time.perf_counter() - start
    start = time.perf_counter()
    copy.predict(big)
    cpu_predict = time.perf_counter() - start
    row = {
        "task": name,
        "cuda": {"algebra": on_cuda.algebra_.name, "verdict": on_cuda.symmetry_verdict_,
                 "epochs": int(on_cuda.n_epochs_), "fit_seconds": cuda_seconds,
                 "test_mse": _mse(on_cuda, X_test, y_test), "predict_100k_seconds": cuda_predict},
        "cpu": {"algebra": on_cpu.algebra_.name, "verdict": on_cpu.symmetry_verdict_,
                "epochs": int(on_cpu.n_epochs_), "fit_seconds": cpu_seconds,
                "test_mse": _mse(on_cpu, X_test, y_test), "predict_100k_seconds": cpu_predict},
        "generator_similarity": similarity,
        "loaded_on_cpu_max_relative_deviation": deviation,
    }
    if row["cuda"]["algebra"] != row["cpu"]["algebra"]:
        failures.append(f"{name}: CUDA found {row['cuda']['algebra']}, "
                        f"the CPU {row['cpu']['algebra']}")
    if similarity is not None and similarity < 0.99:
        failures.append(f"{name}: generators of CUDA and CPU fits differ (similarity "
                        f"{similarity:.3f})")
    if deviation > PREDICTION_RTOL:
        failures.append(f"{name}: the CPU copy of the CUDA model predicts differently "
                        f"(relative deviation {deviation:.2e} > {PREDICTION_RTOL})")
    return row


def run_tests(failures):
    command = [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider",
               *TEST_FILES]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    if done.returncode != 0:
        failures.append(f"tests on CUDA: {summary}")
        print(done.stdout[-4000:])
    return {"command": " ".join(command[1:]), "summary": summary,
            "seconds": time.perf_counter() - start, "returncode": done.returncode}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--require-cuda", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "gpu_check.json"))
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print(f"No CUDA device (torch {torch.__version__}, built with CUDA "
              f"{torch.version.cuda}): nothing was checked.")
        return 1 if args.require_cuda else 0

    failures = []
    report = {
        "machine": {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
                    "cuda": torch.version.cuda, "python": platform.python_version(),
                    "cpu_threads": torch.get_num_threads()},
    }
    print(f"GPU: {report['machine']['gpu']}, torch {torch.__version__}, CUDA {torch.version.cuda}")
    if not args.skip_tests:
        report["tests"] = run_tests(failures)
        print(f"tests on CUDA ({report['tests']['seconds']:.0f} s): {report['tests']['summary']}")
    report["fits"] = [compare(name, data, options, failures)
                      for name, (data, options) in tasks().items()]
    print(f"\n{'task':<10}{'device':<7}{'algebra':<22}{'epochs':>7}{'fit [s]':>9}"
          f"{'test MSE':>11}{'predict 100k [s]':>18}")
    for row in report["fits"]:
        for device in ("cuda", "cpu"):
            part = row[device]
            print(f"{row['task']:<10}{device:<7}{part['algebra']:<22}{part['epochs']:>7}"
                  f"{part['fit_seconds']:>9.1f}{part['test_mse']:>11.3g}"
                  f"{part['predict_100k_seconds']:>18.3f}")
        print(f"{'':<10}CUDA model loaded on the CPU: max relative deviation "
              f"{row['loaded_on_cpu_max_relative_deviation']:.1e}; generator similarity "
              f"{row['generator_similarity']}")
    report["failures"] = failures
    out = Path(args.out)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out}")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
