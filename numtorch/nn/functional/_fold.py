"""``unfold`` and ``fold``: extract sliding 2-d blocks as columns, and sum them back.

``unfold(x, k)`` turns ``(B, C, H, W)`` into ``(B, C*kh*kw, L)``, one column per block position
(``L = prod((size + 2*padding - dilation*(k - 1) - 1) // stride + 1)``); ``fold`` is its
adjoint, adding each column into an ``output_size`` image.  ``fold(unfold(x))`` is ``x`` times
the number of blocks covering each pixel.  Kernels: ``numtorch._ops.fold``.

Example:
    >>> import numtorch
    >>> x = numtorch.arange(9.0).reshape(1, 1, 3, 3)
    >>> unfold(x, 2).shape
    torch.Size([1, 4, 4])
    >>> fold(unfold(x, 2), (3, 3), 2)[0, 0].tolist()
    [[0.0, 2.0, 2.0], [6.0, 16.0, 10.0], [6.0, 14.0, 8.0]]
"""

from __future__ import annotations

from numtorch._ops import fold as _ops
from numtorch._tensor import Tensor

__all__ = ["unfold", "fold"]


def _pair(v, name: str) -> tuple:
    t = tuple(int(a) for a in v) if isinstance(v, (list, tuple)) else (int(v),) * 2
    if len(t) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(t)}")
    return t


def _positive(v: tuple, what: str, short: str) -> None:
    if v[0] <= 0 or v[1] <= 0:
        raise RuntimeError(f"{what} should be greater than zero, but got {short}_height: {v[0]} "
                           f"{short}_width: {v[1]}")


def _non_negative(p: tuple) -> None:
    if p[0] < 0 or p[1] < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} "
                           f"pad_width: {p[1]}")


def _blocks(size: tuple, k: tuple, d: tuple, p: tuple, s: tuple) -> tuple:
    """Block positions per dim (floor division, also for a window wider than the input)."""
    return tuple((size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding ``kernel_size`` blocks of a ``(B, C, H, W)`` (or ``(C, H, W)``) input as columns.

    Args:
        input: the image batch.
        kernel_size: the block size ``(kh, kw)`` (an int for both).
        dilation: the spacing between a block's elements.
        padding: zeros added on both sides of each spatial dim.
        stride: the step between blocks.

    Returns:
        ``(B, C*kh*kw, L)``; row ``c*kh*kw + i*kw + j`` holds block element ``(c, i, j)``.
    """
    k, d = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    p, s = _pair(padding, "padding"), _pair(stride, "stride")
    _positive(k, "kernel size", "kernel")
    _positive(d, "dilation", "dilation")
    _non_negative(p)
    _positive(s, "stride", "stride")
    shape = tuple(input.shape)
    if len(shape) < 3:
        if not shape:
            raise IndexError("Dimension specified as 1 but tensor has no dimensions")
        raise IndexError(f"Dimension out of range (expected to be in range of [{-len(shape)}, "
                         f"{len(shape) - 1}], but got {len(shape)})")
    if len(shape) not in (3, 4) or any(n == 0 for n in shape[-3:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {list(shape)}")
    blocks = _blocks(shape[-2:], k, d, p, s)
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"Given input with spatial size {shape[-2:]}, kernel_size={k}, "
                           f"dilation={d}, padding={p}, calculated shape of the array of sliding "
                           f"blocks as {blocks}, but its components must be at least one.")
    return _ops.unfold(input, k, d, p, s, blocks)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns ``(B, C*kh*kw, L)`` (or ``(C*kh*kw, L)``) into ``(B, C, *output_size)``.

    The adjoint of ``unfold`` with the same arguments; overlapping blocks add up.
    """
    o = _pair(output_size, "output_size")
    k, d = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    p, s = _pair(padding, "padding"), _pair(stride, "stride")
    _positive(k, "kernel size", "kernel")
    _positive(s, "stride", "stride")
    _positive(d, "dilation", "dilation")
    _non_negative(p)
    shape = tuple(input.shape)
    if len(shape) not in (2, 3) or any(n == 0 for n in shape[-2:]):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                           f"size and non-zero dimensions for input, but got: {list(shape)}")
    ch, n_cols = shape[-2:]
    if ch % (k[0] * k[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={ch} and kernel_size={k}.")
    blocks = _blocks(o, k, d, p, s)
    if blocks[0] * blocks[1] != n_cols:
        raise RuntimeError(
            f"Given output_size={o}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
            "expected size of input's dimension 2 to match the calculated number of sliding "
            f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
            f"input.size(2)={n_cols}.")
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(
            f"Given output_size={o}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
            f"calculated shape of the array of sliding blocks as {blocks}, but its components "
            "must be at least one.")
    return _ops.fold(input, o, k, d, p, s, blocks)
