"""The task: regression or classification, and everything that differs between them.

A task encodes the targets for torch, names the training criterion, the
consistency term between a prediction and its moved twin, the discrepancy
that scores use, the outputs whose symmetry is measured, and decodes the
model's outputs into predictions. It is fitted on ``y`` once and then
immutable.
"""

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from torch import nn

from ._config import Fields
from ._scaling import RepStandardizer
from .metrics import squared_distance
from .reps import Points, Rep, Scalars

#: Most classes a description may name.
MAX_CLASSES = 1_000_000

__all__ = [
    "ClassificationTask",
    "RegressionTask",
    "kl_divergence_from_logits",
    "per_row_loss",
    "squared_difference",
]


def per_row_loss(criterion, outputs, targets):
    """The loss of each row under ``criterion`` (a loss class), averaged over its outputs: (n,).

    Training's weighted terms, the candidates' weighted views and the
    held-out confirmation all compare rows by this one measure.
    """
    losses = criterion(reduction="none")(outputs, targets)
    return losses.reshape(len(outputs), -1).mean(dim=1)


def squared_difference(reference, moved):
    """Per-row mean squared difference of two prediction batches (regression), shape (n,).

    Averaged over outputs, like the ``MSELoss`` it is added to, so the
    balance between the two does not depend on the number of outputs.
    """
    return squared_distance(reference, moved) / reference[0].numel()


def kl_divergence_from_logits(reference, moved):
    """Per-row ``KL(p_reference || p_moved)`` of two logit batches (classification), shape (n,)."""
    log_p = F.log_softmax(reference, dim=-1)
    log_q = F.log_softmax(moved, dim=-1)
    return (log_p.exp() * (log_p - log_q)).sum(dim=-1)


def total_variation(a, b):
    """Total-variation distance between the class distributions of two logit batches."""
    return 0.5 * (torch.softmax(a, dim=1) - torch.softmax(b, dim=1)).abs().sum(dim=1)


def resolve_output_rep(rep, n_outputs, input_rep):
    """``output_rep`` checked against ``y`` and ``input_rep``; None for invariant targets."""
    if rep is None:
        return None
    if not isinstance(rep, Rep):
        raise TypeError(
            f"output_rep must be None or a symlearn.reps representation such as "
            f"Vectors(2, 3) or Tensor(3, 2); got {rep!r}."
        )
    if rep.size != n_outputs:
        raise ValueError(
            f"output_rep={rep!r} describes {rep.size} targets, but y has {n_outputs} "
            f"columns; it must cover every column of y (Scalars for invariant ones)."
        )
    if any(isinstance(part, Points) for part in rep.parts()):
        raise ValueError(
            f"output_rep={rep!r} has Points; target points would need the input's "
            f"change of coordinates. Give targets as Vectors relative to a point of "
            f"the input (e.g. displacements) instead."
        )
    if rep.dim is not None and rep.dim != input_rep.dim - input_rep.affine:
        raise ValueError(
            f"output_rep={rep!r} acts on R^{rep.dim}, but input_rep={input_rep!r} on "
            f"R^{input_rep.dim - input_rep.affine}; one group element acts on both, so "
            f"their dimensions must agree."
        )
    return rep


class RegressionTask:
    """Regression on standardized targets, invariant or equivariant.

    Parameters
    ----------
    scaler : RepStandardizer
        Fitted on the targets (one scale per moving block, so that it
        commutes with the group's action on them).
    output_rep : symlearn.reps.Rep or None
        How the group acts on the targets; ``None``: invariant.
    y_ndim : {1, 2}
        Whether ``y`` was one-dimensional (predictions are then too).
    """

    criterion = nn.MSELoss
    consistency = staticmethod(squared_difference)
    discrepancy = staticmethod(squared_distance)

    def __init__(self, scaler, output_rep, y_ndim):
        self.scaler, self.output_rep, self.y_ndim = scaler, output_rep, y_ndim

    @classmethod
    def fit(cls, y, *, output_rep, input_rep, n_items=None):
        """The task fitted on ``y``, and ``y`` encoded for torch (float32, standardized)."""
        y = np.asarray(y, dtype=np.float64)
        y2d = y.reshape(len(y), -1)
        if not np.all(np.isfinite(y2d)):
            raise ValueError("y contains NaN or infinity; remove or impute those rows.")
        output_rep = resolve_output_rep(output_rep, y2d.shape[1], input_rep)
        scaler = RepStandardizer(output_rep or Scalars(y2d.shape[1]), n_items).fit(y2d)
        task = cls(scaler, output_rep, y.ndim)
        return task, scaler.transform(y2d).astype(np.float32)

    @property
    def n_outputs(self):
        return self.scaler.rep.size

    @staticmethod
    def symmetry_outputs(outputs):
        """The outputs whose invariance is measured: the regression outputs themselves."""
        return outputs

    def predict(self, outputs):
        """Model outputs (n, n_outputs) -> predictions in the units and shape of ``y``."""
        y_pred = self.scaler.inverse_transform(outputs)
        return y_pred.ravel() if self.y_ndim == 1 else y_pred

    def attributes(self):
        """The estimator attributes this task contributes."""
        return {"output_rep_": self.output_rep}

    def to_config(self):
        return {
            "kind": "regression",
            "output_rep": None if self.output_rep is None else self.output_rep.to_config(),
            "y_ndim": self.y_ndim,
            "scaler": self.scaler.to_config(),
        }

    @classmethod
    def from_config(cls, config, input_rep, path="task", reader=None):
        """The task a :meth:`to_config` description holds, checked against ``input_rep``."""
        keys = ("kind", "output_rep", "y_ndim", "scaler")
        fields = Fields(config, path, required=keys, reader=reader)
        fields.string("kind", choices={"regression"})
        scaler = RepStandardizer.from_config(fields.raw("scaler"), fields.where("scaler"), reader)
        output_rep = fields.optional("output_rep", fields.rep)
        try:
            resolve_output_rep(output_rep, scaler.rep.size, input_rep)
        except (TypeError, ValueError) as error:
            raise fields.error("output_rep", str(error)) from None
        if scaler.rep != (output_rep or Scalars(scaler.rep.size)):
            raise fields.error("scaler", "its representation must be the output representation.")
        y_ndim = fields.integer("y_ndim", 1, 2)
        if y_ndim == 1 and scaler.rep.size != 1:
            raise fields.error("y_ndim", "1 needs a single target column.")
        return cls(scaler, output_rep, y_ndim)


class ClassificationTask:
    """Classification: one logit per class, labels that never transform.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        The labels, sorted as :class:`~sklearn.preprocessing.LabelEncoder` does.
    """

    criterion = nn.CrossEntropyLoss
    consistency = staticmethod(kl_divergence_from_logits)
    discrepancy = staticmethod(total_variation)
    output_rep = None

    def __init__(self, classes):
        self.classes = classes

    @classmethod
    def fit(cls, y, **ignored):
        """The task fitted on ``y``, and ``y`` encoded for torch (class indices, int64)."""
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"The classifier needs samples of at least 2 classes; y has only one "
                f"class ({encoder.classes_[0]!r})."
            )
        return cls(encoder.classes_), encoder.transform(y).astype(np.int64)

    @property
    def n_outputs(self):
        return len(self.classes)

    @staticmethod
    def symmetry_outputs(outputs):
        # Log-probabilities: logits are only defined up to a shared constant.
        return torch.log_softmax(outputs, dim=1)

    @staticmethod
    def predict_proba(logits):
        """Logits of one or more views (..., n, n_classes) -> averaged probabilities."""
        probabilities = torch.softmax(logits, dim=-1)
        return probabilities.mean(dim=0) if probabilities.ndim == 3 else probabilities

    def attributes(self):
        return {"output_rep_": None, "classes_": self.classes}

    def to_config(self):
        return {"kind": "classification", "classes": self.classes}

    @classmethod
    def from_config(cls, config, input_rep, path="task", reader=None):
        """The task a :meth:`to_config` description holds: 2 or more sorted, distinct classes."""
        fields = Fields(config, path, required=("kind", "classes"), reader=reader)
        fields.string("kind", choices={"classification"})
        classes = fields.array("classes", (None,), kinds="biufUO")
        if not 2 <= len(classes) <= MAX_CLASSES:
            raise fields.error(
                "classes", f"must name 2 to {MAX_CLASSES} classes; got {len(classes)}."
            )
        try:
            ordered = np.array_equal(np.unique(classes), classes)
        except TypeError:  # an object array mixing strings and numbers
            ordered = False
        if not ordered:
            raise fields.error("classes", "must be distinct and sorted, as fit leaves them.")
        return cls(classes)
