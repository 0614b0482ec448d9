"""Saving and loading fitted estimators without pickle.

One ``.safetensors`` file holds everything: the tensors (the backbone's and
the augmentation's weights, the reference backbone, every numeric fitted
array) in safetensors' own layout, and in its string metadata the format
version, a JSON description of the hyperparameters and of the other fitted
attributes, and a SHA-256 checksum over both. Loading reads the JSON and the
raw tensors, checks the version and the checksum, and rebuilds the estimator
through its own hooks (``get_backbone``, ``get_augmentation``, ``get_net``);
nothing is unpickled and no code is imported by name beyond torch's and
symlearn's own classes, so a file from an untrusted source can at worst
fail to load.

What a JSON description cannot name is not saved: a backbone class of your
own (pass it to :func:`load` as ``module=``), callbacks, ``train_split`` and
``random_state`` given as a ``RandomState`` (they come back as ``None``
unless passed to :func:`load`).
"""

import dataclasses
import hashlib
import importlib
import json
import warnings
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._base import SKORCH_PREFIXES, BaseSymmetryDiscoverer
from ._device import resolve_device
from ._scaling import RepStandardizer
from .lie import AlgebraIdentity
from .nn import SymmetryModule
from .reps import Image, Points, Rep, Scalars, Tensor, Vectors

__all__ = ["save", "load", "FORMAT_VERSION"]

#: Bumped whenever a file written by this version cannot be read by an older one.
FORMAT_VERSION = 1

#: Classes named in a file are imported only from these packages.
TRUSTED_PACKAGES = ("torch", "symlearn")

_PRIMITIVE_REPS = {
    "Scalars": (Scalars, lambda r: [r.n]),
    "Vectors": (Vectors, lambda r: [r.n, r.vector_dim]),
    "Tensor": (Tensor, lambda r: [r.tensor_dim, r.order]),
    "Points": (Points, lambda r: [r.n, r.point_dim]),
    "Image": (Image, lambda r: [r.height, r.width, r.channels]),
}


class _Encoder:
    """Turns parameters and fitted attributes into JSON, moving arrays into ``tensors``."""

    def __init__(self):
        self.tensors = {}

    def array(self, value, key):
        value = np.ascontiguousarray(value)
        if value.dtype.kind in "fiub":
            self.tensors[key] = torch.from_numpy(value.copy())
            return {"__array__": key}
        if value.dtype.kind in "UO" and all(isinstance(v, (str, int, float)) for v in value.flat):
            return {"__values__": value.tolist(), "dtype": value.dtype.str}
        raise TypeError(f"Cannot save an array of dtype {value.dtype} ({key}).")

    def __call__(self, value, key):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return self.array(value, key)
        if isinstance(value, (list, tuple)):
            items = [self(item, f"{key}.{i}") for i, item in enumerate(value)]
            return {"__tuple__" if isinstance(value, tuple) else "__list__": items}
        if isinstance(value, dict):
            return {"__dict__": {str(k): self(v, f"{key}.{k}") for k, v in value.items()}}
        if isinstance(value, Rep):
            return {"__rep__": [self.primitive_rep(part) for part in value.parts()]}
        if isinstance(value, RepStandardizer):
            state = {
                k: getattr(value, k) for k in ("offset_", "scale_", "centroid_", "point_scale_")
            }
            params = {"rep": value.rep, "shared_scalars": value.shared_scalars}
            return {"__scaler__": self({**params, **state}, key)}
        if isinstance(value, AlgebraIdentity):
            return {"__algebra__": self(dataclasses.asdict(value), key)}
        if isinstance(value, type):
            name = f"{value.__module__}.{value.__qualname__}"
            if value.__module__.split(".")[0] in TRUSTED_PACKAGES:
                return {"__class__": name}
            return {"__user_class__": name}
        if isinstance(value, nn.Module):
            return {"__user_instance__": f"{type(value).__module__}.{type(value).__qualname__}"}
        return {"__unsaved__": repr(value)}

    def parameter(self, value, key):
        """A parameter's JSON; one holding something unnameable is unnamed as a whole."""
        node = self(value, key)
        tags = set(_tags(node))
        if isinstance(node, dict) and next(iter(node)) in _UNNAMED:
            return node
        if tags & {"__user_class__", "__user_instance__"}:
            return {"__needs__": repr(value)}
        if "__unsaved__" in tags:
            return {"__unsaved__": repr(value)}
        return node

    @staticmethod
    def primitive_rep(part):
        name = type(part).__name__
        if name not in _PRIMITIVE_REPS or type(part) is not _PRIMITIVE_REPS[name][0]:
            raise TypeError(
                f"Cannot save the representation {part!r}: only symlearn's own "
                f"{', '.join(_PRIMITIVE_REPS)} (and their sums) can be saved."
            )
        return {"type": name, "args": _PRIMITIVE_REPS[name][1](part)}


#: Tags of values a file can only name: the user passes them to load().
_UNNAMED = ("__user_class__", "__user_instance__", "__needs__", "__unsaved__")


def _tags(node):
    """Every tag in an encoded value, nested ones included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _tags(value)
    elif isinstance(node, list):
        for item in node:
            yield from _tags(item)


def _import_trusted(name):
    module_name, _, attribute = name.rpartition(".")
    if module_name.split(".")[0] not in TRUSTED_PACKAGES:
        raise ValueError(f"The file names the class {name!r}, outside {TRUSTED_PACKAGES}.")
    value = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


class _Decoder:
    """The inverse of :class:`_Encoder`."""

    def __init__(self, tensors):
        self.tensors = tensors

    def __call__(self, node):
        if not isinstance(node, dict):
            return node
        (tag, value), *rest = node.items()
        if tag == "__array__":
            return self.tensors[value].numpy()
        if tag == "__values__":
            return np.array(value, dtype=np.dtype(node["dtype"]))
        if tag in ("__list__", "__tuple__"):
            items = [self(item) for item in value]
            return tuple(items) if tag == "__tuple__" else items
        if tag == "__dict__":
            return {k: self(v) for k, v in value.items()}
        if tag == "__rep__":
            parts = [_PRIMITIVE_REPS[p["type"]][0](*p["args"]) for p in value]
            return parts[0] if len(parts) == 1 else sum(parts[1:], parts[0])
        if tag == "__scaler__":
            state = self(value)
            scaler = RepStandardizer(state.pop("rep"), state.pop("shared_scalars", None))
            for name, attribute in state.items():
                setattr(scaler, name, attribute)
            return scaler
        if tag == "__algebra__":
            fields = self(value)
            fields["axes"] = tuple(fields["axes"])
            fields["signature"] = (
                None if fields["signature"] is None else tuple(fields["signature"])
            )
            return AlgebraIdentity(**fields)
        if tag == "__class__":
            return _import_trusted(value)
        if tag in _UNNAMED:
            return node  # resolved by load(), from what the caller passes
        raise ValueError(
            f"Unknown entry {tag!r} in the file; it was not written by this symlearn."
        )


def _checksum(header, tensors):
    digest = hashlib.sha256(header.encode())
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(tensors[name].contiguous().numpy().tobytes())
    return digest.hexdigest()


def _history_value(value):
    """A history entry JSON cannot write: a number if it is one, else its repr."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)


def _fitted_attributes(estimator):
    """Everything ``fit`` set, apart from the modules (saved as state dicts)."""
    skip = {"net_", "_reference_backbone"}
    return {
        key: value
        for key, value in vars(estimator).items()
        if key not in skip
        and (key.endswith("_") or key.startswith("_"))
        and not key.startswith("__")
    }


def save(estimator, path):
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
        raise TypeError(
            f"symlearn.save saves symlearn estimators; got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    encode = _Encoder()
    net = estimator.net_
    # Copies: safetensors refuses tensors that share memory (tied weights).
    for name, tensor in net.module_.state_dict().items():
        encode.tensors[f"module.{name}"] = tensor.detach().cpu().clone()
    for name, tensor in estimator._reference_backbone.state_dict().items():
        encode.tensors[f"reference.{name}"] = tensor.detach().cpu().clone()
    description = {
        "estimator": type(estimator).__name__,
        "params": {
            name: encode.parameter(value, f"params.{name}")
            for name, value in estimator.get_params(deep=False).items()
        },
        "fitted": encode(_fitted_attributes(estimator), "fitted"),
        "history": json.loads(json.dumps(net.history.to_list(), default=_history_value)),
        "device": str(net.device),
        "versions": {"torch": torch.__version__},
    }
    header = json.dumps(description, sort_keys=True)
    metadata = {
        "format": "symlearn",
        "format_version": str(FORMAT_VERSION),
        "symlearn": header,
        "sha256": _checksum(header, encode.tensors),
    }
    save_file(encode.tensors, str(Path(path)), metadata=metadata)


def _read(path):
    """The metadata and tensors of a symlearn file, verified; a clear error otherwise."""
    try:
        with safe_open(str(Path(path)), framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(
            f"{path} is not a readable symlearn model file (truncated or corrupted?): {error}"
        ) from error
    if metadata.get("format") != "symlearn" or "symlearn" not in metadata:
        raise ValueError(f"{path} is a safetensors file, but not one written by symlearn.save.")
    try:
        version = int(metadata.get("format_version", ""))
    except ValueError:
        raise ValueError(
            f"{path} has no valid format version; it was not written by symlearn.save."
        )
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written in symlearn file format {version}; this symlearn reads up to "
            f"format {FORMAT_VERSION}. Upgrade symlearn to load it."
        )
    if _checksum(metadata["symlearn"], tensors) != metadata.get("sha256"):
        raise ValueError(
            f"{path} fails its checksum: its contents were changed or damaged after it was "
            f"saved. Refusing to load it."
        )
    return json.loads(metadata["symlearn"]), tensors


def _resolve_user_object(name, value, override):
    """A parameter the file could only name: the override, or a clear error."""
    if override is not None:
        return override
    if not isinstance(value, dict) or next(iter(value), None) not in _UNNAMED:
        return value
    if "__user_class__" in value or "__user_instance__" in value:
        qualified = value.get("__user_class__") or value.get("__user_instance__")
        short = qualified.rpartition(".")[2]
        raise ValueError(
            f"The model was fitted with {name}={qualified}, a class symlearn does not import "
            f"from a file. Pass it when loading: symlearn.load(path, {name}={short})."
        )
    if "__needs__" in value:
        raise ValueError(
            f"The model was fitted with {name}={value['__needs__']}, which holds a class "
            f"symlearn does not import from a file. Pass it when loading: "
            f"symlearn.load(path, {name}=...)."
        )
    return None  # __unsaved__: callbacks, train_split, a RandomState


def _rebuild_net(estimator, state, n_outputs, device):
    rep = estimator.input_rep_
    backbone = estimator._build_backbone(
        estimator.n_features_in_, n_outputs, rep, estimator.output_rep_
    )
    candidates = reaches = None
    prefix = "augmentation.generators_"
    candidate_keys = sorted(
        (k for k in state if k.startswith(prefix)), key=lambda k: int(k[len(prefix) :])
    )
    if candidate_keys:
        candidates = [state[k].numpy() for k in candidate_keys]
        reaches = state["augmentation.reaches"].tolist()
    augmentation = estimator.get_augmentation(rep, estimator._model_basis, candidates, reaches)
    net = estimator.get_net(
        SymmetryModule(backbone, augmentation), device, output_rep=estimator.output_rep_
    )
    net.initialize()
    estimator._symmetrize_discovered(net.module_)
    net.module_.load_state_dict(state)
    return net


def load(path, *, module=None, device=None, **params):
    """Load an estimator saved with :func:`save`. Never unpickles anything.

    The file's version and checksum are checked first: a truncated,
    altered or newer-format file is refused with a ``ValueError``.

    Parameters
    ----------
    path : str or path-like
    module : torch.nn.Module class or instance, default=None
        The backbone class, needed when the model was fitted with a module
        of your own (the file names it, but symlearn only imports torch's
        and its own classes). Its state must fit the saved weights.
    device : str, default=None
        Where to put the model. ``None``: the estimator's own ``device``,
        or the CPU, with a warning, when that is CUDA and CUDA is missing.
    **params
        Parameters that could not be saved (``callbacks``, ``train_split``,
        ``random_state`` as a ``RandomState``) or that you want to change.

    Returns
    -------
    estimator : SymmetryDiscoveringRegressor or SymmetryDiscoveringClassifier
        Fitted: predictions and attributes are those of the saved estimator.
    """
    from . import SymmetryDiscoveringClassifier, SymmetryDiscoveringRegressor

    description, tensors = _read(path)
    classes = {
        cls.__name__: cls for cls in (SymmetryDiscoveringRegressor, SymmetryDiscoveringClassifier)
    }
    if description["estimator"] not in classes:
        raise ValueError(
            f"{path} holds a {description['estimator']!r}, which symlearn cannot rebuild."
        )
    decode = _Decoder(tensors)
    saved = {name: decode(node) for name, node in description["params"].items()}
    saved["module"] = _resolve_user_object("module", saved.get("module"), module)
    for name, value in list(saved.items()):
        saved[name] = _resolve_user_object(name, value, params.pop(name, None))
    unknown = {name for name in params if not name.startswith(SKORCH_PREFIXES)}
    if unknown:
        raise TypeError(f"symlearn.load() got unexpected parameters {sorted(unknown)}.")
    estimator = classes[description["estimator"]](**saved, **params)
    for name, value in decode(description["fitted"]).items():
        setattr(estimator, name, value)
    if device is not None:
        estimator.device = device
    try:
        device = resolve_device(estimator.device)
    except ValueError:
        warnings.warn(
            f"The model was saved with device={estimator.device!r}, which this machine "
            f"does not have; it is loaded on the CPU (device='cpu').",
            stacklevel=2,
        )
        estimator.device = device = "cpu"

    def part(prefix):
        return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}

    try:
        net = _rebuild_net(estimator, part("module."), estimator._n_outputs, device)
        reference = estimator._build_backbone(
            estimator.n_features_in_,
            estimator._n_outputs,
            estimator.input_rep_,
            estimator.output_rep_,
        )
        reference.load_state_dict(part("reference."))
    except RuntimeError as error:
        raise ValueError(
            f"The saved weights do not fit the rebuilt backbone ({error}). Pass the module "
            f"(and module__* options) the model was fitted with."
        ) from error
    estimator._reference_backbone = reference.to(device)
    net.history_ = type(net.history)(description["history"])
    estimator.net_ = net
    return estimator
