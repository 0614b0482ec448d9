"""Images: discovering which motions of the pixel grid leave the label unchanged."""

import re

import numpy as np
import pytest
import torch
from torch import nn

from symlearn import SymmetryDiscoveringClassifier, SymmetryDiscoveringRegressor
from symlearn.datasets import make_rotated_digits
from symlearn.lie import PLANAR_MOTIONS, planar_motions, so_generators
from symlearn.metrics import lie_algebra_similarity
from symlearn.nn import MLP, ConvNet
from symlearn.reps import Image, Scalars, Vectors

DIGITS = Image(12, 12)
ROTATION = PLANAR_MOTIONS.index("rotation")


def _fit_pair(X, y, seed=0, **options):
    """The same backbone fitted plainly (augment=False: the reference only) and discovering."""
    return [
        SymmetryDiscoveringClassifier(
            input_rep=DIGITS, augment=augment, random_state=seed, **options
        ).fit(X, y)
        for augment in (False, True)
    ]


def _rotation_angle(estimator):
    """How far the learned augmentation turns the image (radians), 0 without a rotation."""
    if estimator.n_generators_ == 0:
        return 0.0
    coefficients = np.einsum(
        "kab,ab->k", estimator.discovered_generators_, planar_motions()[ROTATION]
    )
    # A unit-norm rotation generator is J / sqrt(2): strength s turns by s / sqrt(2).
    return float(np.max(estimator.generator_strengths_ * np.abs(coefficients)) / np.sqrt(2))


def _turned(X, degrees):
    g = torch.linalg.matrix_exp(
        torch.tensor(np.deg2rad(degrees) * planar_motions()[ROTATION] * np.sqrt(2))
    )
    return DIGITS.act(g, torch.as_tensor(X)).numpy()


@pytest.fixture(scope="module")
def rotated_digits():
    """Digits turned uniformly over the whole circle: labels invariant under rotation."""
    X, y, truth = make_rotated_digits(1000, angles=180, split="train", random_state=0)
    X_test, y_test, _ = make_rotated_digits(1000, angles=180, split="test", random_state=100)
    plain, discovering = _fit_pair(X, y)
    return plain, discovering, truth, X_test, y_test


@pytest.mark.slow
def test_full_rotation_is_the_strongest_symmetry_and_beats_the_plain_backbone(rotated_digits):
    plain, discovering, truth, X_test, y_test = rotated_digits
    assert isinstance(discovering.net_.module_.backbone, ConvNet)
    assert discovering.discovered_generators_.shape[1:] == (3, 3)
    strongest = np.argmax(discovering.generator_strengths_)
    assert lie_algebra_similarity(discovering.discovered_generators_[[strongest]], truth) >= 0.9
    assert lie_algebra_similarity(discovering.discovered_generators_[:1], truth) >= 0.9
    assert discovering.algebra_.name == "so(2)"
    assert all("output_spread" not in row for row in plain.net_.history)  # never augmented
    # Measured at seed 0: 0.90 against 0.83.
    assert discovering.score(X_test, y_test) > plain.score(X_test, y_test) + 0.03
    report = discovering.describe_symmetry()
    assert "Symmetry: so(2)" in report and "degrees" in report
    assert re.search(r"rotation (9\d|100)%", report), report


@pytest.mark.slow
def test_test_time_augmentation_averages_over_the_learned_group(rotated_digits):
    _, discovering, _, X_test, y_test = rotated_digits
    X = X_test[:200]
    plain = discovering.predict_proba(X)
    np.testing.assert_array_equal(discovering.predict_proba(X, test_time_augmentation=0), plain)
    augmented = discovering.predict_proba(X, test_time_augmentation=8)
    np.testing.assert_array_equal(
        augmented, discovering.predict_proba(X, test_time_augmentation=8)
    )
    np.testing.assert_allclose(augmented.sum(axis=1), 1.0, atol=1e-6)
    assert not np.allclose(augmented, plain)
    # The estimator parameter sets the default, so scorers and GridSearchCV use it.
    discovering.set_params(test_time_augmentation=8)
    try:
        np.testing.assert_array_equal(discovering.predict_proba(X), augmented)
    finally:
        discovering.set_params(test_time_augmentation=0)
    with pytest.raises(ValueError, match="test_time_augmentation"):
        discovering.predict(X, test_time_augmentation=-1)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=False,
    reason="A saturated classifier (held-out Brier skill 1.000) is flat in its probabilities "
    "along every motion: the verdict accepts 5 planar motions (gl(2) + a translation). With "
    "2 torch threads training with them is not refuted and imposes a half turn (fails); with "
    "1 thread the held-out loss gets worse (0.00019 -> 0.0015) and the reference is kept "
    "(passes). Which happens hangs on float rounding (seed 0; issue 15).",
)
def test_upright_six_and_nine_keep_the_half_turn_that_tells_them_apart():
    X, y, _ = make_rotated_digits(angles=0, classes=(6, 9), split="train", random_state=0)
    X_test, y_test, _ = make_rotated_digits(angles=0, classes=(6, 9), split="test", random_state=0)
    est = SymmetryDiscoveringClassifier(input_rep=DIGITS, random_state=0).fit(X, y)
    # Measured at seeds 0-2: the learned rotation turns 60-66 degrees (a 6 tilted
    # that far is still a 6), never a quarter turn.
    assert _rotation_angle(est) < np.radians(75)
    assert est.score(X_test, y_test) >= 0.98
    # A half-turned 6 reads as a 9: the labels forbid that rotation, and the model keeps it.
    assert np.mean(est.predict(_turned(X_test, 180)) == y_test) <= 0.1


@pytest.mark.slow
def test_rotation_learned_on_small_angles_carries_to_large_ones():
    X, y, _ = make_rotated_digits(1000, angles=45, split="train", random_state=0)
    X_test, y_test, _ = make_rotated_digits(1000, angles=(90, 180), split="test", random_state=100)
    plain, discovering = _fit_pair(X, y)
    assert (
        lie_algebra_similarity(
            discovering.discovered_generators_[:1], planar_motions()[[ROTATION]]
        )
        >= 0.9
    )
    # Measured at seed 0: 0.445 against 0.329 (0.39 against 0.35 at seed 1).
    assert discovering.score(X_test, y_test) > plain.score(X_test, y_test) + 0.05


def test_default_backbone_is_a_convnet_for_images_only():
    est = SymmetryDiscoveringClassifier(input_rep=DIGITS)
    assert isinstance(est.get_backbone(144, 10, input_rep=DIGITS), ConvNet)
    assert isinstance(est.get_backbone(145, 10, input_rep=DIGITS + Scalars(1)), MLP)
    assert isinstance(est.get_backbone(144, 10), MLP)
    narrow = est.set_params(module__widths=(4,)).get_backbone(144, 10, input_rep=DIGITS)
    assert narrow.features[0].out_channels == 4


def test_equivariant_test_time_augmentation_moves_each_prediction_back():
    # y = 2 x is rotation-equivariant and a linear backbone learns it exactly,
    # so every turned prediction, moved back by g^-1, is the plain one; without
    # moving back, averaging over turns this wide would shrink it towards zero.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 2))
    est = SymmetryDiscoveringRegressor(
        module=nn.Linear,  # built inside the seeded fit (an instance brings its own weights)
        module__in_features=2,
        module__out_features=2,
        module__bias=False,
        input_rep=Vectors(1, 2),
        output_rep=Vectors(1, 2),
        generator_space=so_generators(2),
        lr=0.05,
        random_state=0,
    ).fit(X, 2 * X)
    assert est.algebra_.name == "so(2)" and est.generator_strengths_[0] > 3.0  # > 120 degrees
    plain = est.predict(X[:20])
    augmented = est.predict(X[:20], test_time_augmentation=4)
    np.testing.assert_allclose(augmented, plain, atol=1e-3 * np.abs(plain).max())
