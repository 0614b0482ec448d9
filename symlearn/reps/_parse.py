"""Representations written as text, e.g. ``"Vectors(4, 3) + Scalars(2)"``.

The grammar is small and fixed: a sum of primitive terms, each a name from
:data:`~symlearn.reps._config.PRIMITIVES` with positive integer arguments,
given by position or by keyword::

    spec  := term ("+" term)*
    term  := NAME "(" [arg ("," arg)*] ")"
    arg   := INTEGER | KEYWORD "=" INTEGER

Nothing is evaluated: the text is tokenised and each term is checked
against the registry, so ``repr(rep)`` of every primitive representation,
and of every sum of two or more, parses back to an equal one (a one-part
``DirectSum(Vectors(1, 2))`` reads back as the ``Vectors(1, 2)`` it acts as).
"""

from __future__ import annotations

import re

from ._config import PRIMITIVES, rep_from_config
from ._rep import DirectSum, Rep

__all__ = ["parse_rep"]

#: The forms an error message shows.
ACCEPTED_FORMS = (
    "Scalars(n), Vectors(n, dim), Points(n, dim), Tensor(dim[, order]), "
    "Image(height, width[, channels]), joined with '+', "
    "e.g. 'Vectors(4, 3) + Scalars(2)'"
)

#: Arguments a term may leave out, with their defaults.
_DEFAULTS = {"Tensor": {"order": 2}, "Image": {"channels": 1}}

#: Longest text accepted: a description, not a data file.
MAX_LENGTH = 10_000

_TERM = re.compile(r"\s*([A-Za-z_]\w*)\s*\(([^()]*)\)\s*")
_ARGUMENT = re.compile(r"\s*(?:([A-Za-z_]\w*)\s*=\s*)?([0-9]+)\s*")


def _error(text, problem):
    return ValueError(
        f"cannot read the representation {text!r}: {problem}. Accepted forms: {ACCEPTED_FORMS}."
    )


def _term(text, match):
    name, body = match.group(1), match.group(2)
    if name not in PRIMITIVES:
        raise _error(text, f"unknown representation {name!r}")
    names = PRIMITIVES[name][1]
    values = dict(_DEFAULTS.get(name, {}))
    given = set()
    arguments = [] if not body.strip() else body.split(",")
    for position, argument in enumerate(arguments):
        parsed = _ARGUMENT.fullmatch(argument)
        if parsed is None:
            raise _error(text, f"{name}: argument {argument.strip()!r} is not a whole number")
        keyword, value = parsed.group(1), int(parsed.group(2))
        if keyword is None:
            if given - set(names[:position]) or position >= len(names):
                raise _error(
                    text, f"{name} takes at most {len(names)} arguments, positional ones first"
                )
            keyword = names[position]
        if keyword not in names:
            raise _error(text, f"{name} has no argument {keyword!r} (it takes {', '.join(names)})")
        if keyword in given:
            raise _error(text, f"{name}: {keyword!r} is given twice")
        given.add(keyword)
        values[keyword] = value
    missing = [key for key in names if key not in values]
    if missing:
        raise _error(text, f"{name} needs {', '.join(names)}; missing {', '.join(missing)}")
    return {"type": name, **{key: values[key] for key in names}}


def parse_rep(text: str) -> Rep:
    """The representation a text such as ``"Vectors(4, 3) + Scalars(2)"`` describes.

    Parameters
    ----------
    text : str
        A sum of primitive terms: ``Scalars(n)``, ``Vectors(n, dim)``,
        ``Points(n, dim)``, ``Tensor(dim, order=2)``,
        ``Image(height, width, channels=1)``; arguments by position or by
        keyword. ``repr`` of any representation is accepted.

    Returns
    -------
    rep : symlearn.reps.Rep

    Raises
    ------
    ValueError
        Naming what could not be read and listing the accepted forms.

    Examples
    --------
    >>> from symlearn.reps import parse_rep
    >>> parse_rep("Vectors(4, 3) + Scalars(2)")
    Vectors(4, 3) + Scalars(2)
    >>> parse_rep("Tensor(3, order=2)").size
    9
    """
    if not isinstance(text, str):
        raise TypeError(f"a representation spec must be a string; got {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise _error(text[:40] + "...", f"longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise _error(text, "it is empty")
    configs = []
    for term in text.split("+"):
        match = _TERM.fullmatch(term)
        if match is None:
            if not term.strip():
                raise _error(text, "a '+' has no term beside it")
            raise _error(text, f"{term.strip()!r} is not a term of the form Name(arguments)")
        configs.append(_term(text, match))
    try:
        if len(configs) == 1:
            return rep_from_config(configs[0])
        return DirectSum(*(rep_from_config(config) for config in configs))
    except ValueError as error:
        raise _error(text, str(error).rstrip(".")) from None
