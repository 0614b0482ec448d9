"""Images: accuracy and fit time on rotated digits, and the cost of the warp.

On 12x12 digits (scikit-learn's bundled 8x8 digits in a 2-pixel border,
1000 training images, 1000 test images drawn from digits held out of
training) the same default CNN is trained

* plain (``augment=False``: no augmentation);
* with the ground-truth rotations as data augmentation (the oracle: every
  image turned by 4 random angles over the whole circle, a quarter of the
  epochs, so the same number of gradient steps);
* by symlearn discovering the symmetry (the defaults), predicting plainly
  and with 8 views of test-time augmentation.

For every fit it also records the first-order error (``generator_errors``)
of the model along each planar motion, and prints the rotation's next to the
smallest of the others: the floor that a true symmetry reaches on a pixel
grid, which sets ``symmetry_tolerance="auto"`` for images.

Tasks: ``rotated`` (train and test turned uniformly over the whole circle),
``shift`` (train turned by at most 45 degrees, test by 90-180 degrees) and
``6 vs 9`` (upright sixes and nines: a half turn swaps the labels; the
table adds how far the learned rotation turns and how often a half-turned
test digit keeps its label). Fit-time ratios are against the plain fit of
the same run. Then the throughput of the warp (``Image.act``, images per
second) against the CNN's forward pass, at 12x12 and 28x28.

Run ``python benchmarks/bench_images.py``; it prints two tables and writes
``benchmarks/results/images.json``.
"""

import json
import time
from pathlib import Path

import numpy as np
import torch

from symlearn import SymmetryDiscoveringClassifier
from symlearn.datasets import make_rotated_digits, transform_dataset
from symlearn.lie import PLANAR_MOTIONS, planar_motions
from symlearn.nn import ConvNet
from symlearn.reps import Image

SEEDS = (0, 1, 2)
DIGITS = Image(12, 12)
ROTATION = planar_motions()[PLANAR_MOTIONS.index("rotation")]
TTA_VIEWS = 8
TASKS = {
    "rotated": dict(train=180, test=180, classes=None, n_train=1000, n_test=1000),
    "shift": dict(train=45, test=(90, 180), classes=None, n_train=1000, n_test=1000),
    "6 vs 9": dict(train=0, test=0, classes=(6, 9), n_train=None, n_test=None),
}


def fit_timed(X, y, **params):
    start = time.perf_counter()
    est = SymmetryDiscoveringClassifier(input_rep=DIGITS, **params).fit(X, y)
    return est, time.perf_counter() - start


def rotation_degrees(est):
    """How far the learned augmentation turns an image, in degrees (0 without a rotation)."""
    if est.n_generators_ == 0:
        return 0.0
    share = np.abs(np.einsum("kab,ab->k", est.discovered_generators_, ROTATION))
    return float(np.degrees(np.max(est.generator_strengths_ * share) / np.sqrt(2)))


def half_turned(X):
    g = torch.linalg.matrix_exp(torch.as_tensor(np.pi * np.sqrt(2) * ROTATION))
    return DIGITS.act(g, torch.as_tensor(X)).numpy()


def run(task, spec, seed):
    X, y, truth = make_rotated_digits(
        spec["n_train"],
        angles=spec["train"],
        classes=spec["classes"],
        split="train",
        random_state=seed,
    )
    X_test, y_test, _ = make_rotated_digits(
        spec["n_test"],
        angles=spec["test"],
        classes=spec["classes"],
        split="test",
        random_state=100 + seed,
    )
    X_rot, y_rot = transform_dataset(X, y, truth, input_rep=DIGITS, n_copies=4, random_state=seed)
    epochs = SymmetryDiscoveringClassifier().max_epochs
    fits = {
        "plain": fit_timed(X, y, augment=False, random_state=seed),
        "oracle": fit_timed(
            X_rot, y_rot, augment=False, max_epochs=epochs // 4, random_state=seed
        ),
        "symlearn": fit_timed(X, y, random_state=seed),
    }
    plain_seconds = fits["plain"][1]
    row = dict(task=task, seed=seed, n_train=len(X), plain_seconds=plain_seconds)
    for name, (est, seconds) in fits.items():
        row[f"{name}_accuracy"] = float(est.score(X_test, y_test))
        row[f"{name}_time_ratio"] = seconds / plain_seconds
        # First-order error of the fitted model along each planar motion (the
        # floor a true symmetry reaches on a pixel grid sets the image tolerance).
        errors = est.generator_errors(X_test[:500], planar_motions())
        row[f"{name}_motion_errors"] = dict(zip(PLANAR_MOTIONS, errors.round(3).tolist()))
    symlearn = fits["symlearn"][0]
    start = time.perf_counter()
    tta = symlearn.predict(X_test, test_time_augmentation=TTA_VIEWS)
    row["symlearn_tta_accuracy"] = float(np.mean(tta == y_test))
    row["tta_predict_seconds"] = time.perf_counter() - start
    row["discovered"] = symlearn.algebra_.name
    row["rotation_degrees"] = rotation_degrees(symlearn)
    if task == "6 vs 9":
        row["half_turn_same_label"] = {
            name: float(np.mean(est.predict(half_turned(X_test)) == y_test))
            for name, (est, _) in fits.items()
        }
    return row


def images_per_second(function, batch, repeats=20):
    function(batch)  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        function(batch)
    return repeats * len(batch) / (time.perf_counter() - start)


def throughput(side, n_images=1024):
    rep = Image(side, side)
    images = torch.rand(n_images, rep.size)
    generator = torch.as_tensor(ROTATION, dtype=torch.float32)
    g = torch.linalg.matrix_exp(torch.rand(n_images)[:, None, None] * generator)
    backbone = ConvNet(side, side, 1, 10).eval()
    with torch.no_grad():
        warp = images_per_second(lambda batch: rep.act(g, batch), images)
        forward = images_per_second(backbone, images)
    return dict(side=side, warp_images_per_second=warp, forward_images_per_second=forward)


def main():
    # One throwaway fit, so that torch's one-time start-up cost does not land
    # in the first timed plain fit.
    X, y, _ = make_rotated_digits(100, random_state=0)
    fit_timed(X, y, max_epochs=2)
    rows = []
    print(
        f"{'task':8s} {'seed':>4s} {'plain':>6s} {'oracle':>6s} {'symlearn':>8s} "
        f"{'+TTA' + str(TTA_VIEWS):>7s}  time ratios (oracle, symlearn)  rotation  discovered"
    )
    for task, spec in TASKS.items():
        for seed in SEEDS:
            row = run(task, spec, seed)
            rows.append(row)
            extra = ""
            if "half_turn_same_label" in row:
                extra = "  half-turned keep label: " + ", ".join(
                    f"{k} {v:.2f}" for k, v in row["half_turn_same_label"].items()
                )
            print(
                f"{task:8s} {seed:4d} {row['plain_accuracy']:6.3f} {row['oracle_accuracy']:6.3f} "
                f"{row['symlearn_accuracy']:8.3f} {row['symlearn_tta_accuracy']:7.3f}  "
                f"{row['oracle_time_ratio']:14.2f}, {row['symlearn_time_ratio']:.2f}"
                f"{row['rotation_degrees']:16.0f} deg  {row['discovered']}{extra}",
                flush=True,
            )
    print("\nfirst-order error along the rotation / smallest along any other motion:")
    for row in rows:
        cells = []
        for name in ("plain", "oracle", "symlearn"):
            errors = dict(row[f"{name}_motion_errors"])
            rotation = errors.pop("rotation")
            cells.append(f"{name} {rotation:.2f} / {min(errors.values()):.2f}")
        print(f"{row['task']:8s} {row['seed']:4d}  " + "   ".join(cells))
    speeds = [throughput(side) for side in (12, 28)]
    print(f"\n{'image':>7s} {'warp (images/s)':>16s} {'CNN forward (images/s)':>23s}")
    for speed in speeds:
        print(
            f"{speed['side']:>3d}x{speed['side']:<3d} {speed['warp_images_per_second']:16.0f} "
            f"{speed['forward_images_per_second']:23.0f}"
        )
    out = Path(__file__).parent / "results" / "images.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(dict(accuracy=rows, throughput=speeds), indent=2))


if __name__ == "__main__":
    main()
