"""The callback that ends the warm-up by setting up the symmetry search."""

from skorch.callbacks import Callback

__all__ = ["SymmetryProbe"]


class SymmetryProbe(Callback):
    """After ``epoch`` warm-up epochs, let ``propose`` seed the symmetry search.

    Parameters
    ----------
    epoch : int
        Number of epochs the backbone trains alone first.
    propose : callable
        ``propose(module, X)``, given the :class:`~symlearn.nn.SymmetryModule`
        and the training inputs, probes the warmed-up backbone and switches
        on the augmentation (or the candidate regularizers) accordingly. The
        number of generators then in use is recorded in the history as
        ``proposed_generators``.
    """

    def __init__(self, epoch, propose):
        self.epoch = epoch
        self.propose = propose

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.X_ = X

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) != self.epoch:
            return
        self.propose(net.module_, self.X_)
        net.history.record("proposed_generators", net.module_.augmentation.n_generators)
