"""Choosing the torch device, and seeding torch on it."""

from contextlib import contextmanager

import torch

__all__ = ["resolve_device", "seeded_torch"]


def resolve_device(device):
    """Turn the estimators' ``device`` parameter into a concrete device string.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` picks ``"cuda"`` when ``torch.cuda.is_available()`` and
        ``"cpu"`` otherwise; anything else must name a usable torch device.

    Returns
    -------
    str
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu' or 'cuda'."
        ) from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            f"machine (torch {torch.__version__}, built with CUDA "
            f"{torch.version.cuda}). Use device='auto' or device='cpu'."
        )
    if resolved.type == "cuda" and resolved.index is not None:
        if resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} does not exist: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
    return str(resolved)


@contextmanager
def seeded_torch(seed, device):
    """Seed torch inside the block and restore the caller's RNG state after."""
    if seed is None:
        yield
        return
    devices = []
    if torch.device(device).type == "cuda":
        devices = [torch.device(device).index or 0]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
