import io

import numpy as np
import pytest

from symlearn import SymmetryDiscoveringRegressor
from symlearn.callbacks import EpochProgressBar
from symlearn.datasets import make_rotation_invariant_regression


def test_progress_bar_counts_epochs_and_shows_the_reach():
    X, y, _ = make_rotation_invariant_regression(100, random_state=0)
    stream = io.StringIO()
    SymmetryDiscoveringRegressor(
        max_epochs=4, random_state=0, callbacks=[EpochProgressBar(file=stream)]
    ).fit(X, y)
    text = stream.getvalue()
    assert "4/4" in text and "reach=" in text and "discovering symmetry" in text


@pytest.mark.parametrize("every_epoch", [False, True])
def test_candidate_weighting_rates_the_warmed_up_model(every_epoch):
    from types import SimpleNamespace

    from skorch.history import History

    from symlearn.callbacks import CandidateWeighting
    from symlearn.nn import CandidateSymmetries
    from symlearn.reps import Vectors

    candidates = CandidateSymmetries(Vectors(1, 2), [np.eye(2)[None]] * 3, reaches=[1.0] * 3)
    net = SimpleNamespace(module_=SimpleNamespace(augmentation=candidates), history=History())
    errors = [np.array([0.1, 0.3, 0.9]), np.array([0.2, 0.1, 0.1])]
    callback = CandidateWeighting(
        lambda module, X: errors.pop(0), power=2.0, floor=0.1, every_epoch=every_epoch
    )
    callback.on_train_begin(net, X=np.zeros((5, 2)))
    net.history.new_epoch()
    callback.on_epoch_end(net)
    assert "candidate_weights" not in net.history[-1]  # off during the warm-up
    candidates.enable()  # the end of the warm-up
    callback.on_epoch_end(net)
    first = ((0.1 + 0.1) / (np.array([0.1, 0.3, 0.9]) + 0.1)) ** 2
    np.testing.assert_allclose(candidates.weights.numpy(), first, rtol=1e-6)
    np.testing.assert_allclose(net.history[-1, "candidate_errors"], [0.1, 0.3, 0.9])
    net.history.new_epoch()
    callback.on_epoch_end(net)
    if every_epoch:
        # Re-rated, but weights never rise again: the third keeps its low weight.
        second = np.minimum(first, ((0.1 + 0.1) / (np.array([0.2, 0.1, 0.1]) + 0.1)) ** 2)
        np.testing.assert_allclose(net.history[-1, "candidate_weights"], second, rtol=1e-6)
    else:
        assert "candidate_weights" not in net.history[-1] and len(errors) == 1
        np.testing.assert_allclose(candidates.weights.numpy(), first, rtol=1e-6)
