import pytest

from symlearn._net import SymmetryNet


@pytest.fixture
def no_training(monkeypatch):
    """Make any attempt to train fail, to prove an error came before training."""

    def fail(*args, **kwargs):
        raise AssertionError("training started although the input was invalid")

    monkeypatch.setattr(SymmetryNet, "fit", fail)
