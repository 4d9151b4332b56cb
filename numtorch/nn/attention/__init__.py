"""``torch.nn.attention``: choosing the kernel behind ``F.scaled_dot_product_attention``.

PyTorch has several implementations of scaled dot-product attention (the math one, and fused
ones: FlashAttention, memory-efficient, cuDNN) and ``sdpa_kernel`` restricts, for a block of
code, which of them it may pick. numtorch has one implementation, which gives the math kernel's
values and, on the CPU, also stands for PyTorch's fused CPU kernel (``FLASH_ATTENTION``): inside
``sdpa_kernel`` a call runs when either is allowed, and raises PyTorch's error when neither is
(the other backends exist only on GPUs).

Example:
    >>> import numtorch
    >>> import numtorch.nn.functional as F
    >>> from numtorch.nn.attention import SDPBackend, sdpa_kernel
    >>> q = numtorch.ones(1, 1, 2, 4)
    >>> with sdpa_kernel(SDPBackend.MATH):
    ...     F.scaled_dot_product_attention(q, q, q).shape
    torch.Size([1, 1, 2, 4])
"""

from __future__ import annotations

import contextlib
import enum
import threading
from collections.abc import Iterable, Iterator

__all__ = ["SDPBackend", "sdpa_kernel"]


class SDPBackend(enum.IntEnum):
    """The implementations ``scaled_dot_product_attention`` can run (PyTorch's numbering)."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_ALL = frozenset(b for b in SDPBackend if b is not SDPBackend.ERROR)
_CPU = frozenset({SDPBackend.MATH, SDPBackend.FLASH_ATTENTION})  # what a CPU call can use


class _State(threading.local):
    allowed: frozenset = _ALL


_state = _State()


def check_backend_available() -> None:
    """PyTorch's error when ``sdpa_kernel`` allows no backend a CPU call can run."""
    if not (_state.allowed & _CPU):
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is "
                           "likely due to turning off both the math kernel and the fused kernels.")


@contextlib.contextmanager
def sdpa_kernel(backends: SDPBackend | Iterable[SDPBackend],
                set_priority: bool = False) -> Iterator[None]:
    """Allow only ``backends`` for ``scaled_dot_product_attention`` inside the block (per
    thread); the previous choice comes back afterwards. ``set_priority`` (the order to try
    them in) changes nothing here: there is one implementation."""
    if isinstance(backends, SDPBackend):
        backends = [backends]
    backends = list(backends) if isinstance(backends, (list, tuple, set, frozenset)) else backends
    if not isinstance(backends, list) or not all(isinstance(b, SDPBackend) for b in backends):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend "
                             f"instances, got {type(backends).__name__}")
    previous = _state.allowed
    _state.allowed = frozenset(backends)
    try:
        yield
    finally:
        _state.allowed = previous
