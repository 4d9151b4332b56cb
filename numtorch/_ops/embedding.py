"""Embedding-bag primitive: ``embedding_bag``, bags of table rows reduced in one node.

NOTE [ embedding_bag ]
``embedding_bag`` reduces bags of looked-up rows without materialising the ``(n, D)`` lookup
as a graph node: one primitive, ``EmbeddingBagBackward0``.  A 1-D ``input`` is cut into bags
by ``offsets`` (bag ``b`` starts at ``offsets[b]``; index ``i`` belongs to the last bag whose
offset is ``<= i``, so a repeated offset makes an empty bag); a 2-D ``(B, N)`` input is ``B``
bags of ``N``.  With ``include_last_offset`` the last offset marks the end of the input
(indices past it, which PyTorch's kernels treat inconsistently, fall into the last bag).
Indices equal to ``padding_idx`` are left out of every bag (and of a mean's count).  Per bag:

    sum:  out[b] = sum_i psw[i] * W[idx[i]]       mean: out[b] = sum_i W[idx[i]] / max(count, 1)
    max:  out[b, d] = max_i W[idx[i], d]          (the first maximum wins; empty bags give 0)

Gradients: ``W[idx[i]]`` receives ``g[b] * psw[i]`` (sum) or ``g[b] / count[b]`` (mean, the
factor rounded to the weight's dtype first, as PyTorch's CPU kernel does), the argmax row of
each dim receives ``g[b, d]`` (max), and ``psw[i]`` receives ``g[b] . W[idx[i]]``.  Under
``scale_grad_by_freq`` PyTorch's CPU kernel divides the gradient of the ``k``-th smallest
distinct index by the count of the ``k``-th entry of the sorted index list (not always that
index's own count); numtorch divides the same way, so that gradients agree with PyTorch's.
``sparse=True`` is accepted; the gradient is dense.

Example:
    >>> import numpy as np
    >>> import numtorch
    >>> w = numtorch.arange(6.0).reshape(3, 2)
    >>> embedding_bag(w, np.array([0, 2, 1]), np.array([0, 2]), 0, None, False, -1, False).tolist()
    [[4.0, 6.0], [2.0, 3.0]]
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state as _grad_state
from ._core import record

__all__ = ["embedding", "embedding_bag"]


def _freq_divisor(idx: np.ndarray, num_weights: int) -> np.ndarray:
    """Per row, what ``scale_grad_by_freq`` divides its gradient by (NOTE [ embedding_bag ])."""
    s = np.sort(idx, kind="stable")
    counts = np.bincount(s, minlength=num_weights)
    uniq = np.unique(s)
    div = np.ones(num_weights, np.float64)
    div[uniq] = counts[s[:uniq.size]]
    return div


def embedding_bag(weight: Tensor, idx: np.ndarray, offs: np.ndarray, mode: int,
                   psw: Tensor | None, include_last_offset: bool, padding_idx: int,
                   scale_grad_by_freq: bool) -> Tensor:
    """Bags of rows of ``weight`` reduced by ``mode`` (0 sum, 1 mean, 2 max); arguments checked.

    ``idx`` and ``offsets`` are int arrays of one dtype, ``padding_idx`` -1 for none.
    """
    w = weight._data
    n, d = idx.shape[0], w.shape[1]
    nbags = offs.shape[0] - (1 if include_last_offset else 0)
    bag = np.searchsorted(offs[:nbags], np.arange(n), side="right") - 1
    keep = idx != padding_idx if padding_idx >= 0 else np.ones(n, bool)
    counts = np.bincount(bag[keep], minlength=nbags)[:nbags] if n else np.zeros(nbags, np.int64)
    acc = np.float32 if w.dtype == np.float16 else w.dtype  # half precision sums in float32
    kb, ki = bag[keep], idx[keep]
    rows = w[ki].astype(acc, copy=False)
    argmax = None
    if mode == 2:
        out = np.zeros((nbags, d), acc)
        if ki.size:
            top = np.full((nbags, d), -np.inf, acc)
            np.maximum.at(top, kb, rows)
            pos = np.where(rows == top[kb], np.arange(ki.size)[:, None], ki.size)
            first = np.full((nbags, d), ki.size, np.int64)
            np.minimum.at(first, kb, pos)
            filled = counts > 0
            out[filled] = top[filled]
            argmax = np.where(first < ki.size, ki[np.minimum(first, ki.size - 1)], 0)
    else:
        if psw is not None:
            rows = rows * psw._data[keep].astype(acc, copy=False)[:, None]
        out = np.zeros((nbags, d), acc)
        np.add.at(out, kb, rows)
        if mode == 1:
            out /= np.maximum(counts, 1).astype(acc)[:, None]
    out = out.astype(w.dtype, copy=False)
    ins = (weight,) if psw is None else (weight, psw)
    if not (_grad_state.enabled and any(t._requires_grad for t in ins)):
        return _wrap(out)
    div = _freq_divisor(idx, w.shape[0]) if scale_grad_by_freq else None

    def vjp(g, needs):
        gw = gp = None
        if needs[0]:
            gw = np.zeros(w.shape, g.dtype)
            if mode == 2:
                if argmax is not None:
                    live = counts > 0
                    cols = np.broadcast_to(np.arange(d), argmax.shape)
                    np.add.at(gw, (argmax[live], cols[live]), g[live])
            else:
                scale = np.ones(ki.size, np.float64)
                if psw is not None:
                    scale = scale * psw._data[keep]
                if div is not None:
                    scale = scale / div[ki]
                if mode == 1:
                    scale = scale / np.maximum(counts, 1)[kb]
                np.add.at(gw, ki, g[kb] * scale.astype(g.dtype)[:, None])
        if psw is not None and needs[1]:
            gp = np.zeros(n, g.dtype)
            gp[keep] = np.einsum("ij,ij->i", g[kb], w[ki])
        return (gw, gp) if psw is not None else (gw,)

    return record(out, "EmbeddingBagBackward0", vjp, ins, ins)


def embedding(input: Tensor, weight: Tensor, padding_idx: int, scale_grad_by_freq: bool) -> Tensor:
    """Rows of ``weight`` picked by the indices ``input``: ``out[..., :] = weight[input[...], :]``.

    Its gradient scatters the incoming rows back into a zero table, adding where an index
    repeats: ``dL/dW[r] = sum over positions p with input[p] = r of g[p]``, the ``padding_idx``
    row (when ``>= 0``) left at zero and, with ``scale_grad_by_freq``, each row divided by how
    often it was looked up.  Arguments are validated by ``nn.functional.embedding``.
    """
    idx = input._data
    n = weight._data.shape[0]
    w = weight._data
    out = w[idx]
    if not (_grad_state.enabled and weight._requires_grad):
        return _wrap(out)

    def vjp(g, needs):
        flat = idx.reshape(-1)
        g2 = g.reshape(-1, w.shape[1])
        if scale_grad_by_freq:
            counts = np.bincount(flat, minlength=n)
            g2 = g2 / counts[flat][:, None]
        if padding_idx >= 0:
            keep = flat != padding_idx
            flat, g2 = flat[keep], g2[keep]
        gw = np.zeros(w.shape, g.dtype)
        np.add.at(gw, flat, g2)
        return (None, gw)

    return record(out, "EmbeddingBackward0", vjp, (input, weight), ())
