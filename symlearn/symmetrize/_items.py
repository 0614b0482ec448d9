"""Exactly ``S_n x G``-equivariant models: invariants of items and of pairs of items, pooled.

A row holds ``n`` items (particles), each with ``c`` vectors (a position, a
velocity) and some scalars (a charge), and possibly global vectors and
scalars that belong to no item. A function that is invariant or
equivariant under relabelling the items *and* under a group ``G``
preserving a form ``B`` on the vectors (``O(B)``; ``SO(B)`` with
determinants) is built from invariants, as in "Scalars are universal"
(Villar et al., NeurIPS 2021), with the items pooled symmetrically, as in
E(n)-equivariant graph networks (Satorras et al., ICML 2021):

* node invariants ``h_i``: the products ``u^T B w`` of item ``i``'s vectors
  and the global vectors, with ``oriented`` the determinants of their
  ``r``-tuples, their fixed coordinates (a group moving a subspace), item
  ``i``'s scalars and the global scalars;
* pair invariants ``h_ij`` (``i != j``): the products ``a_iu^T B a_jw`` of
  the two items' vectors, the squared distances ``|a_iu - a_ju|_B^2`` of
  their vectors of one kind and, with ``oriented``, the determinants of
  ``r``-tuples of both items' and the global vectors;
* a message ``m_ij = edge(h_i, h_j, h_ij)``, pooled as the mean over
  ``j != i`` into a context ``c_i``;
* an item's output vector ``y_i = sum_u alpha_iu a_iu + sum_k gamma_ik g_k
  + sum_{j != i} sum_u beta_iju a_ju`` (``alpha``, ``gamma`` and the fixed
  part from ``node(h_i, c_i)``, ``beta`` from the edge network), an item's
  output scalar from ``node(h_i, c_i)``; outputs that belong to no item
  (invariant targets, class scores, global vectors) from the mean over the
  items of ``(h_i, c_i)``.

Permuting the items permutes every ``h_i``, ``h_ij`` and ``c_i`` alike, and
every feature is invariant under ``G``, so the outputs are exactly
equivariant. Three networks (``edge``, ``node``, ``pooled``) learn the
coefficients; :func:`item_model_sizes` says their input and output sizes.
"""

from itertools import combinations

import numpy as np
import torch
from torch import nn

from ..groups import ItemLayout
from ..reps import Points, Scalars, Vectors
from ._invariants import standardize_on_invariants

__all__ = ["InvariantItemModel", "has_determinants", "item_model_sizes"]

#: Width of the messages between items.
MESSAGE_SIZE = 32

#: Rows used to set the networks' input standardization.
STANDARDIZATION_ROWS = 2048


def _slots(parts, per_item):
    """Which vectors of ``parts`` are points, as a bool array.

    An item part holds one vector per item (one slot); a global part holds
    all of its ``n`` vectors.
    """
    return np.array(
        [
            isinstance(p, Points)
            for _, p in parts
            if isinstance(p, (Vectors, Points))
            for _ in range(1 if per_item else p.n)
        ],
        dtype=bool,
    )


def _output_plan(output_rep, n_items, d):
    """Each output part as ``(kind, part)``; raises for a part no item model builds."""
    if output_rep is None:
        return None
    plan = []
    for _, part in output_rep.feature_slices():
        per_item = getattr(part, "n", None) == n_items
        if isinstance(part, Scalars):
            plan.append(("item_scalars" if per_item else "scalars", part))
        elif isinstance(part, Vectors) and part.vector_dim == d:
            plan.append(("item_vectors" if per_item else "vectors", part))
        else:
            raise ValueError(
                f'symmetrize="invariant_features" with permutations of items builds Scalars '
                f"and Vectors(m, {d}) outputs (per item when m = {n_items}); output_rep has "
                f"{part!r}."
            )
    return plan


def has_determinants(rep, n_items, r):
    """Whether an oriented items' model of ``rep`` has determinants to keep the orientation with.

    They are of ``r``-tuples of one item's or two items' vectors and the
    global ones: three points in 3-D and nothing else have none, and the
    model is then invariant under mirrors too.
    """
    layout = ItemLayout(rep, n_items)
    c, m = len(_slots(layout.item_parts, True)), len(_slots(layout.global_parts, False))
    return 2 * c + m >= r


def item_model_sizes(rep, output_rep, n_items, r, *, oriented, n_outputs=None):
    """Input and output sizes of the ``edge``, ``node`` and ``pooled`` networks.

    Parameters
    ----------
    rep : symlearn.reps.Rep
        The input representation: Vectors/Points (one R^d) and Scalars.
    output_rep : symlearn.reps.Rep or None
        ``None``: ``n_outputs`` invariant outputs.
    n_items : int
    r : int
        Dimension of the subspace the group moves (``d`` for all of R^d).
    oriented : bool
        Whether determinants of ``r``-tuples are features.
    n_outputs : int, optional
        Outputs of an invariant model (``output_rep=None``).

    Returns
    -------
    dict
        ``{"edge": (n_in, n_out), "node": ..., "pooled": ...}``; ``node``
        and ``pooled`` are ``None`` when they have nothing to give; and
        ``"n_node_features"``, the number of invariants of one item.
    """
    layout = ItemLayout(rep, n_items)
    c, m = len(_slots(layout.item_parts, True)), len(_slots(layout.global_parts, False))
    d = rep.dim - rep.affine
    s = sum(p.size // p.n for _, p in layout.item_parts if isinstance(p, Scalars))
    g = sum(p.size for _, p in layout.global_parts if isinstance(p, Scalars))

    def tuples(k):
        return len(list(combinations(range(k), r))) if oriented and k >= r else 0

    node = (c + m) * (c + m + 1) // 2 + tuples(c + m) + (c + m) * (d - r) + s + g
    pair = c * c + c + tuples(2 * c + m)
    edge_out, node_out, pooled_out = 0, 0, 0
    plan = _output_plan(output_rep, n_items, d)
    if plan is None:
        pooled_out = int(n_outputs)
    for kind, part in plan or ():
        if kind == "item_vectors":
            edge_out += c
            node_out += c + m + (d - r)
        elif kind == "item_scalars":
            node_out += part.size // part.n
        elif kind == "scalars":
            pooled_out += part.n
        else:  # global vectors: items' vectors per item, globals and fixed part pooled
            node_out += part.n * c
            pooled_out += part.n * (m + d - r)
    return {
        "edge": (2 * node + pair, MESSAGE_SIZE + edge_out),
        "node": (node + MESSAGE_SIZE, node_out) if node_out else None,
        "pooled": (node + MESSAGE_SIZE, pooled_out) if pooled_out else None,
        "n_node_features": node,
    }


class InvariantItemModel(nn.Module):
    """Invariant features of items and pairs of items, pooled: exactly ``S_n x G``-equivariant.

    See the module docstring for the construction.

    Parameters
    ----------
    rep : symlearn.reps.Rep
        The input representation: Vectors or Points parts (all in R^d) and
        Scalars; parts with ``n_items`` entries move with the items.
    output_rep : symlearn.reps.Rep or None
        ``None``: invariant outputs (the ``pooled`` network's).
    n_items : int
    frame : array-like of shape (d, d)
        ``[E | C]``: the subspace the group moves, then the one it fixes
        (:func:`~symlearn.symmetrize.invariant_frame`).
    form : array-like of shape (r, r)
        The preserved form on the moved subspace.
    edge, node, pooled : torch.nn.Module
        The networks, sized by :func:`item_model_sizes`; ``pooled`` may be
        None when no output belongs to no item.
    oriented : bool, default=True
        Determinants as features: invariant under ``SO(B)`` only.
    """

    def __init__(self, rep, output_rep, n_items, frame, form, edge, node, pooled, *, oriented=True):
        super().__init__()
        self.layout = ItemLayout(rep, n_items)
        self.output_plan = _output_plan(output_rep, n_items, rep.dim - rep.affine)
        self.n_items = int(n_items)
        self.edge, self.node, self.pooled = edge, node, pooled
        frame = np.asarray(frame, dtype=float)
        form = np.asarray(form, dtype=float)
        self.r = r = len(form)
        item_points = _slots(self.layout.item_parts, True)
        global_points = _slots(self.layout.global_parts, False)
        self.item_slots = c = len(item_points)
        self.global_slots = m = len(global_points)
        # Derived from the representation, not saved.
        self.register_buffer("item_points", torch.as_tensor(item_points), persistent=False)
        self.register_buffer("global_points", torch.as_tensor(global_points), persistent=False)
        self.register_buffer(
            "coordinates", torch.as_tensor(np.linalg.inv(frame), dtype=torch.float32)
        )
        self.register_buffer("frame", torch.as_tensor(frame, dtype=torch.float32))
        self.register_buffer("form", torch.as_tensor(form, dtype=torch.float32))
        rows, cols = np.triu_indices(c + m)
        self.register_buffer(
            "pairs", torch.as_tensor(np.stack([rows, cols]), dtype=torch.long), persistent=False
        )

        def tuples(k):
            found = list(combinations(range(k), r)) if oriented and k >= r else []
            return torch.as_tensor(np.asarray(found, dtype=int).reshape(-1, r), dtype=torch.long)

        self.register_buffer("node_tuples", tuples(c + m), persistent=False)
        self.register_buffer("pair_tuples", tuples(2 * c + m), persistent=False)
        self.register_buffer(
            "off_diagonal", ~torch.eye(self.n_items, dtype=torch.bool), persistent=False
        )

    # -- features ---------------------------------------------------------------------

    def _coordinates(self, x):
        """Moved ``(a, ga)`` and fixed ``(b, gb)`` coordinates of item and global vectors."""
        items = self.layout.item_vectors(x)  # (B, n, c, d)
        d = len(self.frame)
        if items.shape[-1] == 0:
            items = x.new_zeros(len(x), self.n_items, 0, d)
        glob = self.layout.global_vectors(x)
        glob = x.new_zeros(len(x), 0, d) if glob is None else glob  # (B, m, d)
        if self.item_points.any() or self.global_points.any():
            # Points are centred on their centroid: translations then act trivially.
            points = torch.cat(
                [items[:, :, self.item_points].flatten(1, 2), glob[:, self.global_points]], dim=1
            )
            centroid = points.mean(dim=1)
            items = torch.where(
                self.item_points[None, None, :, None], items - centroid[:, None, None], items
            )
            glob = torch.where(self.global_points[None, :, None], glob - centroid[:, None], glob)
        items, glob = items @ self.coordinates.T, glob @ self.coordinates.T
        r = self.r
        return items[..., :r], glob[..., :r], items[..., r:], glob[..., r:]

    def features(self, x):
        """Node (B, n, F) and pair (B, n, n, P) invariants, and the moved coordinates ``(a, ga)``."""
        a, ga, b, gb = self._coordinates(x)
        n = self.n_items
        vectors = torch.cat([a, ga[:, None].expand(-1, n, -1, -1)], dim=2)  # (B, n, c + m, r)
        products = torch.einsum("bnur,rs,bnws->bnuw", vectors, self.form, vectors)
        node = [products[:, :, self.pairs[0], self.pairs[1]]]
        if len(self.node_tuples):
            node.append(torch.linalg.det(vectors[:, :, self.node_tuples]))
        scalars = self.layout.item_scalars(x)
        node += [
            b.flatten(2),
            gb.flatten(1)[:, None].expand(-1, n, -1),
            scalars,
            self.layout.global_scalars(x)[:, None].expand(-1, n, -1),
        ]
        cross = torch.einsum("biur,rs,bjws->bijuw", a, self.form, a).flatten(3)
        difference = a[:, :, None] - a[:, None]  # (B, n, n, c, r)
        distances = torch.einsum("bijur,rs,bijus->biju", difference, self.form, difference)
        pair = [cross, distances]
        if len(self.pair_tuples):
            both = torch.cat(
                [
                    a[:, :, None].expand(-1, -1, n, -1, -1),
                    a[:, None].expand(-1, n, -1, -1, -1),
                    ga[:, None, None].expand(-1, n, n, -1, -1),
                ],
                dim=3,
            )  # (B, n, n, 2c + m, r)
            pair.append(torch.linalg.det(both[:, :, :, self.pair_tuples]))
        return torch.cat(node, dim=2), torch.cat(pair, dim=3), (a, ga)

    def _edge_inputs(self, node, pair):
        n = self.n_items
        return torch.cat(
            [node[:, :, None].expand(-1, -1, n, -1), node[:, None].expand(-1, n, -1, -1), pair],
            dim=3,
        )

    # -- forward ----------------------------------------------------------------------

    def forward(self, x):
        node, pair, (a, ga) = self.features(x)
        B, n = len(x), self.n_items
        # Only the n (n - 1) pairs of distinct items: an item sends itself no message.
        sent = self.edge(self._edge_inputs(node, pair)[:, self.off_diagonal].flatten(0, 1))
        edges = sent.new_zeros(B, n, n, sent.shape[-1])
        edges[:, self.off_diagonal] = sent.view(B, n * (n - 1), -1)
        context = edges[..., :MESSAGE_SIZE].sum(dim=2) / max(n - 1, 1)
        betas = edges[..., MESSAGE_SIZE:]  # (B, n, n, K)
        state = torch.cat([node, context], dim=2)  # (B, n, F + H)
        own = (
            state.new_zeros(B, n, 0)
            if self.node is None
            else self.node(state.flatten(0, 1)).view(B, n, -1)
        )
        pooled = state.new_zeros(B, 0) if self.pooled is None else self.pooled(state.mean(dim=1))
        if self.output_plan is None:
            return pooled
        c, m, r = self.item_slots, self.global_slots, self.r
        fixed = len(self.frame) - r
        outputs, at_edge, at_node, at_pool = [], 0, 0, 0
        for kind, part in self.output_plan:
            if kind == "item_vectors":
                alpha = own[..., at_node : at_node + c]
                gamma = own[..., at_node + c : at_node + c + m]
                h = own[..., at_node + c + m : at_node + c + m + fixed]
                at_node += c + m + fixed
                beta = betas[..., at_edge : at_edge + c]  # (B, i, j, u)
                at_edge += c
                moved = (
                    torch.einsum("biu,biur->bir", alpha, a)
                    + torch.einsum("bik,bkr->bir", gamma, ga)
                    + torch.einsum("biju,bjur->bir", beta, a)
                )
                local = torch.cat([moved, h], dim=2)  # (B, n, d)
                outputs.append((local @ self.frame.T).flatten(1))
            elif kind == "item_scalars":
                k = part.size // part.n
                outputs.append(own[..., at_node : at_node + k].flatten(1))
                at_node += k
            elif kind == "scalars":
                outputs.append(pooled[:, at_pool : at_pool + part.n])
                at_pool += part.n
            else:  # global vectors
                k = part.n
                delta = own[..., at_node : at_node + k * c].reshape(B, n, k, c)
                at_node += k * c
                rest = pooled[:, at_pool : at_pool + k * (m + fixed)].reshape(B, k, m + fixed)
                at_pool += k * (m + fixed)
                moved = torch.einsum("bnku,bnur->bkr", delta, a) / n + torch.einsum(
                    "bkl,blr->bkr", rest[..., :m], ga
                )
                local = torch.cat([moved, rest[..., m:]], dim=2)
                outputs.append((local @ self.frame.T).flatten(1))
        return torch.cat(outputs, dim=1)

    @torch.no_grad()
    def standardize_inputs(self, X):
        """Centre and scale the invariants the networks see, from rows ``X`` (see MLP).

        The edge network's inputs and the invariant part of the node and
        pooled networks' are standardized on the rows; the context (learned
        messages) is left as it is. Networks other than
        :class:`~symlearn.nn.MLP` are left alone. Returns ``self``.
        """
        X = torch.as_tensor(np.asarray(X)[:STANDARDIZATION_ROWS], dtype=self.frame.dtype)
        node, pair, _ = self.features(X.to(self.frame.device))
        edges = self._edge_inputs(node, pair)[:, self.off_diagonal]
        standardize_on_invariants(self.edge, edges.flatten(0, 1))
        standardize_on_invariants(self.node, node.flatten(0, 1), MESSAGE_SIZE)
        standardize_on_invariants(self.pooled, node.mean(dim=1), MESSAGE_SIZE)
        return self
