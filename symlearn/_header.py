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
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ._config import MAX_STRING, ConfigError, Fields
from ._registry import class_name, lookup_class
from .reps import Rep, rep_from_config

__all__ = [
    "UNNAMED",
    "HeaderReader",
    "HeaderWriter",
    "Unnamed",
    "check_header_text",
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

#: Data-loader options a file may set: only for training (prediction keeps its
#: rows in order, whole, in this process), and few worker processes.
ITERATOR_OPTIONS = {
    "iterator_train": {"shuffle", "drop_last", "pin_memory", "num_workers"},
    "iterator_valid": {"pin_memory"},
}
MAX_WORKERS = 8

#: Largest header a file may hold, and the most JSON containers per byte of
#: it: a parsed container takes ~60 bytes, so a header of nested empty lists
#: would otherwise take tens of times its size in memory.
MAX_HEADER = 64 * 2**20
MAX_CONTAINER_DENSITY = 1 / 16

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


class Unnamed(NamedTuple):
    """A parameter a file can only name (a class of the caller's, or something unsaved)."""

    tag: str
    text: str


#: What a file may give as the name of a class of the caller's own.
_QUALIFIED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.<>]{0,199}$")


def check_text(value, where, max_length=MAX_STRING):
    """A string from a file: bounded, and text that can be written out (no lone surrogates)."""
    if len(value) > max_length:
        raise ConfigError(where, f"is a string of {len(value)} characters; at most {max_length}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(where, "is not valid text (it holds a lone surrogate).") from None
    return value


class HeaderReader:
    """Decodes the values of a file's header on demand, looking arrays up in its tensors.

    Parameters
    ----------
    tensors : dict of str to torch.Tensor
        The file's tensors.
    budget : int
        Bytes that all string arrays of the file may take once decoded,
        together: a file cannot make the reader allocate more than it
        justifies by its own size.
    """

    def __init__(self, tensors, budget):
        self.tensors = tensors
        self.used = set()
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
        match = re.fullmatch(r"<U([1-9][0-9]{0,5})", dtype)
        if dtype == "|O":
            if not all(isinstance(v, str) for v in values) and not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
            ):
                raise fields.error("__strings__", "must hold strings only, or numbers only.")
            width = max((len(v) for v in values if isinstance(v, str)), default=1)
        elif match is None:
            raise fields.error("dtype", f"must be '<U<n>' (n >= 1) or '|O'; got {dtype[:20]!r}.")
        else:
            width = int(match.group(1))
            if not all(isinstance(v, str) and len(v) <= width for v in values):
                raise fields.error(
                    "__strings__", f"must hold strings of at most {width} characters."
                )
        for i, value in enumerate(values):
            if isinstance(value, str):
                check_text(value, f"{where}.__strings__.{i}")
        cost = 4 * width * len(values) + 8 * len(values)
        if cost > self.budget:
            raise fields.error(
                "dtype", "its strings would take more memory than the file justifies."
            )
        self.budget -= cost
        return np.array(values, dtype=object if dtype == "|O" else dtype)

    def array(self, node, where):
        """A tensor reference or a string array, decoded."""
        if isinstance(node, dict) and "__tensor__" in node:
            if set(node) != {"__tensor__"}:
                raise ConfigError(where, "a tensor reference takes only the key '__tensor__'.")
            return self.tensor(node["__tensor__"], where)
        if isinstance(node, dict) and "__strings__" in node:
            return self.strings(node, where)
        raise ConfigError(where, "must be an array (a tensor reference or a string array).")

    def param(self, node, where, role, depth=0):
        """A parameter value written by :meth:`HeaderWriter.param`."""
        if depth > MAX_DEPTH:
            raise ConfigError(where, f"nests deeper than {MAX_DEPTH} levels.")
        if node is None or isinstance(node, (bool, int, float)):
            return node
        if isinstance(node, str):
            return check_text(node, where)
        if not isinstance(node, dict) or len(node) != 1:
            raise ConfigError(where, "must be a JSON value or an object with one tag.")
        ((tag, value),) = node.items()
        if tag in ("__list__", "__tuple__"):
            if not isinstance(value, list) or len(value) > MAX_ITEMS:
                raise ConfigError(where, f"must be a list of at most {MAX_ITEMS} items.")
            items = [self.param(v, f"{where}.{i}", role, depth + 1) for i, v in enumerate(value)]
            return tuple(items) if tag == "__tuple__" else items
        if tag == "__dict__":
            if not isinstance(value, dict) or len(value) > MAX_ITEMS:
                raise ConfigError(where, f"must be an object of at most {MAX_ITEMS} entries.")
            if any(len(key) > 200 or key.startswith("__") for key in value):
                raise ConfigError(where, "has a key that is too long or starts with '__'.")
            return {
                check_text(k, where, 200): self.param(v, f"{where}.{k[:40]}", role, depth + 1)
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
            if depth > 0:
                raise ConfigError(where, f"{tag} may only stand for a whole parameter.")
            if not isinstance(value, str) or len(value) > 1000:
                raise ConfigError(where, f"{tag} must be a short description.")
            if tag in (
                "__user_class__",
                "__user_instance__",
            ) and not _QUALIFIED_NAME.match(value):
                raise ConfigError(where, f"{tag} must be a qualified class name.")
            return Unnamed(tag, check_text(value, where))
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
    if parts[0] in ITERATOR_OPTIONS:
        allowed = ITERATOR_OPTIONS[parts[0]]
        if len(parts) != 2 or parts[1] not in allowed:
            raise ConfigError(
                where, f"the {parts[0]} options a file may set are {sorted(allowed)}."
            )
        if parts[1] == "num_workers":
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 0 <= value <= MAX_WORKERS
            ):
                raise ConfigError(where, f"must be an integer in [0, {MAX_WORKERS}].")
        elif not isinstance(value, bool):
            raise ConfigError(where, "must be true or false.")
    if name == "optimizer__param_groups" and not (
        isinstance(value, list)
        and all(
            isinstance(group, (list, tuple))
            and len(group) == 2
            and isinstance(group[0], str)
            and isinstance(group[1], dict)
            for group in value
        )
    ):
        raise ConfigError(where, "must be a list of (pattern, options) pairs.")


def check_header_text(text):
    """Bounds on the header's JSON text, checked before it is parsed."""
    if len(text) > MAX_HEADER:
        raise ConfigError("header", f"is {len(text)} characters long; at most {MAX_HEADER}.")
    containers = text.count("[") + text.count("{")
    if containers > MAX_CONTAINER_DENSITY * len(text) + 64:
        raise ConfigError(
            "header",
            f"holds {containers} JSON lists and objects in {len(text)} characters, "
            "more than a file written by symlearn.save ever does.",
        )


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
