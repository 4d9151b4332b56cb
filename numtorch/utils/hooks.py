"""``torch.utils.hooks``: ``RemovableHandle``, what every ``register_*hook`` returns.

The class lives in ``numtorch/autograd/hooks.py``, below everything that registers hooks
(tensors, graph nodes, modules, optimizers), so that each of them imports it at module level.
"""

from numtorch.autograd.hooks import RemovableHandle

__all__ = ["RemovableHandle"]
