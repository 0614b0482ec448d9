"""symlearn: scikit-learn estimators that discover symmetries while they learn."""

from ._classifier import SymmetryDiscoveringClassifier
from ._persistence import load, save
from ._regressor import SymmetryDiscoveringRegressor
from .exceptions import PredictionsCollapsedError, TrainingDivergedError

__version__ = "0.1.0"

__all__ = [
    "SymmetryDiscoveringClassifier",
    "SymmetryDiscoveringRegressor",
    "PredictionsCollapsedError",
    "TrainingDivergedError",
    "__version__",
    "load",
    "save",
]
