"""The group-element constructions behind probabilistic symmetrization.

Each function turns equivariant predictions (vectors that rotate with the
input, scores that permute with its items) into a group element that moves
with the input, ``g(h x) = h g(x)``, so that ``g(x)^-1 x`` is invariant.
"""

import torch

__all__ = [
    "gram_schmidt",
    "complete_orientation",
    "orthogonal_frame",
    "sorting_permutation",
    "soft_sorting_permutation",
    "straight_through_permutation",
    "rotation_plane",
    "plane_angle",
]


def gram_schmidt(vectors):
    """Orthonormalize the columns of ``vectors`` (..., d, k), k <= d, in order.

    The QR decomposition with a positive diagonal of ``R`` is the
    Gram-Schmidt process, so ``gram_schmidt(Q v) = Q gram_schmidt(v)`` for
    every orthogonal ``Q``: the frame turns with the vectors.
    """
    q, r = torch.linalg.qr(vectors)
    signs = torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))
    signs = torch.where(signs == 0, torch.ones_like(signs), signs)
    return q * signs.unsqueeze(-2)


def complete_orientation(columns):
    """Append to ``d - 1`` orthonormal columns (..., d, d-1) the unit normal that makes det +1.

    The normal is the generalized cross product (the cofactors of the
    columns), which turns with rotations and flips under reflections, so the
    result is a frame in SO(d) that is SO(d)-equivariant.
    """
    d = columns.shape[-2]
    cofactors = []
    for k in range(d):
        minor = torch.cat([columns[..., :k, :], columns[..., k + 1 :, :]], dim=-2)
        sign = (-1) ** (k + d - 1)
        cofactors.append(sign * torch.linalg.det(minor))
    return torch.cat([columns, torch.stack(cofactors, dim=-1).unsqueeze(-1)], dim=-1)


def orthogonal_frame(vectors, *, special=False):
    """A frame in O(d) (or SO(d) with ``special``) from predicted vectors (..., d, k).

    O(d) needs ``k >= d`` columns (the first ``d`` are used); SO(d) uses the
    first ``d - 1`` and completes them with :func:`complete_orientation`.
    """
    d = vectors.shape[-2]
    if special:
        return complete_orientation(gram_schmidt(vectors[..., : d - 1]))
    return gram_schmidt(vectors[..., :d])


def sorting_permutation(scores):
    """Permutation matrices (..., n, n) that sort ``scores`` (..., n) in increasing order.

    ``(P @ items)[j]`` is the item with the j-th smallest score; permuting
    the items permutes the scores with them, so ``P @ items`` is invariant.
    """
    order = torch.argsort(scores, dim=-1)
    return torch.nn.functional.one_hot(order, scores.shape[-1]).to(scores.dtype)


def soft_sorting_permutation(scores, temperature):
    """A differentiable relaxation of :func:`sorting_permutation` (SoftSort).

    Row ``j`` is ``softmax_i(-|sort(s)_j - s_i| / temperature)``: it tends to
    the hard permutation as the temperature goes to 0.
    """
    ordered = torch.sort(scores, dim=-1).values
    distances = (ordered.unsqueeze(-1) - scores.unsqueeze(-2)).abs()
    return torch.softmax(-distances / temperature, dim=-1)


def straight_through_permutation(scores, temperature):
    """The hard sorting permutation forwards, the soft one's gradient backwards.

    The forward value is exactly :func:`sorting_permutation` (the soft part
    cancels to 0.0), so equivariance is exact while the scores still learn.
    """
    soft = soft_sorting_permutation(scores, temperature)
    return sorting_permutation(scores) + soft - soft.detach()


def rotation_plane(generator, *, atol=1e-3):
    """The plane a rotation generator turns and its angular speed.

    Parameters
    ----------
    generator : torch.Tensor of shape (d, d)
        An antisymmetric matrix whose nonzero singular values are equal (a
        rotation in one plane, or in several planes at one speed).

    Returns
    -------
    e1, e2 : torch.Tensor of shape (d,)
        Orthonormal, with ``generator @ e1 = omega * e2``.
    omega : float
        ``exp(t L)`` turns ``e1`` towards ``e2`` by ``omega * t`` radians.
    """
    if not torch.allclose(generator, -generator.T, atol=atol * generator.norm()):
        raise ValueError("The generator is not antisymmetric: it does not generate rotations.")
    _, singular, vh = torch.linalg.svd(generator)
    omega = float(singular[0])
    nonzero = singular[singular > atol * omega]
    if omega == 0 or not torch.allclose(nonzero, nonzero[0].expand_as(nonzero), rtol=atol):
        raise ValueError(
            "The generator turns several planes at different speeds, so its orbits do not "
            "close; only rotations with one angular speed can be symmetrized."
        )
    e1 = vh[0]
    e2 = generator @ e1 / omega
    return e1, e2, omega


def plane_angle(vectors, e1, e2):
    """The angle of ``vectors`` (..., d) in the plane ``(e1, e2)``, in (-pi, pi]."""
    return torch.atan2(vectors @ e2, vectors @ e1)
