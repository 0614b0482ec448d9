"""A plain-text account of a fitted estimator's symmetry, for a person to read."""

import numpy as np

from ._linear_part import has_linear_part
from .lie import PLANAR_MOTIONS, planar_motions
from .reps import Points, Vectors
from .reps._image import has_image

__all__ = [
    "axis_feature_names",
    "describe_generator",
    "describe_motion",
    "symmetry_report",
    "symmetry_summary",
]

#: Entries smaller than this fraction of a generator's largest entry are not
#: mentioned when saying which axes it mixes.
ENTRY_THRESHOLD = 0.2

#: Planar motions with a smaller share of a generator's squared norm are not named.
MOTION_THRESHOLD = 0.05


def axis_feature_names(rep, feature_names):
    """For each axis of R^d, the names of the features that hold it.

    Vector and point features name their axis; with points, the last
    (homogeneous) axis is ``"1"``, so a translation reads ``x <-> 1``.
    """
    names = [[] for _ in range(rep.dim)]
    for where, part in rep.feature_slices():
        if isinstance(part, (Vectors, Points)):
            size = part.size // part.n
            for item in range(part.n):
                for axis in range(size):
                    names[axis].append(str(feature_names[where.start + item * size + axis]))
    if rep.affine:
        names[-1] = ["1"]
    return names


def describe_generator(generator, axis_names):
    """``"x0 <-> x1"``-style summary of which axes a generator couples."""
    magnitude = np.abs(generator)
    large = np.argwhere(magnitude >= ENTRY_THRESHOLD * magnitude.max())
    pairs, diagonal = [], []
    for i, j in large:
        if i == j:
            diagonal.append(axis_names[i])
        elif i < j or magnitude[j, i] < ENTRY_THRESHOLD * magnitude.max():
            pairs.append(f"{axis_names[min(i, j)]} <-> {axis_names[max(i, j)]}")
    parts = sorted(set(pairs))
    if diagonal:
        parts.append("scales " + ", ".join(diagonal))
    return "; ".join(parts)


def describe_motion(generator, strength):
    """``"rotation 98%, shear 2% (turns up to 45 degrees each way)"`` for an image generator.

    The shares are the squared coefficients in :func:`~symlearn.lie.planar_motions`;
    a generator that is mostly rotation also says how far the learned
    strength turns the image.
    """
    coefficients = np.einsum("kab,ab->k", planar_motions(), generator)
    shares = coefficients**2 / max(np.sum(coefficients**2), 1e-300)
    order = np.argsort(-shares, kind="stable")
    text = ", ".join(
        f"{PLANAR_MOTIONS[k]} {shares[k]:.0%}" for k in order if shares[k] >= MOTION_THRESHOLD
    )
    rotation = PLANAR_MOTIONS.index("rotation")
    if shares[rotation] > 0.5:
        # A unit-norm rotation generator is J / sqrt(2): coefficient s turns by s / sqrt(2).
        angle = np.degrees(strength * abs(coefficients[rotation]) / np.sqrt(2))
        text += f" (turns up to {angle:.0f} degrees each way)"
    return text


def _axis_label(names, axis):
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return f"axis {axis} ({shown})"


def symmetry_report(estimator):
    """The text returned by ``describe_symmetry``."""
    rep = estimator.input_rep_
    feature_names = getattr(
        estimator,
        "feature_names_in_",
        [f"x{i}" for i in range(estimator.n_features_in_)],
    )
    images = has_image(rep)
    if not images:
        names = axis_feature_names(rep, feature_names)
        labels = [_axis_label(n, a) for a, n in enumerate(names)]
    algebra = estimator.algebra_
    kind = (
        "R^2"
        if estimator.output_rep_ is not None or not hasattr(estimator, "classes_")
        else "Brier skill"
    )
    # The R^2 is over what the linear part leaves (see symlearn._linear_part).
    beyond = (
        ", over what its linear part leaves" if has_linear_part(estimator._state.reference) else ""
    )
    lines = [
        f"Verdict: {estimator.symmetry_verdict_}. {estimator.symmetry_verdict_reason_}",
        (
            f"Reference model (trained alone, {kind} {estimator.reference_score_:.3f} on "
            f"held-out rows{beyond})."
        ),
    ]
    if estimator.n_generators_:
        lines.append(
            f"Symmetry: {algebra.name}, dimension {algebra.dimension}, acting on "
            f"{algebra.acting_dimension} of the {rep.dim} axes of {rep!r}."
        )
        lines.append(
            f"Closure under the bracket: relative error {estimator.closure_error_:.3f} "
            f"(0 for a Lie algebra)."
        )
        lines.append(
            f"Symmetry score of the fitted model on held-out rows: "
            f"{estimator.symmetry_score_:.3f} (1 = exactly "
            f"{'invariant' if estimator.output_rep_ is None else 'equivariant'} over each "
            f"generator's reach)."
        )
        lines.append(
            "Generators, most exact first (error: normalized first-order error of the "
            "reference model, 0 exact, ~1 arbitrary; 90% interval; reach):"
        )
        for index, generator in enumerate(estimator.discovered_generators_):
            reach = estimator.generator_strengths_[index]
            low, high = estimator.generator_error_intervals_[index]
            if images:
                what = describe_motion(generator, reach)
            else:
                what = f"mixes {describe_generator(generator, labels)}"
            lines.append(
                f"  L{index}: error {estimator.generator_errors_[index]:.3f} "
                f"[{low:.3f}, {high:.3f}], reach {reach:.2f}, {what}"
            )
    if hasattr(estimator, "candidate_weights_"):
        lines.append("Candidate symmetries (weight 1 = best satisfied; error as above):")
        for name, weight, error in zip(
            estimator.candidate_names_,
            estimator.candidate_weights_,
            estimator.candidate_errors_,
        ):
            lines.append(f"  {name}: weight {weight:.3f}, error {error:.3f}")
    if estimator.discrete_symmetries_:
        lines.append(
            "Discrete symmetries (held-out loss of the reference model on the moved rows; "
            "upper 95% bound on its increase, and the increase allowed):"
        )
        for symmetry in estimator.discrete_symmetries_:
            lines.append(
                f"  {symmetry.description}: loss {symmetry.loss_before:.4g} -> "
                f"{symmetry.loss_after:.4g}, increase at most {symmetry.loss_bound:.3g} "
                f"(allowed {symmetry.loss_allowed:.3g})"
            )
    spectrum, floors = estimator.symmetry_spectrum_, estimator.symmetry_floor_
    shown = min(len(spectrum), max(estimator.n_generators_ + 3, 4))
    lines.append(
        "Most exact directions of the search space (error / floor, the error an exact "
        "symmetry would show given the model's own error): "
        + ", ".join(f"{e:.3f} / {f:.3f}" for e, f in zip(spectrum[:shown], floors[:shown]))
    )
    return "\n".join(lines)


def _floats(values):
    return np.asarray(values, dtype=float).tolist()


def symmetry_summary(estimator):
    """The content of ``describe_symmetry`` as plain data, ready for ``json.dumps``."""
    algebra = estimator.algebra_
    feature_names = getattr(estimator, "feature_names_in_", None)
    summary = {
        "estimator": type(estimator).__name__,
        "n_features_in": int(estimator.n_features_in_),
        "feature_names": None if feature_names is None else [str(n) for n in feature_names],
        "input_rep": repr(estimator.input_rep_),
        "output_rep": None if estimator.output_rep_ is None else repr(estimator.output_rep_),
        "verdict": estimator.symmetry_verdict_,
        "verdict_reason": estimator.symmetry_verdict_reason_,
        "reference_score": float(estimator.reference_score_),
        "n_epochs": int(estimator.n_epochs_),
        "algebra": {
            "name": algebra.name,
            "dimension": int(algebra.dimension),
            "acting_dimension": int(algebra.acting_dimension),
            "signature": None if algebra.signature is None else list(algebra.signature),
            "compact": bool(algebra.compact),
            "closure_error": float(estimator.closure_error_),
        },
        "n_generators": int(estimator.n_generators_),
        "generators": _floats(estimator.discovered_generators_),
        "generator_errors": _floats(estimator.generator_errors_),
        "generator_error_intervals": _floats(estimator.generator_error_intervals_),
        "generator_reaches": _floats(estimator.generator_strengths_),
        "symmetry_score": float(estimator.symmetry_score_),
        "spectrum": _floats(estimator.symmetry_spectrum_),
        "spectrum_floors": _floats(estimator.symmetry_floor_),
        "discrete_symmetries": [s.summary() for s in estimator.discrete_symmetries_],
    }
    if hasattr(estimator, "candidate_weights_"):
        summary["candidates"] = [
            {"name": name, "weight": float(weight), "error": float(error)}
            for name, weight, error in zip(
                estimator.candidate_names_,
                estimator.candidate_weights_,
                estimator.candidate_errors_,
            )
        ]
    return summary
