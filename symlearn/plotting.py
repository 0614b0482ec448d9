"""Pictures of a discovered symmetry (needs matplotlib: ``pip install symlearn[plot]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from scipy.linalg import expm

from ._report import axis_feature_names, describe_motion
from .lie import as_generator_stack
from .reps import Image

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from matplotlib.axes import Axes

    from ._typing import ArrayLike

__all__ = ["plot_generators", "plot_image_orbits", "plot_orbits"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "symlearn.plotting needs matplotlib; install it with `pip install matplotlib` "
            "or `pip install symlearn[plot]`."
        ) from error
    return plt


def _axis_names(estimator):
    """One short name per axis of R^d: its feature's name, or its first feature's and '...'."""
    names = getattr(
        estimator, "feature_names_in_", [f"x{i}" for i in range(estimator.n_features_in_)]
    )
    return [
        f"axis {a}" if not n else n[0] if len(n) == 1 else f"{n[0]}, ..."
        for a, n in enumerate(axis_feature_names(estimator.input_rep_, names))
    ]


def _generators_and_labels(source, axis_labels):
    if hasattr(source, "discovered_generators_"):
        generators = source.discovered_generators_
        if axis_labels is None:
            axis_labels = _axis_names(source)
    else:
        generators = as_generator_stack(source)
    d = generators.shape[1] if generators.ndim == 3 else 0
    if axis_labels is None:
        axis_labels = [f"axis {a}" for a in range(d)]
    if len(axis_labels) != d:
        raise ValueError(f"axis_labels needs {d} entries; got {len(axis_labels)}.")
    return generators, list(axis_labels)


def plot_generators(
    source: Any,
    *,
    axis_labels: Sequence[str] | None = None,
    axes: Sequence[Axes] | None = None,
    cmap: str = "RdBu_r",
) -> list[Axes]:
    """Heatmaps of generators, one panel each, with a shared symmetric colour scale.

    Entry ``(i, j)`` of a generator ``L`` is how fast axis ``i`` moves per
    unit of axis ``j`` along ``exp(t L)``; a rotation shows as an
    antisymmetric pair, a scaling as a diagonal. One colour bar, centred on
    zero, serves every panel.

    Parameters
    ----------
    source : fitted symlearn estimator or array-like of shape (k, d, d)
        An estimator shows its ``discovered_generators_`` with their errors,
        its algebra's name, and its feature names on the axes.
    axis_labels : list of str, optional
        Names of the ``d`` axes; by default an estimator's feature names (the
        first feature of each axis, then ``...``, for several vectors), else
        ``"axis i"``.
    axes : sequence of matplotlib Axes, optional
        ``k`` axes to draw on; new ones are created by default.
    cmap : str, default="RdBu_r"

    Returns
    -------
    axes : list of matplotlib Axes
    """
    plt = _pyplot()
    generators, labels = _generators_and_labels(source, axis_labels)
    k = len(generators)
    if k == 0:
        raise ValueError("There are no generators to plot (n_generators_ is 0).")
    d = len(labels)
    longest = max(len(label) for label in labels)
    if axes is None:
        # Panels grow with the number of axes and the length of their names,
        # so tick labels never overlap; constrained layout keeps them apart.
        side = max(2.2, 0.28 * d + 0.9)
        figure, axes = plt.subplots(
            1,
            k,
            figsize=(max(side * k + 1.0, 4.8), side + 0.07 * longest + 0.6),
            squeeze=False,
            layout="constrained",
        )
        axes = axes[0]
    axes = list(axes)
    figure = axes[0].figure
    limit = float(np.abs(generators).max()) or 1.0
    errors = getattr(source, "generator_errors_", None)
    size = 9 if d <= 6 else 7
    for index, (ax, generator) in enumerate(zip(axes, generators)):
        image = ax.imshow(generator, cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_xticks(range(d), labels, rotation=90, fontsize=size)
        ax.set_yticks(range(d), labels if index == 0 else [], fontsize=size)
        ax.set_xlabel("moved by (axis j)", fontsize=size)
        title = f"L{index}"
        if errors is not None:
            title += f", error {errors[index]:.2f}"
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel("moves (axis i)", fontsize=size)
    figure.colorbar(image, ax=axes, shrink=0.8, label="entry L[i, j]")
    if hasattr(source, "algebra_"):
        figure.suptitle(
            f"Discovered generators: {source.algebra_.name} (verdict: {source.symmetry_verdict_})",
            fontsize=11,
        )
    return axes


def plot_orbits(
    estimator: Any,
    X: ArrayLike,
    *,
    n_points: int = 5,
    n_steps: int = 60,
    ax: Axes | None = None,
    random_state: int = 0,
) -> Axes:
    """Orbits of a few rows of ``X`` under each discovered one-parameter group.

    For inputs that are a single 2-D or 3-D vector (``Vectors(1, 2)`` or
    ``Vectors(1, 3)``), draws ``exp(t L) x`` for ``t`` across each
    generator's strength, on top of the data.

    Parameters
    ----------
    estimator : fitted symlearn estimator
    X : array-like of shape (n_samples, 2) or (n_samples, 3)
    n_points : int, default=5
        Number of rows whose orbits are drawn.
    n_steps : int, default=60
        Points per orbit.
    ax : matplotlib Axes, optional
        For 3-D inputs it must be a 3-D axes.
    random_state : int, default=0
        Which rows are picked.

    Returns
    -------
    ax : matplotlib Axes
    """
    plt = _pyplot()
    X = np.asarray(X, dtype=float)
    d = estimator.input_rep_.dim
    if estimator.input_rep_.size != d or d not in (2, 3) or X.ndim != 2 or X.shape[1] != d:
        raise ValueError(
            f"plot_orbits draws single 2-D or 3-D vectors; this estimator's input_rep_ "
            f"is {estimator.input_rep_!r} and X has shape {X.shape}."
        )
    if ax is None:
        figure = plt.figure(figsize=(4, 4))
        ax = figure.add_subplot(projection="3d" if d == 3 else None)
    ax.scatter(*X.T, s=4, color="0.7", label="data")
    rows = np.random.default_rng(random_state).choice(len(X), min(n_points, len(X)), replace=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, (generator, strength) in enumerate(
        zip(estimator.discovered_generators_, estimator.generator_strengths_)
    ):
        steps = np.linspace(-strength, strength, n_steps)
        flows = np.stack([expm(t * generator) for t in steps])
        colour = colours[index % len(colours)]
        for row, x in enumerate(X[rows]):
            label = f"orbit under L{index} (reach {strength:.2f})" if row == 0 else None
            ax.plot(*(flows @ x).T, lw=1.5, color=colour, label=label)
    names = _axis_names(estimator)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if d == 3:
        ax.set_zlabel(names[2])
    if d == 2:
        ax.set_aspect("equal", adjustable="datalim")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(f"Orbits under {estimator.algebra_.name}")
    return ax


def plot_image_orbits(
    estimator: Any,
    X: ArrayLike,
    *,
    n_images: int = 3,
    n_steps: int = 7,
    axes: np.ndarray | None = None,
    random_state: int = 0,
) -> np.ndarray:
    """A grid of images moved along each discovered generator, as the augmentation moves them.

    For every discovered generator ``L`` (rows grouped by generator) and a
    few images ``x`` of ``X``, draws ``exp(t L) x`` for ``n_steps`` values
    of ``t`` across the generator's learned strength; the middle column is
    the image itself.

    Parameters
    ----------
    estimator : fitted symlearn estimator
        Its ``input_rep_`` must be a single :class:`~symlearn.reps.Image`.
    X : array-like of shape (n_samples, n_features)
        Images, as given to ``fit``.
    n_images : int, default=3
        Images per generator.
    n_steps : int, default=7
        Columns: values of ``t`` from ``-strength`` to ``strength``.
    axes : array of matplotlib Axes of shape (n_generators * n_images, n_steps), optional
    random_state : int, default=0
        Which images are picked.

    Returns
    -------
    axes : ndarray of matplotlib Axes
    """
    plt = _pyplot()
    rep = estimator.input_rep_
    if not isinstance(rep, Image):
        raise ValueError(
            f"plot_image_orbits draws images; this estimator's input_rep_ is {rep!r}, "
            f"not a single symlearn.reps.Image."
        )
    if estimator.n_generators_ == 0:
        raise ValueError("There are no generators to plot (n_generators_ is 0).")
    X = np.asarray(X, dtype=np.float32)
    rng = np.random.default_rng(random_state)
    picked = rng.choice(len(X), min(n_images, len(X)), replace=False)
    rows = len(picked) * estimator.n_generators_
    if axes is None:
        _, axes = plt.subplots(rows, n_steps, figsize=(1.1 * n_steps, 1.1 * rows), squeeze=False)
    images = torch.as_tensor(X[picked])
    for k, (generator, strength) in enumerate(
        zip(estimator.discovered_generators_, estimator.generator_strengths_)
    ):
        steps = np.linspace(-strength, strength, n_steps)
        for column, t in enumerate(steps):
            g = torch.as_tensor(expm(t * generator), dtype=torch.float32)
            moved = rep.images(rep.act(g, images)).numpy()
            for i, image in enumerate(moved):
                ax = axes[k * len(picked) + i, column]
                # Channels last for colour images; one channel shows as grey.
                shown = image[0] if rep.channels == 1 else np.moveaxis(image, 0, -1)
                ax.imshow(shown, cmap="gray_r" if rep.channels == 1 else None)
                ax.set_xticks([])
                ax.set_yticks([])
        axes[k * len(picked), 0].set_ylabel(f"L{k}", rotation=0, ha="right")
        axes[k * len(picked), n_steps // 2].set_title(
            describe_motion(generator, strength), fontsize=8
        )
    return axes
