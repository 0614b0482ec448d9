import numpy as np
import pytest
import torch

from symlearn import SymmetryDiscoveringRegressor, TrainingDivergedError
from symlearn._net import SymmetryNet, kl_divergence_from_logits, squared_difference
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
