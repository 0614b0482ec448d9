import pytest
import torch

from symlearn._device import resolve_device


def test_auto_picks_cuda_only_when_available():
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(torch.device("cpu")) == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_requested_without_cuda():
    with pytest.raises(ValueError, match="device='auto' or device='cpu'"):
        resolve_device("cuda:0")


def test_not_a_device():
    with pytest.raises(ValueError, match="not a torch device"):
        resolve_device("gpu-please")
