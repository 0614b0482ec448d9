"""Pictures of a discovered symmetry (needs matplotlib: ``pip install symlearn[plot]``)."""

import numpy as np
from scipy.linalg import expm

import torch

from ._report import axis_feature_names, describe_motion
from .lie import as_generator_stack
from .reps import Image

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


def _generators_and_labels(source, axis_labels):
    if hasattr(source, "discovered_generators_"):
        generators = source.discovered_generators_
        if axis_labels is None:
            names = getattr(
                source, "feature_names_in_", [f"x{i}" for i in range(source.n_features_in_)]
            )
            axis_labels = [n[0] if len(n) == 1 else f"axis {a}" for a, n in enumerate(
                axis_feature_names(source.input_rep_, names)
            )]
    else:
        generators = as_generator_stack(source)
    d = generators.shape[1] if generators.ndim == 3 else 0
    if axis_labels is None:
        axis_labels = [f"axis {a}" for a in range(d)]
    if len(axis_labels) != d:
        raise ValueError(f"axis_labels needs {d} entries; got {len(axis_labels)}.")
    return generators, list(axis_labels)


def plot_generators(source, *, axis_labels=None, axes=None, cmap="RdBu_r"):
    """Heatmaps of generators, one panel each, with a shared symmetric colour scale.

    Parameters
    ----------
    source : fitted symlearn estimator or array-like of shape (k, d, d)
        An estimator shows its ``discovered_generators_`` with their errors.
    axis_labels : list of str, optional
        Names of the ``d`` axes; by default the feature names for a single
        vector, else ``"axis i"``.
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
    if axes is None:
        _, axes = plt.subplots(1, k, figsize=(2.6 * k, 2.6), squeeze=False)
        axes = axes[0]
    limit = np.abs(generators).max()
    errors = getattr(source, "generator_errors_", None)
    for index, (ax, generator) in enumerate(zip(axes, generators)):
        ax.imshow(generator, cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_xticks(range(len(labels)), labels, rotation=90)
        ax.set_yticks(range(len(labels)), labels)
        title = f"L{index}"
        if errors is not None:
            title += f" (error {errors[index]:.2f})"
        ax.set_title(title)
    return list(axes)


def plot_orbits(estimator, X, *, n_points=5, n_steps=60, ax=None, random_state=0):
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
    ax.scatter(*X.T, s=4, color="0.7")
    rows = np.random.default_rng(random_state).choice(len(X), min(n_points, len(X)), replace=False)
    for generator, strength in zip(
        estimator.discovered_generators_, estimator.generator_strengths_
    ):
        steps = np.linspace(-strength, strength, n_steps)
        flows = np.stack([expm(t * generator) for t in steps])
        for x in X[rows]:
            ax.plot(*(flows @ x).T, lw=1.5)
    ax.set_title(f"Orbits under {estimator.algebra_.name}")
    return ax


def plot_image_orbits(estimator, X, *, n_images=3, n_steps=7, axes=None, random_state=0):
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
        _, axes = plt.subplots(
            rows, n_steps, figsize=(1.1 * n_steps, 1.1 * rows), squeeze=False
        )
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
