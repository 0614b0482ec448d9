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


def test_each_phase_stops_early_and_restores_its_best_epoch():
    from skorch.callbacks import Callback

    class RecordBackbones(Callback):
        def initialize(self):
            self.states = []
            return self

        def on_epoch_end(self, net, **kwargs):
            state = net.module_.backbone.state_dict()
            self.states.append({k: v.detach().clone() for k, v in state.items()})

    X, y, _ = make_rotation_invariant_regression(400, noise=0.3, random_state=0)
    record = RecordBackbones()
    est = SymmetryDiscoveringRegressor(
        max_epochs=200, patience=5, callbacks=[record], random_state=0
    ).fit(X, y)
    history = est.net_.history
    assert est.n_epochs_ == len(history) < 400  # both phases stopped early
    assert est.symmetry_verdict_ == "symmetric"
    # The symmetric phase is the run of epochs whose output spread is recorded
    # (but for its last: early stopping ends it before the spread is measured).
    symmetric = np.array(["output_spread" in row for row in history])
    start = int(np.argmax(symmetric))
    assert 0 < start and symmetric[start:-1].all()
    losses = np.asarray(history[:, "valid_loss"])
    best_reference = int(np.argmin(losses[:start]))
    best_final = start + int(np.argmin(losses[start:]))
    assert best_reference < start - 1 and best_final < len(history) - 1  # ran past the best
    for key, value in est._state.reference.state_dict().items():
        assert torch.equal(value, record.states[best_reference][key]), key
    for key, value in est.net_.module_.backbone.state_dict().items():
        assert torch.equal(value, record.states[best_final][key]), key
    first_reference = est._state.reference
    est.fit(X, y)  # a refit must not keep the previous fit's reference model
    assert est._state.reference is not first_reference


def test_an_overflowing_augmentation_is_named_in_the_divergence_error():
    from symlearn.nn import LieAugmentation

    class FarReaching(LieAugmentation):
        """Reaches 1000 times what the data fix: a scaling by up to exp(1000)."""

        def fix(self, generators, extents):
            super().fix(generators, 1000 * np.asarray(extents))

    class Unbounded(SymmetryDiscoveringRegressor):
        def get_augmentation(self, rep, basis, candidates=None, reaches=None):
            return FarReaching(rep, len(basis), basis=basis, active=False, max_extent=1e5)

    # y depends on the direction of x only: the scaling is an exact symmetry.
    X = np.random.default_rng(0).standard_normal((300, 2))
    y = X[:, 0] / np.linalg.norm(X, axis=1)
    est = Unbounded(generator_space=np.eye(2)[None], max_epochs=40, random_state=0)
    with pytest.raises(TrainingDivergedError, match="augmentation moved the inputs") as caught:
        est.fit(X, y)
    # In the first epoch of the symmetric phase, after the 40 of the reference.
    assert "epoch 41" in str(caught.value)


def _symmetric_fit():
    X, y, _ = make_rotation_invariant_regression(300, random_state=0)
    est = SymmetryDiscoveringRegressor(max_epochs=40, random_state=0).fit(X, y)
    assert est.symmetry_verdict_ == "symmetric"
    net = est.net_
    X = torch.as_tensor(est._scaled_inputs(X[:64]), dtype=torch.float32)
    return net, X, torch.as_tensor(y[:64, None], dtype=torch.float32)


def _batch_sizes(module):
    sizes = []
    module.register_forward_hook(lambda m, inputs, output: sizes.append(len(inputs[0])))
    return sizes


def test_original_and_moved_rows_share_one_forward_pass_with_the_same_loss():
    from symlearn._net import rows_independent

    net, X, y = _symmetric_fit()
    assert rows_independent(net.module_.backbone)
    sizes = _batch_sizes(net.module_.backbone)
    net.module_.zero_grad()
    torch.manual_seed(0)
    fused = net.train_step_single((X, y))["loss"]
    fused_grads = [p.grad.clone() for p in net.module_.backbone.parameters()]
    assert sizes == [2 * len(X)]  # original and moved rows together
    net.module_.zero_grad()
    torch.manual_seed(0)  # the same group elements
    net.module_.train()
    apart = net.get_loss(net.infer(X), y, X=X, training=True)
    apart.backward()
    assert sizes[1:] == [len(X), len(X)]
    torch.testing.assert_close(fused, apart, rtol=1e-5, atol=1e-7)
    for fused_grad, p in zip(fused_grads, net.module_.backbone.parameters()):
        torch.testing.assert_close(fused_grad, p.grad, rtol=1e-4, atol=1e-6)


def test_a_backbone_with_batch_normalization_keeps_two_forward_passes():
    from symlearn._net import rows_independent

    net, X, y = _symmetric_fit()
    normalized = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 1)
    )
    assert not rows_independent(normalized)
    net.module_.backbone = normalized
    sizes = _batch_sizes(normalized)
    net.train_step_single((X, y))
    assert sizes == [len(X), len(X)]  # the moved rows never share the batch statistics
