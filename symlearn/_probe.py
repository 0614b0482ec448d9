"""The callback that ends the warm-up by proposing directions to search."""

from skorch.callbacks import Callback

__all__ = ["SymmetryProbe"]


class SymmetryProbe(Callback):
    """After ``epoch`` warm-up epochs, seed the augmentation with proposed generators.

    Parameters
    ----------
    epoch : int
        Number of epochs the backbone trains alone first.
    propose : callable
        ``propose(module, X)`` returns the generators (k, d, d) to search,
        given the :class:`~symlearn.nn.SymmetryModule` and the training
        inputs; ``k = 0`` leaves the augmentation switched off. ``None``
        means ``propose`` has set up the module itself (candidate symmetries).
    """

    def __init__(self, epoch, propose):
        self.epoch = epoch
        self.propose = propose

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.X_ = X

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) != self.epoch:
            return
        generators = self.propose(net.module_, self.X_)
        if generators is not None:
            net.module_.augmentation.set_generators(generators)
        net.history.record("proposed_generators", net.module_.augmentation.n_generators)
