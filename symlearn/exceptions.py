"""Exceptions raised by symlearn."""

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError):
    """Training produced a non-finite loss; the message says what to change.

    Raised during ``fit`` as soon as a batch loss is NaN or infinite, before
    the optimizer applies the broken gradient, so no silently broken model
    is ever returned.
    """
