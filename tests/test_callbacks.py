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


@pytest.mark.parametrize("dataset", ["rotation", "pairwise", "rings"])
def test_a_fit_whose_predictions_collapse_stops_with_an_error_naming_the_penalty(dataset):
    from symlearn import PredictionsCollapsedError, SymmetryDiscoveringClassifier
    from symlearn.datasets import make_pairwise_distance_regression, make_ring_classification
    from symlearn.reps import Vectors

    Estimator, options = SymmetryDiscoveringRegressor, {}
    if dataset == "rotation":
        X, y, _ = make_rotation_invariant_regression(300, random_state=0)
    elif dataset == "pairwise":
        X, y, _ = make_pairwise_distance_regression(300, random_state=0)
        options = {"input_rep": Vectors(4, 3)}
    else:
        X, y, _ = make_ring_classification(300, random_state=0)
        Estimator = SymmetryDiscoveringClassifier
    collapsing = Estimator(symmetry_weight=1e4, max_epochs=30, random_state=0, **options)
    with pytest.raises(PredictionsCollapsedError, match=r"lower `symmetry_weight` \(now 10000"):
        collapsing.fit(X, y)
    assert not hasattr(collapsing, "net_")  # no half-fitted estimator is left behind

    # The same data with the default penalty keeps its predictions' spread.
    healthy = Estimator(max_epochs=30, random_state=0, **options).fit(X, y)
    spread = [row["output_spread"] for row in healthy.net_.history if "output_spread" in row]
    assert len(spread) == 30 - healthy._warmup_epochs()
    assert spread[-1] > 0.7


def test_the_collapse_check_can_be_switched_off_for_nearly_constant_targets():
    X, y, _ = make_rotation_invariant_regression(300, random_state=0)
    est = SymmetryDiscoveringRegressor(
        symmetry_weight=1e4, max_epochs=30, random_state=0, callbacks__collapse_check=None
    ).fit(X, y)
    assert all("output_spread" not in row for row in est.net_.history)
    assert est.score(X, y) < 0.3  # it did collapse: the check was right to object


def test_a_model_that_shrinks_towards_the_mean_of_a_noise_target_is_not_an_error():
    # y carries no information about X: the constant is the best prediction,
    # so squeezing an overfitted warm-up model lowers the held-out loss.
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 2)), rng.standard_normal(300)
    est = SymmetryDiscoveringRegressor(symmetry_weight=1e4, max_epochs=30, random_state=0)
    est.fit(X, y)
    spread = [row["output_spread"] for row in est.net_.history if "output_spread" in row]
    assert spread[-1] < 0.1  # it did shrink as far as the collapsing fits do
