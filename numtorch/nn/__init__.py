"""numtorch.nn: modules, layers, losses, functional and init.

``Module`` and the containers live in ``nn.modules``; the maths of every layer
and loss in ``nn.functional``; initialisation schemes in ``nn.init``.
"""

from . import attention, functional, init, parallel, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import Buffer, Parameter  # noqa: F401
