"""Normalisation layers' maths: ``layer_norm``, ``batch_norm``, ``group_norm``, ``instance_norm``
and ``local_response_norm``.

``layer_norm`` and ``batch_norm`` compute ``y = (x - mean) / sqrt(var + eps) * w + b`` with the
biased variance; they differ in which elements share a statistic.  ``layer_norm`` normalises each
sample over its trailing ``normalized_shape`` dims; ``batch_norm`` normalises each channel (dim 1)
over the batch and every spatial dim, and in training moves the running statistics towards the
batch's (``running = (1 - momentum) running + momentum batch``, the variance unbiased there).
Both are primitives with the gradient of NOTE [ the normalisation gradient ].  ``group_norm``
checks its arguments here and runs the primitive in ``numtorch._ops.normalization``;
``instance_norm`` is ``batch_norm`` of the input viewed as one sample of ``N * C`` channels, and
``local_response_norm`` an average pool of squares, both composed, with no gradient code.

Example:
    >>> import numtorch
    >>> x = numtorch.tensor([[1.0, 2.0], [3.0, 6.0]])
    >>> [[round(v, 3) for v in row] for row in batch_norm(x, None, None, training=True).tolist()]
    [[-1.0, -1.0], [1.0, 1.0]]
"""

from __future__ import annotations

import numpy as np

from numtorch._dtype import type_word as _tname
from numtorch._ops import normalization as N
from numtorch._ops._core import require_float as _require_float
from numtorch._ops._fpstate import quiet
from numtorch._ops.normalization import group_norm as _group_norm
from numtorch._tensor import Tensor, _wrap

from ._padding import pad
from ._pooling import avg_pool2d, avg_pool3d


def _check_param_dtypes(x: np.ndarray, params) -> None:
    """PyTorch's dtype rule for the parameters of a normalisation on CPU.

    Parameters (weight, bias, running statistics) share the input's dtype, except that a
    half-precision input may take float32 parameters ("mixed dtype"): the first parameter given
    decides which case applies, and the error names what broke the rule.
    """
    ps = [p._data for p in params if p is not None]
    if not ps:
        return
    if ps[0].dtype != x.dtype:
        if any(p.dtype != np.float32 for p in ps):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if x.dtype != np.float16:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        return
    for p in ps:
        if p.dtype != x.dtype:
            raise RuntimeError(f"expected scalar type {_tname(x)} but found {_tname(p)}")


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims:
    ``(x - mean) / sqrt(var + eps) * w + b``.

    ``var`` is the biased variance (divided by the number of elements normalised).

    Example:
        >>> import numtorch
        >>> [round(v, 4) for v in layer_norm(numtorch.tensor([[1.0, 3.0]]), (2,))[0].tolist()]
        [-1.0, 1.0]
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x = input._data
    _check_param_dtypes(x, (weight, bias))
    _require_float(input, "LayerNormKernelImpl")
    k = len(shape)
    if x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of "
                           f"size{list(x.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and p._data.shape != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(p._data.shape)} and normalized_shape = "
                               f"{list(shape)}")
    return N.layer_norm(input, shape, weight, bias, eps)


@quiet
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) over the batch and any trailing dims.

    In training, the batch's mean and biased variance normalise the input, and the running
    statistics (when given) move towards the batch's mean and unbiased variance:
    ``running = (1 - momentum) * running + momentum * batch``.  Otherwise the running
    statistics normalise.
    """
    x = input._data
    if training:
        size = input.shape
        n = size[0]
        for s in size[2:]:
            n *= s
        if n == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input size "
                             f"{size}")
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    c = x.shape[1] if x.ndim > 1 else 1
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")
    if not training:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    _require_float(input, "batch_norm")
    _check_param_dtypes(x, (weight, bias, running_mean, running_var))
    return N.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _verify_batch_size(size: list) -> None:
    """A training statistic needs more than one value per channel."""
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{size}")


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample over groups of ``C / num_groups`` channels and all spatial dims.

    ``y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c]``, with the mean and biased
    variance taken per sample and group (see ``numtorch._ops.normalization``).

    Example:
        >>> import numtorch
        >>> x = numtorch.tensor([[[1.0], [3.0], [2.0], [6.0]]])
        >>> [round(v, 3) for v in group_norm(x, 1).flatten().tolist()]
        [-1.069, 0.0, -0.535, 1.604]
    """
    size = input.shape
    if len(size) < 2:
        raise RuntimeError("Expected at least 2 dimensions for input tensor but received "
                           f"{len(size)}")
    _verify_batch_size([size[0] * size[1] // num_groups, num_groups] + list(size[2:]))
    c = size[1]
    if num_groups <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    if c % num_groups != 0:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(size)} and num_groups={num_groups}")
    wshape = [0] if weight is None else list(weight.shape)  # PyTorch names the weight in both
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {wshape} and input of "
                               f"shape {list(size)}")
    _check_param_dtypes(input._data, (weight, bias))
    _require_float(input, "GroupNormKernelImpl")
    return _group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dims.

    The batch-norm of the input viewed as one sample with ``N * C`` channels: ``weight``, ``bias``
    and the running statistics (shape ``(C,)``) are repeated ``N`` times for it, and after a
    training step each running statistic becomes the mean over the batch of its ``N`` updated
    copies.  With ``use_input_stats=False`` the running statistics normalise instead.

    Example:
        >>> import numtorch
        >>> x = numtorch.tensor([[[1.0, 3.0], [0.0, 4.0]]])
        >>> [[round(v, 3) for v in r] for r in instance_norm(x)[0].tolist()]
        [[-1.0, 1.0], [-1.0, 1.0]]
    """
    size = input.shape
    if use_input_stats:
        spatial = 1
        for s in size[2:]:
            spatial *= s
        if spatial == 1:
            raise ValueError("Expected more than 1 spatial element when training, got input size "
                             f"{size}")
    elif running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    b, c = size[0], size[1]

    def rep(t):
        return None if t is None else t.repeat(b)

    def copies(t):  # the running statistics' own writable copies, one per sample
        return None if t is None else _wrap(np.tile(t._data, b))

    rm, rv = copies(running_mean), copies(running_var)
    out = batch_norm(input.reshape((1, b * c) + tuple(size[2:])), rm, rv, rep(weight), rep(bias),
                     use_input_stats, momentum, eps)
    for stat, copies in ((running_mean, rm), (running_var, rv)):
        if stat is not None:
            np.copyto(stat._data, copies._data.reshape(b, c).mean(axis=0), casting="unsafe")
            stat._bump()
    return out.view(size)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Divide each element by a power of the mean square of its neighbours across channels.

    ``y[n, c] = x[n, c] / (k + alpha * mean(x[n, c'] ** 2 for the size channels c' around c))
    ** beta``, the channel window zero-padded by ``size // 2`` before and ``(size - 1) // 2``
    after.  Composed from ``pad`` and an average pool, so it needs no gradient of its own.

    Example:
        >>> import numtorch
        >>> x = numtorch.ones(1, 3, 1)
        >>> [round(v, 4) for v in local_response_norm(x, 2, alpha=1.0, beta=1.0).flatten().tolist()]
        [0.6667, 0.5, 0.5]
    """
    dim = input.dim()
    if dim < 3:
        raise ValueError("Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = pad(div.view(sizes[0], 1, sizes[1], sizes[2], -1),
                  (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).view(sizes)
    return input / div.mul(alpha).add(k).pow(beta)
