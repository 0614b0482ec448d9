"""Discovery judged on task families written apart from the package, against what a user would pick.

For every family of ``discovery_families.py`` and seed: the default
``SymmetryDiscoveringRegressor`` (or classifier), and in the same run a
plain skorch MLP of the same size with early stopping and the same MLP
trained with the true group's augmentation (on every batch, as far as the
true group reaches). The table reports the dimension found against the
truth, the similarity of the spans, the verdict, the reference model's
held-out R^2, the test error of the three models (and, in the JSON, of the
estimator's reference model: its plain fit), the symmetry score (also
with ``n_generators=1`` forced, on the negatives) and the fit times.

Run ``python benchmarks/bench_discovery_families.py`` (all families, seeds
0-2; about an hour on 2 cores) or ``--quick`` (one seed, a subset), or name
families with ``--families a,b``. It prints the table and writes
``benchmarks/results/discovery_families.json``.

A fit counts as right when the dimension is the truth's; an inconclusive
verdict counts as right only when the reference model's held-out R^2 is
below 0.5 (it could not have told).
"""

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder, StandardScaler
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from skorch.utils import noop

sys.path.insert(0, str(Path(__file__).parent))

from discovery_families import FAMILIES, KEPT_OUT

from symlearn import SymmetryDiscoveringClassifier, SymmetryDiscoveringRegressor
from symlearn._base import PATIENCE
from symlearn._builders import auto_batch_size
from symlearn._reach import orbit_reaches
from symlearn.groups import GroupAction, GroupElements
from symlearn.metrics import lie_algebra_similarity
from symlearn.nn import MLP
from symlearn.reps import Vectors

N_TRAIN = 1000
N_TEST = 1000
QUICK = (
    "tabular_no_symmetry",
    "mirror_only",
    "approximate_rotation_0.3",
    "noisy_rotation_0.05",
    "o5_emlp",
    "rotation_and_scale",
    "subblock_rotation",
    "inertia_emlp",
)


# -- the baselines a user would pick ---------------------------------------------------


def _true_reaches(truth, X, rep):
    """Reach of each true generator in data coordinates, as the package defines it."""
    return orbit_reaches(
        truth / np.linalg.norm(truth, axis=(1, 2), keepdims=True), X, rep, X.var(axis=0)
    )


class AugmentedRows(torch.utils.data.Dataset):
    """Rows moved by a fresh element of the true group each time they are drawn, then scaled."""

    def __init__(self, X, y, truth, reaches, action, scale_x, scale_y):
        self.X, self.y = torch.as_tensor(X), torch.as_tensor(y)
        self.generators = torch.as_tensor(truth / np.linalg.norm(truth, axis=(1, 2), keepdims=True))
        self.reaches = torch.as_tensor(reaches)
        self.action, self.scale_x, self.scale_y = action, scale_x, scale_y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.__getitems__([index])

    def __getitems__(self, indices):
        X, y = self.X[indices], self.y[indices]
        t = (2 * torch.rand(len(X), len(self.generators), dtype=torch.float64) - 1) * self.reaches
        g = GroupElements(torch.linalg.matrix_exp(torch.einsum("nk,kij->nij", t, self.generators)))
        X = self.action.act(g, X)
        if self.scale_y is not None:
            y = self.action.act_outputs(g, y.reshape(len(y), -1))
            y = torch.as_tensor(self.scale_y.transform(y.numpy()), dtype=torch.float32)
        return torch.as_tensor(self.scale_x.transform(X.numpy()), dtype=torch.float32), y


def _collate(batch):
    return batch


def baseline(task, seed, X_test, augment):
    """Test predictions and fit time of a skorch MLP of the package's default size.

    Early stopping on a fifth of the rows held out, as the estimators do;
    with ``augment``, every training batch is moved by fresh elements of
    the true group (validation rows are not).
    """
    X, y = task.X, task.y
    order = np.random.default_rng(seed).permutation(len(X))
    valid, train = order[: len(X) // 5], order[len(X) // 5 :]
    scale_x = StandardScaler().fit(X[train])
    if task.classify:
        labels = LabelEncoder().fit(y)
        targets, scale_y, n_outputs = (
            labels.transform(y).astype(np.int64),
            None,
            len(labels.classes_),
        )
        Net, extra = NeuralNetClassifier, dict(criterion=torch.nn.CrossEntropyLoss)
    else:
        y2 = y.reshape(len(y), -1)
        scale_y = StandardScaler().fit(y2[train])
        targets, n_outputs = scale_y.transform(y2).astype(np.float32), y2.shape[1]
        Net, extra = NeuralNetRegressor, {}
    validation = Dataset(scale_x.transform(X[valid]).astype(np.float32), targets[valid])
    torch.manual_seed(seed)
    net = Net(
        module=MLP,
        module__n_inputs=X.shape[1],
        module__n_outputs=n_outputs,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        batch_size=auto_batch_size(len(train)),
        max_epochs=1000,
        train_split=predefined_split(validation),
        callbacks=[EarlyStopping(patience=PATIENCE, load_best=True, sink=noop)],
        iterator_train__shuffle=True,
        verbose=0,
        **extra,
    )
    start = time.perf_counter()
    if augment:
        rep = task.input_rep or Vectors(1, X.shape[1])
        action = GroupAction(rep, task.output_rep)
        reaches = _true_reaches(task.truth, X[train], rep)
        outputs = y.reshape(len(y), -1)[train] if scale_y is not None else targets[train]
        rows = AugmentedRows(X[train], outputs, task.truth, reaches, action, scale_x, scale_y)
        net.set_params(iterator_train__collate_fn=_collate)
        net.fit(rows, None)
    else:
        net.fit(scale_x.transform(X[train]).astype(np.float32), targets[train])
    seconds = time.perf_counter() - start
    predicted = net.predict(scale_x.transform(X_test).astype(np.float32))
    if task.classify:
        return labels.inverse_transform(predicted), seconds
    return scale_y.inverse_transform(predicted.reshape(len(X_test), -1)), seconds


# -- one fit ---------------------------------------------------------------------------------


def _error(task, predicted, y_test):
    if task.classify:
        return float(np.mean(predicted != y_test))
    return float(
        np.mean(
            (np.asarray(predicted).reshape(len(y_test), -1) - y_test.reshape(len(y_test), -1)) ** 2
        )
    )


def _reference_predictions(est, X_test):
    """Predictions of the estimator's reference model: its plain fit, before any symmetry.

    Reads the fitted state (private): the acceptance asks that the plain
    fit inside the estimator match a plain skorch MLP, and no public
    method predicts with it.
    """
    net = est._state.net
    final = net.module_.backbone
    net.module_.backbone = est._state.reference
    try:
        return est.predict(X_test)
    finally:
        net.module_.backbone = final


def run(name, seed, baselines=True):
    family = FAMILIES[name]
    # One draw split in two: a family may draw its structure (dimensions,
    # coefficients) from the seed, and the test rows must share it.
    n_train = getattr(family, "n_train", N_TRAIN)
    whole = family(n_train + N_TEST, seed)
    task = dataclasses.replace(whole, X=whole.X[:n_train], y=whole.y[:n_train])
    test = dataclasses.replace(whole, X=whole.X[n_train:], y=whole.y[n_train:])
    Estimator = SymmetryDiscoveringClassifier if task.classify else SymmetryDiscoveringRegressor
    options = dict(input_rep=task.input_rep, random_state=seed, **task.options)
    if task.output_rep is not None:
        options["output_rep"] = task.output_rep
    start = time.perf_counter()
    est = Estimator(**options).fit(task.X, task.y)
    seconds = time.perf_counter() - start
    truth = task.truth
    dimension, true_dimension = int(est.n_generators_), len(truth)
    similarity = (
        lie_algebra_similarity(est.discovered_generators_, truth)
        if dimension and true_dimension
        else float(dimension == true_dimension)
    )
    reference = float(est.reference_score_)
    right = dimension == true_dimension
    if est.symmetry_verdict_ == "inconclusive":
        right = reference < 0.5
    row = dict(
        family=name,
        seed=seed,
        kept_out=name in KEPT_OUT,
        negative=task.negative,
        rows=len(task.X),
        features=task.X.shape[1],
        dimension=dimension,
        true_dimension=true_dimension,
        right=bool(right),
        similarity=float(similarity),
        verdict=est.symmetry_verdict_,
        reason=est.symmetry_verdict_reason_,
        algebra=est.algebra_.name,
        reference_r2=reference,
        symmetry_score=float(est.symmetry_score(test.X)),
        error=_error(task, est.predict(test.X), test.y),
        reference_error=_error(task, _reference_predictions(est, test.X), test.y),
        fit_seconds=seconds,
        epochs=int(est.n_epochs_),
        spectrum=[float(e) for e in est.symmetry_spectrum_[:6]],
        floors=[float(f) for f in est.symmetry_floor_[:6]],
    )
    if task.negative:
        forced = Estimator(**{**options, "n_generators": 1}).fit(task.X, task.y)
        row["forced_score"] = float(forced.symmetry_score(test.X))
    if baselines:
        predicted, row["plain_seconds"] = baseline(task, seed, test.X, augment=False)
        row["plain_error"] = _error(task, predicted, test.y)
        if not task.negative:
            predicted, row["augmented_seconds"] = baseline(task, seed, test.X, augment=True)
            row["augmented_error"] = _error(task, predicted, test.y)
    return row


def _line(row):
    plain = row.get("plain_error", float("nan"))
    augmented = row.get("augmented_error", float("nan"))
    forced = row.get("forced_score", float("nan"))
    return (
        f"{row['family'][:30]:30s} {row['seed']:2d} {row['dimension']:3d}/{row['true_dimension']:<3d}"
        f"{'ok' if row['right'] else 'XX':>3s} {row['similarity']:5.2f} {row['verdict'][:5]:>6s} "
        f"{row['reference_r2']:6.3f} {row['error']:9.4g} {plain:9.4g} {augmented:9.4g} "
        f"{row['symmetry_score']:5.2f} {forced:5.2f} {row['fit_seconds']:6.1f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=None, help="comma-separated names (default: all)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--quick", action="store_true", help=f"seed 0 of {len(QUICK)} families")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument(
        "--out",
        default=str(Path(__file__).parent / "results" / "discovery_families.json"),
    )
    parser.add_argument(
        "--merge",
        default=None,
        help="comma-separated result files (e.g. one per seed, run apart): print their "
        "rows and the summary over all of them, write it to --out, and fit nothing",
    )
    args = parser.parse_args(argv)
    if args.merge:
        rows = [
            row
            for path in args.merge.split(",")
            for row in json.loads(Path(path).read_text())["rows"]
        ]
        for row in sorted(rows, key=lambda r: (list(FAMILIES).index(r["family"]), r["seed"])):
            print(_line(row))
        _write(args.out, rows, summary=summarize(rows))
        return
    names = QUICK if args.quick else (args.families.split(",") if args.families else list(FAMILIES))
    seeds = [0] if args.quick else [int(s) for s in args.seeds.split(",")]
    torch.set_num_threads(args.threads)
    print(
        f"{'family':30s} {'sd':>2s} {'dim':>7s}    {'sim':>5s} {'verd':>6s} {'refR2':>6s} "
        f"{'error':>9s} {'plain':>9s} {'true-aug':>9s} {'score':>5s} {'forcd':>5s} {'fit s':>6s}"
    )
    rows = []
    for name in names:
        for seed in seeds:
            row = run(name, seed, baselines=not args.no_baselines)
            rows.append(row)
            print(_line(row), flush=True)
            _write(args.out, rows)  # what has run so far survives an interruption
    _write(args.out, rows, summary=summarize(rows))


def _write(path, rows, summary=None):
    if summary is not None:
        print(json.dumps(summary, indent=1))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "summary": summary}, indent=1))


def summarize(rows):
    """The acceptance figures over the table, tuned and kept-out families apart."""

    def part(selected):
        if not selected:
            return {}
        negatives = [r for r in selected if r["negative"]]
        positives = [r for r in selected if not r["negative"]]
        exact = [r for r in positives if "augmented_error" in r and r["family"].startswith(EXACT)]
        return dict(
            fits=len(selected),
            right=float(np.mean([r["right"] for r in selected])),
            false_positives=int(sum(r["dimension"] > 0 for r in negatives)),
            negatives=len(negatives),
            max_negative_score=max([r["symmetry_score"] for r in negatives], default=None),
            max_forced_negative_score=max(
                [r.get("forced_score", 0) for r in negatives], default=None
            ),
            min_similarity_when_right=min(
                [r["similarity"] for r in positives if r["right"] and r["dimension"]],
                default=None,
            ),
            error_over_plain=[
                round(r["error"] / r["plain_error"], 3) for r in exact if r["plain_error"] > 0
            ],
            reference_over_plain=[
                round(r["reference_error"] / r["plain_error"], 3)
                for r in selected
                if r.get("plain_error", 0) > 0 and "reference_error" in r
            ],
            error_over_augmented=[
                round(r["error"] / r["augmented_error"], 3)
                for r in exact
                if r["augmented_error"] > 0
            ],
            max_fit_seconds=max(r["fit_seconds"] for r in selected),
        )

    return {
        "tuned": part([r for r in rows if not r["kept_out"]]),
        "kept_out": part([r for r in rows if r["kept_out"]]),
    }


#: Families whose target is exactly invariant or equivariant (no noise, no breaking).
EXACT = (
    "o5_emlp",
    "lorentz",
    "so21_form",
    "scale_free_direction",
    "rotation_and_scale",
    "random_polynomial_invariant",
    "rescaled_gram_invariant",
    "equivariant_vector",
    "inertia_emlp",
    "two_body_step",
    "scaled_pipeline_rotation",
    "triangle_points",
)


if __name__ == "__main__":
    main()
