"""numtorch: PyTorch's training stack, written from scratch on NumPy.

``import numtorch as torch`` gives the same names as PyTorch's top-level
namespace: tensors and their dtypes, creation functions, every op, autograd's
grad modes, random numbers, and the ``nn``, ``optim`` and ``utils.data`` packages.
"""

__version__ = "0.1.0"
"""numtorch's own release; ``numtorch.version`` describes the PyTorch release it follows."""
from . import version

from ._dtype import (dtype, float32, float, float64, double, float16, half, int64, long, int32, int,
                     int16, short, int8, uint8, bool, get_default_dtype, set_default_dtype,
                     promote_types)
from ._size import Size, device
from ._tensor import Tensor
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                                 is_grad_enabled, is_inference_mode_enabled)
from ._ops import registry as _registry

_registry.attach()
globals().update(_registry.FUNCTIONS)
from ._ops.reduction import return_types as _return_types_dict
from ._ops._core import result_type as _result_type
from ._tensor_str import set_printoptions, get_printoptions
from ._finfo import finfo, iinfo

import math as _math

inf = _math.inf
nan = _math.nan
pi = _math.pi
e = _math.e
newaxis = None


def result_type(tensor1, tensor2) -> dtype:
    """The dtype PyTorch's promotion gives an op on these two operands."""
    return _result_type(tensor1, tensor2)


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether ``from_`` converts to ``to`` without going down a category.

    The categories rank bool < int < float, so float -> int and int -> bool are refused.
    """
    return from_._cat <= to._cat


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def is_nonzero(input) -> bool:
    return bool(input)


def numel(input) -> int:
    return input.numel()


def compile(model=None, **kwargs):  # noqa: A001 - PyTorch's name
    """Accepted for compatibility: returns the model (or a decorator) unchanged."""
    if model is None:
        return lambda m: m
    return model


from ._size import get_default_device, set_default_device


def set_num_threads(n: int) -> None:
    """Accepted for compatibility; NumPy's BLAS decides its own threading."""


def get_num_threads() -> int:
    import os
    return os.cpu_count() or 1


from . import accelerator, autograd, backends, cuda
from . import amp, cpu
from .amp import autocast
from .amp.autocast_mode import (is_autocast_enabled, set_autocast_enabled, get_autocast_dtype,
                                set_autocast_dtype, is_autocast_cache_enabled,
                                set_autocast_cache_enabled, autocast_increment_nesting,
                                autocast_decrement_nesting, clear_autocast_cache,
                                is_autocast_cpu_enabled)
from .random import *
from . import random
from . import nn, optim, utils
from . import special
from .serialization import save, load


def __getattr__(name: str):
    # torch.multiprocessing loads on first use: the standard library's multiprocessing costs
    # ~10 ms of import time that most scripts never need; torch.distributed likewise
    if name in ("multiprocessing", "distributed"):
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
