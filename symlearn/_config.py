"""Reading descriptions back: typed fields with bounds, and errors that name the field.

A description (``to_config()``) is plain data: JSON values and numpy
arrays. Everything that reads one back (``from_config``) goes through
:class:`Fields`, which checks each field's type, shape and range before it
is used, and raises :class:`ConfigError` naming the field. Nothing in a
description is ever imported, called or evaluated.
"""

import math

import numpy as np

from .reps import rep_from_config

__all__ = ["MAX_STRING", "ConfigError", "Fields"]

#: Longest string a description may hold where no tighter bound applies.
MAX_STRING = 10_000


class ConfigError(ValueError):
    """A description that is not what it must be.

    Attributes
    ----------
    field : str
        The dotted path of the offending field, e.g. ``"state.space.tolerance"``.
    """

    def __init__(self, field, problem):
        super().__init__(f"field {field!r}: {problem}")
        self.field = field


def _kind(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


class Fields:
    """One JSON object of a description, read field by field.

    Parameters
    ----------
    node : object
        Must be a ``dict`` with exactly the ``required`` keys and any of the
        ``optional`` ones.
    path : str
        Where ``node`` sits, for error messages.
    required, optional : iterable of str
    """

    def __init__(self, node, path, *, required=(), optional=(), reader=None):
        # The top level ("") is called the header in messages about itself.
        name = path or "header"
        if not isinstance(node, dict):
            raise ConfigError(name, f"must be an object; got {_kind(node)}.")
        missing = [key for key in required if key not in node]
        extra = sorted(set(node) - set(required) - set(optional))
        if missing:
            raise ConfigError(name, f"is missing the keys {missing}.")
        if extra:
            raise ConfigError(name, f"has unexpected keys {[k[:40] for k in extra[:5]]}.")
        self.node, self.path, self.reader = node, path, reader

    def where(self, key):
        return f"{self.path}.{key}" if self.path else key

    def error(self, key, problem):
        return ConfigError(self.where(key), problem)

    def has(self, key):
        return self.node.get(key) is not None

    def raw(self, key):
        return self.node.get(key)

    def fields(self, key, **keys):
        """The nested object under ``key`` as :class:`Fields`."""
        return Fields(self.node.get(key), self.where(key), reader=self.reader, **keys)

    def decode(self, value, where):
        """An array: as it is, or decoded from a file's tagged value by the reader."""
        if isinstance(value, np.ndarray) or self.reader is None:
            return value
        return self.reader.array(value, where)

    def rep(self, key):
        """A representation, from its :meth:`~symlearn.reps.Rep.to_config` description."""
        try:
            return rep_from_config(self.node.get(key))
        except (TypeError, ValueError) as error:
            raise self.error(key, str(error)) from None

    def optional(self, key, read, *args, **kwargs):
        """``read(key, ...)`` (a method of this object), or None when the field is null."""
        return read(key, *args, **kwargs) if self.has(key) else None

    def integer(self, key, low, high):
        value = self.node.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer; got {_kind(value)}.")
        if not low <= value <= high:
            raise self.error(key, f"must lie in [{low}, {high}]; got {value}.")
        return value

    def number(self, key, low=-math.inf, high=math.inf):
        value = self.node.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"must be a number; got {_kind(value)}.")
        if isinstance(value, int) and abs(value) > 2**1000:  # float() would overflow
            raise self.error(key, "is too large a number.")
        if not math.isfinite(value) or not low <= value <= high:
            raise self.error(key, f"must be a finite number in [{low}, {high}]; got {value}.")
        return float(value)

    def boolean(self, key):
        value = self.node.get(key)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false; got {_kind(value)}.")
        return value

    def string(self, key, max_length=MAX_STRING, choices=None):
        value = self.node.get(key)
        if not isinstance(value, str):
            raise self.error(key, f"must be a string; got {_kind(value)}.")
        if len(value) > max_length:
            raise self.error(key, f"must have at most {max_length} characters; got {len(value)}.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise self.error(key, "is not valid text (it holds a lone surrogate).") from None
        if choices is not None and value not in choices:
            raise self.error(key, f"must be one of {sorted(choices)}; got {value[:40]!r}.")
        return value

    def items(self, key, max_length):
        """A list, at most ``max_length`` long."""
        value = self.node.get(key)
        if not isinstance(value, list):
            raise self.error(key, f"must be a list; got {_kind(value)}.")
        if len(value) > max_length:
            raise self.error(key, f"must have at most {max_length} items; got {len(value)}.")
        return value

    def array(self, key, shape, kinds="f"):
        """An array of exactly ``shape`` (``None`` entries: any size), finite, of dtype kind in ``kinds``.

        Floating-point arrays must be float64: a file holding another dtype
        (an integer tensor in place of a float one) is refused, not converted.
        """
        where = self.where(key)
        return check_array(self.decode(self.node.get(key), where), where, shape, kinds)

    def strings(self, key, max_count):
        """An array of strings: ``{"__strings__": [...], "dtype": "<U7" or "|O"}`` decoded."""
        where = self.where(key)
        value = self.decode(self.node.get(key), where)
        value = check_array(value, where, (None,), "UO", max_count=max_count)
        if not all(isinstance(item, str) for item in value):
            raise ConfigError(where, "must hold strings only.")
        return value


def check_array(value, where, shape, kinds="f", max_count=None):
    """``value`` checked as :meth:`Fields.array` describes; raises :class:`ConfigError`."""
    if not isinstance(value, np.ndarray):
        raise ConfigError(where, f"must be an array; got {_kind(value)}.")
    if value.dtype.kind not in kinds or (value.dtype.kind == "f" and value.dtype != np.float64):
        raise ConfigError(where, f"must have dtype kind {kinds!r} (float64); got {value.dtype}.")
    if len(shape) != value.ndim or any(
        want is not None and want != got for want, got in zip(shape, value.shape)
    ):
        expected = tuple("any" if s is None else s for s in shape)
        raise ConfigError(where, f"must have shape {expected}; got {value.shape}.")
    if max_count is not None and len(value) > max_count:
        raise ConfigError(where, f"must have at most {max_count} entries; got {len(value)}.")
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise ConfigError(where, "contains NaN or infinite values.")
    if value.dtype.kind == "O":
        numbers = [item for item in value.flat if not isinstance(item, str)]
        if numbers and (
            len(numbers) != value.size
            or not all(
                isinstance(item, (int, float)) and not isinstance(item, bool) for item in numbers
            )
            or not all(abs(item) < 2**63 and math.isfinite(item) for item in numbers)
        ):
            raise ConfigError(where, "must hold strings, or finite numbers below 2**63.")
    return value
