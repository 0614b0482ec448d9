"""``symlearn fit | describe | predict | score``: the estimators on a user's own data files."""

import dataclasses
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from ._classifier import SymmetryDiscoveringClassifier
from ._cli_demo import progress_bar
from ._device import resolve_device
from ._persistence import load, save
from ._regressor import SymmetryDiscoveringRegressor
from ._state import commit
from ._tables import SUFFIXES, TableError, read_table, write_table
from .reps import parse_rep

__all__ = ["COMMANDS"]

DATA_HELP = f"data file: {', '.join(SUFFIXES)} (CSV with a header row; Parquet needs pyarrow)"
COLUMNS_HELP = (
    "comma-separated column names or 0-based positions; START:STOP ranges include both ends; "
    "in .npz files an array's name stands for all its columns"
)


def _data_arguments(parser, *, target):
    parser.add_argument("data", metavar="DATA", help=DATA_HELP)
    if target:
        parser.add_argument(
            "--target", required=True, metavar="COLS", help=f"the target column(s): {COLUMNS_HELP}"
        )
    parser.add_argument(
        "--features",
        metavar="COLS",
        help="the input columns (default: every other column, or those the model was fitted on)",
    )


# -- fit -----------------------------------------------------------------------------------


def _add_fit(parser):
    _data_arguments(parser, target=True)
    parser.add_argument(
        "--input-rep",
        metavar="SPEC",
        help="how the symmetry acts on the inputs, e.g. 'Vectors(4, 3) + Scalars(2)' "
        "(default: one vector of all input columns)",
    )
    parser.add_argument(
        "--output-rep",
        metavar="SPEC",
        help="how it acts on the targets, e.g. 'Vectors(1, 3)' (default: invariant targets)",
    )
    parser.add_argument(
        "--classify", action="store_true", help="the target is a class label (default: regression)"
    )
    parser.add_argument(
        "--weights",
        metavar="COL",
        help="a column of non-negative sample weights (see the estimators' sample_weight)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an estimator parameter, repeatable, e.g. --param max_epochs=200 "
        "--param module__hidden_sizes=[128,128]; VALUE is read as JSON (numbers, true, "
        'null, lists, "text") or else taken as text',
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="MODEL",
        help="where to save the model (.safetensors)",
    )
    parser.add_argument("--report", metavar="JSON", help="also write the symmetry report as JSON")
    parser.add_argument(
        "--plot", metavar="IMAGE", help="also draw the generators (needs matplotlib), e.g. fig.png"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda' (default auto)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _parameter(text):
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise ValueError(f"--param {text!r} is not of the form NAME=VALUE.")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    return name.strip(), parsed


def _estimator(args):
    """The estimator the options describe, its parameters checked before any training."""
    cls = SymmetryDiscoveringClassifier if args.classify else SymmetryDiscoveringRegressor
    params = dict(_parameter(text) for text in args.param)
    if args.input_rep is not None:
        params["input_rep"] = parse_rep(args.input_rep)
    if args.output_rep is not None:
        if args.classify:
            raise ValueError("--output-rep applies to regression; a class label is invariant.")
        params["output_rep"] = parse_rep(args.output_rep)
    estimator = cls(random_state=args.seed, device=resolve_device(args.device))
    valid = set(estimator.get_params())
    unknown = [name for name in params if name not in valid and "__" not in name]
    if unknown:
        raise ValueError(
            f"{cls.__name__} has no parameter {unknown[0]!r}; see `symlearn fit --help` and "
            "the estimator's documentation for its parameters."
        )
    estimator.set_params(**params)
    estimator.set_params(callbacks=[*(estimator.callbacks or []), progress_bar(args.no_progress)])
    return estimator


def _writable(path, what, suffixes):
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise ValueError(f"{what} {path} must end in {' or '.join(suffixes)}.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"cannot write {what} {path}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"cannot write {what} {path}: the folder {folder} is not writable.")


def _inputs(table, args, excluded=(), fitted_names=None):
    """The feature columns: as chosen, as the model was fitted, or all the rest."""
    if args.features is not None:
        names = table.select(args.features)
    elif fitted_names is not None:
        names = [str(name) for name in fitted_names]
        missing = [name for name in names if name not in table.columns]
        if missing:
            raise ValueError(
                f"{table.path} lacks the column {missing[0]!r} the model was fitted on "
                f"({len(missing)} of {len(names)} missing); pass --features to choose others."
            )
    else:
        names = table.rest(excluded)
    overlap = sorted(set(names) & set(excluded))
    if overlap:
        raise ValueError(f"column {overlap[0]!r} is both a feature and a target.")
    if not names:
        raise ValueError(f"{table.path} has no feature columns left besides the target.")
    return names, table.numbers(names)


def _targets(table, args, classify):
    names = table.select(args.target)
    if classify:
        if len(names) != 1:
            raise ValueError(f"--classify takes one target column; got {len(names)}.")
        return names, table.labels(names[0])
    try:
        y = table.numbers(names)
    except TableError as error:
        raise TableError(f"{error} For class labels, pass --classify.") from None
    return names, y[:, 0] if len(names) == 1 else y


def _named(estimator, names):
    """The fitted estimator with the feature names of the file's columns."""
    state = dataclasses.replace(estimator._state, feature_names_in=np.asarray(names, dtype=object))
    commit(estimator, state)


def _fit(args):
    _writable(args.output, "the model file", (".safetensors",))
    if args.report is not None:
        _writable(args.report, "the report", (".json",))
    if args.plot is not None:
        _writable(args.plot, "the figure", (".png", ".pdf", ".svg"))
        from .plotting import _pyplot

        _pyplot()  # fails now, not after training, when matplotlib is missing
    estimator = _estimator(args)
    table = read_table(args.data)
    target_names, y = _targets(table, args, args.classify)
    weight_names = [] if args.weights is None else table.select(args.weights)
    if len(weight_names) > 1:
        raise ValueError(f"--weights takes one column; got {len(weight_names)}.")
    feature_names, X = _inputs(table, args, excluded=[*target_names, *weight_names])
    weights = table.numbers(weight_names)[:, 0] if weight_names else None
    estimator.fit(X, y, sample_weight=weights)
    _named(estimator, feature_names)
    save(estimator, args.output)
    print(estimator.describe_symmetry())
    print(f"\nSaved the model to {args.output}.")
    if args.report is not None:
        Path(args.report).write_text(json.dumps(estimator.symmetry_summary(), indent=2) + "\n")
        print(f"Wrote the report to {args.report}.")
    if args.plot is not None:
        for what, path in _plot(estimator, X, args.plot):
            print(f"Drew the {what} in {path}.")
    return 0


def _plot(estimator, X, path):
    """Draw the generators in ``path`` and, for one 2-D or 3-D vector, the orbits beside it."""
    from .plotting import _pyplot, plot_generators, plot_orbits

    plt = _pyplot()
    drawn = []
    if estimator.n_generators_ == 0:
        figure, axis = plt.subplots(figsize=(5, 2))
        axis.axis("off")
        axis.text(0.5, 0.5, f"No symmetry found ({estimator.symmetry_verdict_}).", ha="center")
    else:
        figure = plot_generators(estimator)[0].figure
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    drawn.append(("generators", path))
    rep = estimator.input_rep_
    if estimator.n_generators_ and rep.size == rep.dim and rep.dim in (2, 3) and not rep.affine:
        path = Path(path)
        orbits = path.with_name(f"{path.stem}_orbits{path.suffix}")
        figure = plot_orbits(estimator, X).figure
        figure.savefig(orbits, dpi=120, bbox_inches="tight")
        plt.close(figure)
        drawn.append(("orbits", str(orbits)))
    return drawn


# -- describe, predict, score --------------------------------------------------------------


def _model(path):
    if not Path(path).is_file():
        raise ValueError(f"no such model file: {path}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "CUDA missing, loaded on the CPU"
        return load(path)


def _add_describe(parser):
    parser.add_argument("model", metavar="MODEL", help="a model saved by `symlearn fit`")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _describe(args):
    estimator = _model(args.model)
    if args.json:
        print(json.dumps(estimator.symmetry_summary(), indent=2))
    else:
        print(estimator.describe_symmetry())
    return 0


def _model_inputs(estimator, table, args, excluded=()):
    names, X = _inputs(table, args, excluded, getattr(estimator, "feature_names_in_", None))
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"the model takes {estimator.n_features_in_} features; {len(names)} columns were "
            "chosen. Pass --features."
        )
    return X


def _quietly(method, *args):
    # The file's columns were chosen by the names the model was fitted on, so
    # scikit-learn's "X does not have valid feature names" does not apply.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return method(*args)


def _add_predict(parser):
    parser.add_argument("model", metavar="MODEL", help="a model saved by `symlearn fit`")
    _data_arguments(parser, target=False)
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="OUT",
        help="where to write the predictions: .csv, .npy, or '-' for CSV on standard output "
        "(default)",
    )
    parser.add_argument(
        "--proba", action="store_true", help="class probabilities instead of labels (classifier)"
    )


def _predict(args):
    if args.output != "-":
        _writable(args.output, "the predictions", (".csv", ".npy"))
        if Path(args.output).resolve() in {Path(args.data).resolve(), Path(args.model).resolve()}:
            raise ValueError(f"-o {args.output} would overwrite an input file; name another.")
    estimator = _model(args.model)
    if args.proba and not hasattr(estimator, "predict_proba"):
        raise ValueError("--proba needs a classifier; this model is a regressor.")
    X = _model_inputs(estimator, read_table(args.data), args)
    if args.proba:
        values = _quietly(estimator.predict_proba, X)
        names = [f"proba[{label}]" for label in estimator.classes_]
    else:
        values = _quietly(estimator.predict, X)
        width = 1 if values.ndim == 1 else values.shape[1]
        names = ["prediction"] if width == 1 else [f"prediction[{i}]" for i in range(width)]
    write_table(args.output, names, values)
    if args.output != "-":
        print(f"Wrote {len(values)} predictions to {args.output}.", file=sys.stderr)
    return 0


def _written(value):
    """A label as written in a file: whole numbers without ".0"."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _as_classes(labels, classes, path):
    """The file's labels as the model's classes: matched as numbers or as text, never cast.

    Numbers on both sides match as numbers (1 and 1.0 alike); otherwise by
    their written form ("1" and 1 alike, never "1.0" and "1").
    """
    numeric = classes.dtype.kind in "biuf" and labels.dtype.kind in "biuf"
    key = (lambda value: value) if numeric else _written
    by_key = {key(c): c for c in classes.tolist()}
    unknown = next((v for v in labels.tolist() if key(v) not in by_key), None)
    if unknown is not None:
        raise ValueError(
            f"{path}: the label {unknown!r} is not one of the model's classes "
            f"({', '.join(map(_written, classes.tolist()))})."
        )
    return np.array([by_key[key(v)] for v in labels.tolist()], dtype=classes.dtype)


def _add_score(parser):
    parser.add_argument("model", metavar="MODEL", help="a model saved by `symlearn fit`")
    _data_arguments(parser, target=True)
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")


def _score(args):
    estimator = _model(args.model)
    table = read_table(args.data)
    classify = hasattr(estimator, "classes_")
    target_names, y = _targets(table, args, classify)
    X = _model_inputs(estimator, table, args, excluded=target_names)
    if classify:
        y = _as_classes(y, estimator.classes_, table.path)
    scores = {
        "rows": len(X),
        "accuracy" if classify else "r2": float(_quietly(estimator.score, X, y)),
        "symmetry_score": float(_quietly(estimator.symmetry_score, X)),
    }
    if args.json:
        print(json.dumps(scores, indent=2))
    else:
        for key, value in scores.items():
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


#: name -> (help, add the arguments, run)
COMMANDS = {
    "fit": ("fit an estimator to a data file and save it", _add_fit, _fit),
    "describe": ("print the symmetry a saved model found", _add_describe, _describe),
    "predict": ("predict with a saved model", _add_predict, _predict),
    "score": ("score a saved model on labelled rows", _add_score, _score),
}
