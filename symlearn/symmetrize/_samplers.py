"""Networks that draw a group element g(x, noise) that moves with the input.

Each sampler maps rows (centred when the group has translations) and an
invariant noise draw to ``(permutation, linear)``: permutation matrices
(B, n, n) or ``None``, and linear maps (B, d, d) or ``None``, such that for
every group element h, ``sampler(h x) = h sampler(x)`` for the same noise.
"""

import math

import torch
from torch import nn

from ._frames import (
    orthogonal_frame,
    plane_angle,
    rotation_plane,
    sorting_permutation,
    straight_through_permutation,
)

__all__ = ["EquivariantFrameNet", "RotationOrbitSampler", "RandomFrameSampler"]


class EquivariantFrameNet(nn.Module):
    """The small equivariant network of probabilistic symmetrization (Kim et al., 2023).

    Per item it reads features invariant under O(d) (inner products of the
    item's vectors with each other, with the items' mean vectors and with
    the global vectors; its scalars; the global invariants and the noise)
    and, with a DeepSets mean over items, predicts

    * frame vectors ``u_k = sum_i sum_c w_ikc(x) v_ic + sum_c w'_kc(x) m_c``,
      weighted sums of the input vectors with invariant weights, so they
      turn with the input and do not depend on the order of the items;
      Gram-Schmidt makes them a frame in O(d) (or SO(d));
    * one score per item, which permutes with the items; sorting by score
      gives the permutation (straight-through soft sorting while training).

    Without an orthogonal factor the features include the coordinates
    themselves (only permutations must leave them unchanged).

    Parameters
    ----------
    group : symlearn.symmetrize.Group
    layout : symlearn.symmetrize.ItemLayout
    hidden_size : int, default=32
    noise_size : int, default=4
    temperature : float, default=0.1
        Temperature of the soft sorting whose gradient trains the scores.
    """

    def __init__(self, group, layout, *, hidden_size=32, noise_size=4, temperature=0.1):
        super().__init__()
        self.group, self.layout = group, layout
        self.noise_size, self.temperature = noise_size, temperature
        probe = torch.zeros(1, layout.rep.size)
        n, c, d = layout.item_vectors(probe).shape[1:]
        g_vectors = layout.global_vectors(probe)
        m = 0 if g_vectors is None else g_vectors.shape[1]
        s = layout.item_scalars(probe).shape[2]
        g = layout.global_scalars(probe).shape[1]
        self.n_frame_vectors = 0
        if group.orthogonal is not None:
            self.n_frame_vectors = d - 1 if group.orthogonal == "SO" else d
            if n * c + m < self.n_frame_vectors:
                raise ValueError(
                    f"{group.name} needs at least {self.n_frame_vectors} vectors per row to "
                    f"build a frame from; input_rep={layout.rep!r} has {n * c + m}."
                )
        coordinates = 0 if group.orthogonal is not None else (2 * c + m) * d
        n_features = 3 * c * c + 2 * c * m + m * m + s + g + noise_size + coordinates
        self.encode = nn.Sequential(
            nn.Linear(n_features, hidden_size), nn.SiLU(), nn.Linear(hidden_size, hidden_size)
        )
        self.mix = nn.Sequential(nn.SiLU(), nn.Linear(2 * hidden_size, hidden_size), nn.SiLU())
        k = self.n_frame_vectors
        self.item_weights = nn.Linear(hidden_size, k * c) if k else None
        self.global_weights = nn.Linear(hidden_size, k * (c + m)) if k else None
        self.score = nn.Linear(hidden_size, 1) if group.n_items is not None else None

    def _features(self, V, M, G, S, GS, noise):
        B, n = V.shape[:2]

        def flat(t):
            return t.reshape(B, n, -1)

        def everywhere(t):
            return t.reshape(B, 1, -1).expand(B, n, -1)

        features = [flat(V @ V.transpose(-1, -2)), flat(V @ M.transpose(-1, -2).unsqueeze(1))]
        features += [everywhere(M @ M.transpose(-1, -2)), S, everywhere(GS), everywhere(noise)]
        if G is not None:
            features += [flat(V @ G.transpose(-1, -2).unsqueeze(1))]
            features += [everywhere(M @ G.transpose(-1, -2)), everywhere(G @ G.transpose(-1, -2))]
        if self.group.orthogonal is None:
            features += [flat(V), everywhere(M)] + ([everywhere(G)] if G is not None else [])
        return torch.cat(features, dim=-1)

    def forward(self, x, noise):
        layout = self.layout
        V = layout.item_vectors(x)  # (B, n, c, d)
        M = V.mean(dim=1)  # (B, c, d): the items' mean vectors
        G = layout.global_vectors(x)
        S, GS = layout.item_scalars(x), layout.global_scalars(x)
        hidden = self.encode(self._features(V, M, G, S, GS, noise))
        pooled = hidden.mean(dim=1, keepdim=True).expand_as(hidden)
        hidden = self.mix(torch.cat([hidden, pooled], dim=-1))
        permutation = linear = None
        if self.score is not None:
            scores = self.score(hidden).squeeze(-1)
            if self.training:
                permutation = straight_through_permutation(scores, self.temperature)
            else:
                permutation = sorting_permutation(scores)
        if self.n_frame_vectors:
            B, n, c, d = V.shape
            k = self.n_frame_vectors
            w = self.item_weights(hidden).reshape(B, n, k, c)
            vectors = torch.einsum("bikc,bicd->bkd", w, V)
            shared = [M] + ([G] if G is not None else [])
            shared = torch.cat(shared, dim=1)
            w_shared = self.global_weights(hidden.mean(dim=1)).reshape(B, k, -1)
            vectors = vectors + torch.einsum("bkc,bcd->bkd", w_shared, shared)
            linear = orthogonal_frame(
                vectors.transpose(-1, -2), special=self.group.orthogonal == "SO"
            )
        return permutation, linear


def _all_vectors(layout, x):
    """Every vector of the rows, shape (B, c, d)."""
    V = layout.item_vectors(x).flatten(1, 2)
    G = layout.global_vectors(x)
    return V if G is None else torch.cat([V, G], dim=1)


class RotationOrbitSampler(nn.Module):
    """Elements of a discovered one-parameter rotation group, ``exp(t L)``, that move with x.

    The angle of ``u(x) = sum_j |P v_j| P v_j`` (``P`` the projection on the
    plane ``L`` turns, ``v_j`` the row's vectors) shifts by ``omega t``
    when ``x`` is turned by ``exp(t L)``, so ``g(x) = exp((angle(x) + noise) /
    omega L)`` moves with ``x``; the uniform noise on the circle spreads the
    draws over the whole orbit.
    """

    noise_size = 1

    def __init__(self, generator, layout):
        super().__init__()
        # On the CPU whatever the default device: the plane is read off the
        # generator's values (a model built on the meta device to size it first).
        generator = torch.as_tensor(generator, dtype=torch.float32, device="cpu")
        e1, e2, omega = rotation_plane(generator.double())
        self.layout = layout
        self.register_buffer("generator", generator / omega)
        self.register_buffer("plane", torch.stack([e1, e2]).float())

    def forward(self, x, noise):
        vectors = _all_vectors(self.layout, x)
        projected = vectors @ self.plane.T @ self.plane  # (B, c, d)
        weight = projected.norm(dim=-1, keepdim=True)
        u = (weight * projected).sum(dim=1)
        angle = plane_angle(u, self.plane[0], self.plane[1])
        # noise ~ N(0, 1) -> a uniform offset on the circle.
        offset = 2 * math.pi * torch.special.ndtr(noise[:, 0])
        linear = torch.linalg.matrix_exp((angle + offset)[:, None, None] * self.generator)
        return None, linear


class RandomFrameSampler(nn.Module):
    """Frames of a discovered ``so(d)`` built from random invariant combinations of the vectors.

    ``u_k = sum_j z_kj v_j`` with ``z`` the noise turns with the input, and
    Gram-Schmidt (completed to det +1) gives a frame in SO(d). Nothing is
    learned, so it can wrap a backbone after discovery.
    """

    def __init__(self, layout, dim):
        super().__init__()
        self.layout, self.dim = layout, dim
        self.n_vectors = _all_vectors(layout, torch.zeros(1, layout.rep.size)).shape[1]
        if self.n_vectors < dim - 1:
            raise ValueError(
                f"A frame of SO({dim}) needs at least {dim - 1} vectors per row; "
                f"input_rep={layout.rep!r} has {self.n_vectors}."
            )
        self.noise_size = (dim - 1) * self.n_vectors

    def forward(self, x, noise):
        vectors = _all_vectors(self.layout, x)
        weights = noise.reshape(len(x), self.dim - 1, self.n_vectors)
        frame = (weights @ vectors).transpose(-1, -2)
        return None, orthogonal_frame(frame, special=True)
