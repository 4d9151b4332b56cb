"""Attention primitive: ``scaled_dot_product_attention`` as one graph node.

For a query ``Q`` ``(..., Hq, L, E)``, key ``K`` ``(..., Hk, S, E)`` and value ``V``
``(..., Hv, S, Ev)``, with an additive bias ``M`` broadcast to ``(..., Hq, L, S)``:

    A = Q K^T * scale + M                     (scores)
    P = softmax(A) along the last axis        (a row with every score -inf gives P = 0)
    D = P * m / (1 - p)                       (dropout, m ~ Bernoulli(1 - p); D = P when p = 0)
    O = D V

The whole chain is one primitive, so a training step records one node per attention call and
keeps only ``P`` (and the dropout mask) for the backward pass.  Argument checks, boolean masks
and PyTorch's error messages live in ``numtorch.nn.functional._attention``; the function here
takes validated arrays.

NOTE [ the attention gradient ]
With ``G = dL/dO``:

    dL/dV = D^T G
    dL/dD = G V^T,          dL/dP = dL/dD * m / (1 - p)
    dL/dA = P * (dL/dP - rowsum(dL/dP * P))               (the softmax Jacobian, row by row)
    dL/dQ = dL/dA K * scale,    dL/dK = dL/dA^T Q * scale,    dL/dM = dL/dA

Every product is a batched ``np.matmul`` over the leading axes.  A row whose scores are all
``-inf`` has ``P = 0`` and therefore a zero gradient.

NOTE [ operand layout ]
``np.matmul`` hands a stack of matrices to BLAS one matrix at a time, and does so directly
when the first operand is a transposed view (``D^T G``, ``dL/dA^T Q``), but not when the
second one is: ``Q K^T`` with ``K^T`` a strided view of a contiguous ``K`` took 2.4 times as
long, at one thread, for 128 heads of 64 x 32, as copying ``K^T`` contiguous first and
multiplying.  So ``K^T`` and ``V^T`` are copied (a small array: ``S x E`` per head).

NOTE [ grouped-query heads ]
With ``Hq = G * Hk`` query heads sharing each key head (grouped-query attention), query head
``h`` reads key head ``h // G``.  Instead of repeating ``K`` ``G`` times, the query is viewed as
``(..., Hk, G, L, E)`` and the key as ``(..., Hk, 1, S, E)``: ``np.matmul`` broadcasts the key
over the group axis.  The key's gradient comes back with the group axis and is summed over it.
The value is grouped the same way with its own ``Hv``.

Example:
    >>> import numpy as np
    >>> import numtorch
    >>> q = numtorch.ones(1, 2, 3)
    >>> v = numtorch.tensor([[[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]])
    >>> scaled_dot_product_attention(q, q, v, None, 0.0, False, 1.0, False).tolist()
    [[[2.0, 3.0, 4.0], [2.0, 3.0, 4.0]]]
"""

from __future__ import annotations

import functools

import numpy as np

from .._tensor import Tensor, _wrap
from ._core import record
from ._fpstate import quiet

__all__ = ["scaled_dot_product_attention", "causal_bias", "fused_cpu"]


@functools.lru_cache(maxsize=32)
def causal_bias(n_query: int, n_key: int, dtype: np.dtype) -> np.ndarray:
    """The ``(L, S)`` additive mask of upper-left causal attention: ``-inf`` where ``j > i``.

    Query ``i`` sees keys ``0..i`` (the lower triangle of an ``L x S`` matrix of ones, aligned
    at the top-left corner when ``L != S``).  Cached and read-only.
    """
    out = np.zeros((n_query, n_key), dtype)
    out[np.triu_indices(n_query, 1, n_key)] = -np.inf
    out.flags.writeable = False
    return out


def _grouped(x: np.ndarray, heads: int) -> np.ndarray:
    """``(..., H, R, C)`` viewed as ``(..., heads, H // heads, R, C)``."""
    s = x.shape
    return x.reshape(s[:-3] + (heads, s[-3] // heads) + s[-2:])


def _merged(x: np.ndarray) -> np.ndarray:
    """``(..., A, B, R, C)`` viewed as ``(..., A * B, R, C)``: the inverse of ``_grouped``."""
    s = x.shape
    return x.reshape(s[:-4] + (s[-4] * s[-3],) + s[-2:])


def _one_group(x: np.ndarray) -> np.ndarray:
    """``(..., H, R, C)`` viewed as ``(..., H, 1, R, C)``."""
    s = x.shape
    return x.reshape(s[:-2] + (1,) + s[-2:])


def fused_cpu(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask_grad: bool,
              dropout_p: float) -> bool:
    """Whether PyTorch's CPU dispatcher picks its fused (flash) kernel rather than the composite
    one: same-batch 4-D inputs, no dropout, equal head widths, no mask gradient."""
    return (q.ndim == k.ndim == v.ndim == 4 and dropout_p <= 0.0 and not mask_grad
            and q.shape[0] == k.shape[0] == v.shape[0] and q.shape[-1] == v.shape[-1])


def _node_name(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask_grad: bool,
               dropout_p: float) -> str:
    """PyTorch's node name: one node for its fused kernel; otherwise its composite path ends
    with a (batched) matmul."""
    if fused_cpu(q, k, v, mask_grad, dropout_p):
        return "ScaledDotProductFlashAttentionForCpuBackward0"
    return "MmBackward0" if max(q.ndim, k.ndim, v.ndim) == 2 else "UnsafeViewBackward0"


@quiet
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 mask: Tensor | np.ndarray | None, dropout_p: float,
                                 is_causal: bool, scale: float, gqa: bool) -> Tensor:
    """``softmax(Q K^T * scale + mask) V`` with dropout on the probabilities; one graph node.

    Args:
        query, key, value: float tensors of one dtype, at least 2-D, whose leading axes
            broadcast (see NOTE [ grouped-query heads ] for ``gqa``).
        mask: an additive float mask broadcastable to the scores (a Tensor, which may require
            grad, or an array), or None.
        dropout_p: the probability of zeroing a probability; the mask is drawn from the global
            generator with ``bernoulli_(1 - p)`` on a tensor of the scores' shape, as PyTorch's
            composite kernel draws it.
        is_causal: add the upper-left causal mask (to ``mask``, if there is one).
        scale: the factor applied to ``Q K^T``.
        gqa: query heads are grouped over fewer key/value heads.
    """
    q, k, v = query._data, key._data, value._data
    dt = q.dtype
    if dt == np.float16:  # half precision is computed in float32, as PyTorch's math kernel does
        q, k, v = q.astype(np.float32), k.astype(np.float32), v.astype(np.float32)
    hk = hv = 0
    if gqa and q.ndim >= 3:
        hq = q.shape[-3]
        hk = k.shape[-3] if k.shape[-3] != hq else 0
        hv = v.shape[-3] if v.shape[-3] != hq else 0
    qg = _grouped(q, hk) if hk else q
    kg = _one_group(k) if hk else k
    a = np.matmul(qg, np.ascontiguousarray(np.swapaxes(kg, -1, -2)))  # NOTE [ operand layout ]
    if hk:
        a = _merged(a)
    a *= scale
    mask_t = mask if isinstance(mask, Tensor) else None
    bias = mask_t._data if mask_t is not None else mask
    if is_causal:
        a += causal_bias(a.shape[-2], a.shape[-1], a.dtype)
    if bias is not None:
        a += bias  # the caller checked that the mask broadcasts to the scores' shape
    masked = is_causal or bias is not None
    # softmax in place; rows with no finite score give zeros (NOTE [ the attention gradient ])
    m = a.max(axis=-1, keepdims=True) if a.shape[-1] else np.zeros(a.shape[:-1] + (1,), a.dtype)
    dead = None
    if masked:
        dead = np.isneginf(m)
        if dead.any():
            m[dead] = 0.0
        else:
            dead = None
    a -= m
    np.exp(a, out=a)
    z = a.sum(axis=-1, keepdims=True)
    if dead is not None:
        z[dead] = 1.0
    a /= z
    p = a
    noise = None
    if dropout_p > 0.0:
        if dropout_p == 1.0:
            noise = np.zeros((), p.dtype)
        else:
            noise = _wrap(np.empty(p.shape, p.dtype)).bernoulli_(1 - dropout_p)._data
            noise /= 1 - dropout_p
        d = p * noise
    else:
        d = p
    vg = _one_group(v) if hv else v
    out = np.matmul(_grouped(d, hv) if hv else d, vg)
    if hv:
        out = _merged(out)
    if out.dtype != dt:
        out = out.astype(dt)
    ins = (query, key, value) if mask_t is None else (query, key, value, mask_t)

    def vjp(g, needs):
        if g.dtype != p.dtype:
            g = g.astype(p.dtype)
        gv = _grouped(g, hv) if hv else g
        dv = None
        if needs[2]:
            dv = np.matmul(np.swapaxes(_grouped(d, hv) if hv else d, -1, -2), gv)
            if hv:
                dv = dv.sum(axis=-3)
        if not (needs[0] or needs[1] or (mask_t is not None and needs[3])):
            return (None, None, dv) + ((None,) if mask_t is not None else ())
        dp = np.matmul(gv, np.ascontiguousarray(np.swapaxes(vg, -1, -2)))
        if hv:
            dp = _merged(dp)
        if noise is not None:
            dp *= noise
        dp -= (dp * p).sum(axis=-1, keepdims=True)
        dp *= p  # now dL/dA
        da = _grouped(dp, hk) if hk else dp
        dq = dk = None
        if needs[0]:
            dq = np.matmul(da, kg)
            if hk:
                dq = _merged(dq)
            dq *= scale
        if needs[1]:
            dk = np.matmul(np.swapaxes(da, -1, -2), qg)
            if hk:
                dk = dk.sum(axis=-3)
            dk *= scale
        if mask_t is None:
            return dq, dk, dv
        return dq, dk, dv, (dp if needs[3] else None)

    name = _node_name(q, k, v, mask_t is not None and mask_t._requires_grad, dropout_p)
    return record(out, name, vjp, ins, ins[:3])  # the vjp never reads the mask
