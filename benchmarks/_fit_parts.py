"""Where the time of one fit goes: wall-clock timers around the parts of a fit.

``timed_parts()`` wraps the functions that make up a fit (the training
phases and, inside them, the backbone's forward passes, the backward pass,
the optimizer, moving rows by group elements, data loading; after training,
the probe, the verdict, the exact group, the reaches, the confirmation, the
analysis, the discrete search and the score) with timers, and restores them
on exit. Times are inclusive (a forward pass inside a validation step counts
in both); each wrapper costs about a microsecond per call, far below the
milliseconds of a training step. Used by ``bench_profile.py`` and
``bench_scaling.py``; not part of the package.
"""

import importlib
import time
from collections import defaultdict
from contextlib import ExitStack, contextmanager

import torch

import symlearn._discovery as discovery
import symlearn._net as net_module
from symlearn._data import TensorBatchDataset
from symlearn.callbacks import CollapseCheck
from symlearn.nn import LieAugmentation

#: (label, owner, attribute): what is timed. Owners are the modules or classes
#: whose attribute the package looks up at call time.
AFTER_TRAINING = (
    ("probe (evidence)", discovery, "measure_evidence"),
    ("verdict", discovery, "judge"),
    ("exact group", discovery, "_exact_group"),
    ("reaches", discovery, "orbit_reaches"),
    ("confirmation", discovery, "confirmed"),
    ("analysis", discovery, "analyze_symmetry"),
    ("discrete search", discovery, "search_discrete"),
    ("symmetry score", discovery, "symmetry_score"),
)
IN_TRAINING = (
    ("backbone forward", net_module.SymmetryNet, "infer"),
    ("backward", torch.Tensor, "backward"),
    # Adam's parameter update alone (its ``step`` also runs skorch's closure).
    ("optimizer update", importlib.import_module("torch.optim.adam"), "adam"),
    ("moving rows", net_module.SymmetryNet, "_moved_views"),
    ("group elements (matrix_exp)", LieAugmentation, "sample"),
    ("loss terms + host sync", net_module.SymmetryNet, "_record_terms"),
    ("validation steps", net_module.SymmetryNet, "validation_step"),
    ("data loading", TensorBatchDataset, "__getitems__"),
    ("collapse check", CollapseCheck, "_measure"),
)


class Parts:
    """Accumulated seconds and calls per label."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)

    def add(self, label, seconds):
        self.seconds[label] += seconds
        self.calls[label] += 1

    def table(self, total):
        """Rows ``(label, seconds, share of total, calls)`` in the order timed."""
        labels = ["reference phase", "symmetric phase"]
        labels += [label for label, _, _ in IN_TRAINING + AFTER_TRAINING]
        rows = [(label, self.seconds[label], self.seconds[label] / total, self.calls[label])
                for label in labels if self.calls[label]]
        top = ["reference phase", "symmetric phase"] + [label for label, _, _ in AFTER_TRAINING]
        rest = total - sum(self.seconds[label] for label in top)
        return [*rows, ("other (setup, reference copies)", rest, rest / total, 1)]

    def after_training_share(self, total):
        """Share of the fit spent outside the training phases."""
        return sum(self.seconds[label] for label, _, _ in AFTER_TRAINING) / total


def _timer(parts, label, function):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            parts.add(label, time.perf_counter() - start)

    return timed


def _phase_timer(parts, function):
    """``partial_fit``, labelled by the phase it trains (augmentation off: reference)."""

    def timed(net, *args, **kwargs):
        augmentation = getattr(getattr(net, "module_", None), "augmentation", None)
        active = augmentation is not None and augmentation.n_generators > 0
        start = time.perf_counter()
        try:
            return function(net, *args, **kwargs)
        finally:
            label = "symmetric phase" if active else "reference phase"
            parts.add(label, time.perf_counter() - start)

    return timed


@contextmanager
def _patched(owner, name, replacement):
    original = vars(owner).get(name, None)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)


@contextmanager
def timed_parts():
    """Yield a :class:`Parts` filled while the block fits estimators."""
    parts = Parts()
    with ExitStack() as stack:
        for label, owner, name in IN_TRAINING + AFTER_TRAINING:
            function = getattr(owner, name)
            stack.enter_context(_patched(owner, name, _timer(parts, label, function)))
        partial_fit = net_module.SymmetryNet.partial_fit
        stack.enter_context(
            _patched(net_module.SymmetryNet, "partial_fit", _phase_timer(parts, partial_fit))
        )
        yield parts
