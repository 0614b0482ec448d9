import io
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from symlearn import SymmetryDiscoveringRegressor
from symlearn.callbacks import EpochProgressBar, ThreadTuning
from symlearn.datasets import make_rotation_invariant_regression


def test_progress_bar_counts_the_epochs_of_each_phase_and_shows_the_losses():
    X, y, _ = make_rotation_invariant_regression(100, random_state=0)
    stream = io.StringIO()
    est = SymmetryDiscoveringRegressor(
        max_epochs=4, random_state=0, callbacks=[EpochProgressBar(file=stream)]
    ).fit(X, y)
    text = stream.getvalue()
    assert "4/4" in text and "valid_loss=" in text and "discovering symmetry" in text
    # One bar per training phase: the reference, then the symmetric phase.
    assert est.n_epochs_ == 8 and text.count("discovering symmetry") >= 2


@pytest.mark.parametrize("every_epoch", [False, True])
def test_candidate_weighting_rates_the_reference_model(every_epoch):
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
    net.history.new_epoch()
    callback.on_train_begin(net, X=np.zeros((5, 2)))
    callback.on_epoch_end(net)
    assert "candidate_weights" not in net.history[-1]  # off while the reference trains
    candidates.enable()  # the reference has converged: rated on it, before the next phase
    callback.rate_reference(net, np.zeros((5, 2)))
    # The next phase starts on a fresh backbone: it keeps the reference's rating.
    callback.on_train_begin(net, X=np.zeros((5, 2)))
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
def test_a_fit_whose_predictions_collapse_stops_with_an_error_naming_the_penalty(
    dataset,
):
    from symlearn import PredictionsCollapsedError, SymmetryDiscoveringClassifier
    from symlearn.datasets import (
        make_pairwise_distance_regression,
        make_ring_classification,
    )
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

    # The same data with the default weight keeps its predictions' spread; the
    # spread is recorded in every epoch of the symmetric phase, and only there.
    healthy = Estimator(max_epochs=30, random_state=0, **options).fit(X, y)
    assert healthy.symmetry_verdict_ == "symmetric"
    spread = [row["output_spread"] for row in healthy.net_.history if "output_spread" in row]
    assert len(spread) == healthy.n_epochs_ - 30
    assert spread[-1] > 0.7


def test_the_collapse_check_can_be_switched_off_for_nearly_constant_targets():
    X, y, _ = make_rotation_invariant_regression(300, random_state=0)
    # A radial target made invariant under scaling too is a constant: with
    # the check this fit stops with PredictionsCollapsedError (test_state).
    est = SymmetryDiscoveringRegressor(
        symmetry_weight=1e5,
        candidate_generators=["scaling"],
        max_epochs=30,
        random_state=0,
        callbacks__collapse_check=None,
    ).fit(X, y)
    assert all("output_spread" not in row for row in est.net_.history)
    # Without the check the collapsed model is still caught, later: the
    # confirmation on held-out rows keeps the reference model.
    assert est.symmetry_verdict_ == "inconclusive"
    assert "The reference model is kept" in est.symmetry_verdict_reason_
    assert est.score(X, y) > 0.8


def test_a_model_that_shrinks_towards_the_mean_of_a_noise_target_is_not_an_error():
    # y carries no information about X: the constant is the best prediction,
    # so squeezing an overfitted reference model lowers the held-out loss. (A
    # candidate is trained with whatever the verdict says.)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 2)), rng.standard_normal(300)
    est = SymmetryDiscoveringRegressor(
        symmetry_weight=1e4,
        candidate_generators=["rotations"],
        max_epochs=30,
        random_state=0,
    )
    est.fit(X, y)
    spread = [row["output_spread"] for row in est.net_.history if "output_spread" in row]
    assert spread[-1] < 0.1  # it did shrink as far as the collapsing fits do


def test_verbose_log_prints_a_header_for_each_phase(capsys):
    from symlearn import SymmetryDiscoveringRegressor
    from symlearn.datasets import make_rotation_invariant_regression

    X, y, _ = make_rotation_invariant_regression(200, random_state=0)
    SymmetryDiscoveringRegressor(max_epochs=3, verbose=1, random_state=0).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    headers = [i for i, line in enumerate(lines) if line.split()[0] == "epoch"]
    assert len(headers) == 2  # the reference phase, then the symmetric phase
    assert "output_spread" not in lines[headers[0]] and "output_spread" in lines[headers[1]]
    for start, end in zip(headers, [*headers[1:], len(lines)]):
        width = len(lines[start].split())
        rows = lines[start + 2 : end]  # below the header and its rule
        assert rows and all(len(row.split()) == width for row in rows)


class _Clock:
    """A stand-in for ``time.perf_counter``: an epoch lasts what ``seconds`` says for its threads."""

    def __init__(self, seconds):
        self.now, self.seconds = 0.0, seconds

    def __call__(self):
        return self.now

    def run_epoch(self):
        self.now += self.seconds[torch.get_num_threads()]


def _threads_per_epoch(monkeypatch, seconds, n_epochs, device="cpu"):
    import symlearn.callbacks as callbacks_module

    clock = _Clock(seconds)
    monkeypatch.setattr(callbacks_module.time, "perf_counter", clock)
    net = SimpleNamespace(device=device)
    tuning = ThreadTuning(first_check=2, max_interval=8)
    used = []
    tuning.on_train_begin(net)
    for _ in range(n_epochs):
        tuning.on_epoch_begin(net)
        used.append(torch.get_num_threads())
        clock.run_epoch()
        tuning.on_epoch_end(net)
    tuning.on_train_end(net)
    return used


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_thread_tuning_moves_to_one_thread_on_a_busy_machine_and_restores(
    monkeypatch, two_threads
):
    # Beside another busy process, one thread runs an epoch in half the time.
    used = _threads_per_epoch(monkeypatch, {2: 1.0, 1: 0.5}, 40)
    assert used[:3] == [2, 2, 1]  # the trial after two epochs wins
    # Later trials of two threads lose, after 2, 4, then 8 epochs at most.
    assert [i for i, threads in enumerate(used) if threads == 2] == [0, 1, 5, 10, 19, 28, 37]
    assert torch.get_num_threads() == 2  # the caller's setting again


def test_thread_tuning_keeps_the_threads_of_an_idle_machine(monkeypatch, two_threads):
    used = _threads_per_epoch(monkeypatch, {2: 0.5, 1: 1.0}, 40)
    # Trials of one thread after 2, then 4, 8, 8, ... epochs: each loses.
    assert used.count(1) <= 6 and used[-1] == 2
    assert torch.get_num_threads() == 2


def test_thread_tuning_leaves_a_gpu_fit_alone(monkeypatch, two_threads):
    assert set(_threads_per_epoch(monkeypatch, {2: 1.0, 1: 0.1}, 10, device="cuda")) == {2}


def test_a_failed_fit_restores_the_callers_threads(two_threads):
    class Fails(Callback):
        def on_epoch_end(self, net, **kwargs):
            torch.set_num_threads(1)
            raise RuntimeError("stop here")

    X, y, _ = make_rotation_invariant_regression(60, random_state=0)
    with pytest.raises(RuntimeError, match="stop here"):
        SymmetryDiscoveringRegressor(max_epochs=3, callbacks=[Fails()]).fit(X, y)
    assert torch.get_num_threads() == 2


def test_adam_is_fused_unless_the_user_picks_an_implementation():
    X, y, _ = make_rotation_invariant_regression(60, random_state=0)
    est = SymmetryDiscoveringRegressor(max_epochs=2, random_state=0, device="cpu").fit(X, y)
    assert est.net_.optimizer_.defaults["fused"] is True
    est = SymmetryDiscoveringRegressor(
        max_epochs=2, random_state=0, device="cpu", optimizer__foreach=True
    ).fit(X, y)
    assert not est.net_.optimizer_.defaults["fused"]
    est = SymmetryDiscoveringRegressor(
        max_epochs=2, random_state=0, device="cpu", optimizer=torch.optim.SGD
    ).fit(X, y)
    assert "fused" not in est.net_.optimizer_.defaults or not est.net_.optimizer_.defaults["fused"]
