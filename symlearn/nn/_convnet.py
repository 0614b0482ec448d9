"""The default backbone for image inputs."""

from torch import nn

__all__ = ["ConvNet"]


class ConvNet(nn.Module):
    """Small convolutional network on flattened images, the default for ``Image`` inputs.

    Each stage is a 3x3 convolution (zero padding, so the size is kept) and
    an activation, followed by 2x2 average pooling; then a fully connected
    hidden layer and the output layer. Smooth activations and average
    pooling keep the network differentiable everywhere, which the
    consistency term and the first-order probe of the symmetry rely on.
    The head is fully connected rather than globally pooled, so the
    network is not translation invariant by construction: whether the task
    is, is for the data to say.

    On 12x12 digits the defaults have 43k parameters, and a forward pass
    runs at 47k-71k images per second on a 2-core CPU
    (``benchmarks/bench_images.py``; the image warp is 20 times faster).

    Parameters
    ----------
    height, width : int
        Size of the images.
    channels : int
        Channels per pixel; rows of the input hold ``channels * height *
        width`` values, channel-first (see :class:`symlearn.reps.Image`).
    n_outputs : int
        Number of outputs (regression targets or classes).
    widths : tuple of int, default=(16, 32)
        Output channels of each convolutional stage.
    hidden_size : int, default=128
        Width of the fully connected hidden layer.
    activation : type of torch.nn.Module, default=torch.nn.SiLU

    Examples
    --------
    >>> import torch
    >>> ConvNet(12, 12, 1, 10)(torch.zeros(5, 144)).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        height,
        width,
        channels,
        n_outputs,
        widths=(16, 32),
        hidden_size=128,
        activation=nn.SiLU,
    ):
        super().__init__()
        self.image_shape = (channels, height, width)
        layers, previous = [], channels
        for stage in widths:
            layers += [
                nn.Conv2d(previous, stage, kernel_size=3, padding=1),
                activation(),
                nn.AvgPool2d(2, ceil_mode=True),
            ]
            height, width, previous = -(-height // 2), -(-width // 2), stage
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(previous * height * width, hidden_size),
            activation(),
            nn.Linear(hidden_size, n_outputs),
        )

    def forward(self, x):
        return self.head(self.features(x.reshape(len(x), *self.image_shape)))
