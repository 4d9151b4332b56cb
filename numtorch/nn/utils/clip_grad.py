"""Gradient clipping: rescale or clamp ``.grad`` in place before an optimizer step.

``clip_grad_norm_`` treats all the gradients as one long vector: when its p-norm
exceeds ``max_norm`` every gradient is multiplied by ``max_norm / (norm + 1e-6)``.
``clip_grad_value_`` clamps each element to ``[-clip_value, clip_value]``.

Example:
    >>> import numtorch
    >>> w = numtorch.zeros(2, requires_grad=True)
    >>> w.grad = numtorch.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0).item()
    5.0
    >>> [round(v, 4) for v in w.grad.tolist()]
    [0.6, 0.8]
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from numtorch._tensor import Tensor, _wrap

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _as_list(tensors) -> list:
    if isinstance(tensors, Tensor):
        return [tensors]
    return list(tensors)


def _norm(a: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of all of ``a``'s elements, in ``a``'s dtype (0-d)."""
    a = np.abs(a.reshape(-1))
    if p == math.inf:
        r = a.max() if a.size else 0.0
    elif p == -math.inf:
        if not a.size:
            raise RuntimeError("linalg.vector_norm cannot compute the -inf norm on an empty tensor "
                               "because the operation does not have an identity")
        r = a.min()
    elif p == 0:
        r = (a != 0).sum()
    elif p == 1:
        r = a.sum()
    elif p == 2:
        r = np.sqrt((a * a).sum())
    else:
        with np.errstate(divide="ignore"):  # a negative p turns a zero into inf, then 0
            r = (a ** p).sum() ** (1.0 / p)
    return np.asarray(r, dtype=a.dtype)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The ``norm_type``-norm of the norms of ``tensors``: their norm as one concatenated vector."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return _wrap(np.asarray(0.0, np.float32))
    norms = np.stack([_norm(t._data, norm_type) for t in tensors])
    total = _norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    return _wrap(total)


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor, foreach=None) -> None:
    """Multiply each gradient by ``min(1, max_norm / (total_norm + 1e-6))``, in place."""
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    tn = total_norm._data
    coef = np.minimum(np.asarray(max_norm, tn.dtype) / (tn + np.asarray(1e-6, tn.dtype)), 1.0)
    for g in grads:
        d = g._data
        np.multiply(d, coef.astype(d.dtype), out=d)
        g._bump()


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale the gradients of ``parameters`` so their total ``norm_type``-norm is ``<= max_norm``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped.
        max_norm: the largest allowed total norm.
        norm_type: p of the norm (``inf`` for the largest absolute value).
        error_if_nonfinite: raise if the total norm is nan or inf.

    Returns:
        The total norm before clipping (a 0-d tensor).
    """
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_``."""
    import warnings

    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Iterable | Tensor, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element of ``parameters`` to ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            d = p.grad._data
            np.clip(d, -clip_value, clip_value, out=d)
            p.grad._bump()
