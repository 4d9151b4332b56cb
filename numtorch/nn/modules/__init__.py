"""The module classes of numtorch.nn, one concept per file.

``nn.modules.module`` also holds the global hook functions
(``register_module_forward_hook`` ...); like PyTorch, they are not re-exported here.
"""

from . import (
    activation,
    attention,
    batchnorm,
    channelshuffle,
    container,
    conv,
    dropout,
    flatten,
    fold,
    instancenorm,
    linear,
    loss,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .channelshuffle import *  # noqa: F401,F403
from .container import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .fold import *  # noqa: F401,F403
from .instancenorm import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .module import Module
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pixelshuffle import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403

__all__ = ["Module"] + [
    name
    for file in (activation, attention, batchnorm, channelshuffle, container, conv, dropout,
                 flatten, fold, instancenorm, linear, loss, normalization, padding, pixelshuffle,
                 pooling, rnn, sparse, transformer, upsampling)
    for name in file.__all__
]
