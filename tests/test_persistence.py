"""Saving and loading fitted estimators without pickle."""

import json
import pickle

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from torch import nn

import symlearn
from symlearn import SymmetryDiscoveringClassifier, SymmetryDiscoveringRegressor
from symlearn._state import FITTED_ATTRIBUTES
from symlearn.datasets import (
    make_inertia_tensor_regression,
    make_rotated_digits,
    make_rotation_invariant_regression,
)
from symlearn.reps import Image, Scalars, Tensor, Vectors


class TiedNet(nn.Module):
    """Input and output layers share one weight matrix (tied weights)."""

    def __init__(self):
        super().__init__()
        self.encode = nn.Linear(2, 2, bias=False)
        self.decode = nn.Linear(2, 2, bias=False)
        self.decode.weight = self.encode.weight
        self.head = nn.Linear(2, 1)

    def forward(self, x):
        return self.head(torch.tanh(self.decode(torch.tanh(self.encode(x)))))


class TinyNet(nn.Module):
    """A backbone class of the user's own, which a file can only name."""

    def __init__(self, hidden=8):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.layers(x)


def _assert_same_fitted_state(a, b):
    assert a.get_params().keys() == b.get_params().keys()
    for key, value in a.get_params().items():
        assert b.get_params()[key] == value or b.get_params()[key] is value, key
    for key in FITTED_ATTRIBUTES:
        assert hasattr(a, key) == hasattr(b, key), key
        if key in ("net_", "_state") or not hasattr(a, key):
            continue
        value, other = getattr(a, key), getattr(b, key)
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(other, value, err_msg=key)
            assert other.dtype == value.dtype, key
        elif isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            for x, y in zip(value, other):
                np.testing.assert_array_equal(x, y, err_msg=key)
        elif key == "algebra_":
            assert (other.name, other.dimension, other.compact) == (
                value.name,
                value.dimension,
                value.compact,
            )
        else:
            assert other == value, key
    for part in ("space", "task", "analysis"):
        _assert_same_config(
            getattr(a._state, part).to_config(), getattr(b._state, part).to_config(), part
        )
    for x, y in zip(
        a._state.reference.state_dict().values(), b._state.reference.state_dict().values()
    ):
        assert torch.equal(x, y)
    assert len(b.net_.history) == len(a.net_.history)


def _assert_same_config(a, b, where):
    """Two descriptions (JSON values and arrays) are identical, dtypes included."""
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(b, a, err_msg=where)
        assert a.dtype == b.dtype, where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_same_config(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same_config(x, y, f"{where}.{i}")
    else:
        assert a == b, where


def _round_trip(estimator, tmp_path):
    path = tmp_path / "model.safetensors"
    symlearn.save(estimator, path)
    return symlearn.load(path), path


@pytest.fixture(scope="module")
def fitted_regressor():
    X, y, _ = make_rotation_invariant_regression(300, random_state=0)
    return SymmetryDiscoveringRegressor(max_epochs=8, random_state=0).fit(X, y), X


def test_equivariant_regressor_round_trip_is_exact(tmp_path):
    X, y, _ = make_inertia_tensor_regression(200, random_state=0)
    est = SymmetryDiscoveringRegressor(
        input_rep=Vectors(5, 3) + Scalars(5),
        output_rep=Tensor(3, 2),
        max_epochs=6,
        random_state=0,
    ).fit(X, y)
    back, _ = _round_trip(est, tmp_path)
    _assert_same_fitted_state(est, back)
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    np.testing.assert_array_equal(
        back.predict(X, test_time_augmentation=3), est.predict(X, test_time_augmentation=3)
    )
    assert back.symmetry_score(X) == est.symmetry_score(X)
    assert back.describe_symmetry() == est.describe_symmetry()
    np.testing.assert_array_equal(back.generator_errors(X), est.generator_errors(X))
    np.testing.assert_array_equal(
        back.generator_errors(X, model="reference"), est.generator_errors(X, model="reference")
    )


def test_image_classifier_with_string_labels_round_trip_is_exact(tmp_path):
    X, y, _ = make_rotated_digits(300, random_state=0)
    labels = np.array([f"digit {v}" for v in y])
    clf = SymmetryDiscoveringClassifier(input_rep=Image(12, 12), max_epochs=6, random_state=0)
    clf.fit(X, labels)
    back, _ = _round_trip(clf, tmp_path)
    _assert_same_fitted_state(clf, back)
    assert back.classes_.tolist() == clf.classes_.tolist()
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))


def test_candidates_round_trip(tmp_path):
    X, y, _ = make_rotation_invariant_regression(200, random_state=1)
    est = SymmetryDiscoveringRegressor(
        candidate_generators={"turn": "rotations", "zoom": "scaling"},
        max_epochs=6,
        random_state=0,
    ).fit(X, y)
    back, _ = _round_trip(est, tmp_path)
    _assert_same_fitted_state(est, back)
    assert back.get_params()["candidate_generators"] == {"turn": "rotations", "zoom": "scaling"}
    np.testing.assert_array_equal(back.predict(X), est.predict(X))


def test_load_never_unpickles(fitted_regressor, tmp_path, monkeypatch):
    est, X = fitted_regressor
    path = tmp_path / "model.safetensors"
    symlearn.save(est, path)

    def forbidden(*args, **kwargs):
        raise AssertionError("load called pickle")

    for target, name in [
        (pickle, "load"),
        (pickle, "loads"),
        (pickle, "Unpickler"),
        (torch, "load"),
    ]:
        monkeypatch.setattr(target, name, forbidden)
    np.testing.assert_array_equal(symlearn.load(path).predict(X), est.predict(X))


def _rewrite(path, *, envelope=None, header=None, metadata=None):
    """Rewrite the file with envelope or header entries changed (checksum left as it was)."""
    with safe_open(str(path), framework="pt") as handle:
        old = json.loads(handle.metadata()["symlearn"])
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    old.update(envelope or {})
    old["header"].update(header or {})
    save_file(tensors, str(path), metadata=metadata or {"symlearn": json.dumps(old)})


def test_damaged_altered_and_foreign_files_are_refused(fitted_regressor, tmp_path):
    est, _ = fitted_regressor
    path = tmp_path / "model.safetensors"
    symlearn.save(est, path)
    original = path.read_bytes()

    # A flipped byte in the weights (the end of the file is tensor data).
    damaged = bytearray(original)
    damaged[-5] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="fails its checksum"):
        symlearn.load(path)

    # A flipped byte in the JSON header.
    header_length = int.from_bytes(original[:8], "little")
    position = original.index(b"max_epochs", 8, 8 + header_length)
    flipped = bytearray(original)
    flipped[position] = ord("n")
    path.write_bytes(bytes(flipped))
    with pytest.raises(ValueError):
        symlearn.load(path)

    path.write_bytes(original[: len(original) // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        symlearn.load(path)

    path.write_bytes(original)
    newer = symlearn.FORMAT_VERSION + 1
    _rewrite(path, envelope={"format_version": newer})
    with pytest.raises(ValueError, match=f"format {newer}.*Upgrade symlearn"):
        symlearn.load(path)

    path.write_bytes(original)
    _rewrite(path, envelope={"format_version": 2})
    with pytest.raises(ValueError, match="format 2, which is no longer read.*Refit"):
        symlearn.load(path)

    path.write_bytes(original)
    _rewrite(path, envelope={"format_version": 3})
    with pytest.raises(ValueError, match="format 3, which is no longer read.*linear part"):
        symlearn.load(path)

    path.write_bytes(original)
    _rewrite(path, envelope={"format_version": 4})
    with pytest.raises(ValueError, match="format 4, which is no longer read.*reflections"):
        symlearn.load(path)

    path.write_bytes(original)
    _rewrite(path, envelope={"format_version": 5})
    with pytest.raises(ValueError, match="format 5, which is no longer read.*pool items"):
        symlearn.load(path)

    path.write_bytes(original)
    _rewrite(path, envelope={"format_version": 1})
    with pytest.raises(ValueError, match="format 1, which named classes.*Refit"):
        symlearn.load(path)
    # A file written by symlearn 0.1 (format 1) says so in its own metadata.
    _rewrite(path, metadata={"format": "symlearn", "format_version": "1", "symlearn": "{}"})
    with pytest.raises(ValueError, match="format 1, which named classes.*Refit"):
        symlearn.load(path)

    path.write_bytes(original)
    _rewrite(path, header={"params": {"max_epochs": 1000}})
    with pytest.raises(ValueError, match="fails its checksum"):
        symlearn.load(path)

    # Saving is deterministic: the same model gives the same bytes.
    symlearn.save(est, path)
    assert path.read_bytes() == original

    save_file({"weight": torch.zeros(2)}, str(path))
    with pytest.raises(ValueError, match="not one written by symlearn.save"):
        symlearn.load(path)
    with pytest.raises(FileNotFoundError):
        symlearn.load(tmp_path / "missing.safetensors")


def test_a_backbone_class_of_your_own_must_be_passed_back(tmp_path):
    X, y, _ = make_rotation_invariant_regression(200, random_state=0)
    for module in (TinyNet, TinyNet(hidden=8)):
        est = SymmetryDiscoveringRegressor(module=module, max_epochs=4, random_state=0).fit(X, y)
        path = tmp_path / "model.safetensors"
        symlearn.save(est, path)
        with pytest.raises(ValueError, match=r"symlearn.load\(path, module=TinyNet\)"):
            symlearn.load(path)
        back = symlearn.load(path, module=TinyNet)
        np.testing.assert_array_equal(back.predict(X), est.predict(X))
    with pytest.raises(ValueError, match=r"declares \(4, 2\).*the file holds \(8, 2\)"):
        symlearn.load(path, module=TinyNet, module__hidden=4)


def test_a_model_saved_for_a_missing_gpu_loads_on_the_cpu(fitted_regressor, tmp_path):
    est, X = fitted_regressor
    path = tmp_path / "model.safetensors"
    cuda = SymmetryDiscoveringRegressor(**{**est.get_params(), "device": "cuda"})
    cuda.__dict__.update(
        {k: v for k, v in vars(est).items() if k.endswith("_") or k.startswith("_")}
    )
    symlearn.save(cuda, path)  # the weights are stored on the host whatever the device
    if torch.cuda.is_available():  # pragma: no cover - no GPU in CI
        pytest.skip("this machine has CUDA")
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        back = symlearn.load(path)
    assert back.device == "cpu"
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    assert symlearn.load(path, device="cpu").device == "cpu"


def test_unsaved_parameters_and_bad_calls(fitted_regressor, tmp_path):
    est, X = fitted_regressor
    path = tmp_path / "model.safetensors"
    with_callbacks = SymmetryDiscoveringRegressor(**est.get_params())
    with_callbacks.__dict__.update(
        {k: v for k, v in vars(est).items() if k.endswith("_") or k.startswith("_")}
    )
    with_callbacks.set_params(callbacks=[symlearn.callbacks.EpochProgressBar()])
    symlearn.save(with_callbacks, path)
    assert symlearn.load(path).callbacks is None
    progress = [symlearn.callbacks.EpochProgressBar()]
    assert symlearn.load(path, callbacks=progress).callbacks is progress
    with pytest.raises(TypeError, match="unexpected parameters"):
        symlearn.load(path, colour="red")
    with pytest.raises(NotFittedError):
        symlearn.save(SymmetryDiscoveringRegressor(), path)
    with pytest.raises(TypeError, match="saves symlearn estimators"):
        symlearn.save(LinearRegression().fit(X, X[:, 0]), path)


def test_pickle_still_works_for_trusted_use(fitted_regressor):
    est, X = fitted_regressor
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))


def test_tied_weights_round_trip(tmp_path):
    X, y, _ = make_rotation_invariant_regression(200, random_state=0)
    est = SymmetryDiscoveringRegressor(module=TiedNet, max_epochs=4, random_state=0).fit(X, y)
    path = tmp_path / "model.safetensors"
    symlearn.save(est, path)
    back = symlearn.load(path, module=TiedNet)
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    backbone = back.net_.module_.backbone
    assert backbone.decode.weight is backbone.encode.weight  # still tied after loading
