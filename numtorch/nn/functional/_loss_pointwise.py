"""Regression and binary losses, elementwise in input and target, each one primitive.

    mse_loss:        l = (x - y)^2
    l1_loss:         l = |x - y|
    smooth_l1_loss:  l = 0.5 d^2 / beta  if |d| < beta  else |d| - 0.5 beta        (d = x - y)
    huber_loss:      l = 0.5 d^2         if |d| < delta else delta (|d| - 0.5 delta)
    binary_cross_entropy:              l = -w [y log x + (1 - y) log(1 - x)]   (logs >= -100)
    binary_cross_entropy_with_logits:  l = -w [p y log s(x) + (1 - y) log(1 - s(x))]

Each row gives ``fwd(x, y)``, the elementwise losses, and ``bwd(g, x, y)``, their gradients
with respect to input and target; ``_pointwise_loss`` promotes dtypes, reduces and records the
node.  The logits form never takes ``log(sigmoid(x))`` directly: it uses
``-log s(x) = softplus(-x)``, which is finite for every ``x``.

Example:
    >>> import numtorch
    >>> huber_loss(numtorch.tensor([0.0, 3.0]), numtorch.zeros(2), reduction="sum").item()
    2.5
"""

from __future__ import annotations

import warnings

import numpy as np

from numtorch._ops._fpstate import quiet
from numtorch._ops._fpstate import quiet_record as record
from numtorch._tensor import Tensor, _wrap

from ._elementwise import _sigmoid, _softplus
from ._helpers import _broadcast_shape, _kernel_error, _needs_graph, _promote, _tname
from ._reduction import _check_reduction, _expand_grad, _reduce_array, _reduce_tensor


def _size_warning(input: Tensor, target: Tensor) -> None:
    if target._data.shape != input._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", stacklevel=3)


def _pointwise_loss(name: str, input: Tensor, target: Tensor, reduction: str, fwd, bwd,
                    extra: tuple = (), kernel: str | None = None) -> Tensor:
    """Reduce ``fwd(x, t, *extra)`` and record ``bwd(gl, x, t, *extra) -> (gx, gt)``.

    Input and target are promoted to a common dtype as PyTorch promotes them; ``kernel`` names
    the kernel PyTorch reports missing when that dtype is not floating point.
    """
    x, t = input._data, target._data
    _broadcast_shape(x.shape, t.shape)
    dt = _promote(x.dtype, t.dtype)
    if kernel is not None and dt.kind != "f":
        raise _kernel_error(kernel, np.empty((), dt))
    if x.dtype != dt:
        x = x.astype(dt)
    if t.dtype != dt:
        t = t.astype(dt)
    ex = tuple(e._data.astype(dt, copy=False) if isinstance(e, Tensor) else e for e in extra)
    l = np.asarray(fwd(x, t, *ex))
    out = _reduce_array(l, reduction)
    tens = (input, target) + tuple(e for e in extra if isinstance(e, Tensor))
    if not _needs_graph(*tens):
        return _wrap(out)

    def vjp(g, needs):
        gl = _expand_grad(g, l.shape, l.size, reduction)
        gx, gt = bwd(gl, x, t, *ex)
        return ((np.asarray(gx) if needs[0] else None, np.asarray(gt) if needs[1] else None)
                + (None,) * (len(tens) - 2))

    return record(out, name, vjp, tens, tens)


@quiet
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error: ``l_n = (x_n - y_n)^2``, then the ``reduction``.

    Example:
        >>> import numtorch
        >>> mse_loss(numtorch.tensor([1.0, 2.0]), numtorch.zeros(2)).item()
        2.5
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    _size_warning(input, target)
    if weight is not None:
        return _reduce_tensor(weight * (input - target) ** 2, reduction)

    def bwd(g, x, t):
        d = g * (2.0 * (x - t))
        return d, -d

    return _pointwise_loss("MseLossBackward0", input, target, reduction,
                           lambda x, t: (x - t) ** 2, bwd, kernel="mse_cpu")


@quiet
def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: ``l_n = |x_n - y_n|``."""
    reduction = _check_reduction(reduction, size_average, reduce)
    _size_warning(input, target)
    if weight is not None:
        return _reduce_tensor(weight * (input - target).abs(), reduction)
    dt = _promote(input._data.dtype, target._data.dtype)
    if reduction == "mean" and dt.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_tname(np.empty((), dt))}")

    def bwd(g, x, t):
        d = g * np.sign(x - t)
        return d, -d

    # PyTorch computes l1_loss as abs(input - target) then the reduction: its node is the last step's
    name = {"mean": "MeanBackward0", "sum": "SumBackward0"}.get(reduction, "AbsBackward0")
    return _pointwise_loss(name, input, target, reduction, lambda x, t: np.abs(x - t), bwd)


@quiet
def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = x - y``)."""
    reduction = _check_reduction(reduction, size_average, reduce)
    _size_warning(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)

    def fwd(x, t):
        d = np.abs(x - t)
        return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta).astype(x.dtype, copy=False)

    def bwd(g, x, t):
        d = x - t
        r = g * np.where(np.abs(d) < beta, d / beta, np.sign(d)).astype(x.dtype, copy=False)
        return r, -r

    return _pointwise_loss("SmoothL1LossBackward0", input, target, reduction, fwd, bwd,
                           kernel="smooth_l1_cpu")


@quiet
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    reduction = _check_reduction(reduction)
    _size_warning(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")

    def fwd(x, t):
        d = np.abs(x - t)
        return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)).astype(x.dtype, copy=False)

    def bwd(g, x, t):
        d = x - t
        r = g * np.clip(d, -delta, delta).astype(x.dtype, copy=False)
        return r, -r

    if weight is not None:
        l = _pointwise_loss("HuberLossBackward0", input, target, "none", fwd, bwd,
                            kernel="huber_cpu")
        return _reduce_tensor(l * weight, reduction)
    return _pointwise_loss("HuberLossBackward0", input, target, reduction, fwd, bwd,
                           kernel="huber_cpu")


@quiet
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``l_n = -w_n [y_n log x_n + (1 - y_n) log(1 - x_n)]``, logs clamped at -100."""
    reduction = _check_reduction(reduction, size_average, reduce)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    x, t = input._data, target._data
    if t.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {_tname(t)} but expected {_tname(x)}")
    if x.dtype.kind != "f":
        raise _kernel_error("binary_cross_entropy", x)
    if x.size and not (x.min() >= 0 and x.max() <= 1):  # nan is out of range too
        raise RuntimeError("all elements of input should be between 0 and 1")
    if t.size and not (t.min() >= 0 and t.max() <= 1):
        raise RuntimeError("all elements of target should be between 0 and 1")
    if weight is not None:
        ws = weight._data.shape
        try:
            np.broadcast_shapes(ws, x.shape)
        except ValueError:
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {ws[-1]} at -1! Mismatching "
                f"argument at index 1 had {weight.shape}; but expected shape should be "
                f"broadcastable to {list(x.shape)}") from None

    def logs(x):
        with np.errstate(divide="ignore"):
            return np.maximum(np.log(x), -100.0), np.maximum(np.log1p(-x), -100.0)

    def fwd(x, t, *w):
        lx, l1x = logs(x)
        l = -(t * lx + (1.0 - t) * l1x)
        return (l * w[0]) if w else l

    def bwd(g, x, t, *w):
        gw = g * w[0] if w else g
        gx = gw * (x - t) / np.maximum((1.0 - x) * x, 1e-12)
        with np.errstate(divide="ignore"):  # -logit(x), unclamped: +-inf at x = 0 or 1
            gt = gw * -np.log(x / (1.0 - x))
        return gx.astype(x.dtype, copy=False), gt

    extra = (weight,) if weight is not None else ()
    return _pointwise_loss("BinaryCrossEntropyBackward0", input, target, reduction, fwd, bwd, extra)


@quiet
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(x), y)``, computed stably from the logits ``x``.

    ``l_n = -w_n [p y_n log s(x_n) + (1 - y_n) log(1 - s(x_n))]`` with ``p = pos_weight``
    (broadcast along the last, class, dim).

    Example:
        >>> import numtorch
        >>> round(binary_cross_entropy_with_logits(numtorch.zeros(2), numtorch.ones(2)).item(), 4)
        0.6931
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    x, t = input._data, target._data
    if x.dtype.kind != "f":
        raise _kernel_error("log_sigmoid_cpu", x)
    if t.dtype.kind != "f":
        raise RuntimeError(f"result type {_tname(x)} can't be cast to the desired output type "
                           f"{_tname(t)}")

    def fwd(x, t, *ex):
        sp = _softplus(-x)  # log(1 + exp(-x)) = -log sigmoid(x)
        lw = (ex[-1] - 1.0) * t + 1.0 if pos_weight is not None else 1.0
        l = (1.0 - t) * x + lw * sp
        if weight is not None:
            l = l * ex[0]
        return l.astype(x.dtype, copy=False)

    def bwd(g, x, t, *ex):
        gw = g * ex[0] if weight is not None else g
        sp = _softplus(-x)
        if pos_weight is not None:
            pw = ex[-1]
            lw = (pw - 1.0) * t + 1.0
            gx = gw * ((1.0 - t) - lw * _sigmoid(-x))
            gt = gw * (-x + (pw - 1.0) * sp)
        else:
            gx = gw * (_sigmoid(x) - t)
            gt = gw * -x
        return gx, gt

    extra = tuple(e for e in (weight, pos_weight) if e is not None)
    return _pointwise_loss("BinaryCrossEntropyWithLogitsBackward0", input, target, reduction,
                           fwd, bwd, extra)
