"""Exceptions raised by symlearn."""

__all__ = ["PredictionsCollapsedError", "TrainingDivergedError"]


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
