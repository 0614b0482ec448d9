"""Building the module a fit trains and a file restores: one builder for both.

:func:`build_symmetry_module` assembles the backbone (wrapped by
probabilistic symmetrization over a named group), the augmentation (or the
candidate regularizers) and, for a restored model, the symmetrization over
the discovered group. ``fit`` and :func:`symlearn.load` both call it, so a
loaded model is built exactly as the fitted one was.
"""

import numpy as np
import torch

from ._orientation import kept_orientations, vector_maps
from .groups import ItemLayout, parse_group
from .lie import (
    affine_embedding,
    identify_algebra,
    so_generators,
    so_pq_generators,
    translation_generators,
)
from .nn import MLP, SymmetryModule
from .reps import Points, Scalars, Vectors
from .reps._image import has_image
from .symmetrize import EquivariantFrameNet, RandomFrameSampler, RotationOrbitSampler
from .symmetrize._invariants import (
    InvariantFeatures,
    InvariantModel,
    check_invariant_layout,
    invariant_frame,
    n_coefficients,
)
from .symmetrize._items import InvariantItemModel, has_determinants, item_model_sizes

__all__ = [
    "build_backbone",
    "build_discovered_model",
    "build_invariant_model",
    "build_item_model",
    "build_symmetry_module",
    "check_backbone",
    "exchanged_items",
    "known_group",
    "symmetrize_discovered",
]


def known_group(symmetrize, group, rep):
    """The group to symmetrize over from the start, or None (none, or "discovered")."""
    if symmetrize is None:
        return None
    if group == "discovered":
        if symmetrize == "invariant_features":
            check_invariant_layout(rep)  # before any training; points are centred
            return None
        if has_image(rep) or rep.affine:
            kind = "an Image" if has_image(rep) else "a Points"
            raise ValueError(
                f'group="discovered" with symmetrize="probabilistic" averages over discovered '
                f"linear maps of vectors; input_rep={rep!r} has {kind} part. Name a group "
                f'for points (e.g. group="E(3)"), use symmetrize="invariant_features" (points '
                f"under e(n)), or fit without symmetrize."
            )
        return None
    parsed = parse_group(group, rep)
    if symmetrize == "probabilistic" and parsed.signature is not None:
        raise ValueError(
            f'symmetrize="probabilistic" averages over a compact group; {parsed.name} is not '
            f'compact. Use symmetrize="invariant_features" for it.'
        )
    if symmetrize == "invariant_features" and parsed.orthogonal is None:
        raise ValueError(
            f'symmetrize="invariant_features" with a named group builds O(d), SO(d), O(p,q), '
            f'SO(p,q), E(d) and SE(d), alone or with S_n (e.g. "S_n x O(3)"); '
            f'group={group!r} is {parsed.name}. Use symmetrize="probabilistic" for '
            f"permutations of items alone."
        )
    if symmetrize == "invariant_features":
        check_invariant_layout(rep)
    return parsed


def build_invariant_model(
    estimator, space, task, generators, *, oriented=True, time_oriented=True, discrete=()
):
    """An :class:`~symlearn.symmetrize.InvariantModel` for the group of ``generators``.

    ``generators`` (k, d, d) act on the vectors in model coordinates; the
    backbone comes from ``estimator.get_backbone`` on the invariant features.
    The defaults build the connected group they generate, as for a
    discovered algebra: determinants and, for so(r-1, 1), time orientations
    kept (see :class:`~symlearn.symmetrize.InvariantFeatures`). The
    ``discrete`` symmetries (DiscreteSymmetry items) that are reflections
    of the preserved form join the group and take away the features they
    do not leave invariant (see :mod:`symlearn._orientation`).
    """
    frame, form, scaling = invariant_frame(generators, affine=space.input_rep.affine)
    if len(discrete):
        kept = kept_orientations(frame, form, vector_maps(space.input_rep, discrete))
        oriented, time_oriented = oriented and kept[0], time_oriented and kept[1]
    features = InvariantFeatures(
        space.input_rep,
        frame,
        form,
        oriented=oriented,
        scaling=scaling,
        time_oriented=time_oriented,
    )
    n_outputs = n_coefficients(features, task.output_rep) or task.n_outputs
    backbone = estimator.get_backbone(
        features.n_features, n_outputs, input_rep=Scalars(features.n_features)
    )
    return InvariantModel(features, backbone, task.output_rep)


#: Hidden layers of the default networks of an item model (see build_item_model).
ITEM_HIDDEN_SIZES = (128, 128)


def build_item_model(estimator, space, task, generators, n_items, *, oriented=True):
    """An :class:`~symlearn.symmetrize.InvariantItemModel`: ``S_n`` times the group of ``generators``.

    ``generators`` (k, d, d) act on the vectors in model coordinates; its
    three networks, sized by :func:`~symlearn.symmetrize.item_model_sizes`,
    are MLPs of ``ITEM_HIDDEN_SIZES`` with the default backbone, and come
    from ``estimator.get_backbone`` when a module or its hidden sizes are given.
    """
    frame, form, scaling = invariant_frame(generators, affine=space.input_rep.affine)
    if scaling:
        raise ValueError(
            "Invariant features of items are built for groups that preserve a form, "
            "without scaling."
        )
    sizes = item_model_sizes(
        space.input_rep,
        task.output_rep,
        n_items,
        len(form),
        oriented=oriented,
        n_outputs=task.n_outputs,
    )
    # The networks run once per item and once per ordered pair of items (5 and
    # 20 times per row for 5 particles), so by default they are narrower than the
    # backbone: on charged n-body (3,000 rows, 100 epochs) 0.38 s an epoch and
    # test MSE 0.0151 with every network 2 x 128, 1.6 s and 0.0141 with 3 x 256.
    options = estimator._module_options()
    narrow = estimator.module is None and "hidden_sizes" not in options
    networks = {}
    for name in ("edge", "node", "pooled"):
        if sizes[name] is None or sizes[name][1] == 0:
            networks[name] = None
        elif narrow:
            networks[name] = MLP(*sizes[name], hidden_sizes=ITEM_HIDDEN_SIZES, **options)
        else:
            networks[name] = estimator.get_backbone(*sizes[name], input_rep=Scalars(sizes[name][0]))
    return InvariantItemModel(
        space.input_rep,
        task.output_rep,
        n_items,
        frame,
        form,
        networks["edge"],
        networks["node"],
        networks["pooled"],
        oriented=oriented,
    )


def exchanged_items(rep, discrete):
    """``n`` when a found exchange covers every item of the one part holding ``n`` items, or None.

    :class:`~symlearn.symmetrize.InvariantItemModel` pools every part whose
    count is ``n`` as one item's (positions, velocities, charges), but the
    discrete search exchanges the items of one part at a time; so only a
    representation with a single part of that count, a ``Vectors`` or
    ``Points`` one, is pooled: its items, all ``n`` of them, were found
    exchangeable.
    """
    parts = [part for _, part in rep.feature_slices()]
    for symmetry in discrete:
        if symmetry.kind != "permutation" or symmetry.part is None:
            continue
        part = parts[symmetry.part]
        if (
            isinstance(part, (Vectors, Points))
            and len(ItemLayout(rep, part.n).item_parts) == 1
            and tuple(symmetry.items) == tuple(range(part.n))
        ):
            return part.n
    return None


def build_discovered_model(estimator, space, task, generators, discrete=()):
    """The exact model of a discovered group: ``S_n`` times it when its items were found exchangeable.

    ``generators`` (k, d, d) act on the vectors in model coordinates. With
    an exchange of every item of the one part holding them
    (:func:`exchanged_items`), a compact group without scaling, and
    determinants for the items' model to keep the orientation with when no
    mirror was found, an :class:`~symlearn.symmetrize.InvariantItemModel`
    (invariants of items and pairs, pooled); otherwise an
    :class:`~symlearn.symmetrize.InvariantModel` of the group
    (:func:`build_invariant_model`). The ``discrete`` symmetries that are
    reflections of the form join the group in both. ``fit`` and
    :func:`symlearn.load` build it alike, so a restored model has the
    trained one's modules.
    """
    rep = space.input_rep
    n_items = exchanged_items(rep, discrete)
    if n_items is not None:
        frame, form, scaling = invariant_frame(generators, affine=rep.affine)
        oriented, _ = kept_orientations(frame, form, vector_maps(rep, discrete))
        # The items' model has no time orientations: a form with a negative sign
        # would lose what the connected group keeps; and without determinants a
        # chiral target would lose its sign.
        compact = np.all(np.linalg.eigvalsh(form) > 0)
        if not scaling and compact and (not oriented or has_determinants(rep, n_items, len(form))):
            return build_item_model(estimator, space, task, generators, n_items, oriented=oriented)
    return build_invariant_model(estimator, space, task, generators, discrete=discrete)


def _named_generators(group):
    """A basis of the algebra of a named O(d)/SO(d)/O(p,q)/SO(p,q)/E(d)/SE(d), data coordinates."""
    if group.signature is not None:
        return so_pq_generators(*group.signature)
    if group.translations:
        return np.concatenate(
            [affine_embedding(so_generators(group.dim)), translation_generators(group.dim)]
        )
    return so_generators(group.dim)


def build_backbone(estimator, n_features, space, task, *, on_backbone=None):
    """The backbone from ``estimator.get_backbone``, symmetrized over a named ``group``.

    ``on_backbone(backbone)`` sees the backbone before it is wrapped (``fit``
    checks its output shape there); an invariant-feature model is checked
    whole.
    """
    rep = space.input_rep
    group = known_group(estimator.symmetrize, estimator.group, rep)
    if group is not None and estimator.symmetrize == "invariant_features":
        generators = space.to_model(_named_generators(group))
        # SO(p,q) keeps orientation, not time orientation (it holds PT).
        oriented = group.orthogonal == "SO"
        if group.n_items is not None:
            model = build_item_model(
                estimator, space, task, generators, group.n_items, oriented=oriented
            )
        else:
            model = build_invariant_model(
                estimator, space, task, generators, oriented=oriented, time_oriented=False
            )
        if on_backbone is not None:
            on_backbone(model)
        return model
    backbone = estimator.get_backbone(n_features, task.n_outputs, input_rep=rep)
    if on_backbone is not None:
        on_backbone(backbone)
    if group is None:
        return backbone
    layout = ItemLayout(rep, group.n_items)
    outputs = None if task.output_rep is None else ItemLayout(task.output_rep, group.n_items)
    sampler = EquivariantFrameNet(group, layout)
    return estimator.get_symmetrized(backbone, sampler, layout, outputs, group.translations)


def build_symmetry_module(estimator, n_features, space, task, *, analysis=None, on_backbone=None):
    """The :class:`~symlearn.nn.SymmetryModule` of a fit.

    Parameters
    ----------
    estimator : BaseSymmetryDiscoverer
        Its parameters and builders (``get_backbone``, ``get_augmentation``,
        ``get_symmetrized``) are used.
    n_features : int
    space : SearchSpace
    task : RegressionTask or ClassificationTask
    analysis : SymmetryAnalysis, default=None
        For a fitted model: its backbone is also symmetrized over the
        discovered group when ``symmetrize`` and ``group="discovered"`` ask for it.
    on_backbone : callable, default=None
        See :func:`build_backbone`.
    """
    backbone = build_backbone(estimator, n_features, space, task, on_backbone=on_backbone)
    candidates = space.candidates
    augmentation = estimator.get_augmentation(
        space.input_rep,
        space.model_basis,
        None if candidates is None else list(candidates.model_generators),
        None if candidates is None else list(candidates.reaches),
    )
    module = SymmetryModule(backbone, augmentation)
    if analysis is not None:
        symmetrize_discovered(estimator, module, space, task, analysis)
    return module


def _discovered_sampler(space, analysis):
    """The sampler over the discovered group, in model coordinates; raises if unsupported."""
    rep = space.input_rep  # vectors only: known_group refused Points and images
    generators = space.to_model(analysis.accepted_generators)
    layout = ItemLayout(rep)
    d = rep.dim
    # The nearest rotation generator (the antisymmetric part) of a compact
    # one-parameter algebra: its group is exact, and closes into orbits.
    algebra = identify_algebra(analysis.accepted_generators)
    if len(generators) == 1 and algebra.compact:
        return RotationOrbitSampler(0.5 * (generators[0] - generators[0].T), layout)
    if algebra.name == f"so({d})":
        return RandomFrameSampler(layout, d)
    raise ValueError(
        f'symmetrize="probabilistic" with group="discovered" needs the discovered '
        f"algebra to be one rotation or all of so({d}); it is {algebra.name} "
        f"({len(generators)} generators). Name the group instead (group=...), or "
        f"fit without symmetrize."
    )


def symmetrize_discovered(estimator, module, space, task, analysis):
    """Wrap the backbone of ``module`` over the discovered group, if the parameters ask to.

    With ``symmetrize="invariant_features"`` the backbone is replaced by an
    (untrained) invariant-feature model of the discovered group, unless it
    is one already: ``fit`` trains it, :func:`symlearn.load` restores its
    weights.
    """
    if estimator.symmetrize is None or estimator.group != "discovered":
        return
    if not analysis.generator_accepted.any():
        return
    if estimator.symmetrize == "invariant_features":
        # Built for searched generators only (fit trains it in place of the augmented model).
        exact = (InvariantModel, InvariantItemModel)
        if space.candidates is None and not isinstance(module.backbone, exact):
            generators = space.to_model(analysis.accepted_generators)
            module.backbone = build_discovered_model(
                estimator, space, task, generators, analysis.discrete_symmetries
            )
        return
    sampler = _discovered_sampler(space, analysis)
    layout = ItemLayout(space.input_rep)
    outputs = None if task.output_rep is None else ItemLayout(task.output_rep)
    module.backbone = estimator.get_symmetrized(module.backbone, sampler, layout, outputs, False)


def check_backbone(backbone, X, n_outputs):
    """A clear error, before any training, for a backbone that does not fit the task."""
    try:
        with torch.no_grad():
            out = backbone(torch.as_tensor(X[:2]))
    except Exception as error:
        raise ValueError(
            f"The backbone module failed on a batch of shape {X[:2].shape}: "
            f"{error}. It must map (n_samples, {X.shape[1]}) float32 inputs to "
            f"(n_samples, {n_outputs}) outputs."
        ) from error
    if tuple(out.shape) != (2, n_outputs):
        raise ValueError(
            f"The backbone maps (2, {X.shape[1]}) inputs to outputs of shape "
            f"{tuple(out.shape)}, but this task needs (2, {n_outputs})."
        )
