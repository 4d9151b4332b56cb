"""nn.init: fill a weight tensor in place with a chosen distribution.

Every function here runs without recording a graph and returns the tensor it
filled.  The random draws go through the tensor's own ``uniform_`` / ``normal_``
(the generator in ``numtorch.random``) in the same order and with the same
bounds as PyTorch, so for the same seed a layer starts from the same numbers.

NOTE [ fan in and fan out ]
A weight of shape ``(out, in, *kernel)`` is used as ``x @ w.T`` (or as a
convolution), so each output sums ``fan_in = in * prod(kernel)`` products and
each input feeds ``fan_out = out * prod(kernel)`` outputs.  Xavier scales by
both, Kaiming by the one the ``mode`` picks.

Example:
    >>> import numtorch
    >>> w = numtorch.empty(3, 5)
    >>> _ = kaiming_uniform_(w, a=5 ** 0.5)
    >>> bool((w.abs() <= 1 / 5 ** 0.5).all())
    True
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from numtorch._tensor import Tensor
from numtorch.autograd.grad_mode import no_grad
from numtorch.random import randperm

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
    "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "orthogonal_", "sparse_",
    "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale for weights followed by ``nonlinearity``.

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + slope^2));
    selu: 3/4.

    Args:
        nonlinearity: the functional name of the non-linearity.
        param: the negative slope of ``leaky_relu`` (default 0.01).

    Example:
        >>> calculate_gain("tanh")
        1.6666666666666667
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight; see NOTE [ fan in and fan out ]."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` with draws from U(a, b).

    Example:
        >>> import numtorch
        >>> w = uniform_(numtorch.empty(2, 3), -1.0, 1.0)
        >>> bool(((w >= -1) & (w < 1)).all())
        True
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` with draws from N(mean, std^2).

    Example:
        >>> import numtorch
        >>> normal_(numtorch.empty(2, 3)).shape
        torch.Size([2, 3])
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Fill ``tensor`` with N(mean, std^2) draws restricted to ``[a, b]``, by rejection.

    When most of the mass lies inside ``[a, b]`` (p > 0.3), out-of-range normal draws are
    redrawn until none is left; otherwise candidates are drawn uniformly on ``[a, b]`` and
    accepted with probability ``pdf(x) / pdf(mode)``.  The order of draws is PyTorch's.

    Example:
        >>> import numtorch
        >>> w = trunc_normal_(numtorch.empty(100), a=-1.0, b=1.0)
        >>> bool(((w >= -1) & (w <= 1)).all())
        True
    """
    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    with no_grad():
        data = tensor._data
        p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
        if p > 0.3:
            lo, hi = np.asarray(a, data.dtype), np.asarray(b, data.dtype)
            tensor.normal_(mean, std, generator=generator)
            result = data.copy()
            while True:
                mask = (result < lo) | (result > hi)
                if not mask.any():
                    break
                fresh = tensor.new_empty(tensor.shape).normal_(mean, std, generator=generator)
                result = np.where(mask, fresh._data, result)
        else:
            mode = max(a, min(mean, b))
            log_peak = -0.5 * ((mode - mean) / std) ** 2
            buf = tensor.new_empty(tensor.shape)

            def log_pdf(x: np.ndarray) -> np.ndarray:
                z = (x - np.asarray(mean, x.dtype)) / np.asarray(std, x.dtype)
                return (z * z) * np.asarray(-0.5, x.dtype) - np.asarray(log_peak, x.dtype)

            tensor.uniform_(a, b, generator=generator)
            result = data.copy()
            pending = np.log(buf.uniform_(generator=generator)._data) > log_pdf(result)
            while pending.any():
                cand = tensor.new_empty(tensor.shape).uniform_(a, b, generator=generator)._data
                result = np.where(pending, cand, result)
                accept = np.log(buf.uniform_(generator=generator)._data) > log_pdf(cand)
                pending = np.where(pending, accept, pending)
        np.copyto(data, result)
        tensor._bump()
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``.

    Example:
        >>> import numtorch
        >>> constant_(numtorch.empty(2), 0.5).tolist()
        [0.5, 0.5]
    """
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D ``tensor`` with the identity matrix (ones on the main diagonal).

    Example:
        >>> import numtorch
        >>> eye_(numtorch.empty(2, 3)).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    np.copyto(tensor._data, np.eye(*tensor.shape, dtype=tensor._data.dtype))
    tensor._bump()
    return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3/4/5-D convolution weight so that each group passes its inputs through unchanged.

    Example:
        >>> import numtorch
        >>> dirac_(numtorch.empty(2, 2, 3))[0].tolist()
        [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    """
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    data = tensor._data
    data[...] = 0
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min(per_group, sizes[1])):
            data[(g * per_group + d, d) + centre] = 1
    tensor._bump()
    return tensor


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Example:
        >>> import numtorch
        >>> xavier_uniform_(numtorch.empty(3, 5)).shape
        torch.Size([3, 5])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He uniform: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    Args:
        tensor: the weight to fill.
        a: negative slope of the rectifier that follows (for ``leaky_relu``).
        mode: ``'fan_in'`` (keeps forward variance) or ``'fan_out'`` (backward).
        nonlinearity: functional name of the non-linearity, for ``calculate_gain``.

    Example:
        >>> import numtorch
        >>> kaiming_uniform_(numtorch.empty(3, 5), nonlinearity="relu").shape
        torch.Size([3, 5])
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)``."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator=None) -> Tensor:
    """Fill ``tensor`` with a (semi-)orthogonal matrix: Q of the QR of a normal draw, signs fixed.

    Trailing dimensions are flattened, so ``tensor.view(rows, -1)`` has orthonormal rows or
    columns (whichever are fewer), scaled by ``gain``.

    Example:
        >>> import numtorch
        >>> w = orthogonal_(numtorch.empty(3, 5))
        >>> bool(((w @ w.T - numtorch.eye(3)).abs() < 1e-5).all())
        True
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        flat = tensor.new_empty((rows, cols)).normal_(0, 1, generator=generator)._data
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diagonal(r))
    if rows < cols:
        q = q.T
    data = tensor._data
    np.copyto(data, q.reshape(data.shape).astype(data.dtype, copy=False))
    data *= np.asarray(gain, data.dtype)
    tensor._bump()
    return tensor


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Fill a 2-D ``tensor`` with N(0, std^2) draws, then zero ``ceil(sparsity * rows)`` per column.

    Example:
        >>> import numtorch
        >>> w = sparse_(numtorch.empty(4, 3), sparsity=0.5)
        >>> [int((w[:, j] == 0).sum()) for j in range(3)]
        [2, 2, 2]
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        for col in range(cols):
            rows_perm = randperm(rows)._data
            tensor._data[rows_perm[:num_zeros], col] = 0
    tensor._bump()
    return tensor


def _deprecated(fn):
    new, old = fn.__name__, fn.__name__[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new}`.",
                      FutureWarning, stacklevel=2)
        return fn(*args, **kwargs)

    deprecated_init.__name__ = old
    deprecated_init.__doc__ = f"Deprecated alias of ``{new}``."
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
