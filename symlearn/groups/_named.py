"""Groups named by text: permutations of items, orthogonal maps, translations."""

import re
from dataclasses import dataclass

import torch

from ..reps import Points, Scalars, Tensor, Vectors
from ..reps._image import has_image
from ._elements import GroupElements

__all__ = [
    "Group",
    "act",
    "parse_group",
    "random_group_elements",
    "random_orthogonal",
]


@dataclass(frozen=True)
class Group:
    """A group built from permutations of items, orthogonal maps and translations.

    Attributes
    ----------
    n_items : int or None
        ``S_n`` permutes this many items; ``None``: no permutations.
    orthogonal : {"O", "SO"} or None
        ``O(dim)`` or ``SO(dim)`` acting on every vector; ``None``: none.
    translations : bool
        ``E(dim)``/``SE(dim)``: points are centred first, so translations
        act trivially.
    dim : int or None
        Dimension of the space the vectors live in.
    signature : tuple of int or None
        ``(p, q)`` for the pseudo-orthogonal ``O(p,q)``/``SO(p,q)``, which
        preserve ``diag(+1 (p times), -1 (q times))``; ``None`` for ``O(d)``.
    """

    n_items: int | None
    orthogonal: str | None
    translations: bool
    dim: int | None
    signature: tuple | None = None

    @property
    def name(self):
        factors = []
        if self.n_items is not None:
            factors.append(f"S_{self.n_items}")
        if self.signature is not None:
            factors.append(f"{self.orthogonal}({self.signature[0]},{self.signature[1]})")
        elif self.orthogonal is not None:
            prefix = {"O": "E", "SO": "SE"}[self.orthogonal] if self.translations else ""
            factors.append(f"{prefix or self.orthogonal}({self.dim})")
        return " x ".join(factors)

    def sample(self, n, *, generator=None, dtype=torch.float64):
        """``n`` uniformly random elements as :class:`~symlearn.groups.GroupElements`.

        Haar-random orthogonal maps, uniform permutations and standard
        normal translations (homogeneous matrices ``[[Q, b], [0, 1]]``).
        A pseudo-orthogonal group has no uniform distribution: it raises
        (see :func:`random_group_elements`).
        """
        return _as_elements(*random_group_elements(self, n, generator=generator, dtype=dtype))


_FACTOR = re.compile(r"^(S_?(?:n|\d+)|O|SO|E|SE)(?:\((\d+)(?:,(\d+))?\))?$")


def _item_count(rep):
    """The number of items: the count of the first vector or point part."""
    for part in rep.parts():
        if isinstance(part, (Vectors, Points)):
            return part.n
    for part in rep.parts():
        if isinstance(part, Scalars):
            return part.n
    return None


def parse_group(name, rep):
    """Parse a group name such as ``"O(3)"``, ``"S_n x SO(3)"`` or ``"S_5 x E(3)"`` for ``rep``.

    ``S_n`` permutes the ``n`` items of ``rep``: ``n`` is the count of its
    first :class:`~symlearn.reps.Vectors` (or Points) part, and every part
    with that count (vectors, points, or one scalar per item) moves with
    the items; other parts are global and stay. ``E(d)``/``SE(d)`` need
    :class:`~symlearn.reps.Points`, which are centred per row.

    Raises
    ------
    ValueError
        For an unknown or inconsistent name, with the names that exist.
    """
    if not isinstance(name, str):
        raise TypeError(f'group must be a string such as "O(3)" or "S_n x SO(3)"; got {name!r}.')
    if has_image(rep):
        raise ValueError(
            "Known groups act on vectors, points and items; input_rep has an Image part. "
            'For images use group="discovered".'
        )
    factors = [f for f in re.split(r"\s*[x×*]\s*", name.strip().replace(" ", "")) if f]
    if not factors or len(factors) > 2:
        raise ValueError(_unknown(name))
    space = None if rep.dim is None else rep.dim - rep.affine
    n_items = orthogonal = signature = None
    translations = False
    for factor in factors:
        match = _FACTOR.match(factor)
        if match is None:
            raise ValueError(_unknown(name))
        kind, dim, negative = match.groups()
        if negative is not None:
            if kind not in ("O", "SO"):
                raise ValueError(_unknown(name))
            signature = (int(dim), int(negative))
            dim = str(sum(signature))
        if kind not in ("O", "SO", "E", "SE"):  # S_n, S_5, Sn, ...
            if n_items is not None:
                raise ValueError(_unknown(name))
            count = _item_count(rep)
            digits = kind.lstrip("S_")
            if count is None or count < 2:
                raise ValueError(
                    f"group={name!r} permutes items, but input_rep={rep!r} has no part with "
                    f"two or more items (Vectors(n, d), Points(n, d) or Scalars(n))."
                )
            if digits != "n" and int(digits) != count:
                raise ValueError(
                    f"group={name!r} permutes {digits} items, but the first part of "
                    f"input_rep={rep!r} has {count}; write S_n to use the representation's."
                )
            n_items = count
            continue
        if orthogonal is not None or dim is None:
            raise ValueError(_unknown(name))
        if space is None or int(dim) != space:
            raise ValueError(
                f"group={name!r} acts on R^{dim}, but input_rep={rep!r} has "
                f"{'no vectors' if space is None else f'vectors in R^{space}'}."
            )
        translations = kind in ("E", "SE")
        orthogonal = "SO" if kind in ("SO", "SE") else "O"
        if translations and not rep.affine:
            raise ValueError(
                f"group={name!r} includes translations, which move only Points; input_rep="
                f"{rep!r} has none. Use O({dim}) for vectors."
            )
        if rep.affine and not translations:
            raise ValueError(
                f"group={name!r} rotates about the origin, but input_rep={rep!r} has Points, "
                f"which the model sees centred and scaled; use E({dim}) or SE({dim}), or give "
                f"the coordinates as Vectors."
            )
    if n_items is not None and orthogonal is not None:
        if any(isinstance(part, Tensor) for part in rep.parts()):
            raise ValueError("Tensor parts cannot be combined with permutations of items.")
    if signature is not None and min(signature) == 0:
        signature = None  # O(d, 0) is O(d)
    return Group(n_items, orthogonal, translations, space, signature)


def _unknown(name):
    return (
        f"Unknown group {name!r}. Use one of O(d), SO(d), E(d), SE(d) (with d the dimension "
        f"of input_rep's vectors), O(p,q) or SO(p,q) (p + q = d, e.g. the Lorentz group "
        f'O(1,3)), S_n, a product such as "S_n x O(3)", or "discovered".'
    )


def random_orthogonal(n, dim, *, special=False, generator=None, dtype=torch.float64):
    """``n`` Haar-random matrices of O(dim) (SO(dim) with ``special``), shape (n, dim, dim)."""
    gaussian = torch.randn(n, dim, dim, generator=generator, dtype=dtype)
    q, r = torch.linalg.qr(gaussian)
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    if special:
        flip = torch.linalg.det(q) < 0
        q[flip, :, 0] = -q[flip, :, 0]
    return q


def random_group_elements(group, n, *, generator=None, dtype=torch.float64):
    """``n`` random elements of ``group`` as ``(permutation, linear, shift)``.

    Each is ``None`` where the group has no such factor: permutation
    matrices (n, n_items, n_items), orthogonal maps (n, dim, dim) and
    translations (n, dim) drawn from a standard normal.
    """
    if group.signature is not None:
        raise ValueError(f"{group.name} is not compact: it has no uniform random elements.")
    permutation = linear = shift = None
    if group.n_items is not None:
        orders = torch.stack([torch.randperm(group.n_items, generator=generator) for _ in range(n)])
        permutation = torch.nn.functional.one_hot(orders, group.n_items).to(dtype)
    if group.orthogonal is not None:
        linear = random_orthogonal(
            n, group.dim, special=group.orthogonal == "SO", generator=generator, dtype=dtype
        )
    if group.translations:
        shift = torch.randn(n, group.dim, generator=generator, dtype=dtype)
    return permutation, linear, shift


def _as_elements(permutation, linear, shift):
    """``(permutation, linear, shift)`` as :class:`GroupElements` (homogeneous with a shift)."""
    if shift is None:
        return GroupElements(linear, permutation, orthogonal=True)
    d = shift.shape[-1]
    matrices = shift.new_zeros(len(shift), d + 1, d + 1)
    matrices[:, :d, :d] = linear
    matrices[:, :d, d] = shift
    matrices[:, d, d] = 1.0
    return GroupElements(matrices, permutation)


def act(layout, element, x):
    """Apply a group element ``(permutation, linear, shift)`` to rows ``x`` of ``layout.rep``.

    The tuple form of :meth:`ItemLayout.act`; a shift moves only points.
    """
    permutation, linear, shift = element
    if shift is not None and not layout.rep.affine:
        shift = None
    if shift is not None and linear is None:
        linear = torch.eye(shift.shape[-1], dtype=shift.dtype).expand(len(shift), -1, -1)
    return layout.act(_as_elements(permutation, linear, shift), x)
