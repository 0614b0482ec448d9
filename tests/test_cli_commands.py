"""``symlearn fit | describe | predict | score`` run as a user runs them, error paths included."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from symlearn._cli import main

FEATURES = [f"p{i}{axis}" for i in range(4) for axis in "xyz"]


def _write_points(path, n=500, seed=0):
    """Four 3-D points per row; the target is the sum of their pairwise distances (so(3))."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 12))
    points = X.reshape(-1, 4, 3)
    energy = np.linalg.norm(points[:, :, None] - points[:, None], axis=-1).sum(axis=(1, 2)) / 2
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", *FEATURES, "energy"])
        for index, (row, value) in enumerate(zip(X, energy)):
            writer.writerow([f"row{index}", *row, value])
    return X, energy


def _symlearn(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "symlearn", *args],
        capture_output=True,
        check=False,
        text=True,
        cwd=cwd,
        timeout=600,
    )


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A model fitted from the shell on a CSV file, with its report."""
    folder = tmp_path_factory.mktemp("cli")
    X, energy = _write_points(folder / "points.csv")
    result = _symlearn(
        "fit", "points.csv", "--target", "energy", "--features", "p0x:p3z",
        "--input-rep", "Vectors(4, 3)", "--param", "max_epochs=150",
        "-o", "m.safetensors", "--report", "report.json", cwd=folder,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder, X, energy, result


def test_fit_prints_the_report_and_saves_model_and_json(fitted):
    folder, _, _, result = fitted
    assert "Verdict: symmetric" in result.stdout and "Symmetry: so(3), dimension 3" in result.stdout
    assert "Saved the model to m.safetensors" in result.stdout
    report = json.loads((folder / "report.json").read_text())
    assert report["algebra"]["name"] == "so(3)" and report["algebra"]["dimension"] == 3
    assert np.asarray(report["generators"]).shape == (3, 3, 3)
    assert report["feature_names"] == FEATURES


def test_describe_predict_and_score_use_the_saved_model(fitted):
    folder, X, energy, _ = fitted
    described = _symlearn("describe", "m.safetensors", "--json", cwd=folder)
    assert described.returncode == 0, described.stderr
    summary = json.loads(described.stdout)
    assert summary["algebra"]["name"] == "so(3)" and summary["n_generators"] == 3

    # The model picks its feature columns by name, whatever else the file holds.
    predicted = _symlearn("predict", "m.safetensors", "points.csv", "-o", "p.csv", cwd=folder)
    assert predicted.returncode == 0, predicted.stderr
    with open(folder / "p.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["prediction"] and len(rows) == len(X) + 1
    predictions = np.array([float(row[0]) for row in rows[1:]])
    assert 1 - np.mean((predictions - energy) ** 2) / np.var(energy) > 0.9

    # To standard output when no file is named: only the predictions.
    printed = _symlearn("predict", "m.safetensors", "points.csv", cwd=folder)
    assert printed.stdout.splitlines()[:2] == ["prediction", rows[1][0]]

    scored = _symlearn("score", "m.safetensors", "points.csv", "--target", "energy", "--json",
                       cwd=folder)  # fmt: skip
    scores = json.loads(scored.stdout)
    assert scores["rows"] == len(X) and scores["r2"] > 0.9 and scores["symmetry_score"] > 0.9


def test_a_classifier_from_npz_with_its_figures(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 2))
    labels = (np.hypot(*X.T) > 1.1).astype(np.int64)
    np.savez(tmp_path / "ring.npz", X=X, label=labels)
    argv = ["fit", str(tmp_path / "ring.npz"), "--target", "label", "--features", "X",
            "--classify", "--param", "max_epochs=20", "--no-progress",
            "-o", str(tmp_path / "ring.safetensors"), "--plot", str(tmp_path / "ring.png")]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    if "Symmetry: so(2)" in out:  # one 2-D vector: the orbits are drawn too
        assert (tmp_path / "ring_orbits.png").stat().st_size > 0
    assert (tmp_path / "ring.png").stat().st_size > 0
    out = tmp_path / "proba.npy"
    assert main(["predict", str(tmp_path / "ring.safetensors"), str(tmp_path / "ring.npz"),
                 "--proba", "-o", str(out)]) == 0  # fmt: skip
    proba = np.load(out)
    assert proba.shape == (300, 2) and np.allclose(proba.sum(axis=1), 1)


# -- every bad input: one line on stderr, a non-zero exit status ------------------------------


@pytest.fixture
def data(tmp_path):
    _write_points(tmp_path / "points.csv", n=40)
    return tmp_path


def _fails(capsys, argv, expected, status=1):
    assert main(argv) == status
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expected in lines[0], lines[0]
    assert "Traceback" not in err


def _fit(folder, *extra, data="points.csv", output="m.safetensors"):
    return ["fit", str(folder / data), "--no-progress", "--param", "max_epochs=2",
            "-o", str(folder / output), *extra]  # fmt: skip


def test_missing_and_unknown_files(data, capsys):
    _fails(capsys, _fit(data, "--target", "energy", data="nope.csv"), "no such file")
    (data / "table.xlsx").write_text("a,b\n1,2\n")
    _fails(capsys, _fit(data, "--target", "b", data="table.xlsx"), "unknown file kind '.xlsx'")
    _fails(capsys, ["describe", str(data / "missing.safetensors")], "no such model file")
    (data / "garbage.safetensors").write_bytes(b"\x00not a model file at all" * 4)
    _fails(capsys, ["describe", str(data / "garbage.safetensors")], "garbage.safetensors")


def test_bad_columns_and_cells(data, capsys):
    _fails(capsys, _fit(data, "--target", "nope"), "has no column 'nope'; its columns are: id,")
    # The text column "id" is a feature unless the features are chosen.
    _fails(capsys, _fit(data, "--target", "energy"), "column 'id': 'row0' is not a number")
    rows = (data / "points.csv").read_text().splitlines()
    rows[3] = rows[3].replace(rows[3].split(",")[2], "abc", 1)
    (data / "bad.csv").write_text("\n".join(rows) + "\n")
    _fails(capsys, _fit(data, "--target", "energy", "--features", "p0x:p3z", data="bad.csv"),
           "line 4, column 'p0y': 'abc' is not a number")  # fmt: skip
    rows[3] = rows[3].replace("abc", "nan")
    (data / "nan.csv").write_text("\n".join(rows) + "\n")
    _fails(capsys, _fit(data, "--target", "energy", "--features", "p0x:p3z", data="nan.csv"),
           "'nan' is not a finite number")  # fmt: skip
    (data / "ragged.csv").write_text("a,b,c\n1,2,3\n4,5\n")
    _fails(capsys, _fit(data, "--target", "c", data="ragged.csv"), "line 3: 2 cells")


def test_bad_representations_and_parameters(data, capsys):
    fit = _fit(data, "--target", "energy", "--features", "p0x:p3z")
    _fails(capsys, fit + ["--input-rep", "Vector(4, 3)"], "unknown representation 'Vector'")
    _fails(capsys, fit + ["--input-rep", "Vectors(5, 3)"], "15")  # covers 15 of 12 columns
    _fails(capsys, fit + ["--param", "max_epoch=3"], "has no parameter 'max_epoch'")
    _fails(capsys, fit + ["--param", "max_epochs"], "is not of the form NAME=VALUE")
    _fails(capsys, fit + ["--device", "cuda:99"], "cuda:99")
    bad_output = _fit(data, "--target", "energy", output="m.pkl")
    _fails(capsys, bad_output, "must end in .safetensors")


def test_command_line_errors_are_one_line_with_status_2(data, capsys):
    _fails(capsys, ["fit", str(data / "points.csv"), "-o", "m.safetensors"],
           "the following arguments are required: --target", status=2)  # fmt: skip
    _fails(capsys, ["--n-samples", "3"], "too few")


def test_predict_needs_the_fitted_columns(data, capsys):
    assert main(_fit(data, "--target", "energy", "--features", "p0x:p3z")) == 0
    capsys.readouterr()
    (data / "fewer.csv").write_text("p0x,p0y\n1,2\n3,4\n")
    _fails(capsys, ["predict", str(data / "m.safetensors"), str(data / "fewer.csv")],
           "lacks the column 'p0z' the model was fitted on")  # fmt: skip


def test_verbose_shows_the_traceback(data):
    result = _symlearn("fit", "nope.csv", "--target", "y", "-o", "m.safetensors", "--verbose",
                       cwd=data)  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("symlearn fit: error: no such file")


def test_unknown_commands_labels_and_overwrites(data, capsys):
    _fails(capsys, ["fitt", str(data / "points.csv")], "unknown command 'fitt'; did you mean 'fit'?",
           status=2)  # fmt: skip
    # A text target without --classify says what to do.
    (data / "labels.csv").write_text("x,y,label\n" + "".join(
        f"{i},{-i},{'in' if i % 2 else 'out'}\n" for i in range(40)))  # fmt: skip
    _fails(capsys, _fit(data, "--target", "label", data="labels.csv"),
           "'out' is not a number. For class labels, pass --classify")  # fmt: skip
    fit = _fit(data, "--target", "label", "--classify", data="labels.csv", output="c.safetensors")
    assert main(fit) == 0
    capsys.readouterr()
    (data / "unknown.csv").write_text("x,y,label\n1,2,in\n3,4,maybe\n")
    _fails(capsys, ["score", str(data / "c.safetensors"), str(data / "unknown.csv"),
                    "--target", "label"], "the label 'maybe' is not one of the model's classes")  # fmt: skip
    _fails(capsys, ["predict", str(data / "c.safetensors"), str(data / "labels.csv"),
                    "-o", str(data / "labels.csv")], "would overwrite an input file")  # fmt: skip


def test_weights_column_and_numeric_labels_from_csv(data, capsys):
    rows = "".join(f"{i / 10},{(-1) ** i},{1 + i % 2},{i % 2}\n" for i in range(60))
    (data / "w.csv").write_text("x,y,w,label\n" + rows)
    fit = _fit(data, "--target", "label", "--classify", "--weights", "w", data="w.csv",
               output="w.safetensors")  # fmt: skip
    assert main(fit) == 0
    capsys.readouterr()
    assert main(["describe", str(data / "w.safetensors"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["feature_names"] == ["x", "y"]  # the weights are not a feature
    # Labels written as numbers are numbers; an .npz of the same labels scores alike.
    np.savez(data / "w.npz", x=np.arange(60) / 10, y=(-1.0) ** np.arange(60),
             label=(np.arange(60) % 2).astype(float))  # fmt: skip
    scores = []
    for name in ("w.csv", "w.npz"):
        assert main(["score", str(data / "w.safetensors"), str(data / name), "--target", "label",
                     "--json"]) == 0  # fmt: skip
        scores.append(json.loads(capsys.readouterr().out)["accuracy"])
    assert scores[0] == scores[1]
