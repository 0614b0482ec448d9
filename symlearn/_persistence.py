"""Saving and loading fitted estimators: a file format, and nothing else.

One ``.safetensors`` file holds everything. Its tensors are the weights of
the trained module (``module.*``) and of the reference backbone
(``reference.*``), and every numeric array of the parameters (``params.*``)
and of the fitted state (``state.*``). Its string metadata holds the format
version, a JSON header, and a SHA-256 checksum over both.

The header follows a fixed schema (see the user guide, "Saving and
loading"): the estimator's name, its parameters, the fitted state as the
descriptions of its value objects (``SearchSpace.to_config()``,
``RegressionTask.to_config()``, ``SymmetryAnalysis.to_config()``, ...),
and the training history. Loading reads every field with its type and
bounds, refuses anything else with a :class:`~symlearn.exceptions.ModelFileError`
(a ``ValueError``) naming the field, and then rebuilds the estimator
through the same builder ``fit`` uses. Classes are named only from a fixed
registry (:mod:`symlearn._registry`); nothing is imported by name,
unpickled, called or evaluated, and memory is bounded by what the file
contains: the module a file declares is first built on torch's ``meta``
device (no memory) and must match the tensors the file holds.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from sklearn.utils.validation import check_is_fitted

from ._analysis import SymmetryAnalysis
from ._base import BaseSymmetryDiscoverer
from ._classifier import SymmetryDiscoveringClassifier
from ._config import ConfigError, Fields
from ._device import resolve_device
from ._header import (
    HeaderReader,
    HeaderWriter,
    Unnamed,
    check_header_text,
    check_history,
    check_prefixed,
    check_prefixed_name,
    role,
)
from ._model import build_backbone, build_symmetry_module
from ._params import SKORCH_PREFIXES, validate_parameters
from ._regressor import SymmetryDiscoveringRegressor
from ._space import SearchSpace
from ._state import FittedState, commit
from .exceptions import ModelFileError

if TYPE_CHECKING:
    import os
    from typing import Any

__all__ = ["FORMAT_VERSION", "load", "save"]

#: Bumped whenever a file written by this version cannot be read by an older one.
#: Format 1 named classes by import path; it is no longer read. Format 3 added
#: the time orientation to the invariant features of a discovered so(p, 1)
#: (a model of more features than format 2 would rebuild). Format 4 added the
#: default MLP's fixed linear part (a buffer format 3 files do not hold).
#: Format 5 rebuilds the invariant-feature model of a discovered group with
#: the form's reflections among its discrete symmetries (fewer features than
#: format 4 would rebuild). Format 6 rebuilds it as the items' model of
#: ``S_n x G`` when every item was found exchangeable (format 5 files hold an
#: ``InvariantModel`` there).
FORMAT_VERSION = 6

#: Tensor dtypes a file may hold.
_DTYPES = {
    torch.float64,
    torch.float32,
    torch.int64,
    torch.int32,
    torch.bool,
    torch.uint8,
}

#: The estimators a file can hold.
ESTIMATORS = {
    cls.__name__: cls for cls in (SymmetryDiscoveringRegressor, SymmetryDiscoveringClassifier)
}

# -- writing -------------------------------------------------------------------------------


def _tensor_bytes(tensor):
    """The raw bytes of a tensor, whatever its dtype (numpy has no bfloat16)."""
    if tensor.numel() == 0:
        return b""
    return tensor.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def _checksum(header, tensors):
    digest = hashlib.sha256(header.encode())
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(_tensor_bytes(tensors[name]))
    return digest.hexdigest()


def _history_value(value):
    """A history entry JSON cannot write: a number if it is one, else its repr."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)


def save(estimator: BaseSymmetryDiscoverer, path: str | os.PathLike) -> None:
    """Save a fitted symlearn estimator to ``path`` (a ``.safetensors`` file), without pickle.

    Parameters
    ----------
    estimator : fitted SymmetryDiscoveringRegressor or SymmetryDiscoveringClassifier
    path : str or path-like

    Examples
    --------
    >>> import os, tempfile
    >>> import symlearn
    >>> from symlearn import SymmetryDiscoveringRegressor
    >>> from symlearn.datasets import make_rotation_invariant_regression
    >>> X, y, _ = make_rotation_invariant_regression(200, random_state=0)
    >>> est = SymmetryDiscoveringRegressor(max_epochs=5, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> symlearn.save(est, path)
    >>> bool((symlearn.load(path).predict(X) == est.predict(X)).all())
    True
    """
    if not isinstance(estimator, BaseSymmetryDiscoverer):
        raise TypeError(f"symlearn.save saves symlearn estimators; got {type(estimator).__name__}.")
    check_is_fitted(estimator)
    state = estimator._state
    writer = HeaderWriter()
    # Copies: safetensors refuses tensors that share memory (tied weights).
    for prefix, module in (
        ("module", state.net.module_),
        ("reference", state.reference),
    ):
        for name, tensor in module.state_dict().items():
            writer.tensors[f"{prefix}.{name}"] = tensor.detach().cpu().clone()
    names = state.feature_names_in
    description = {
        "estimator": type(estimator).__name__,
        "params": {
            name: writer.parameter(name, value)
            for name, value in estimator.get_params(deep=False).items()
        },
        "state": writer.data(
            {
                "n_features_in": state.n_features_in,
                "feature_names_in": names,
                "space": state.space.to_config(),
                "task": state.task.to_config(),
                "analysis": state.analysis.to_config(),
            },
            "state",
        ),
        "history": json.loads(json.dumps(state.net.history.to_list(), default=_history_value)),
        "versions": {
            "symlearn_format": str(FORMAT_VERSION),
            "torch": torch.__version__,
        },
    }
    envelope = {
        "format": "symlearn",
        "format_version": FORMAT_VERSION,
        "header": description,
        "sha256": _checksum(_canonical(description), writer.tensors),
    }
    # One metadata entry: safetensors writes several in no fixed order, and
    # saving the same model twice should give the same bytes.
    save_file(writer.tensors, str(Path(path)), metadata={"symlearn": _canonical(envelope)})


def _canonical(value):
    """The one JSON text of a value that the checksum covers."""
    return json.dumps(value, sort_keys=True)


# -- reading -------------------------------------------------------------------------------


def _read(path):
    """The header and tensors of a symlearn file, verified; a clear error otherwise."""
    try:
        with safe_open(str(Path(path)), framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ModelFileError(
            "file",
            f"{path} is not a readable model file (truncated or corrupted?): {error}",
        ) from None
    if metadata.get("format") == "symlearn" and metadata.get("format_version") == "1":
        raise ModelFileError("format_version", _retired(path, 1))
    if set(metadata) != {"symlearn"}:
        raise ModelFileError(
            "format",
            f"{path} is a safetensors file, but not one written by symlearn.save.",
        )
    text = metadata["symlearn"]
    check_header_text(text)
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ModelFileError("header", f"is not valid JSON ({str(error)[:200]}).") from None
    fields = Fields(envelope, "", required=("format", "format_version", "header", "sha256"))
    fields.string("format", choices={"symlearn"})
    version = fields.integer("format_version", 1, 10**6)
    if version > FORMAT_VERSION:
        raise ModelFileError(
            "format_version",
            f"{path} was written in symlearn file format {version}; this symlearn reads "
            f"format {FORMAT_VERSION}. Upgrade symlearn to load it.",
        )
    if version < FORMAT_VERSION:
        raise ModelFileError("format_version", _retired(path, version))
    for name, tensor in tensors.items():
        if tensor.dtype not in _DTYPES:
            raise ModelFileError(
                f"tensor {name[:80]}", f"has the unsupported dtype {tensor.dtype}."
            )
    description = envelope["header"]
    if _checksum(_canonical(description), tensors) != envelope["sha256"]:
        raise ModelFileError(
            "sha256",
            f"{path} fails its checksum: its contents were changed or damaged after it was "
            f"saved. Refusing to load it.",
        )
    return description, tensors, len(text)


#: Why each retired format is no longer read.
_RETIRED = {
    1: "which named classes by import path and is no longer read (it was not safe for "
    "untrusted files)",
    2: "which is no longer read (its invariant-feature models of a discovered so(p,1) lack "
    "the time orientation)",
    3: "which is no longer read (its default networks lack the fixed linear part)",
    4: "which is no longer read (its invariant-feature models of a discovered group keep "
    "features that the reflections among its discrete symmetries now take away)",
    5: "which is no longer read (its invariant-feature models of a discovered group do not "
    "pool items found exchangeable, as they are now rebuilt)",
}


def _retired(path, version):
    return (
        f"{path} was written in symlearn file format {version}, {_RETIRED[version]}. "
        f"Refit the model with this symlearn and save it again."
    )


def _resolve_user_object(name, value, override):
    """A parameter the file could only name: the override, or a clear error."""
    if override is not None:
        return override
    if not isinstance(value, Unnamed):
        return value
    if value.tag in ("__user_class__", "__user_instance__"):
        short = value.text.rpartition(".")[2]
        raise ConfigError(
            f"params.{name}",
            f"the model was fitted with {name}={value.text}, a class symlearn does not import "
            f"from a file. Pass it when loading: symlearn.load(path, {name}={short}).",
        )
    if value.tag == "__needs__":
        raise ConfigError(
            f"params.{name}",
            f"the model was fitted with {name}={value.text[:200]}, which holds a class symlearn "
            f"does not import from a file. Pass it when loading: symlearn.load(path, {name}=...).",
        )
    return None  # __unsaved__: callbacks, train_split, a RandomState


#: Devices a file may name (``"auto"``: CUDA when there is one).
_DEVICE = re.compile(r"^(auto|cpu|cuda(:[0-9]{1,2})?|mps)$")


def _read_params(cls, saved, reader, module, overrides):
    """The estimator's parameters from the file, with the caller's overrides."""
    if not isinstance(saved, dict):
        raise ConfigError("params", "must be an object.")
    names = set(cls._get_param_names())
    missing = sorted(names - set(saved))
    if missing:
        raise ConfigError("params", f"is missing the parameters {missing}.")
    params = {}
    for name, node in saved.items():
        if name not in names:
            check_prefixed_name(name)
        value = reader.param(node, f"params.{name[:80]}", role(name))
        if name not in names:
            check_prefixed(name, value)
        params[name] = value
    params["module"] = _resolve_user_object("module", params["module"], module)
    for name in list(params):
        params[name] = _resolve_user_object(name, params[name], overrides.pop(name, None))
    unknown = {name for name in overrides if not name.startswith(SKORCH_PREFIXES)}
    if unknown:
        raise TypeError(f"symlearn.load() got unexpected parameters {sorted(unknown)}.")
    if "device" not in overrides and not (
        isinstance(params["device"], str) and _DEVICE.match(params["device"])
    ):
        raise ConfigError("params.device", "must be 'auto', 'cpu', 'cuda', 'cuda:<n>' or 'mps'.")
    params.update(overrides)
    estimator = cls(**params)
    try:
        validate_parameters(estimator.get_params(deep=False))
    except (TypeError, ValueError, OverflowError) as error:
        raise ConfigError("params", str(error)) from None
    return estimator


def _read_state(node, reader, estimator):
    """The fitted state's value objects, every field checked."""
    keys = ("n_features_in", "feature_names_in", "space", "task", "analysis")
    state = Fields(node, "state", required=keys, reader=reader)
    space = SearchSpace.from_config(state.raw("space"), "state.space", reader)
    n_features = state.integer("n_features_in", 1, 2**31 - 1)
    if space.input_rep.size != n_features:
        raise state.error("n_features_in", f"must be {space.input_rep.size}, the input's size.")
    if estimator.input_rep is not None and estimator.input_rep != space.input_rep:
        raise state.error("space", "its representation differs from the parameter input_rep.")
    names = state.optional("feature_names_in", state.strings, n_features)
    if names is not None and len(names) != n_features:
        raise state.error("feature_names_in", f"must name {n_features} features.")
    task = estimator._task_type.from_config(
        state.raw("task"), space.input_rep, "state.task", reader
    )
    if getattr(estimator, "output_rep", None) != task.output_rep:
        raise state.error(
            "task", "its output representation differs from the parameter output_rep."
        )
    analysis = SymmetryAnalysis.from_config(state.raw("analysis"), space, "state.analysis", reader)
    return n_features, names, space, task, analysis


def _matching_module(build, tensors, prefix, trusted_fallback):
    """The module ``build()`` makes, loaded from the ``prefix.*`` tensors.

    It is built first on torch's meta device, which allocates nothing: its
    parameter names, shapes and dtypes must be exactly those of the tensors
    the file holds, so a file cannot make the loader allocate more than it
    contains. A backbone class of the caller's own that cannot be built on
    the meta device is built directly (``trusted_fallback``).
    """
    saved = {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    try:
        with torch.device("meta"):
            expected = build().state_dict()
    except Exception as error:  # symlearn's own backbones, given options from the file
        if not trusted_fallback:
            raise ConfigError(
                "params", f"the model it declares cannot be built: {str(error)[:300]}"
            ) from None
        expected = None
    if expected is not None:
        if set(expected) != set(saved):
            extra = sorted(set(saved) - set(expected))[:3]
            missing = sorted(set(expected) - set(saved))[:3]
            raise ConfigError(
                prefix,
                f"the tensors do not match the declared model (missing {missing}, "
                f"unexpected {extra}).",
            )
        for name, tensor in expected.items():
            if tensor.shape != saved[name].shape or tensor.dtype != saved[name].dtype:
                raise ConfigError(
                    f"{prefix}.{name}",
                    f"the model declares {tuple(tensor.shape)} {tensor.dtype}; the file holds "
                    f"{tuple(saved[name].shape)} {saved[name].dtype}.",
                )
    for name, tensor in saved.items():
        # A trained model has none: training stops at the first non-finite loss.
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ConfigError(f"{prefix}.{name}", "holds NaN or infinite values.")
    try:
        module = build()
    except Exception as error:  # a class of the caller's, given options from the file
        raise ConfigError("params", f"the model cannot be built: {str(error)[:300]}") from None
    try:
        module.load_state_dict(saved, strict=True)
    except RuntimeError as error:
        raise ConfigError(
            prefix,
            f"the saved weights do not fit the rebuilt model ({str(error)[:300]}). Pass the "
            f"module (and module__* options) the model was fitted with.",
        ) from None
    return module


def load(
    path: str | os.PathLike,
    *,
    module: type[torch.nn.Module] | torch.nn.Module | None = None,
    device: str | None = None,
    **params: Any,
) -> SymmetryDiscoveringRegressor | SymmetryDiscoveringClassifier:
    """Load an estimator saved with :func:`save`. Never unpickles, imports or evaluates anything.

    The file's version and checksum are checked first, then every field of
    its header against a fixed schema: a truncated, altered, hostile or
    newer-format file is refused with a
    :class:`~symlearn.exceptions.ModelFileError` (a ``ValueError``) that
    names the field. See the user guide's threat model for what this
    guarantees for a file from an untrusted source.

    Parameters
    ----------
    path : str or path-like
    module : torch.nn.Module class or instance, default=None
        The backbone class, needed when the model was fitted with a module
        of your own (the file names it, but symlearn only builds its own
        backbones from a file). Its state must fit the saved weights.
    device : str, default=None
        Where to put the model. ``None``: the estimator's own ``device``,
        or the CPU, with a warning, when that is CUDA and CUDA is missing.
    **params
        Parameters that could not be saved (``callbacks``, ``train_split``,
        ``random_state`` as a ``RandomState``, classes of your own) or that
        you want to change.

    Returns
    -------
    estimator : SymmetryDiscoveringRegressor or SymmetryDiscoveringClassifier
        Fitted: predictions and attributes are those of the saved estimator.
    """
    try:
        description, tensors, header_length = _read(path)
        return _load(description, tensors, header_length, module, device, params)
    except OverflowError as error:  # a number a schema check let through to float()
        raise ModelFileError("header", f"holds a number too large: {error}", path=path) from None
    except ConfigError as error:
        raise ModelFileError(error.field, str(error).split(": ", 1)[1], path=path) from None


def _load(description, tensors, header_length, module, device, params):
    top = Fields(
        description,
        "",
        required=("estimator", "params", "state", "history", "versions"),
    )
    cls = ESTIMATORS.get(top.string("estimator", choices=set(ESTIMATORS), max_length=100))
    # Strings take at most 4 bytes a character; the header holds each one.
    reader = HeaderReader(tensors, budget=16 * header_length + 2**20)
    estimator = _read_params(cls, top.raw("params"), reader, module, dict(params))
    n_features, names, space, task, analysis = _read_state(top.raw("state"), reader, estimator)
    history = check_history(top.raw("history"))
    unused = {n for n in tensors if n.startswith(("params.", "state."))} - reader.used
    if unused or any(
        not n.startswith(("module.", "reference.", "params.", "state.")) for n in tensors
    ):
        raise ConfigError("tensors", "the file holds tensors its header does not describe.")
    if device is not None:
        estimator.device = device
    try:
        device = resolve_device(estimator.device)
    except ValueError:
        warnings.warn(
            f"The model was saved with device={estimator.device!r}, which this machine "
            f"does not have; it is loaded on the CPU (device='cpu').",
            stacklevel=3,
        )
        estimator.device = device = "cpu"
    trusted = module is not None

    def build_module():
        return build_symmetry_module(estimator, n_features, space, task, analysis=analysis)

    def build_reference():
        return build_backbone(estimator, n_features, space, task)

    module_ = _matching_module(build_module, tensors, "module", trusted)
    reference = _matching_module(build_reference, tensors, "reference", trusted)
    try:
        net = estimator.get_net(module_, device, output_rep=task.output_rep)
        net.initialize()
    except Exception as error:  # skorch and torch's optimizers check their options here
        raise ConfigError("params", f"the net cannot start: {str(error)[:300]}") from None
    callbacks = {name for name, _ in net.callbacks_}
    for name in estimator._prefixed_params(("callbacks__",)):
        if name.split("__")[1] not in callbacks:
            raise ConfigError(f"params.{name[:80]}", "names a callback the net does not have.")
    net.history_ = type(net.history)(history)
    state = FittedState(n_features, names, space, task, net, reference.to(device), analysis)
    commit(estimator, state)
    return estimator
