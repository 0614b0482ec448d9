"""Images: the group moves pixel *coordinates*, not pixel values.

An image ``I`` is a function on the plane sampled at pixel centres. An
affine map ``g`` of the plane moves it to ``(g . I)(u) = I(g^-1 u)``: the
content is carried along by ``g``. The action is linear in the pixel
values, but not a matrix on the base space acting on the features, so an
:class:`Image` is handled like :class:`~symlearn.reps.Points`: generators
are homogeneous ``3 x 3`` matrices ``[[A, b], [0, 0]]`` of ``aff(2)``
(rotation, scaling, stretch, shear, two translations), elements act through
a differentiable bilinear resampling (``affine_grid`` / ``grid_sample``),
batched, on whatever device the rows are on.

Coordinates. The plane is the image's own frame: its centre is the origin,
``x`` points right and ``y`` points *up*, and the longer side spans
``[-1, 1]``. So ``J = [[0, -1], [1, 0]]`` turns the content
counter-clockwise on screen, a unit translation along ``x`` moves it by
half the width of a square image, and a generator means the same motion
whatever the resolution.
"""

import torch
import torch.nn.functional as F

from ._rep import Rep, _check_count

__all__ = ["Image", "has_image"]


def has_image(rep):
    """Whether ``rep`` has an :class:`Image` part (its generators move pixel coordinates)."""
    return any(isinstance(part, Image) for part in rep.parts())


class Image(Rep):
    """Flattened images, moved by affine maps of their pixel coordinates.

    A row holds one image of ``channels x height x width`` values,
    channel-first and row-major (``C, H, W``; top row first), which is how
    ``sklearn.datasets.load_digits().data`` and ``torch``'s ``NCHW`` tensors
    flatten. A group element ``g`` (a homogeneous ``3 x 3`` affine matrix in
    the frame described in the module ``symlearn.reps._image``: origin at the
    centre, ``y`` up, longer side ``[-1, 1]``) moves the content by ``g``;
    values are resampled bilinearly and the area moved in from outside the
    frame is zero. The search space is ``aff(2)``: translations, rotation,
    scaling, stretch and shear (see :func:`symlearn.lie.planar_motions`).

    The infinitesimal action of a generator ``L`` is ``-grad I(u) . (L u)``
    with the image gradient taken by central differences (zero outside the
    frame), the derivative of the bilinear warp at ``t = 0``.

    Parameters
    ----------
    height, width : int
        Pixels per column and per row.
    channels : int, default=1
        Values per pixel, stored channel-first.

    Examples
    --------
    >>> import torch
    >>> rep = Image(8, 8)
    >>> rep.size, rep.dim
    (64, 3)
    >>> quarter_turn = torch.tensor([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])
    >>> image = torch.arange(64.0).reshape(1, 64)
    >>> turned = rep.act(quarter_turn, image).reshape(8, 8)
    >>> bool(torch.allclose(turned, torch.rot90(image.reshape(8, 8)), atol=1e-4))
    True
    """

    affine = True

    def __init__(self, height, width, channels=1):
        self.height = _check_count(height, "Image: height")
        self.width = _check_count(width, "Image: width")
        self.channels = _check_count(channels, "Image: channels")

    @property
    def size(self):
        return self.channels * self.height * self.width

    @property
    def dim(self):
        return 3

    @property
    def shape(self):
        """``(channels, height, width)`` of one image."""
        return (self.channels, self.height, self.width)

    def _config(self):
        return {"height": self.height, "width": self.width, "channels": self.channels}

    def parts(self):
        return [self]

    def _frame(self, dtype, device):
        """``S`` with ``u = S n``: torch's normalized grid coordinates -> the image frame.

        ``affine_grid`` puts ``x`` right and ``y`` down, each side spanning
        ``[-1, 1]``; the image frame flips ``y`` and keeps the aspect ratio.
        """
        longer = max(self.height, self.width)
        scales = [self.width / longer, -self.height / longer, 1.0]
        return torch.diag(torch.tensor(scales, dtype=dtype, device=device))

    def images(self, x):
        """Rows ``(n, size)`` as a batch of images ``(n, C, H, W)`` (a view)."""
        return x.reshape(x.shape[0], *self.shape)

    def _act(self, g, x):
        n = x.shape[0]
        g = g.to(x.dtype).expand(n, 3, 3) if g.ndim == 2 else g.to(x.dtype)
        frame = self._frame(x.dtype, x.device)
        # grid_sample reads the input where the output pixel came from: g^-1 u.
        theta = torch.linalg.inv(frame) @ torch.linalg.inv(g) @ frame
        grid = F.affine_grid(theta[:, :2], [n, *self.shape], align_corners=False)
        moved = F.grid_sample(
            self.images(x), grid, mode="bilinear", padding_mode="zeros", align_corners=False
        )
        return moved.reshape(n, self.size)

    def pixel_coordinates(self, *, dtype=torch.float32, device=None):
        """Homogeneous coordinates ``(H * W, 3)`` of the pixel centres, row-major."""
        longer = max(self.height, self.width)
        columns = torch.arange(self.width, dtype=dtype, device=device)
        rows = torch.arange(self.height, dtype=dtype, device=device)
        x = (2 * columns + 1 - self.width) / longer
        y = (self.height - 1 - 2 * rows) / longer
        yy, xx = torch.meshgrid(y, x, indexing="ij")
        return torch.stack([xx, yy, torch.ones_like(xx)], dim=-1).reshape(-1, 3)

    def gradient(self, x):
        """Image gradient ``(dI/dx, dI/dy)`` in frame units, each ``(n, C, H, W)``.

        Central differences with zero outside the frame: the derivative of
        the bilinear interpolant at a pixel centre, averaged over its two sides.
        """
        images = self.images(x)
        padded = F.pad(images, (1, 1, 1, 1))
        half_pixel = max(self.height, self.width) / 2  # pixels per frame unit
        d_columns = (padded[..., 1:-1, 2:] - padded[..., 1:-1, :-2]) / 2
        d_rows = (padded[..., 2:, 1:-1] - padded[..., :-2, 1:-1]) / 2
        # Rows grow downwards, y upwards.
        return d_columns * half_pixel, -d_rows * half_pixel

    def _part_tangent(self, generators, x):
        # d/dt I(exp(-t L) u) at t = 0 is -grad I(u) . (L u).
        generators = generators.to(dtype=x.dtype, device=x.device)
        velocity = torch.einsum(
            "kij,pj->kpi",
            generators[:, :2],
            self.pixel_coordinates(dtype=x.dtype, device=x.device),
        )
        d_x, d_y = (d.reshape(x.shape[0], self.channels, -1) for d in self.gradient(x))
        tangent = -(
            torch.einsum("ncp,kp->nkcp", d_x, velocity[..., 0])
            + torch.einsum("ncp,kp->nkcp", d_y, velocity[..., 1])
        )
        return tangent.reshape(x.shape[0], len(generators), self.size)

    def __eq__(self, other):
        return type(other) is Image and other.shape == self.shape

    __hash__ = Rep.__hash__

    def __repr__(self):
        channels = f", channels={self.channels}" if self.channels != 1 else ""
        return f"Image({self.height}, {self.width}{channels})"
