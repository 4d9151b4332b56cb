"""Losses that are primitives: ``nll_loss`` and the elementwise regression and binary losses.

With log-probabilities ``x`` (classes on dim 1, or dim 0 for a 1-D input), targets ``y`` and
class weights ``w``:

    nll:            l_n = -w[y_n] x[n, y_n]
    mean reduction: L = sum_n l_n / sum_n w[y_n]        (a weighted mean; ignored targets
                                                         count in neither sum)

and elementwise in input ``x`` and target ``y``:

    mse_loss:        l = (x - y)^2
    l1_loss:         l = |x - y|
    smooth_l1_loss:  l = 0.5 d^2 / beta  if |d| < beta  else |d| - 0.5 beta        (d = x - y)
    huber_loss:      l = 0.5 d^2         if |d| < delta else delta (|d| - 0.5 delta)
    binary_cross_entropy:              l = -w [y log x + (1 - y) log(1 - x)]   (logs >= -100)
    binary_cross_entropy_with_logits:  l = -w [p y log s(x) + (1 - y) log(1 - s(x))]

Each elementwise loss is ``fwd(x, y)``, the elementwise losses, and ``bwd(g, x, y)``, their
gradients with respect to input and target; ``_pointwise_loss`` promotes dtypes, reduces and
records the node.  The logits form never takes ``log(sigmoid(x))`` directly: it uses
``-log s(x) = softplus(-x)``, which is finite for every ``x``.  ``cross_entropy`` and the other
losses are compositions, in ``numtorch/nn/functional``.  ``reduction`` here is already one of
``'none'``, ``'mean'``, ``'sum'`` (``nn.functional`` resolves the legacy flags).

Example:
    >>> import numtorch
    >>> huber_loss(numtorch.tensor([0.0, 3.0]), numtorch.zeros(2), reduction="sum").item()
    2.5
"""

from __future__ import annotations

import warnings

import numpy as np

from .._dtype import from_np, promote_types, type_word
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state as _grad
from ._core import check_broadcast, kernel_error, record
from ._fpstate import quiet
from .activation import _softplus
from .elementwise import _sigmoid

__all__ = ["nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "reduce_tensor"]


def _reduce_array(l: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return l
    if reduction == "sum":
        return np.asarray(l.sum(), dtype=l.dtype)
    if l.size == 0:
        return np.asarray(np.nan, dtype=l.dtype)
    return np.asarray(l.mean(), dtype=l.dtype)


def _expand_grad(g: np.ndarray, shape: tuple, size: int, reduction: str) -> np.ndarray:
    """The gradient of a reduced loss, spread back over the elementwise losses."""
    if reduction == "none":
        return g
    if reduction == "mean":
        g = g / size if size else g * np.nan
    return np.broadcast_to(g, shape)


def reduce_tensor(l: Tensor, reduction: str) -> Tensor:
    """A tensor of losses reduced with the ops ``mean`` or ``sum`` (for composed losses)."""
    if reduction == "mean":
        return l.mean()
    if reduction == "sum":
        return l.sum()
    return l


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion of two array dtypes (``int64`` with ``float32`` is ``float32``)."""
    return promote_types(from_np(a), from_np(b)).np


def _needs_graph(*ts) -> bool:
    return _grad.enabled and any(t is not None and t._requires_grad for t in ts)


# ---- classification on class indices --------------------------------------------------------

def _nll_raw(x2: np.ndarray, t1: np.ndarray, w: np.ndarray | None, ignore_index: int,
             reduction: str):
    """NLL on rows ``x2`` (M, C) and targets ``t1`` (M,): (loss, safe targets, weights, total).

    ``weights`` is None when every target counts with weight 1 (the common, fast case).
    """
    c = x2.shape[1]
    m = t1.shape[0]
    valid = t1 != ignore_index
    all_valid = bool(valid.all())
    if all_valid:
        safe = t1
        if m and (t1.min() < 0 or t1.max() >= c):
            bad = (t1 < 0) | (t1 >= c)
            raise IndexError(f"Target {int(t1[bad][0])} is out of bounds.")
    else:
        safe = np.where(valid, t1, 0)
        bad = valid & ((t1 < 0) | (t1 >= c))
        if bad.any():
            raise IndexError(f"Target {int(t1[bad][0])} is out of bounds.")
    picked = x2[np.arange(m), safe]
    if w is None:
        wt = None if all_valid else valid.astype(x2.dtype)
    else:
        wt = w[safe] if all_valid else w[safe] * valid
    losses = -picked if wt is None else -(picked * wt)
    if reduction == "none":
        return losses, safe, wt, None
    if reduction == "sum":
        return np.asarray(losses.sum(), x2.dtype), safe, wt, None
    if wt is None and m:
        return np.asarray(losses.sum() / m, x2.dtype), safe, wt, m
    total = wt.sum() if wt is not None else np.asarray(0, x2.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(losses.sum() / total, x2.dtype), safe, wt, total


def _check_target_dtype(t: np.ndarray) -> None:
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {type_word(t)}")


def _nll_shapes(x: np.ndarray, t: np.ndarray, w: np.ndarray | None, prefix: str = ""):
    """Check shapes as PyTorch's ``nll_loss_nd`` does; return (N, C, *) input and (N, *) target."""
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim != 1 and x.shape[0] != (t.shape[0] if t.ndim else 1):
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 1}).")
    _check_target_dtype(t)
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    if w is not None and w.size != c:
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {c} classes or "
                           f"no classes but got weight tensor of shape: {list(w.shape)}")
    if x.ndim <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if x.ndim == 1:
            return x.reshape(1, -1), t.reshape(1), t.shape
        return x, t, t.shape
    if x.ndim == 4 and t.ndim != 3:
        raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets "
                           f"of dimension: {t.ndim}")
    if t.shape[1:] != x.shape[2:]:
        if x.ndim == 4:
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: "
                               f"{list(t.shape)}")
        raise RuntimeError(f"Expected target size {[x.shape[0]] + list(x.shape[2:])}, got "
                           f"{list(t.shape)}")
    return x, t, t.shape


@quiet
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean", prefix: str = "") -> Tensor:
    """Negative log likelihood: ``l_n = -w[y_n] * x[n, y_n]`` for log-probabilities ``x``.

    Input ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dk)``; target of class indices ``()``, ``(N)``
    or ``(N, d1, ..., dk)``.  Targets equal to ``ignore_index`` contribute nothing.  The mean is
    weighted: ``sum_n l_n / sum_n w[y_n]`` over the non-ignored targets.  Its gradient puts
    ``-w[y_n]`` (over the total weight, for ``mean``) at each chosen class.

    Example:
        >>> import numtorch
        >>> logp = numtorch.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> round(nll_loss(logp, numtorch.tensor([0, 1])).item(), 4)
        0.3
    """
    x0, t0 = input._data, target._data
    w = weight._data if weight is not None else None
    x, t, tshape = _nll_shapes(x0, t0, w, prefix)
    if w is not None and w.dtype != x0.dtype:
        raise RuntimeError(f"expected scalar type {type_word(x0)} but found {type_word(w)}")
    if x0.dtype.kind != "f":
        raise kernel_error("nll_loss_out_frame" if x0.ndim <= 2 else "nll_loss2d_forward_out_frame",
                            x0)
    # classes last, one row per target: (N, C, d1..dk) -> (N * d1..dk, C)
    xm = np.moveaxis(x, 1, -1) if x.ndim > 2 else x
    x2 = xm.reshape(-1, x.shape[1])
    t1 = t.reshape(-1).astype(np.int64, copy=False)
    out, safe, wt, total = _nll_raw(x2, t1, w, ignore_index, reduction)
    if reduction == "none":
        out = out.reshape(tshape)
    if not (_grad.enabled and input._requires_grad):
        return _wrap(out)

    def vjp(g, needs):
        coef = -g.reshape(-1) if reduction == "none" else -g
        if wt is not None:
            coef = coef * wt
        if reduction == "mean":
            coef = coef / total
        gx = np.zeros(x2.shape, x2.dtype)
        gx[np.arange(x2.shape[0]), safe] = coef
        if x.ndim > 2:
            gx = np.moveaxis(gx.reshape(xm.shape), -1, 1)
        return (gx.reshape(x0.shape),)

    return record(out, "NllLossBackward0", vjp, (input,), ())



# ---- elementwise losses ------------------------------------------------------------------

def _size_warning(input: Tensor, target: Tensor) -> None:
    if target._data.shape != input._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", stacklevel=4)


def _pointwise_loss(name: str, input: Tensor, target: Tensor, reduction: str, fwd, bwd,
                    extra: tuple = (), kernel: str | None = None) -> Tensor:
    """Reduce ``fwd(x, t, *extra)`` and record ``bwd(gl, x, t, *extra) -> (gx, gt)``.

    Input and target are promoted to a common dtype as PyTorch promotes them; ``kernel`` names
    the kernel PyTorch reports missing when that dtype is not floating point.
    """
    x, t = input._data, target._data
    check_broadcast(x.shape, t.shape)
    dt = _promote(x.dtype, t.dtype)
    if kernel is not None and dt.kind != "f":
        raise kernel_error(kernel, np.empty((), dt))
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
def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error: ``l_n = (x_n - y_n)^2``, then the ``reduction``.

    Example:
        >>> import numtorch
        >>> mse_loss(numtorch.tensor([1.0, 2.0]), numtorch.zeros(2)).item()
        2.5
    """
    _size_warning(input, target)
    if weight is not None:
        return reduce_tensor(weight * (input - target) ** 2, reduction)

    def bwd(g, x, t):
        d = g * (2.0 * (x - t))
        return d, -d

    return _pointwise_loss("MseLossBackward0", input, target, reduction,
                           lambda x, t: (x - t) ** 2, bwd, kernel="mse_cpu")


@quiet
def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: ``l_n = |x_n - y_n|``."""
    _size_warning(input, target)
    if weight is not None:
        return reduce_tensor(weight * (input - target).abs(), reduction)
    dt = _promote(input._data.dtype, target._data.dtype)
    if reduction == "mean" and dt.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {type_word(np.empty((), dt))}")

    def bwd(g, x, t):
        d = g * np.sign(x - t)
        return d, -d

    # PyTorch computes l1_loss as abs(input - target) then the reduction: its node is the
    # last step's
    name = {"mean": "MeanBackward0", "sum": "SumBackward0"}.get(reduction, "AbsBackward0")
    return _pointwise_loss(name, input, target, reduction, lambda x, t: np.abs(x - t), bwd)


@quiet
def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = x - y``)."""
    _size_warning(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction)

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
    _size_warning(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")

    def fwd(x, t):
        d = np.abs(x - t)
        return np.where(d < delta, 0.5 * d * d,
                        delta * (d - 0.5 * delta)).astype(x.dtype, copy=False)

    def bwd(g, x, t):
        d = x - t
        r = g * np.clip(d, -delta, delta).astype(x.dtype, copy=False)
        return r, -r

    if weight is not None:
        l = _pointwise_loss("HuberLossBackward0", input, target, "none", fwd, bwd,
                            kernel="huber_cpu")
        return reduce_tensor(l * weight, reduction)
    return _pointwise_loss("HuberLossBackward0", input, target, reduction, fwd, bwd,
                           kernel="huber_cpu")


@quiet
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """``l_n = -w_n [y_n log x_n + (1 - y_n) log(1 - x_n)]``, logs clamped at -100."""
    if target._data.shape != input._data.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    x, t = input._data, target._data
    if t.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {type_word(t)} but expected {type_word(x)}")
    if x.dtype.kind != "f":
        raise kernel_error("binary_cross_entropy", x)
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
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(x), y)``, computed stably from the logits ``x``.

    ``l_n = -w_n [p y_n log s(x_n) + (1 - y_n) log(1 - s(x_n))]`` with ``p = pos_weight``
    (broadcast along the last, class, dim).

    Example:
        >>> import numtorch
        >>> round(binary_cross_entropy_with_logits(numtorch.zeros(2), numtorch.ones(2)).item(), 4)
        0.6931
    """
    if target._data.shape != input._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    x, t = input._data, target._data
    if x.dtype.kind != "f":
        raise kernel_error("log_sigmoid_cpu", x)
    if t.dtype.kind != "f":
        raise RuntimeError(f"result type {type_word(x)} can't be cast to the desired output type "
                           f"{type_word(t)}")

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
