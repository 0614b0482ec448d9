"""The symmetry-discovering classifier."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import ClassifierMixin

from ._base import BaseSymmetryDiscoverer
from ._task import ClassificationTask

if TYPE_CHECKING:
    from ._typing import ArrayLike, Float64Array

__all__ = ["SymmetryDiscoveringClassifier"]


class SymmetryDiscoveringClassifier(ClassifierMixin, BaseSymmetryDiscoverer):
    """Classifier that learns which transformations leave the label unchanged.

    The classification counterpart of
    :class:`~symlearn.SymmetryDiscoveringRegressor`: the backbone outputs one
    logit per class and is trained with cross-entropy; its evidence is read
    on the predicted class probabilities, its accuracy for the verdict is the
    Brier skill score, and the optional consistency term is the KL divergence
    between the predicted class distributions of ``x`` and ``g x``. All
    parameters and the fitted generator attributes are the same as the
    regressor's.

    Parameters
    ----------
    module : None, torch.nn.Module subclass or instance, default=None
        Backbone mapping ``(n, n_features)`` to ``(n, n_classes)`` logits.
    input_rep : symlearn.reps.Rep, default=None
        See :class:`~symlearn.SymmetryDiscoveringRegressor`.
    n_generators : "auto" or int, default="auto"
    generator_space : array-like of shape (m, d, d), default=None
    candidate_generators : list or dict, default=None
    symmetry_tolerance : float or "auto", default="auto"
    validation_fraction : float, default=0.2
    augment : bool, default=True
        See :class:`~symlearn.SymmetryDiscoveringRegressor`.
    symmetry_weight : float, default=0.0
        Weight of ``KL(p(. | x) || p(. | g x))`` added to the augmented loss.
    reach_weight, distinctness_weight : deprecated
    n_augmentations : int, default=1
    test_time_augmentation : int, default=0
        Default of :meth:`predict_proba`'s option of the same name.
    symmetrize : None, "probabilistic" or "invariant_features", default=None
        Make the predicted probabilities exactly invariant under ``group``;
        see :class:`SymmetryDiscoveringRegressor`.
    group : str, default="discovered"
    n_group_samples : int, default=4
    n_group_samples_test : int, default=20
    discrete : "search", "average" or None, default="search"
        See :class:`SymmetryDiscoveringRegressor`; ``"average"`` averages
        the logits over the found finite group.
    max_epochs : int, default=1000
    patience : int, default=60
    batch_size : int or "auto", default="auto"
    lr : float or "auto", default="auto"
    optimizer : torch optimizer class, default=torch.optim.Adam
    callbacks : list of skorch callbacks, default=None
    train_split : None or callable, default=None
    device : str, default="auto"
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
    **kwargs
        ``module__*``, ``optimizer__*``, ``iterator_train__*``,
        ``iterator_valid__*`` and ``callbacks__*`` options.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (any type ``numpy.unique`` can sort, strings included).
    discovered_generators_, n_generators_, generator_errors_, generator_strengths_, \
    generator_accepted_, generator_error_intervals_, symmetry_verdict_, \
    symmetry_verdict_reason_, reference_score_, symmetry_spectrum_, symmetry_floor_, \
    symmetry_directions_, closure_error_, structure_constants_, algebra_, \
    symmetry_score_, n_epochs_, generator_space_, candidate_names_, \
    candidate_generators_, candidate_weights_, candidate_errors_
        As for :class:`SymmetryDiscoveringRegressor`; invariance is measured on
        the predicted class probabilities.
    input_rep : symlearn.reps.Rep
    net_ : symlearn._net.SymmetryNet
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> from symlearn import SymmetryDiscoveringClassifier
    >>> from symlearn.datasets import make_ring_classification
    >>> X, y, truth = make_ring_classification(300, random_state=0)
    >>> clf = SymmetryDiscoveringClassifier(random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _task_type = ClassificationTask

    def predict_proba(
        self, X: ArrayLike, *, test_time_augmentation: int | None = None
    ) -> Float64Array:
        """Class probabilities for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        test_time_augmentation : int, default=None
            Average the probabilities over this many random elements of the
            discovered group, drawn at the learned strengths (``0``: predict
            on ``X`` as it is). ``None`` uses the estimator's
            ``test_time_augmentation``. Costs one forward pass and one warp
            of ``X`` per element.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns ordered as ``classes_``.
        """
        logits = self._view_outputs(X, test_time_augmentation)
        return self._state.task.predict_proba(logits).numpy()

    def predict(self, X: ArrayLike, *, test_time_augmentation: int | None = None) -> np.ndarray:
        """Predict class labels for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        test_time_augmentation : int, default=None
            See :meth:`predict_proba`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X, test_time_augmentation=test_time_augmentation)
        return self.classes_[np.argmax(proba, axis=1)]
