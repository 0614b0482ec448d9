"""
Model selection with GridSearchCV and a symmetry scorer
=======================================================

Choose between a plain and a symmetry-augmented fit with GridSearchCV, and report symmetry.

Run: python examples/model_selection.py
"""

from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline

from symlearn import SymmetryDiscoveringClassifier
from symlearn.datasets import make_ring_classification
from symlearn.metrics import symmetry_scorer

X, y, _ = make_ring_classification(600, random_state=0)
pipeline = Pipeline([("clf", SymmetryDiscoveringClassifier(max_epochs=30, random_state=0))])

search = GridSearchCV(pipeline, {"clf__augment": [False, True]}, cv=3, n_jobs=2)
search.fit(X, y)
print("best parameters:", search.best_params_)
for augment, accuracy in zip(
    search.cv_results_["param_clf__augment"], search.cv_results_["mean_test_score"]
):
    print(f"  augment={augment!s:<5} accuracy={accuracy:.3f}")

scores = cross_validate(
    search.best_estimator_,
    X,
    y,
    cv=3,
    scoring={"accuracy": "accuracy", "symmetry": symmetry_scorer},
)
print(f"accuracy {scores['test_accuracy'].mean():.3f}, "
      f"symmetry score {scores['test_symmetry'].mean():.3f}")
