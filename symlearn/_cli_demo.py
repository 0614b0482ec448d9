"""``symlearn`` (or ``symlearn demo``): discover the symmetry of a bundled data set."""

import sys
import time

import numpy as np
from sklearn.model_selection import train_test_split

from ._classifier import SymmetryDiscoveringClassifier
from ._device import resolve_device
from ._regressor import SymmetryDiscoveringRegressor
from .callbacks import EpochProgressBar
from .datasets import (
    make_asymmetric_regression,
    make_pairwise_distance_regression,
    make_ring_classification,
    make_rotated_digits,
    make_rotation_invariant_regression,
)
from .metrics import lie_algebra_similarity
from .reps import Image, Vectors

#: Fewest rows the demo accepts: 20% are held out, and the estimator holds out
#: a validation share of the rest for early stopping and its verdict.
MIN_SAMPLES = 50

#: name -> (description, data set maker, estimator class, estimator options)
DATASETS = {
    "rotation": (
        "y = sin(2|x|) on 2-D points: invariant under rotations, so(2)",
        make_rotation_invariant_regression,
        SymmetryDiscoveringRegressor,
        {},
    ),
    "distances": (
        "sum of pairwise distances of 4 points in 3-D: invariant under so(3)",
        make_pairwise_distance_regression,
        SymmetryDiscoveringRegressor,
        {"input_rep": Vectors(4, 3), "n_generators": 3},
    ),
    "ring": (
        "inside/outside the unit circle: a classification invariant under so(2)",
        make_ring_classification,
        SymmetryDiscoveringClassifier,
        {},
    ),
    "digits": (
        "scikit-learn's 8x8 digits turned over the whole circle in a 12x12 frame: "
        "the label is invariant under rotations of the image plane, so(2) in aff(2)",
        make_rotated_digits,
        SymmetryDiscoveringClassifier,
        {"input_rep": Image(12, 12)},
    ),
    "asymmetric": (
        "y = x0 + 2 x1^2 - x0 x1 on anisotropic inputs: no symmetry",
        make_asymmetric_regression,
        SymmetryDiscoveringRegressor,
        {},
    ),
}


def add_arguments(parser):
    """The demo's options, on ``parser``."""
    parser.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        default="rotation",
        help="which bundled data set to use (default: rotation). "
        + "; ".join(f"{name}: {spec[0]}" for name, spec in DATASETS.items()),
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=1250,
        help=f"rows (default 1250, at least {MIN_SAMPLES}; 20%% held out)",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        help="cap on the epochs of each training phase (default: the estimator's, 1000; "
        "early stopping ends a phase sooner)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda' (default auto)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def run(args):
    """Run the demo; the report goes to standard output, progress to standard error."""
    if args.n_samples < MIN_SAMPLES:
        raise ValueError(
            f"--n-samples {args.n_samples} is too few: the demo holds out 20% for testing and "
            f"the estimator needs enough rows to train and validate; use at least {MIN_SAMPLES}."
        )
    if args.max_epochs is not None and args.max_epochs < 1:
        raise ValueError(f"--max-epochs must be at least 1; got {args.max_epochs}.")
    device = resolve_device(args.device)
    description, make_data, estimator_class, options = DATASETS[args.dataset]
    X, y, truth = make_data(args.n_samples, random_state=args.seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=args.seed)
    print(f"data set '{args.dataset}': {description}")
    print(f"{len(X_train)} training rows, {len(X_test)} held out, {X.shape[1]} features\n")

    if args.max_epochs is not None:
        options = {**options, "max_epochs": args.max_epochs}
    estimator = estimator_class(
        random_state=args.seed,
        device=device,
        callbacks=[progress_bar(args.no_progress)],
        **options,
    )
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    elapsed = time.perf_counter() - start

    np.set_printoptions(precision=3, suppress=True)
    print(f"\nfitted in {elapsed:.1f} s on {estimator.net_.device}")
    for index, (generator, strength) in enumerate(
        zip(estimator.discovered_generators_, estimator.generator_strengths_)
    ):
        print(f"\ngenerator {index} (strength {strength:.3f}):\n{generator}")
    print()
    if len(truth):
        similarity = lie_algebra_similarity(estimator.discovered_generators_, truth)
        print(f"similarity to the true algebra: {similarity:.4f}")
    else:
        print("this task has no continuous symmetry: expect low strengths and score")
    print(f"symmetry score (held out):      {estimator.symmetry_score(X_test):.4f}")
    metric = "accuracy" if estimator_class is SymmetryDiscoveringClassifier else "R^2"
    print(f"{metric} (held out):{' ' * (22 - len(metric))}{estimator.score(X_test, y_test):.4f}")
    return 0


def progress_bar(disabled):
    """The epoch bar of a command: on standard error, and only on a terminal."""
    return EpochProgressBar(file=sys.stderr, disable=True if disabled else None)
