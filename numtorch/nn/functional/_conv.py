"""Convolutions: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``.

These functions parse and check their arguments, raising PyTorch's errors in PyTorch's
order, and then make one call to the primitives in ``numtorch._ops.conv`` (where the
im2col forward and its vector-Jacobian product sit side by side).  An unbatched input
``(C, *L)`` is treated as a batch of one.

    conv:            y[b, o, p] = bias[o]
                                  + sum_{c, k} w[o, c, k] * x_pad[b, c, p * stride + k * dilation]
    conv_transpose:  the adjoint of conv with the same arguments (the gradient of conv
                     with respect to its input), plus bias

Example:
    >>> import numtorch
    >>> x = numtorch.ones(1, 1, 4, 4)
    >>> conv2d(x, numtorch.ones(1, 1, 3, 3)).tolist()
    [[[[9.0, 9.0], [9.0, 9.0]]]]
    >>> conv_transpose2d(numtorch.ones(1, 1, 1, 1), numtorch.ones(1, 1, 2, 2)).shape
    torch.Size([1, 1, 2, 2])
"""

from __future__ import annotations

from numtorch._dtype import type_word, typemeta_name
from numtorch._ops import conv as _ops
from numtorch._tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]


def _size(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _expand(value, name: str, dim: int) -> tuple:
    """An int or a sequence as ``dim`` ints (a single value is repeated), checked for length."""
    v = (int(value),) if isinstance(value, int) else tuple(int(s) for s in value)
    if len(v) == 1:
        v = v * dim
    if len(v) != dim:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dim} "
                           f"values "
                           f"to match the convolution dimensions, but got {name}={list(v)}")
    return v


def _ints(value, n: int):
    """An int argument as the ``n`` ints PyTorch's argument parser makes of it."""
    return (int(value),) * n if isinstance(value, int) else value


def _batched(input: Tensor, n: int, name: str) -> tuple:
    """``input`` with a batch dim, and whether one was added (PyTorch's dim check first)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    d = input.dim()
    if d not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, "
                           f"but got input of size: {_size(input.shape)}")
    return (input.unsqueeze(0), True) if d == n + 1 else (input, False)


def _check_shapes(xs: tuple, weight: Tensor, bias, groups: int, transposed: bool) -> None:
    """PyTorch's shape checks of a convolution's operands, in its order."""
    ws = tuple(weight.shape)
    if len(ws) != len(xs):
        raise RuntimeError(f"Expected {len(ws)}-dimensional input for {len(ws)}-dimensional weight "
                           f"{_size(ws)}, but got {len(xs)}-dimensional input of size {_size(xs)} "
                           "instead")
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {_size(ws)} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size [{_size(ws)}] instead")
    if not transposed:
        if xs[1] != ws[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {_size(ws)}, expected "
                               f"input{_size(xs)} to have {ws[1] * groups} channels, but got "
                               f"{xs[1]} channels instead")
        if bias is not None and (bias.dim() != 1 or bias.shape[0] != ws[0]):
            raise RuntimeError(f"Given weight of size {_size(ws)}, expected bias to be "
                               f"1-dimensional "
                               f"with {ws[0]} elements, but got bias of size {_size(bias.shape)} "
                               "instead")
    else:
        if xs[1] != ws[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {_size(ws)}, expected "
                               f"input{_size(xs)} to have {ws[0]} channels, but got {xs[1]} "
                               "channels instead")
        if bias is not None and (bias.dim() != 1 or bias.shape[0] != ws[1] * groups):
            raise RuntimeError(f"Given transposed=1, weight of size {_size(ws)}, expected bias to "
                               f"be "
                               f"1-dimensional with {ws[1] * groups} elements, but got bias of "
                               f"size "
                               f"{_size(bias.shape)} instead")


def _check_dtypes(x: Tensor, weight: Tensor, bias) -> None:
    if bias is not None and bias.dtype != x.dtype:
        raise RuntimeError(f"Input type ({typemeta_name(x.dtype)}) and bias type "
                           f"({typemeta_name(bias.dtype)}) should be the same")
    if weight.dtype != x.dtype:
        raise RuntimeError(f"expected scalar type {_scalar(x.dtype)} but found "
                           f"{_scalar(weight.dtype)}")


def _scalar(dt) -> str:
    return type_word(dt)


def _conv(n: int, name: str, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    x, unbatched = _batched(input, n, name)
    dim = weight.dim() - 2
    if dim <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    stride, dilation = _ints(stride, n), _ints(dilation, n)
    padding = padding if isinstance(padding, str) else _ints(padding, n)
    stride = _expand(stride, "stride", dim)
    same = False
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        same = padding == "same"
        if same and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pad = (0,) * dim
    else:
        pad = _expand(padding, "padding", dim)
    dilation = _expand(dilation, "dilation", dim)
    if any(p < 0 for p in pad):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    xs, ks = tuple(x.shape), tuple(weight.shape[2:])
    _check_shapes(xs, weight, bias, groups, False)
    if same:  # total d*(k-1), the odd one on the right
        pads = tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                     for d, k in zip(dilation, ks))
    else:
        pads = tuple((p, p) for p in pad)
    padded = [s + lo + hi for s, (lo, hi) in zip(xs[2:], pads)]
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, ks)]
    if any(r > s for r, s in zip(reach, padded)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))})."
                           f" Kernel size: ({' x '.join(map(str, reach))}). Kernel size can't be "
                           "greater than actual input size")
    _check_dtypes(x, weight, bias)
    out = _ops.conv(x, weight, bias, stride, pads, dilation, groups)
    return out.squeeze(0) if unbatched else out


def _conv_transpose(n: int, name: str, input, weight, bias, stride, padding, output_padding,
                    groups, dilation) -> Tensor:
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    x, unbatched = _batched(input, n, name)
    dim = weight.dim() - 2
    if dim <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    stride, padding = _expand(_ints(stride, n), "stride", dim), _ints(padding, n)
    pad = _expand(padding, "padding", dim)
    dilation = _expand(_ints(dilation, n), "dilation", dim)
    opad = _expand(_ints(output_padding, n), "output_padding", dim)
    if any(p < 0 for p in pad):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in opad):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    xs = tuple(x.shape)
    _check_shapes(xs, weight, bias, groups, True)
    if any(op >= s and op >= d for op, s, d in zip(opad, stride, dilation)):
        axes = ("depth", "height", "width")[3 - max(dim, 2):] if dim > 1 else ("height", "width")
        vals = (0,) + opad if dim == 1 else opad
        st = (1,) + stride if dim == 1 else stride
        dl = (1,) + dilation if dim == 1 else dilation
        parts = ([f"output_padding_{a}: {v}" for a, v in zip(axes, vals)]
                 + [f"stride_{a}: {v}" for a, v in zip(axes, st)]
                 + [f"dilation_{a}: {v}" for a, v in zip(axes, dl)])
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           + " ".join(parts))
    ks = tuple(weight.shape[2:])
    sizes = [(s - 1) * st - 2 * p + d * (k - 1) + op + 1
             for s, st, p, d, k, op in zip(xs[2:], stride, pad, dilation, ks, opad)]
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, xs[2:]))}). "
                           f"Calculated output size per channel: ({' x '.join(map(str, sizes))}). "
                           "Output size is too small")
    _check_dtypes(x, weight, bias)
    out = _ops.conv_transpose(x, weight, bias, stride, tuple((p, p) for p in pad), opad, dilation,
                              groups)
    return out.squeeze(0) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-d cross-correlation: input ``(B, Cin, L)`` or ``(Cin, L)``, weight
    ``(Cout, Cin/groups, K)``.

    Args:
        stride, dilation: an int or a 1-tuple.
        padding: an int, a 1-tuple, ``'valid'`` (none) or ``'same'`` (output as long as input).
        groups: split input and output channels into this many independent convolutions.

    Example:
        >>> import numtorch
        >>> conv1d(numtorch.ones(1, 1, 5), numtorch.ones(1, 1, 2), padding="same").tolist()
        [[[2.0, 2.0, 2.0, 2.0, 1.0]]]
    """
    return _conv(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-d cross-correlation: input ``(B, Cin, H, W)`` or ``(Cin, H, W)``, weight
    ``(Cout, Cin/groups, kH, kW)``; output size per dim
    ``floor((L + 2*padding - dilation*(K-1) - 1) / stride) + 1``.

    Args:
        stride, padding, dilation: an int or a pair; padding may also be ``'valid'`` or ``'same'``.
        groups: ``Cin`` and ``Cout`` split into ``groups`` independent convolutions
            (``groups == Cin`` is a depthwise convolution).

    Example:
        >>> import numtorch
        >>> conv2d(numtorch.ones(1, 1, 3, 3), numtorch.ones(2, 1, 2, 2), stride=2, padding=1).shape
        torch.Size([1, 2, 2, 2])
    """
    return _conv(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """3-d cross-correlation: input ``(B, Cin, D, H, W)`` or unbatched, weight
    ``(Cout, Cin/groups, kD, kH, kW)``; arguments as ``conv2d``, with triples.
    """
    return _conv(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-d transposed convolution: weight ``(Cin, Cout/groups, K)``; output length
    ``(L - 1)*stride - 2*padding + dilation*(K - 1) + output_padding + 1``.

    Example:
        >>> import numtorch
        >>> conv_transpose1d(numtorch.ones(1, 1, 2), numtorch.ones(1, 1, 2)).tolist()
        [[[1.0, 2.0, 1.0]]]
    """
    return _conv_transpose(1, "conv_transpose1d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-d transposed convolution (the gradient of ``conv2d`` with respect to its input).

    Args:
        weight: ``(Cin, Cout/groups, kH, kW)``.
        stride, padding, dilation: as the ``conv2d`` this inverts.
        output_padding: extra size added on one side of the output, smaller than stride or
            dilation (it picks among the input sizes a strided ``conv2d`` maps to one size).
    """
    return _conv_transpose(2, "conv_transpose2d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-d transposed convolution: weight ``(Cin, Cout/groups, kD, kH, kW)``; as
    ``conv_transpose2d``."""
    return _conv_transpose(3, "conv_transpose3d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def _pad_mode(input: Tensor, reversed_pads: tuple, mode: str) -> Tensor:
    """Pad the last dims in ``reflect``/``replicate``/``circular`` mode, for ``padding_mode``.

    ``reversed_pads`` is ``F.pad``'s order: ``(left_last, right_last, left_second_last, ...)``.
    """
    n = len(reversed_pads) // 2
    pads = tuple((reversed_pads[2 * (n - 1 - i)], reversed_pads[2 * (n - 1 - i) + 1])
                 for i in range(n))
    shape = tuple(input.shape)
    for i, (lo, hi) in reversed(list(enumerate(pads))):  # the last dim is checked first
        ax = len(shape) - n + i
        if mode == "reflect" and (lo >= shape[ax] or hi >= shape[ax]):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension {ax} "
                               f"of input {_size(shape)}")
        if mode == "circular" and (lo > shape[ax] or hi > shape[ax]):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    return _ops.pad_nd(input, pads, mode)
