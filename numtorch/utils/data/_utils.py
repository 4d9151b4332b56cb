"""The private module paths PyTorch code sometimes imports from, mapped to this package.

``torch.utils.data._utils.collate.default_collate`` and friends appear in published code;
``numtorch.utils.data._utils.collate`` (and ``.fetch``, ``.worker``) are the same modules
as ``numtorch.utils.data.collate`` (``.fetch``, ``.worker``).
"""

import sys

from . import collate, fetch, worker
from .worker import MP_STATUS_CHECK_INTERVAL

__all__ = ["MP_STATUS_CHECK_INTERVAL", "collate", "fetch", "worker"]

for _name, _module in (("collate", collate), ("fetch", fetch), ("worker", worker)):
    sys.modules[f"{__name__}.{_name}"] = _module
