import io

from symlearn import SymmetryDiscoveringRegressor
from symlearn.callbacks import EpochProgressBar
from symlearn.datasets import make_rotation_invariant_regression


def test_progress_bar_counts_epochs_and_shows_the_reach():
    X, y, _ = make_rotation_invariant_regression(100, random_state=0)
    stream = io.StringIO()
    SymmetryDiscoveringRegressor(
        max_epochs=4, random_state=0, callbacks=[EpochProgressBar(file=stream)]
    ).fit(X, y)
    text = stream.getvalue()
    assert "4/4" in text and "reach=" in text and "discovering symmetry" in text
