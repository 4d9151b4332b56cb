"""Index-based ops: ``embedding`` (a table lookup) and ``one_hot``.

``embedding(idx, W)`` is ``W[idx]``: each index picks a row.  Its gradient scatters the
incoming rows back into a zero table, adding where an index repeats:

    dL/dW[r] = sum over positions p with idx[p] = r of g[p]

with the ``padding_idx`` row left at zero and, under ``scale_grad_by_freq``, each row divided
by how often it was looked up.  ``max_norm`` renormalises the rows looked up, in place and
outside autograd, before the lookup, as PyTorch does.  ``one_hot`` is the same idea without
weights: row ``i`` of the identity.

Example:
    >>> import numtorch
    >>> w = numtorch.arange(6.0).reshape(3, 2).requires_grad_()
    >>> embedding(numtorch.tensor([1, 1]), w).sum().backward()
    >>> w.grad.tolist()
    [[0.0, 0.0], [2.0, 2.0], [0.0, 0.0]]
"""

from __future__ import annotations

import numpy as np

from numtorch._ops._core import record
from numtorch._tensor import Tensor, _wrap

from ._helpers import _needs_graph, _tname


def _embedding_renorm(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and untracked, the looked-up rows whose norm exceeds ``max_norm``."""
    w = weight._data
    rows = np.unique(idx)
    sub = w[rows]
    norms = (np.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sub[big] * scale[:, None]
        weight._bump()


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight``: ``out[..., :] = weight[input[...], :]``.

    The row at ``padding_idx`` gets no gradient.  With ``max_norm``, rows looked up are first
    rescaled in place to norm at most ``max_norm``.  With ``scale_grad_by_freq``, each row's
    gradient is divided by how often it occurs in the batch.

    Example:
        >>> import numtorch
        >>> embedding(numtorch.tensor([2, 0]), numtorch.arange(6.0).reshape(3, 2)).tolist()
        [[4.0, 5.0], [0.0, 1.0]]
    """
    n = weight.shape[0] if weight._data.ndim else 0
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= n:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = n + padding_idx
    else:
        padding_idx = -1
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got torch.{_tname(idx)}Tensor instead (while checking arguments for "
            "embedding)")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    w = weight._data
    out = w[idx]
    if not _needs_graph(weight):
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


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``(*) -> (*, num_classes)`` int64 tensor with a 1 at each index.

    ``num_classes=-1`` takes one more than the largest index.

    Example:
        >>> import numtorch
        >>> one_hot(numtorch.tensor([0, 2]), 3).tolist()
        [[1, 0, 0], [0, 0, 1]]
    """
    t = tensor._data
    if t.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    if t.size:
        if t.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if t.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return _wrap((t[..., None] == np.arange(num_classes)).astype(np.int64))
