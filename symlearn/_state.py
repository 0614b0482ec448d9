"""The fitted state of an estimator, as one value, and its commit onto the estimator."""

from dataclasses import dataclass

import numpy as np

__all__ = ["FittedState", "commit"]


@dataclass(frozen=True, eq=False)
class FittedState:
    """Everything ``fit`` learns (and :func:`symlearn.load` restores).

    Attributes
    ----------
    n_features_in : int
    feature_names_in : ndarray of str or None
    space : SearchSpace
    task : RegressionTask or ClassificationTask
    net : SymmetryNet
        The trained skorch net (``net_``).
    reference : torch.nn.Module
        The reference backbone: trained plainly to its best held-out epoch,
        before any augmentation.
    analysis : SymmetryAnalysis
    """

    n_features_in: int
    feature_names_in: np.ndarray | None
    space: object
    task: object
    net: object
    reference: object
    analysis: object

    def attributes(self):
        """Every fitted attribute of the estimator, by name."""
        space = self.space
        attributes = {
            "n_features_in_": self.n_features_in,
            "input_rep_": space.input_rep,
            "symmetry_tolerance_": space.tolerance,
            "generator_space_": space.basis,
            "net_": self.net,
            "n_epochs_": len(self.net.history),
            **self.task.attributes(),
            **self.analysis.attributes(),
            "_state": self,
        }
        if self.feature_names_in is not None:
            attributes["feature_names_in_"] = self.feature_names_in
        if space.candidates is not None:
            attributes["candidate_names_"] = list(space.candidates.names)
            attributes["candidate_generators_"] = list(space.candidates.generators)
        return attributes


#: Every attribute a fit can set: a commit removes those of the previous fit first.
FITTED_ATTRIBUTES = (
    "n_features_in_",
    "feature_names_in_",
    "input_rep_",
    "output_rep_",
    "classes_",
    "symmetry_tolerance_",
    "generator_space_",
    "net_",
    "symmetry_spectrum_",
    "symmetry_floor_",
    "symmetry_directions_",
    "symmetry_verdict_",
    "symmetry_verdict_reason_",
    "reference_score_",
    "n_epochs_",
    "discovered_generators_",
    "generator_accepted_",
    "generator_errors_",
    "generator_error_intervals_",
    "generator_strengths_",
    "structure_constants_",
    "closure_error_",
    "algebra_",
    "symmetry_score_",
    "discrete_symmetries_",
    "n_generators_",
    "candidate_names_",
    "candidate_generators_",
    "candidate_weights_",
    "candidate_errors_",
    "_state",
)


def commit(estimator, state):
    """Replace the estimator's fitted attributes by those of ``state``, all at once."""
    attributes = state.attributes()
    unknown = set(attributes) - set(FITTED_ATTRIBUTES)
    if unknown:  # pragma: no cover - a programming error, caught by the tests
        raise AssertionError(f"fitted attributes missing from FITTED_ATTRIBUTES: {unknown}")
    kept = {k: v for k, v in vars(estimator).items() if k not in FITTED_ATTRIBUTES}
    # One assignment: there is no moment at which the estimator holds a mix
    # of the old and the new state.
    estimator.__dict__ = {**kept, **attributes}
