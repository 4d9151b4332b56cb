"""numtorch.optim: optimization algorithms and learning-rate schedules, as in ``torch.optim``.

Every optimizer takes the parameters (or parameter groups) to update and its
hyperparameters; ``step()`` updates the parameters' arrays in place from their ``.grad``.
The arithmetic follows PyTorch's CPU implementation operation by operation, so the same
starting weights and gradients give the same trajectory.

Example:
    >>> import numtorch as torch
    >>> w = torch.tensor([2.0], requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.1)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     (w ** 2).sum().backward()
    ...     opt.step()
    >>> round(w.item(), 4)      # 2 * 0.8 ** 3
    1.024
"""

from . import lr_scheduler, swa_utils
from ._stateless import swap_in_optimizer_params_and_state
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .muon import Muon
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .sparse_adam import SparseAdam

# As in torch.optim, the implementation modules are not part of the namespace
# (``import numtorch.optim.optimizer`` still works).
del adadelta, adafactor, adagrad, adam, adamax, adamw, asgd, lbfgs, muon  # noqa: F821
del nadam, optimizer, radam, rmsprop, rprop, sgd, sparse_adam  # noqa: F821

__all__ = [
    "Adafactor",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "AdamW",
    "ASGD",
    "LBFGS",
    "lr_scheduler",
    "Muon",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "SGD",
    "SparseAdam",
    "swap_in_optimizer_params_and_state",
    "swa_utils",
]
