"""A fit is a transaction: one that raises leaves the estimator exactly as it was."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from torch import nn

import symlearn
from symlearn import (
    PredictionsCollapsedError,
    SymmetryDiscoveringClassifier,
    SymmetryDiscoveringRegressor,
    TrainingDivergedError,
)
from symlearn._state import FITTED_ATTRIBUTES
from symlearn.datasets import make_ring_classification, make_rotation_invariant_regression


class WrongShape(nn.Module):
    """A backbone whose outputs never fit the task."""

    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 7)

    def forward(self, x):
        return self.layer(x)


class NaNAfter(nn.Module):
    """A backbone that starts returning NaN in training after ``calls`` forward passes."""

    def __init__(self, n_outputs=1, calls=5):
        super().__init__()
        self.layer = nn.Linear(2, n_outputs)
        self.calls, self.seen = calls, 0

    def forward(self, x):
        if self.training:
            self.seen += 1
        out = self.layer(x)
        return out * float("nan") if self.seen > self.calls else out


def _snapshot(estimator, X, tmp_path, name):
    """Everything a user can observe of a fitted estimator."""
    path = tmp_path / f"{name}.safetensors"
    symlearn.save(estimator, path)
    predictions = (
        estimator.predict_proba(X) if hasattr(estimator, "predict_proba") else estimator.predict(X)
    )
    attributes = {key: vars(estimator)[key] for key in FITTED_ATTRIBUTES if key in vars(estimator)}
    return predictions, attributes, path.read_bytes()


def _assert_unchanged(estimator, before, X, tmp_path):
    predictions, attributes, saved = before
    after = _snapshot(estimator, X, tmp_path, "after")
    np.testing.assert_array_equal(after[0], predictions)
    assert after[1].keys() == attributes.keys()
    for key, value in attributes.items():
        assert after[1][key] is value, key  # the very same objects: nothing was rewritten
    assert after[2] == saved  # byte for byte


@pytest.fixture(scope="module")
def regression():
    X, y, _ = make_rotation_invariant_regression(240, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def classification():
    X, y, _ = make_ring_classification(240, random_state=0)
    return X, y


def _failures(n_outputs):
    """(parameters, exception) of a refit that must fail, restored afterwards."""
    return [
        ({"module": WrongShape}, ValueError),
        (
            {"module": NaNAfter, "module__n_outputs": n_outputs, "validation_fraction": 0.2},
            TrainingDivergedError,
        ),
        # A penalty that crushes the model to a constant (see test_callbacks):
        # a radial target invariant under scaling is a constant.
        (
            {"symmetry_weight": 1e5, "max_epochs": 30, "candidate_generators": ["scaling"]},
            PredictionsCollapsedError,
        ),
    ]


@pytest.mark.parametrize("failure", range(3))
@pytest.mark.parametrize("Estimator", [SymmetryDiscoveringRegressor, SymmetryDiscoveringClassifier])
def test_a_failed_refit_keeps_the_previous_model(regression, classification, tmp_path, Estimator, failure):
    classifier = Estimator is SymmetryDiscoveringClassifier
    X, y = classification if classifier else regression
    est = Estimator(max_epochs=6, random_state=0).fit(X, y)
    before = _snapshot(est, X, tmp_path, "before")
    params, error = _failures(2 if classifier else 1)[failure]
    original = est.get_params()
    est.set_params(**params)
    with pytest.raises(error):
        # New units and new labels too: a half-done fit would have rescaled
        # the inputs or re-encoded the classes.
        est.fit(100 * X, np.where(y == 1, "out", "in") if classifier else y)
    for key in set(est.get_params()) - set(original):
        delattr(est, key)
    est.set_params(**original)
    _assert_unchanged(est, before, X, tmp_path)


def test_a_failed_first_fit_leaves_the_estimator_unfitted(regression):
    X, y = regression
    est = SymmetryDiscoveringRegressor(module=WrongShape, max_epochs=3)
    params = dict(vars(est))
    with pytest.raises(ValueError, match="outputs of shape"):
        est.fit(X, y)
    assert vars(est) == params
    with pytest.raises(NotFittedError):
        est.predict(X)


def test_a_refit_replaces_every_attribute_of_the_previous_fit(regression):
    X, y = regression
    est = SymmetryDiscoveringRegressor(
        candidate_generators=["rotations"], max_epochs=3, random_state=0
    ).fit(X, y)
    assert hasattr(est, "candidate_weights_")
    est.set_params(candidate_generators=None).fit(X, y)
    # No attribute of the candidate fit survives into the plain one.
    assert not hasattr(est, "candidate_weights_") and not hasattr(est, "candidate_names_")
    assert "Candidate" not in est.describe_symmetry()
    import pandas as pd

    est.fit(pd.DataFrame(X, columns=["a", "b"]), y)
    assert list(est.feature_names_in_) == ["a", "b"]
    est.fit(X, y)
    assert not hasattr(est, "feature_names_in_")


def test_fit_keeps_its_state_off_the_estimator_until_it_succeeds(regression, monkeypatch):
    """Nothing is written on the estimator while training runs."""
    X, y = regression
    est = SymmetryDiscoveringRegressor(max_epochs=3, random_state=0)
    seen = []
    original = symlearn._net.SymmetryNet.fit

    def watching(net, *args, **kwargs):
        seen.append(set(vars(est)))
        return original(net, *args, **kwargs)

    monkeypatch.setattr(symlearn._net.SymmetryNet, "fit", watching)
    est.fit(X, y)
    assert seen == [set(vars(clone(est)))]
    assert torch.is_tensor(next(est.net_.module_.parameters()))
