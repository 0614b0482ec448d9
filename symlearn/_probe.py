"""The training-time probe: at the end of the warm-up, read the backbone and seed the search."""

import copy

import numpy as np
from skorch.callbacks import Callback

from ._analysis import backbone_gram, rotation_like
from .metrics._infinitesimal import relative_invariance_errors, symmetry_spectrum
from .nn import CandidateSymmetries

__all__ = ["SymmetryProbe", "propose_generators"]

#: With ``n_generators="auto"`` the probe proposes every direction whose error
#: on the warmed-up backbone is below this multiple of ``symmetry_tolerance``;
#: the final test on held-out rows decides which are kept.
PROBE_TOLERANCE_FACTOR = 3.0

#: Seeded directions that look exact start at this fraction of the largest
#: extent: the warmed-up model is nearly symmetric along them, so
#: a wide start is safe, and it saves the many epochs the reach would
#: otherwise take to grow (which an equivariant task, whose outputs must turn
#: with the inputs, needs most).
SEEDED_EXTENT_FRACTION = 0.5

#: At most this many training rows are used by the probe.
PROBE_MAX_ROWS = 1000


class SymmetryProbe(Callback):
    """After ``epoch`` warm-up epochs, keep the backbone and let ``propose`` seed the search.

    Parameters
    ----------
    epoch : int
        Number of epochs the backbone trains alone first.
    propose : callable
        ``propose(module, X)``, given the :class:`~symlearn.nn.SymmetryModule`
        and the training inputs, probes the warmed-up backbone and switches
        on the augmentation (or the candidate regularizers) accordingly. The
        number of generators then in use is recorded in the history as
        ``proposed_generators``.

    Attributes
    ----------
    reference_ : torch.nn.Module or None
        A copy of the backbone at the end of the warm-up (the reference
        model, never trained with the augmentation); ``None`` while the
        warm-up lasts, or if training stopped before it ended.
    """

    def __init__(self, epoch, propose):
        self.epoch = epoch
        self.propose = propose

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.X_ = X
        self.reference_ = None

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) != self.epoch:
            return
        self.reference_ = copy.deepcopy(net.module_.backbone)
        self.propose(net.module_, self.X_)
        net.history.record("proposed_generators", net.module_.augmentation.n_generators)


def _before_largest_gap(errors):
    """Mask of the directions before the largest ratio between consecutive errors.

    ``errors`` is increasing; a spectrum without a gap (ratio below 3)
    marks nothing.
    """
    ratios = errors[1:] / np.maximum(errors[:-1], 1e-12)
    mask = np.zeros(len(errors), dtype=bool)
    if len(ratios) and ratios.max() >= 3:
        mask[: np.argmax(ratios) + 1] = True
    return mask


def propose_generators(module, X_scaled, *, space, task, n_generators, symmetry_weight):
    """Seed the search with the directions the warmed-up backbone is (nearly) symmetric under.

    Rotation-like directions already within the tolerance, or in the
    cluster of most exact directions before the largest gap of the spectrum
    (the warmed-up model's own inaccuracy can put an exact symmetry just
    above the tolerance), start at a wide extent; the others at a narrow
    one, so that the augmentation does not impose them before the data has
    had its say. With ``symmetry_weight=0`` nothing is switched on (a plain
    fit); with candidates, their regularizers are switched on instead.
    """
    augmentation = module.augmentation
    if symmetry_weight == 0:
        return
    if isinstance(augmentation, CandidateSymmetries):
        augmentation.enable()
        return
    rows = X_scaled[: min(len(X_scaled), PROBE_MAX_ROWS)]
    basis = space.model_basis
    gram = backbone_gram(module.backbone, rows, space, task)
    errors, directions = symmetry_spectrum(gram, basis)
    tolerance = space.tolerance
    if n_generators == "auto":
        chosen = errors < PROBE_TOLERANCE_FACTOR * tolerance
    else:
        chosen = np.arange(len(errors)) < n_generators
    exact = (errors < tolerance) | _before_largest_gap(errors)
    directions, errors = directions[chosen], errors[chosen]
    if space.readable_coordinates is not None and len(directions) > 1:
        # Nearly equal errors make the eigenvectors arbitrary mixtures
        # (for images, rotation and shear come out as the two elementary
        # shears); seed the named motions of the same span instead, each
        # rated anew, and exact if as exact as the exact eigen-directions.
        bound = max(tolerance, errors[exact[chosen]].max(initial=0.0))
        directions = space.sparse_basis(directions)
        errors = relative_invariance_errors(gram, basis, directions)
        exact = errors <= bound * (1 + 1e-9)
    else:
        exact = exact[chosen]
    wide = SEEDED_EXTENT_FRACTION * augmentation.max_extent
    # A wide start is a half turn for a rotation, but a factor of ~4 for
    # a scaling or a boost: those always start narrow.
    wide_start = exact & rotation_like(directions, space.input_rep)
    extents = np.where(wide_start, wide, augmentation.initial_extent)
    augmentation.set_generators(directions, extents=extents)
