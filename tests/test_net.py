import numpy as np
import pytest
import torch

from symlearn import SymmetryDiscoveringRegressor, TrainingDivergedError
from symlearn._net import SymmetryNet
from symlearn._task import kl_divergence_from_logits, squared_difference
from symlearn.datasets import make_rotation_invariant_regression


def test_a_diverging_fit_stops_with_an_error_that_says_what_to_change():
    X, y, _ = make_rotation_invariant_regression(200, random_state=0)
    est = SymmetryDiscoveringRegressor(
        optimizer=torch.optim.SGD, lr=10.0, max_epochs=20, random_state=0
    )
    with pytest.raises(TrainingDivergedError, match=r"lower `lr`") as caught:
        est.fit(X, y)
    assert "epoch 2" in str(caught.value) or "epoch 1" in str(caught.value)
    assert not hasattr(est, "discovered_generators_") and not hasattr(est, "net_")


def test_reach_weight_decays_geometrically_to_its_final_value():
    net = SymmetryNet(
        module=torch.nn.Linear(1, 1), criterion=torch.nn.MSELoss, consistency=squared_difference,
        symmetry_weight=1.0, reach_weight=0.01, reach_anneal=10.0, distinctness_weight=1.0,
        n_augmentations=1, max_epochs=5,
    ).initialize()
    weights = []
    for _ in range(5):
        net.history.new_epoch()
        weights.append(net.current_reach_weight())
    np.testing.assert_allclose(weights, 0.01 * 10.0 ** np.linspace(1, 0, 5))


def test_consistency_functions():
    a = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(squared_difference(a, a).numpy(), [0.0, 0.0])
    # Per row, averaged over outputs like the MSE task loss.
    np.testing.assert_allclose(squared_difference(a, a + 1).numpy(), [1.0, 1.0])
    np.testing.assert_allclose(squared_difference(a, a + a).numpy(), [2.5, 0.0])
    np.testing.assert_allclose(kl_divergence_from_logits(a, a + 5).numpy(), 0.0, atol=1e-7)
    assert kl_divergence_from_logits(a, a.flip(1))[0].item() > 0


def test_validation_loss_is_the_plain_task_loss():
    from skorch.dataset import ValidSplit

    X, y, _ = make_rotation_invariant_regression(300, random_state=0)
    est = SymmetryDiscoveringRegressor(
        max_epochs=3, train_split=ValidSplit(5), random_state=0
    ).fit(X, y)
    row = est.net_.history[-1]
    assert "valid_loss" in row and "train_consistency" not in row["batches"][-1]


def test_early_stopping_restores_the_augmentation_with_the_backbone():
    from skorch.callbacks import Callback, EarlyStopping
    from skorch.dataset import ValidSplit

    class RecordStates(Callback):
        def initialize(self):
            self.states = []
            return self

        def on_epoch_end(self, net, **kwargs):
            state = net.module_.state_dict()
            self.states.append({k: v.detach().clone() for k, v in state.items()})

    X, y, _ = make_rotation_invariant_regression(400, noise=0.3, random_state=0)
    record = RecordStates()
    est = SymmetryDiscoveringRegressor(
        max_epochs=30,
        lr=0.003,
        train_split=ValidSplit(0.25, random_state=0),
        callbacks=[record, EarlyStopping(patience=3, load_best=True, sink=lambda *a: None)],
        random_state=0,
    ).fit(X, y)
    history = est.net_.history
    assert len(history) < 30  # it did stop early
    best = int(np.argmin(history[:, "valid_loss"]))
    # The best epoch came after the warm-up (the augmentation was on), and
    # training went on past it, so the last state is not the best one.
    assert est._warmup_epochs() <= best < len(history) - 1
    final = est.net_.module_.state_dict()
    augmentation = [k for k in final if k.startswith("augmentation.")]
    assert augmentation and any(k.startswith("backbone.") for k in final)
    assert any(not torch.equal(record.states[-1][k], record.states[best][k]) for k in augmentation)
    for key, value in final.items():
        assert torch.equal(value, record.states[best][key]), key


def test_early_stopping_during_the_warm_up_keeps_the_backbone_as_reference():
    from skorch.callbacks import EarlyStopping
    from skorch.dataset import ValidSplit

    X, y, _ = make_rotation_invariant_regression(400, noise=0.3, random_state=0)
    est = SymmetryDiscoveringRegressor(
        max_epochs=60,
        train_split=ValidSplit(0.25, random_state=0),
        callbacks=[EarlyStopping(patience=5, sink=lambda *a: None)],
        random_state=0,
    )
    est.fit(X, y)  # stops at epoch 11, before the probe at epoch 20
    assert len(est.net_.history) < est._warmup_epochs()
    assert est.n_generators_ == 0 and len(est.symmetry_spectrum_) == 4
    first_reference = est._state.reference
    est.fit(X, y)  # a refit must not keep the previous fit's reference model
    assert est._state.reference is not first_reference


def test_an_overflowing_augmentation_is_named_in_the_divergence_error():
    from symlearn.nn import LieAugmentation

    class Unbounded(SymmetryDiscoveringRegressor):
        """An augmentation override whose scalings may reach exp(1000)."""

        def get_augmentation(self, rep, basis, candidates=None, reaches=None):
            return LieAugmentation(
                rep, len(basis), basis=basis, active=False, max_extent=2e3, initial_extent=1e3
            )

    X, y, _ = make_rotation_invariant_regression(200, random_state=0)
    est = Unbounded(
        generator_space=np.eye(2)[None], n_generators=1, max_epochs=6, random_state=0
    )
    with pytest.raises(TrainingDivergedError, match="augmentation moved the inputs") as caught:
        est.fit(X, y)
    # Right after the warm-up (2 of 6 epochs), when the scaling is switched on.
    assert "epoch 3" in str(caught.value)
