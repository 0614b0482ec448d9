"""How the values in a model file's header are written and read back, within bounds.

:class:`HeaderWriter` turns parameters (tagged JSON: tuples, classes and
representations keep their kind) and descriptions (plain JSON and numpy
arrays) into JSON, moving the arrays into tensors. :class:`HeaderReader`
reads them back: each value's kind, size and nesting is bounded, a class
is looked up in the fixed registry for its role, an array must be a tensor
the file holds, and anything else is a :class:`~symlearn._config.ConfigError`
naming the field.
"""

import re

import numpy as np
import torch
from torch import nn

from ._config import MAX_STRING, ConfigError, Fields
from ._registry import class_name, lookup_class
from .reps import Rep, rep_from_config

__all__ = [
    "HeaderReader",
    "HeaderWriter",
    "UNNAMED",
    "check_history",
    "check_prefixed",
    "check_prefixed_name",
    "role",
]

#: Limits on the JSON a file may hold: nesting depth, list length.
MAX_DEPTH = 12
MAX_ITEMS = 1024
MAX_HISTORY_EPOCHS = 100_000

#: ``module__hidden_sizes``, ``callbacks__print_log__sink``: a prefix, then names.
_PREFIXED = re.compile(
    r"^(module|optimizer|iterator_train|iterator_valid|callbacks)(__[A-Za-z_][A-Za-z0-9_]{0,63})+$"
)

#: Data-loader options a file may set (a worker count bounded: workers are processes).
ITERATOR_OPTIONS = {"shuffle", "drop_last", "pin_memory", "num_workers", "timeout"}
MAX_WORKERS = 64

#: Tags of parameter values a file can only name: the caller passes them to load().
UNNAMED = ("__user_class__", "__user_instance__", "__needs__", "__unsaved__")



class HeaderWriter:
    """Turns descriptions and parameters into JSON, moving arrays into ``tensors``."""

    def __init__(self):
        self.tensors = {}

    def data(self, value, key):
        """A description (JSON values and numpy arrays) as JSON."""
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "fiub":
                self.tensors[key] = torch.from_numpy(np.ascontiguousarray(value).copy())
                return {"__tensor__": key}
            return {"__strings__": value.tolist(), "dtype": value.dtype.str}
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, dict):
            return {str(k): self.data(v, f"{key}.{k}") for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(item, f"{key}.{i}") for i, item in enumerate(value)]
        return value

    def param(self, value, key, role):
        """A parameter value as tagged JSON (tuples, classes and reps keep their kind)."""
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
            return self.data(value, key)
        if isinstance(value, (list, tuple)):
            items = [self.param(item, f"{key}.{i}", role) for i, item in enumerate(value)]
            return {"__tuple__" if isinstance(value, tuple) else "__list__": items}
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"__dict__": {k: self.param(v, f"{key}.{k}", role) for k, v in value.items()}}
        if isinstance(value, Rep):
            return {"__rep__": value.to_config()}
        if isinstance(value, torch.device):
            return str(value)
        if isinstance(value, type):
            name = None if role is None else class_name(value, role)
            if name is not None:
                return {"__class__": name}
            return {"__user_class__": f"{value.__module__}.{value.__qualname__}"}
        if isinstance(value, nn.Module):
            return {"__user_instance__": f"{type(value).__module__}.{type(value).__qualname__}"}
        return {"__unsaved__": repr(value)[:200]}

    def parameter(self, name, value):
        """A whole parameter; one holding something unnameable is unnamed as a whole."""
        node = self.param(value, f"params.{name}", role(name))
        found = set(tags(node))
        if isinstance(node, dict) and next(iter(node)) in UNNAMED:
            return node
        if found & {"__user_class__", "__user_instance__"}:
            return {"__needs__": repr(value)[:200]}
        if "__unsaved__" in found:
            return {"__unsaved__": repr(value)[:200]}
        return node


def role(name):
    """Which registry a parameter's classes come from, or None: it names no class."""
    if name in ("module", "optimizer"):
        return name
    if name.startswith("module__"):
        return "activation"
    return None


def tags(node):
    """Every tag in an encoded value, nested ones included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from tags(value)
    elif isinstance(node, list):
        for item in node:
            yield from tags(item)


class HeaderReader:
    """Decodes the JSON of a file, looking arrays up in its tensors, within bounds."""

    def __init__(self, tensors, budget):
        self.tensors = tensors
        self.used = set()
        #: Bytes the string arrays of a file may take once decoded.
        self.budget = budget

    def tensor(self, name, where):
        if not isinstance(name, str) or name not in self.tensors:
            raise ConfigError(where, f"names a tensor the file does not hold: {str(name)[:80]!r}.")
        if name in self.used:
            raise ConfigError(where, f"names the tensor {name[:80]!r} a second time.")
        self.used.add(name)
        return self.tensors[name].numpy()

    def strings(self, node, where):
        fields = Fields(node, where, required=("__strings__", "dtype"))
        dtype = fields.string("dtype", max_length=12)
        values = fields.items("__strings__", 10**7)
        match = re.fullmatch(r"<U([0-9]{1,6})", dtype)
        if dtype == "|O":
            if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values):
                raise fields.error("__strings__", "must hold strings or numbers.")
            return np.array(values, dtype=object)
        if match is None:
            raise fields.error("dtype", f"must be '<U<n>' or '|O'; got {dtype!r}.")
        width = int(match.group(1))
        if not all(isinstance(v, str) and len(v) <= width for v in values):
            raise fields.error("__strings__", f"must hold strings of at most {width} characters.")
        if 4 * width * len(values) > self.budget:
            raise fields.error("dtype", f"{dtype} would take more memory than the file justifies.")
        return np.array(values, dtype=dtype)

    def data(self, node, where, depth=0):
        """A description: JSON values, with its arrays looked up."""
        if depth > MAX_DEPTH:
            raise ConfigError(where, f"nests deeper than {MAX_DEPTH} levels.")
        if isinstance(node, dict):
            if "__tensor__" in node:
                if set(node) != {"__tensor__"}:
                    raise ConfigError(where, "a tensor reference takes only the key '__tensor__'.")
                return self.tensor(node["__tensor__"], where)
            if "__strings__" in node:
                return self.strings(node, where)
            return {k: self.data(v, f"{where}.{k[:40]}", depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [self.data(item, f"{where}.{i}", depth + 1) for i, item in enumerate(node)]
        if isinstance(node, str) and len(node) > MAX_STRING:
            raise ConfigError(where, f"is a string of {len(node)} characters; at most {MAX_STRING}.")
        return node

    def param(self, node, where, role, depth=0):
        """A parameter value written by :meth:`HeaderWriter.param`."""
        if depth > MAX_DEPTH:
            raise ConfigError(where, f"nests deeper than {MAX_DEPTH} levels.")
        if node is None or isinstance(node, (bool, int, float)):
            return node
        if isinstance(node, str):
            if len(node) > MAX_STRING:
                raise ConfigError(where, f"is a string of {len(node)} characters; at most {MAX_STRING}.")
            return node
        if not isinstance(node, dict) or len(node) != 1:
            raise ConfigError(where, "must be a JSON value or an object with one tag.")
        (tag, value), = node.items()
        if tag in ("__list__", "__tuple__"):
            if not isinstance(value, list) or len(value) > MAX_ITEMS:
                raise ConfigError(where, f"must be a list of at most {MAX_ITEMS} items.")
            items = [self.param(v, f"{where}.{i}", role, depth + 1) for i, v in enumerate(value)]
            return tuple(items) if tag == "__tuple__" else items
        if tag == "__dict__":
            if not isinstance(value, dict) or len(value) > MAX_ITEMS:
                raise ConfigError(where, f"must be an object of at most {MAX_ITEMS} entries.")
            return {
                k[:200]: self.param(v, f"{where}.{k[:40]}", role, depth + 1)
                for k, v in value.items()
            }
        if tag == "__tensor__":
            return self.tensor(value, where)
        if tag == "__rep__":
            try:
                return rep_from_config(value)
            except (TypeError, ValueError) as error:
                raise ConfigError(where, str(error)) from None
        if tag == "__class__":
            if role is None:
                raise ConfigError(where, "names a class, which this parameter cannot hold.")
            return lookup_class(value, role, where)
        if tag in UNNAMED:
            if not isinstance(value, str) or len(value) > 1000:
                raise ConfigError(where, f"{tag} must be a short description.")
            return node  # resolved by load(), from what the caller passes
        raise ConfigError(where, f"has the unknown tag {tag[:40]!r}.")


def check_prefixed_name(name):
    if len(name) > 200 or not _PREFIXED.match(name):
        raise ConfigError(f"params.{name[:80]}", "is not a parameter of this estimator.")


def check_prefixed(name, value):
    """The extra rules for skorch-style options read from a file."""
    where = f"params.{name[:80]}"
    parts = name.split("__")
    if parts[0] == "callbacks" and len(parts) == 2 and value is not None:
        raise ConfigError(where, "may only switch a callback off (null) in a file.")
    if parts[0].startswith("iterator_"):
        if len(parts) != 2 or parts[1] not in ITERATOR_OPTIONS:
            raise ConfigError(where, f"data-loader options in a file are {sorted(ITERATOR_OPTIONS)}.")
        if parts[1] == "num_workers" and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WORKERS
        ):
            raise ConfigError(where, f"must be an integer in [0, {MAX_WORKERS}].")


def check_history(node):
    """The training history: epochs of JSON values, bounded."""
    if not isinstance(node, list) or len(node) > MAX_HISTORY_EPOCHS:
        raise ConfigError("history", f"must be a list of at most {MAX_HISTORY_EPOCHS} epochs.")

    def check(value, where, depth):
        if depth > MAX_DEPTH:
            raise ConfigError(where, f"nests deeper than {MAX_DEPTH} levels.")
        if isinstance(value, dict):
            for key, item in value.items():
                check(item, f"{where}.{key[:40]}", depth + 1)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                check(item, f"{where}.{i}", depth + 1)
        elif isinstance(value, str) and len(value) > MAX_STRING:
            raise ConfigError(where, f"is a string longer than {MAX_STRING} characters.")

    for epoch, entry in enumerate(node):
        if not isinstance(entry, dict):
            raise ConfigError(f"history.{epoch}", "must be an object.")
        check(entry, f"history.{epoch}", 1)
    return node


