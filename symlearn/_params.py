"""The estimators' parameters: which exist, and what values they accept.

:func:`validate_parameters` is the one check of every parameter's type and
range; ``fit`` calls it before touching the data, and :func:`symlearn.load`
calls it on the parameters a file holds.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_scalar
from skorch.callbacks import Callback
from torch import nn

from .reps import Rep

__all__ = ["MAX_GROUP_NAME", "SKORCH_PREFIXES", "check_discrete", "validate_parameters"]

#: Keyword prefixes routed to the backbone (``module__``) or to skorch.
SKORCH_PREFIXES = (
    "module__",
    "optimizer__",
    "iterator_train__",
    "iterator_valid__",
    "callbacks__",
)

#: Longest accepted group name ("S_n x SE(3)" has 11 characters).
MAX_GROUP_NAME = 64

#: Integer parameters and their ranges. The upper bounds are far beyond any
#: useful value; they keep a typo (or a file) from asking for terabytes.
COUNTS = {
    "n_augmentations": (1, 64),
    "test_time_augmentation": (0, 10_000),
    "n_group_samples": (1, 1_000),
    "n_group_samples_test": (1, 10_000),
    "max_epochs": (1, 10**6),
    "patience": (1, 10**6),
    "verbose": (0, 10),
}

#: Parameters kept for a release so that old code runs, with a FutureWarning.
DEPRECATED = ("reach_weight", "distinctness_weight")


def _finite(value, name, **bounds):
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, not a bool; got {value}.")
    check_scalar(value, name, Real, **bounds)
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer beyond float's range
        finite = False
    if not finite:
        raise ValueError(f"{name} must be a finite number; got {_short(value)}.")


def _count(value, name, low, high):
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not a bool; got {value}.")
    check_scalar(value, name, Integral, min_val=low, max_val=high)


def check_discrete(value):
    """``discrete`` must be one of its three values (also checked when predicting)."""
    if value is None or (isinstance(value, str) and value in ("search", "average")):
        return
    raise ValueError(f'discrete must be "search", "average" or None; got {_short(value)}.')


def validate_parameters(params):
    """Check the type and range of every parameter; raise before any training.

    Parameters
    ----------
    params : dict
        ``estimator.get_params(deep=False)``.

    Raises
    ------
    ValueError or TypeError
        Naming the parameter, what it must be, and what it is.
    """
    _finite(params["symmetry_weight"], "symmetry_weight", min_val=0)
    if not isinstance(params["augment"], (bool, np.bool_)):
        raise TypeError(f"augment must be True or False; got {_short(params['augment'])}.")
    for name in DEPRECATED:
        if params[name] != "deprecated":
            warnings.warn(
                f"{name} has no effect since symlearn 0.2: the reach of a symmetry is fixed by "
                f"the data (a full turn for a rotation) and its generators by the evidence, "
                f"not learned. It will be removed in 0.3.",
                FutureWarning,
                stacklevel=3,
            )
    if not (isinstance(params["lr"], str) and params["lr"] == "auto"):
        _finite(params["lr"], "lr", min_val=0, include_boundaries="neither")
    _finite(
        params["validation_fraction"],
        "validation_fraction",
        min_val=0,
        max_val=1,
        include_boundaries="left",
    )
    for name, (low, high) in COUNTS.items():
        _count(params[name], name, low, high)
    if params["batch_size"] != "auto":
        _count(params["batch_size"], "batch_size", 1, 2**24)
    if params["symmetrize"] not in (None, "probabilistic", "invariant_features"):
        raise ValueError(
            f'symmetrize must be None, "probabilistic" or "invariant_features"; got '
            f"{_short(params['symmetrize'])}."
        )
    check_discrete(params["discrete"])
    group = params["group"]
    if not isinstance(group, str):
        raise TypeError(
            f'group must be a string such as "O(3)", "S_n x SO(3)" or "discovered"; got '
            f"{_short(group)}."
        )
    if len(group) > MAX_GROUP_NAME:
        raise ValueError(
            f"group must be a group name of at most {MAX_GROUP_NAME} characters; got "
            f"{_short(group)}."
        )
    tolerance = params["symmetry_tolerance"]
    if isinstance(tolerance, str):
        if tolerance != "auto":
            raise ValueError(
                f'symmetry_tolerance must be "auto" or a non-negative number; got '
                f"{_short(tolerance)}."
            )
    else:
        _finite(tolerance, "symmetry_tolerance", min_val=0)
    n_generators = params["n_generators"]
    if isinstance(n_generators, str):
        if n_generators != "auto":
            raise ValueError(
                f'n_generators must be "auto" or a positive integer; got {_short(n_generators)}.'
            )
    else:
        _count(n_generators, "n_generators", 1, 10**6)
    space = params["generator_space"]
    if space is not None and not (
        isinstance(space, (np.ndarray, torch.Tensor, list, tuple))
        and np.asarray(space, dtype=object).ndim in (2, 3)
    ):
        raise TypeError(
            f"generator_space must be None or a stack of (d, d) matrices; got {_short(space)}."
        )
    candidates = params["candidate_generators"]
    items = candidates.values() if isinstance(candidates, dict) else candidates
    if isinstance(candidates, (str, np.ndarray)):
        items = [candidates]
    if candidates is not None and not (
        isinstance(candidates, (str, np.ndarray, list, tuple, dict))
        and all(isinstance(item, (str, np.ndarray, list, tuple)) for item in items)
    ):
        raise TypeError(
            f"candidate_generators must be None, a name, a generator stack, or a list or dict "
            f"of those; got {_short(candidates)}."
        )
    for name in ("input_rep", "output_rep"):
        rep = params.get(name)
        if rep is not None and not isinstance(rep, Rep):
            raise TypeError(
                f"{name} must be None or a symlearn.reps representation such as "
                f"Vectors(4, 3); got {_short(rep)}."
            )
    module = params["module"]
    if not (
        module is None
        or isinstance(module, nn.Module)
        or (isinstance(module, type) and issubclass(module, nn.Module))
    ):
        raise TypeError(
            f"module must be None, a torch.nn.Module subclass or instance; got {_short(module)}."
        )
    callbacks = params["callbacks"]
    if callbacks is not None and not (
        isinstance(callbacks, (list, tuple))
        and all(
            isinstance(item, Callback)
            or (
                isinstance(item, tuple)
                and len(item) == 2
                and isinstance(item[0], str)
                and isinstance(item[1], Callback)
            )
            for item in callbacks
        )
    ):
        raise TypeError(
            f"callbacks must be None or a list of skorch callbacks (or (name, callback) "
            f"pairs); got {_short(callbacks)}."
        )
    for name in ("optimizer", "train_split"):
        value = params[name]
        if not callable(value) and not (name == "train_split" and value is None):
            raise TypeError(
                f"{name} must be callable (a class or a function); got {_short(value)}."
            )
    random_state = params["random_state"]
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        if not 0 <= random_state < 2**32:
            raise ValueError(f"random_state must lie in [0, 2**32); got {random_state}.")
    elif not (random_state is None or isinstance(random_state, np.random.RandomState)):
        raise TypeError(
            f"random_state must be None, an int or a numpy RandomState; got {_short(random_state)}."
        )
    device = params["device"]
    if not isinstance(device, (str, torch.device)) or len(str(device)) > 64:
        raise TypeError(
            f"device must be 'auto', 'cpu', 'cuda' or a torch.device; got {_short(device)}."
        )


def _short(value, limit=80):
    """``repr(value)``, cut short: a message never repeats a huge value."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
