"""Exceptions raised by symlearn."""

__all__ = ["ModelFileError", "PredictionsCollapsedError", "TrainingDivergedError"]


class ModelFileError(ValueError):
    """A model file :func:`symlearn.load` refuses; the message names the field and the problem.

    Attributes
    ----------
    field : str
        The dotted path of the offending field in the file's header (e.g.
        ``"params.max_epochs"``), or the part of the file (``"sha256"``,
        ``"format_version"``, ``"module.backbone.0.weight"``).
    """

    def __init__(self, field, problem, *, path=None):
        where = "" if path is None else f"Cannot load {path}: "
        super().__init__(f"{where}field {field!r}: {problem}")
        self.field = field


class TrainingDivergedError(FloatingPointError):
    """Training produced a non-finite loss; the message says what to change.

    Raised during ``fit`` as soon as a batch loss is NaN or infinite, before
    the optimizer applies the broken gradient, so no silently broken model
    is ever returned.
    """


class PredictionsCollapsedError(RuntimeError):
    """Training ended with a (nearly) constant model; the message says what to change.

    Raised at the end of ``fit`` by :class:`~symlearn.callbacks.CollapseCheck`
    when the symmetry penalty pushed the backbone to ignore its inputs, which
    makes every transformation look like a symmetry.
    """
