"""Classification losses on class indices: ``nll_loss`` and ``cross_entropy``.

With log-probabilities ``x`` (classes on dim 1, or dim 0 for a 1-D input), targets ``y`` and
class weights ``w``:

    nll:            l_n = -w[y_n] x[n, y_n]
    mean reduction: L = sum_n l_n / sum_n w[y_n]        (a weighted mean; ignored targets
                                                         count in neither sum)
    cross_entropy:  nll_loss(log_softmax(x, class_dim), y)

``cross_entropy`` also takes class-probability targets (the same shape as the input),
``L = -sum_c w_c p_c log_softmax(x)_c``, and ``label_smoothing`` ``s``, which mixes the target
with the uniform distribution: ``(1 - s) nll + s / C * sum_c (-w_c log p_c)``.
``nll_loss`` is one primitive; its gradient puts ``-w[y_n]`` (over the total weight, for
``mean``) at each chosen class.  Inputs may be ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dk)``.

Example:
    >>> import numtorch
    >>> round(cross_entropy(numtorch.tensor([[2.0, 0.0]]), numtorch.tensor([0])).item(), 4)
    0.1269
"""

from __future__ import annotations

import numpy as np

from numtorch._ops._core import rename
from numtorch._ops._fpstate import quiet
from numtorch._ops._fpstate import quiet_record as record
from numtorch._tensor import Tensor, _wrap

from ._helpers import _kernel_error, _needs_graph, _tname
from ._reduction import _check_reduction
from ._softmax import _log_softmax


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
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_tname(t)}")


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
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: {list(t.shape)}")
        raise RuntimeError(f"Expected target size {[x.shape[0]] + list(x.shape[2:])}, got "
                           f"{list(t.shape)}")
    return x, t, t.shape


@quiet
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: ``l_n = -w[y_n] * x[n, y_n]`` for log-probabilities ``x``.

    Input ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dk)``; target of class indices ``()``, ``(N)``
    or ``(N, d1, ..., dk)``.  Targets equal to ``ignore_index`` contribute nothing.  The mean is
    weighted: ``sum_n l_n / sum_n w[y_n]`` over the non-ignored targets.

    Example:
        >>> import numtorch
        >>> logp = numtorch.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> round(nll_loss(logp, numtorch.tensor([0, 1])).item(), 4)
        0.3
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    return _nll(input, target, weight, ignore_index, reduction, "")


def _nll(input, target, weight, ignore_index, reduction, prefix):
    x0, t0 = input._data, target._data
    w = weight._data if weight is not None else None
    x, t, tshape = _nll_shapes(x0, t0, w, prefix)
    if w is not None and w.dtype != x0.dtype:
        raise RuntimeError(f"expected scalar type {_tname(x0)} but found {_tname(w)}")
    if x0.dtype.kind != "f":
        raise _kernel_error("nll_loss_out_frame" if x0.ndim <= 2 else "nll_loss2d_forward_out_frame",
                            x0)
    # classes last, one row per target: (N, C, d1..dk) -> (N * d1..dk, C)
    xm = np.moveaxis(x, 1, -1) if x.ndim > 2 else x
    x2 = xm.reshape(-1, x.shape[1])
    t1 = t.reshape(-1).astype(np.int64, copy=False)
    out, safe, wt, total = _nll_raw(x2, t1, w, ignore_index, reduction)
    if reduction == "none":
        out = out.reshape(tshape)
    if not _needs_graph(input):
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


@quiet
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, class_dim), target)``, or with class-probability targets
    ``-sum_c w_c p_c log_softmax(x)_c``.

    ``label_smoothing`` mixes the target with the uniform distribution:
    ``(1 - s) * loss + s / C * (smoothing term)``.  The class dim is 1 (0 for a 1-D input).

    Example:
        >>> import numtorch
        >>> round(cross_entropy(numtorch.zeros(2, 4), numtorch.tensor([1, 3])).item(), 4)
        1.3863
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x, t = input._data, target._data
    cdim = 0 if x.ndim == 1 else 1
    if t.shape == x.shape:
        if t.dtype.kind != "f":
            raise RuntimeError("Expected floating point type for target with class probabilities, "
                               f"got {_tname(t)}")
        if x.ndim == 0:
            raise IndexError("Dimension specified as 1 but tensor has no dimensions")
        c = x.shape[cdim]
        if weight is not None and weight._data.size != c:
            raise RuntimeError(
                f"cross_entropy: weight tensor should be defined either for all {c} classes or no "
                f"classes but got weight tensor of shape: {list(weight._data.shape)}")
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction,
                                    label_smoothing, cdim, c)
    if x.ndim == 0:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    c = x.shape[cdim]
    if t.dtype.kind == "f" and t.ndim == x.ndim:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    logp = _log_softmax(input, cdim)
    nll = _nll(logp, target, weight, ignore_index, reduction, "")
    if label_smoothing <= 0.0:
        return nll
    wshape = [1] * x.ndim
    wshape[cdim] = c
    smooth = logp * weight.reshape(wshape) if weight is not None else logp
    smooth = -smooth.sum(cdim)
    ignore = _wrap(t == ignore_index)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "mean":
        if weight is not None:
            keep = t[t != ignore_index].reshape(-1).astype(np.int64)
            ret = smooth.sum() / weight[_wrap(keep)].sum()
        else:
            ret = smooth.sum() / float((t != ignore_index).sum())
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / c)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, s, cdim, c):
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)
    if s > 0.0:
        target = target * (1 - s) + s / c
    logp = _log_softmax(input, cdim)
    prod = logp * target
    if weight is not None:
        wshape = [1] * input._data.ndim
        wshape[cdim] = c
        prod = prod * weight.reshape(wshape)
    if reduction == "mean":  # divided by a C++ scalar in PyTorch: its node is DivBackward1
        return rename(-prod.sum() / (input._data.size / c), "DivBackward1")
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(cdim)
