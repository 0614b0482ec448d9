"""Representations read back from their JSON descriptions, without evaluating anything."""

from __future__ import annotations

from ._image import Image
from ._primitives import Points, Scalars, Tensor, Vectors
from ._rep import DirectSum, Rep

__all__ = ["rep_from_config"]

#: The only classes a description can name, with their arguments in order.
PRIMITIVES = {
    "Scalars": (Scalars, ("n",)),
    "Vectors": (Vectors, ("n", "dim")),
    "Tensor": (Tensor, ("dim", "order")),
    "Points": (Points, ("n", "dim")),
    "Image": (Image, ("height", "width", "channels")),
}

#: Bounds that keep a description's arithmetic cheap (sizes are checked
#: against real data by whoever reads one).
MAX_COUNT = 2**31 - 1
MAX_ORDER = 8
MAX_PARTS = 4096


def _count(config, key, kind):
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
        raise ValueError(
            f"{kind}: {key!r} must be an integer from 1 to {MAX_COUNT}; got {value!r}."
        )
    if kind == "Tensor" and key == "order" and value > MAX_ORDER:
        raise ValueError(f"Tensor: 'order' must be at most {MAX_ORDER}; got {value}.")
    return value


def _primitive(config):
    if not isinstance(config, dict):
        raise ValueError(
            f"a representation must be a JSON object with a 'type'; got {type(config).__name__}."
        )
    kind = config.get("type")
    if kind not in PRIMITIVES:
        raise ValueError(
            f"unknown representation type {kind!r}; expected one of "
            f"{', '.join(PRIMITIVES)} or DirectSum."
        )
    cls, names = PRIMITIVES[kind]
    if set(config) != {"type", *names}:
        raise ValueError(f"{kind} takes exactly the keys {['type', *names]}; got {sorted(config)}.")
    return cls(*(_count(config, name, kind) for name in names))


def rep_from_config(config: dict) -> Rep:
    """The representation a :meth:`Rep.to_config` description describes.

    Only symlearn's own representations can be named; nothing is imported
    or evaluated.

    Parameters
    ----------
    config : dict
        ``{"type": "Vectors", "n": 4, "dim": 3}``, or ``{"type": "DirectSum",
        "parts": [...]}`` with primitive parts.

    Returns
    -------
    rep : symlearn.reps.Rep

    Raises
    ------
    ValueError
        Naming what is wrong with the description.

    Examples
    --------
    >>> from symlearn.reps import Scalars, Vectors, rep_from_config
    >>> rep = Vectors(4, 3) + Scalars(2)
    >>> rep_from_config(rep.to_config()) == rep
    True
    """
    if isinstance(config, dict) and config.get("type") == "DirectSum":
        parts = config.get("parts")
        if set(config) != {"type", "parts"} or not isinstance(parts, list):
            raise ValueError("DirectSum takes exactly the keys ['parts', 'type'], parts a list.")
        if not 1 <= len(parts) <= MAX_PARTS:
            raise ValueError(f"DirectSum needs 1 to {MAX_PARTS} parts; got {len(parts)}.")
        return DirectSum(*(_primitive(part) for part in parts))
    return _primitive(config)
