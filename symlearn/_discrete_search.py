"""The search for discrete symmetries, after the continuous part, on the reference model.

No Lie algebra expresses a turn by ``2 pi / 7``, a mirror or the exchange
of identical items, so they are searched on their own, and judged as the
continuous directions are confirmed along their orbit: an element ``g`` is
a symmetry when the reference model (trained plainly, never pushed to be
symmetric along anything) predicts the held-out rows moved by ``g``
(outputs moved back) about as well as the rows themselves. The held-out
rows decide with a paired bootstrap (``symlearn._confirmation``): the
loss's increase must be bounded by the allowance at 95% confidence. The
burden of proof is on the symmetry. Beside a confirmed continuous group
that turns, the held-out rows are first moved by its random elements
(:func:`~symlearn._discrete_judge.moved_by_group`): the reference was
chosen on the rows themselves, and favours them over any moved copy.

* **Turns** ``C_n`` in a plane (:mod:`symlearn._discrete_turns`): the
  coordinate planes of the vectors and the planes of the most exact
  rotation-like directions of the spectrum, read along the orbit.
* **Mirrors** ``x -> (I - 2 u u^T) x``: the unit normal ``u`` is learned
  on the training rows (gradient descent on the task loss of the mirrored
  rows, from each axis and a few random starts), snapped to an axis or a
  diagonal within ``SNAP_DEGREES``, and confirmed on the held-out rows.
  The point reflection ``-I`` is tested as it is. A chiral target (the
  sign of a determinant) keeps no mirror.
* **Exchanges** of items (the vectors or points of a part, the scalars of
  a ``Scalars`` part, or the features when no representation was given),
  for invariant targets: every transposition is screened on its mean
  loss; the items the kept ones link form classes, each confirmed with the
  loss averaged over all its transpositions, so ``S_k``, or
  ``S_a x S_b``, is reported.

An element the previous finds (or the continuous group) already generate
is not reported again.
"""

from itertools import combinations
from math import factorial

import numpy as np
from scipy.sparse.csgraph import connected_components

from ._discrete import (
    DiscreteSymmetry,
    closure,
    contains,
    finite_group,
    to_data_map,
    to_model_map,
    with_model_maps,
)
from ._discrete_elements import (
    SNAP_DEGREES,
    embedded,
    full_row_map,
    item_classes,
    mirror,
    nearest_simple,
    output_map,
    permutation,
    preserved_forms,
    reachable,
    simpler_normals,
    snapped,
    written_normal,
)
from ._discrete_judge import Judge, moved_by_group
from ._discrete_turns import MAX_PLANE_AXES, search_turns
from ._mirror_normals import descended_normals

__all__ = ["search_discrete"]

#: At most this many held-out rows judge an element.
MAX_ROWS = 4096

#: Beside a continuous group that turns, each held-out row is judged as this
#: many copies moved by its random elements (fewer when MAX_ROWS rows are
#: reached).
MOVED_COPIES = 4

#: Random starts of the mirror search, besides the axes.
N_RANDOM_STARTS = 3

#: Elements the found turns and mirrors generate, at most, when checking what
#: the continuous group adds to them.
MAX_TURNS_AND_MIRRORS = 64


class _Search:
    """One search: the judge, the representation and what was found so far."""

    def __init__(self, judge, space, task, continuous, features_as_items):
        self.judge, self.space, self.task = judge, space, task
        self.rep = space.input_rep
        self.axes = self.rep.dim - 1 if self.rep.affine else self.rep.dim
        self.continuous = [np.asarray(L)[: self.axes, : self.axes] for L in continuous]
        # What every element of the continuous group preserves, found once for every query.
        self.forms = preserved_forms(self.continuous) if self.continuous else None
        self.features_as_items = features_as_items
        self.found = []
        self.group = None  # (the finds it was closed over, their finite group or None)
        self.linears = []  # the found turns' and mirrors' matrices on the vectors' axes

    # -- what is kept ------------------------------------------------------------------

    def generated(self, A_m, b_m):
        """Whether the elements found so far already generate ``(A_m, b_m)``."""
        if not self.found:
            return False
        if self.group is not None and self.group[1] is None:
            # Too large (or infinite) stays so as finds are added: the closure is not redone.
            return False
        if self.group is None or len(self.group[0]) != len(self.found):
            self.group = (list(self.found), finite_group(self.found, self.task.n_outputs))
        group = self.group[1]
        return group is not None and contains(group, A_m, b_m)

    def keep(self, kind, description, order, maps, confirmations, linears=(), **extra):
        matrices, offsets = zip(*(to_data_map(A, b, self.space.scaler) for A, b, _ in maps))
        outputs = None if maps[0][2] is None else np.stack([B for _, _, B in maps])
        symmetry = DiscreteSymmetry(
            kind=kind,
            description=description,
            group_order=order,
            matrices=np.stack(matrices),
            offsets=np.stack(offsets),
            output_matrices=outputs,
            loss_before=float(confirmations[0].before),
            loss_after=float(np.mean([c.after for c in confirmations])),
            loss_bound=float(max(c.bound for c in confirmations)),
            loss_allowed=float(confirmations[0].allowed),
            **extra,
        )
        self.found.append(with_model_maps(symmetry, self.space.scaler))
        self.linears.extend(linears)

    def linear_map(self, linear):
        g = embedded(self.rep, linear)
        # Points in, vectors or tensors out: the outputs feel the linear part.
        return full_row_map(self.rep, g), np.zeros(self.rep.size), output_map(self.task, linear)

    @staticmethod
    def holds(confirmation):
        return confirmation is not None and confirmation.bounded and not confirmation.worse

    # -- mirrors ---------------------------------------------------------------------------

    def mirror_normals(self, X_train, y_train, random_state):
        """Unit normals learned on training rows, from each axis and a few random starts.

        An axis whose own mirror keeps the held-out loss (the screen of the
        turns and exchanges) is taken as it is: descending from it would
        only wander, by the model's error, away from a normal that already
        holds (50 features: 8 of 11 descents spared). Every normal is
        confirmed afterwards.
        """
        rng = np.random.default_rng(random_state)
        axes = list(np.eye(self.axes)[:MAX_PLANE_AXES])
        rises = self.judge.increases(self.linear_map(mirror(e)) for e in axes)
        kept = [rise <= self.judge.allowance for rise in rises]
        starts = [e for e, keep in zip(axes, kept) if not keep] + list(
            rng.standard_normal((N_RANDOM_STARTS, self.axes))
        )
        reference, rep, task = self.judge.reference, self.rep, self.task
        descended = iter(descended_normals(reference, rep, task, starts, X_train, y_train))
        normals = [e if keep else next(descended) for e, keep in zip(axes, kept)]
        return normals + list(descended)

    def mirrors(self, X_train, y_train, random_state):
        """Each learned normal's mirror, or the simplest normal near it that keeps the loss.

        A normal learned with as many parameters as axes leans, by the
        model's error, away from the axis or diagonal it stands for, and a
        loose model keeps the leaning mirror too (50 features, held-out R^2
        0.6: eleven mirrors with normals such as (0.86, 0.37, -0.02, ...)
        where every axis is a mirror of the target). So the nearest axis,
        then the nearest diagonal, are judged before the learned normal,
        and the first that holds is reported.
        """
        seen = []  # (normal, whether its mirror held)
        for u in self.mirror_normals(X_train, y_train, random_state):
            u = snapped(u)
            simple = nearest_simple(u)
            # Beside a continuous group a mirror's conjugates are mirrors too (any normal
            # in a turning plane): the simplest normal it reaches is reported.
            # The learned normal is only as exact as the model (a few degrees):
            # the snap asks for a loose match, and the held-out rows confirm it.
            if (
                self.continuous
                and not np.allclose(simple, u)
                and reachable(
                    mirror(simple) @ mirror(u), self.continuous, tolerance=0.1, forms=self.forms
                )
            ):
                u = simple
            for v in simpler_normals(u) + [u]:
                same = [
                    held for w, held in seen if abs(v @ w) > np.cos(np.radians(3 * SNAP_DEGREES))
                ]
                if same:
                    if any(same):
                        break  # this mirror, already reported
                    continue  # refuted already: a less simple normal may still hold
                held = self.mirror(v)
                seen.append((v, held))
                if held:
                    break

    def mirror(self, u):
        """Judge the mirror of normal ``u``, keep it when it holds; whether it is a symmetry."""
        reflection = mirror(u)
        if self.continuously_generated(reflection):
            return True
        maps = self.linear_map(reflection)
        if self.generated(*maps[:2]):
            return True
        confirmation = self.judge.confirm(maps)
        if not self.holds(confirmation):
            return False
        self.keep(
            "reflection",
            f"mirror with normal {written_normal(u)}",
            2,
            [maps],
            [confirmation],
            linears=[reflection],
        )
        return True

    def continuously_generated(self, linear):
        """Whether ``linear`` (on the vectors' axes) is a found element moved by the continuous group.

        With continuous generators ``L_i``, ``linear`` is redundant when
        ``linear h^-1 = exp(sum_i c_i L_i)`` for some found turn or mirror
        ``h`` (or the identity): -I in 3-D beside so(3) and one mirror, or
        a second mirror of O(2). The coefficients are searched by gradient
        descent from a few starts (the matrices are small).
        """
        if not self.continuous:
            return False
        found = [np.eye(self.axes)]
        if self.linears:
            # Every element the finds generate (the half turn of a C4 as well as its quarter).
            group = closure([(m,) for m in self.linears], MAX_TURNS_AND_MIRRORS)
            found = [h for (h,) in group] if group is not None else found + self.linears
        moved = np.stack([linear @ np.linalg.inv(h) for h in found])
        return reachable(moved, self.continuous, forms=self.forms)

    def point_reflection(self):
        if self.axes < 2:
            return  # -I of one axis is its mirror
        maps = self.linear_map(-np.eye(self.axes))
        if self.generated(*maps[:2]) or self.continuously_generated(-np.eye(self.axes)):
            return
        confirmation = self.judge.confirm(maps)
        if self.holds(confirmation):
            self.keep(
                "point_reflection",
                "point reflection x -> -x",
                2,
                [maps],
                [confirmation],
                linears=[-np.eye(self.axes)],
            )

    # -- exchanges -------------------------------------------------------------------------

    def exchanges(self):
        """Classes of exchangeable items: linked pairwise, confirmed as a whole.

        Each transposition is screened on its mean held-out loss; the items
        the kept ones link form classes, and each class is confirmed by the
        bootstrap on the loss averaged over all its transpositions: the
        class is the hypothesis (three points a target treats alike, 400
        held-out rows: the transpositions' increases 0.0043, -0.0030 and
        0.0019 against 0.0067 allowed, their bounds 0.0081, 0.0048 and
        0.0096; the broken ones 1.96-2.39).
        """
        if self.task.output_rep is not None:
            return  # permuting an equivariant target's items is not searched
        size = self.rep.size
        for index, item_slices in item_classes(self.rep, self.features_as_items):
            n = len(item_slices)

            def swap(i, j, item_slices=item_slices):
                return self.permutation_map(permutation(size, item_slices, {i: j, j: i}))

            linked = np.zeros((n, n), dtype=bool)
            pairs = list(combinations(range(n), 2))
            for (i, j), rise in zip(pairs, self.judge.increases(swap(i, j) for i, j in pairs)):
                linked[i, j] = rise <= self.judge.allowance
            _, labels = connected_components(linked, directed=False)
            for label in np.unique(labels):
                members = [int(m) for m in np.flatnonzero(labels == label)]
                if len(members) < 2:
                    continue
                pooled = self.judge.confirm(*(swap(i, j) for i, j in combinations(members, 2)))
                if self.holds(pooled):
                    self.exchange(index, item_slices, members, pooled)

    def exchange(self, part, item_slices, members, confirmation):
        size = self.rep.size
        generators = [
            self.permutation_map(
                permutation(size, item_slices, {members[0]: members[1], members[1]: members[0]})
            )
        ]
        if len(members) >= 3:
            cycle = dict(zip(members, members[1:] + members[:1]))
            generators.append(self.permutation_map(permutation(size, item_slices, cycle)))
        # Features exchanged are a map of the vectors' axes (one shared scale): with
        # the continuous group they may generate a mirror (a turning plane's).
        linears = [A_m for A_m, _, _ in generators] if self.features_as_items else []
        k = len(members)
        listed = ", ".join(map(str, members))
        what = f"features {listed}" if self.features_as_items else f"items {listed} of part {part}"
        self.keep(
            "permutation",
            f"S{k}: {what} can be exchanged",
            factorial(k),
            generators,
            [confirmation],
            linears=linears,
            items=tuple(members),
            part=part,
        )

    def permutation_map(self, P):
        """A permutation of the user's features as a model-coordinate map (invariant target)."""
        A_m, b_m = to_model_map(P, np.zeros(len(P)), self.space.scaler)
        return A_m, b_m, None


def search_discrete(
    reference,
    X_train,
    y_train,
    X_held,
    y_held,
    space,
    task,
    *,
    continuous=(),
    spectrum=(),
    features_as_items=False,
    weights=None,
    random_state=0,
):
    """The discrete symmetries of the task, as the reference model sees them on held-out rows.

    Parameters
    ----------
    reference : torch.nn.Module
        The backbone trained plainly (model coordinates in, model units out).
    X_train, y_train, X_held, y_held : ndarray
        Training and held-out rows (model coordinates) and encoded targets.
    space : SearchSpace
    task : RegressionTask or ClassificationTask
    continuous : ndarray of shape (k, d, d)
        The accepted continuous generators, model coordinates: turns they
        make and mirrors they connect are not reported again.
    spectrum : ndarray of shape (m, d, d)
        The most exact directions of the spectrum, model coordinates, whose
        rotation-like planes are searched for turns.
    features_as_items : bool
        Whether each feature is an item that may be exchanged (no
        representation given).
    weights : ndarray, optional
        Sample weights of the held-out rows.

    Returns
    -------
    tuple of DiscreteSymmetry
    """
    held = slice(0, MAX_ROWS)
    X_held, y_held = X_held[held], y_held[held]
    copies = max(1, min(MOVED_COPIES, MAX_ROWS // max(len(X_held), 1)))
    X_judged, y_judged = moved_by_group(
        X_held, y_held, space.input_rep, task, np.asarray(continuous), copies, random_state
    )
    judge = Judge(
        reference,
        X_judged,
        y_judged,
        task,
        None if weights is None else weights[held],
        copies=len(X_judged) // max(len(X_held), 1),
    )
    search = _Search(judge, space, task, continuous, features_as_items)
    search.exchanges()
    if search.rep.dim is not None and search.axes >= 1:
        if search.axes >= 2:
            search_turns(search, spectrum)
        search.mirrors(X_train, y_train, random_state)
        search.point_reflection()
    return tuple(search.found)
