"""Small shared helpers of ``nn.functional``: PyTorch's dtype names, graph checks, broadcasting.

Error messages quote PyTorch's own names for scalar types (``Float``, ``Long``, or the C++
spelling ``long int`` in matmul errors), so the tables here map NumPy dtype names to them.
``_needs_graph`` answers the question every primitive asks before it records a node: is grad
mode on, and does any input require a gradient?  ``_broadcast_shape`` mirrors PyTorch's
broadcasting check so that a mismatch is reported with PyTorch's message, at the call that
was wrong.

Example:
    >>> import numpy as np
    >>> _broadcast_shape((3, 1), (4,))
    (3, 4)
"""

from __future__ import annotations

import numpy as np

from numtorch._dtype import as_np, from_np, get_default_dtype, promote_types, type_word
from numtorch.autograd.grad_mode import _state as _grad_state


def _tname(a: np.ndarray) -> str:
    """PyTorch's scalar-type name of an array (``Float``, ``Long``...)."""
    return type_word(a)


def _kernel_error(kernel: str, a: np.ndarray) -> NotImplementedError:
    """PyTorch's error for a kernel that has no version for ``a``'s dtype (ints, bools)."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{_tname(a)}\'')


def _require_float(input, kernel: str) -> None:
    """Raise ``_kernel_error`` unless ``input`` is floating point: most nn kernels are."""
    if input._data.dtype.kind != "f":
        raise _kernel_error(kernel, input._data)


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's type promotion of two array dtypes (``int64`` with ``float32`` is ``float32``)."""
    return as_np(promote_types(from_np(a), from_np(b)))


def _float_of(input):
    """``input`` itself if floating point, else cast to the default dtype (as ``sigmoid`` does)."""
    if input._data.dtype.kind == "f":
        return input
    return input.to(get_default_dtype())


def _needs_graph(*ts) -> bool:
    return _grad_state.enabled and any(t is not None and t._requires_grad for t in ts)


def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    """The broadcast of two shapes, or PyTorch's RuntimeError naming the first clash."""
    if a == b:
        return a
    n = max(len(a), len(b))
    out = []
    for i in range(n):
        sa = a[i - n + len(a)] if i - n + len(a) >= 0 else 1
        sb = b[i - n + len(b)] if i - n + len(b) >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) "
                               f"at non-singleton dimension {i}")
        out.append(sb if sa == 1 else sa)
    return tuple(out)

