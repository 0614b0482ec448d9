"""symlearn: scikit-learn estimators that discover symmetries while they learn."""

from ._classifier import SymmetryDiscoveringClassifier
from ._discrete import DiscreteSymmetry
from ._persistence import FORMAT_VERSION, load, save
from ._regressor import SymmetryDiscoveringRegressor
from .exceptions import ModelFileError, PredictionsCollapsedError, TrainingDivergedError

__version__ = "0.1.0"

__all__ = [
    "SymmetryDiscoveringClassifier",
    "SymmetryDiscoveringRegressor",
    "DiscreteSymmetry",
    "ModelFileError",
    "PredictionsCollapsedError",
    "TrainingDivergedError",
    "FORMAT_VERSION",
    "__version__",
    "load",
    "save",
]
