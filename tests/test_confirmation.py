"""The held-out rows' word on a symmetric model: confirmed, refuted, or a weak proposal supported.

Per-row losses are fixed (``_Fixed`` predicts given outputs for rows
0..n-1), so every rule is checked on known numbers.
"""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from symlearn._confirmation import LOSS_TOLERANCE, _confirmation, confirmed, supported
from symlearn._evidence import Evidence
from symlearn._task import RegressionTask
from symlearn._verdict import Verdict
from symlearn.reps import Scalars


class _Fixed(torch.nn.Module):
    """Predicts the given outputs for rows 0..n-1 (the row's first feature is its index)."""

    def __init__(self, outputs):
        super().__init__()
        self.register_buffer("outputs", torch.as_tensor(outputs, dtype=torch.float32))
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.outputs[x[:, 0].long()]


def _confirm(before, after):
    n = len(before)
    X = np.arange(n, dtype=np.float32)[:, None]
    y = np.zeros((n, 1), dtype=np.float32)
    task, _ = RegressionTask.fit(np.arange(n), output_rep=None, input_rep=Scalars(1))
    return _confirmation(_Fixed(before), _Fixed(after), X, y, task, 0)


def test_confirmation_bounds_the_increase_of_the_held_out_loss():
    signs = np.where(np.random.default_rng(0).random((60, 1)) < 0.5, -1.0, 1.0)
    before = 0.1 * signs  # a held-out loss of 0.01 on every row
    same = _confirm(before, before)
    assert same.bounded and not same.worse
    worse = _confirm(before, 2 * before)
    assert worse.worse and not worse.bounded
    # 76% worse on average, all of it on two rows: not significant, not bounded.
    after = before.copy()
    after[:2] *= np.sqrt(1 + 0.76 * 30)
    heavy = _confirm(before, after)
    assert heavy.after == pytest.approx(1.76 * heavy.before, rel=1e-4)
    assert heavy.after > (1 + LOSS_TOLERANCE) * heavy.before
    assert not heavy.worse and not heavy.bounded


def _held_out(n):
    X = np.arange(n, dtype=np.float32)[:, None]
    task, _ = RegressionTask.fit(np.arange(n), output_rep=None, input_rep=Scalars(1))
    return X, task


def _net_with(backbone):
    """What supported reads and writes of a net: its backbone and augmentation."""
    module = SimpleNamespace(backbone=backbone, augmentation=SimpleNamespace(active=torch.ones(6)))
    return SimpleNamespace(module_=module, device="cpu")


def test_a_group_a_weak_reference_proposes_must_predict_clearly_better():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((200, 1)).astype(np.float32)
    X, task = _held_out(len(y))
    reference = _Fixed(0.7 * y + 0.7 * rng.standard_normal(y.shape))  # R^2 about 0.4
    weak = Verdict("inconclusive", "Too weak.", np.zeros(0, int), np.zeros(0, int))
    proposal = (np.arange(6), "so(1,3)")

    better = _Fixed(y + 0.2 * rng.standard_normal(y.shape))  # R^2 about 0.96
    net = _net_with(better)
    verdict = supported(net, reference, weak, proposal, "that group", X, y, task)
    assert verdict.name == "symmetric"
    np.testing.assert_array_equal(verdict.accepted, np.arange(6))
    assert "span so(1,3)" in verdict.reason and "clearly better" in verdict.reason
    assert net.module_.backbone is better and net.module_.augmentation.active.all()

    # Much better, but still too poor to judge (R^2 about 0.4): not accepted.
    poor = _Fixed(0.2 * y + rng.standard_normal(y.shape))  # R^2 about -0.6
    slightly = _Fixed(0.5 * y + 0.6 * rng.standard_normal(y.shape))
    # Good enough to judge (R^2 about 0.5), but not by a quarter better than the reference.
    close = _Fixed(0.75 * y + 0.65 * rng.standard_normal(y.shape))
    for before, final in [(poor, slightly), (reference, close)]:
        net = _net_with(final)
        verdict = supported(net, before, weak, proposal, "that group", X, y, task)
        assert verdict.name == "inconclusive" and verdict.reason.startswith("Too weak.")
        assert ("too poorly to tell" if final is slightly else "not predict") in verdict.reason
        # The reference model comes back, the augmentation off.
        assert net.module_.backbone is not final
        torch.testing.assert_close(net.module_.backbone.outputs, before.outputs)
        assert not net.module_.augmentation.active.any()


def test_a_symmetry_the_orbit_refutes_leaves_none_when_every_other_direction_is_broken():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((200, 1)).astype(np.float32)
    X, task = _held_out(len(y))
    reference = _Fixed(y + 0.03 * rng.standard_normal(y.shape))
    worse = _Fixed(y + 0.1 * rng.standard_normal(y.shape))  # ten times the loss

    def verdict(next_error, refutes=True):
        # The first direction straddles the limit (z 3.0 in 2.6-3.4), the next is at next_error.
        errors = np.array([0.15, next_error])
        intervals = np.stack([errors - 0.02, errors + 0.02], axis=1)
        evidence = Evidence(errors, intervals, np.full(2, 0.05), np.zeros((2, 2, 2)), 0.99)
        accepted = Verdict("symmetric", "First order.", np.array([0]), np.array([0]))
        est = SimpleNamespace(n_generators="auto")
        net = _net_with(worse)
        args = (est, net, reference, evidence, accepted, "it", X, y, task)
        return confirmed(*args, refutes=refutes)

    refuted = verdict(2.2)
    assert refuted.name == "none" and len(refuted.accepted) == 0
    assert "made the predictions worse" in refuted.reason
    assert "every other direction" in refuted.reason
    # Another direction is not clearly broken (z 3.2 in 2.8-3.6): it might still be one.
    assert verdict(0.16).name == "inconclusive"
    # An exact model (invariant features) that predicts worse may only be too narrow.
    assert verdict(2.2, refutes=False).name == "inconclusive"
    # A refuted span of two directions leaves each of them untested.
    errors = np.array([0.15, 0.16, 2.2])
    intervals = np.stack([errors - 0.02, errors + 0.02], axis=1)
    evidence = Evidence(errors, intervals, np.full(3, 0.05), np.zeros((3, 2, 2)), 0.99)
    pair = Verdict("symmetric", "First order.", np.array([0, 1]), np.array([0, 1]))
    args = (SimpleNamespace(n_generators="auto"), _net_with(worse), reference, evidence, pair)
    assert confirmed(*args, "it", X, y, task, refutes=True).name == "inconclusive"


def _unconfirmed():
    """Held-out rows, a reference, and a model worse on two rows only (neither way decided)."""
    rng = np.random.default_rng(1)
    y = rng.standard_normal((60, 1)).astype(np.float32)
    X, task = _held_out(len(y))
    reference = _Fixed(y + 0.1 * rng.standard_normal(y.shape))
    after = reference.outputs.numpy().copy()
    after[:2] = y[:2] + 1.0
    return X, y, task, reference, _Fixed(after)


def test_a_direction_within_its_floor_but_with_a_wide_interval_must_be_confirmed():
    X, y, task, reference, final = _unconfirmed()
    accepted = Verdict("symmetric", "First order.", np.array([0]), np.array([0]))

    def verdict(upper):
        # z 0.9, its interval reaching up to `upper` floors.
        evidence = Evidence(
            np.array([0.045, 1.0]),
            np.array([[0.025, 0.05 * upper], [0.9, 1.1]]),
            np.full(2, 0.05),
            np.zeros((2, 2, 2)),
            0.99,
        )
        args = (SimpleNamespace(n_generators="auto"), _net_with(final), reference, evidence)
        return confirmed(*args, accepted, "it", X, y, task, refutes=True)

    c = _confirmation(reference, final, X, y, task, 0)
    assert not c.worse and not c.bounded
    assert verdict(1.5).name == "symmetric"  # clear: only a refutation would turn it down
    assert verdict(4.5).name == "inconclusive"  # possibly beyond Z_MAX: it must be confirmed


def test_a_direction_within_a_floor_that_hides_every_motion_must_be_confirmed():
    # The direction is within its floor (z 0.1) both times, but a floor of 0.5
    # puts an arbitrary motion (error 1) within Z_MAX floors too: the first
    # order cannot tell it broken, so only the orbit could confirm it.
    X, y, task, reference, final = _unconfirmed()
    accepted = Verdict("symmetric", "First order.", np.array([0]), np.array([0]))

    def verdict(floor):
        evidence = Evidence(
            np.array([0.1 * floor, 1.0]),
            np.array([[0.05 * floor, 0.15 * floor], [0.9, 1.1]]),
            np.full(2, floor),
            np.zeros((2, 2, 2)),
            0.99,
        )
        args = (SimpleNamespace(n_generators="auto"), _net_with(final), reference, evidence)
        return confirmed(*args, accepted, "it", X, y, task, refutes=True)

    assert verdict(0.05).name == "symmetric"
    unresolved = verdict(0.5)
    assert unresolved.name == "inconclusive" and "cannot confirm" in unresolved.reason
