"""Image data sets built on scikit-learn's bundled 8x8 digits (no download)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, check_scalar

from ..lie import named_generators
from ..reps import Image

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Literal

    from .._typing import RandomState

__all__ = ["make_rotated_digits"]

#: The split of the 1797 source digits into "train" and "test" is fixed,
#: whatever ``random_state``, so that differently rotated train and test sets
#: never share a digit.
SPLIT_SEED = 0


def _check_angles(angles):
    """``angles`` (a maximum, or a pair) as the range ``(low, high)`` of ``|angle|``."""
    values = np.atleast_1d(np.asarray(angles, dtype=float))
    if values.shape not in ((1,), (2,)):
        values = np.array([np.nan])
    low, high = (0.0, values[0]) if len(values) == 1 else values
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low <= high <= 180):
        raise ValueError(
            f"angles must be a maximum angle in degrees or a pair (low, high) with "
            f"0 <= low <= high <= 180; got {angles!r}."
        )
    return float(low), float(high)


def make_rotated_digits(
    n_samples: int | None = None,
    *,
    angles: float = 180.0,
    classes: Sequence[int] | None = None,
    pad: int = 2,
    split: Literal["train", "test"] | None = None,
    test_size: float = 0.3,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Handwritten digits turned by random angles, for rotation-symmetry experiments.

    Built on :func:`sklearn.datasets.load_digits` (1797 images of 8x8
    pixels, values 0..16, shipped with scikit-learn). Each image is placed
    in a zero border of ``pad`` pixels, so that turning it does not cut its
    corners off, and turned about its centre by an angle whose magnitude is
    uniform in ``[low, high]`` degrees, with a random sign, through the same
    bilinear warp :class:`symlearn.reps.Image` applies. ``angles=180``
    turns uniformly over the whole circle (the labels are then exactly
    invariant under rotation: 6 and 9 become indistinguishable); ``0``
    leaves them upright; ``(90, 180)`` gives a test set rotated away from a
    training set made with ``angles=45``.

    Parameters
    ----------
    n_samples : int, default=None
        Number of images. ``None`` gives one per source digit; more reuse
        each source digit with independent angles.
    angles : float or (float, float), default=180.0
        Maximum angle, or the range ``(low, high)`` of ``|angle|``, in degrees.
    classes : sequence of int, default=None
        Keep only these digits (e.g. ``(6, 9)``). ``None`` keeps all ten.
    pad : int, default=2
        Zero pixels added on every side; images are ``8 + 2 pad`` square.
    split : {None, "train", "test"}, default=None
        Draw from a fixed, stratified part of the source digits
        (``1 - test_size`` of them for ``"train"``, the rest for ``"test"``),
        so that train and test sets made with different angles share no
        digit. ``None`` uses all of them.
    test_size : float, default=0.3
        Fraction of the source digits in the ``"test"`` part.
    random_state : int, RandomState instance or None, default=None
        Seed of the angles (and of the reuse of source digits).

    Returns
    -------
    X : ndarray of shape (n_samples, (8 + 2 pad)**2)
        Flattened images, row-major; describe them with ``Image(8 + 2 pad, 8 + 2 pad)``.
    y : ndarray of shape (n_samples,), int
        The digit.
    generators : ndarray of shape (1, 3, 3)
        The rotation of the image plane, in the coordinates of
        :class:`~symlearn.reps.Image`.

    Examples
    --------
    >>> X, y, generators = make_rotated_digits(100, angles=45, random_state=0)
    >>> X.shape, y.shape, generators.shape
    ((100, 144), (100,), (1, 3, 3))
    """
    low, high = _check_angles(angles)
    check_scalar(pad, "pad", Integral, min_val=0)
    check_scalar(test_size, "test_size", Real, min_val=0, max_val=1, include_boundaries="neither")
    digits = load_digits()
    images, labels = digits.images, digits.target
    if classes is not None:
        wanted = np.unique(np.asarray(classes))
        if not np.isin(wanted, np.arange(10)).all() or len(wanted) == 0:
            raise ValueError(f"classes must be digits between 0 and 9; got {classes!r}.")
        keep = np.isin(labels, wanted)
        images, labels = images[keep], labels[keep]
    if split is not None:
        if split not in ("train", "test"):
            raise ValueError(f'split must be None, "train" or "test"; got {split!r}.')
        parts = train_test_split(
            np.arange(len(labels)), test_size=test_size, stratify=labels, random_state=SPLIT_SEED
        )
        chosen = parts[split == "test"]
        images, labels = images[chosen], labels[chosen]
    rng = check_random_state(random_state)
    if n_samples is None:
        source = rng.permutation(len(labels))
    else:
        check_scalar(n_samples, "n_samples", Integral, min_val=1)
        whole, rest = divmod(n_samples, len(labels))
        source = np.concatenate(
            [rng.permutation(len(labels)) for _ in range(whole)]
            + [rng.choice(len(labels), rest, replace=False)]
        )
    canvas = np.pad(images[source], ((0, 0), (pad, pad), (pad, pad)))
    side = canvas.shape[1]
    radians = np.deg2rad(rng.uniform(low, high, len(source)) * rng.choice([-1, 1], len(source)))
    generator = named_generators("rotations", 2, affine=True)  # J, in homogeneous form
    g = torch.linalg.matrix_exp(torch.as_tensor(radians[:, None, None] * generator))
    flat = torch.as_tensor(canvas.reshape(len(source), -1))
    X = Image(side, side).act(g, flat).numpy()
    # The warp leaves round-off around the zeros of the border.
    X[np.abs(X) < 1e-9] = 0.0
    return X, labels[source].astype(np.int64), generator
