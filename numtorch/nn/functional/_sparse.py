"""Index-based ops: ``embedding`` (a table lookup), ``embedding_bag`` (bags of lookups reduced)
and ``one_hot``.

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

from numtorch._dtype import type_word as _tname
from numtorch._ops.embedding import embedding as _embedding
from numtorch._ops.embedding import embedding_bag as _embedding_bag
from numtorch._tensor import Tensor, _wrap


def _embedding_renorm(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and untracked, the looked-up rows whose norm exceeds ``max_norm``."""
    w = weight._data
    rows = np.unique(idx)
    sub = w[rows]
    if norm_type == 2:
        norms = np.sqrt((sub * sub).sum(axis=1))
    else:
        norms = (np.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():  # the factor in double precision, rounded once, as PyTorch computes it
        scale = (max_norm / (norms[big].astype(np.float64) + 1e-7)).astype(w.dtype)
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
    return _embedding(input, weight, padding_idx, scale_grad_by_freq)


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


# -- embedding_bag ----------------------------------------------------------------------------
# Argument checks here; the primitive, and NOTE [ embedding_bag ], in numtorch._ops.embedding.
_MODES = {"sum": 0, "mean": 1, "max": 2}


def _tensor_type(a: np.ndarray) -> str:
    """PyTorch's legacy tensor-type name of an array's dtype (``torch.LongTensor``)."""
    return f"torch.{_tname(a)}Tensor"


def _index_pair_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    """The dtype indices and offsets are promoted to together (PyTorch's promotion rule)."""
    if a == b:
        return a
    fa, fb = a.kind == "f", b.kind == "f"
    if fa != fb:
        return a if fa else b
    return np.promote_types(a, b)


def _bag_checks(idx: np.ndarray, offs: np.ndarray, weight: np.ndarray, psw, mode: int,
                include_last_offset: bool, padding_idx: int) -> None:
    """The checks PyTorch's kernel makes, in its order, with its messages."""
    pair = _index_pair_dtype(idx.dtype, offs.dtype)
    if pair not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {_tensor_type(np.empty(0, pair))} instead (while checking "
            "arguments for embedding_bag)")
    if weight.dtype.kind != "f":
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have one of the following scalar types: "
            f"Half, BFloat16, Float, Double; but got {_tensor_type(weight)} "
            "instead (while checking arguments for embedding_bag)")
    n = idx.shape[0]
    if offs.size:
        if offs[0] != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                f"from position 0. However, got {int(offs[0])}\n[ {_tensor_type(np.empty(0, pair))}"
                "{} ]")
        if offs[-1] > n:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                               f"offsets[-1] of {int(offs[-1])}")
    if psw is not None and psw.dtype != weight.dtype:
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have the same type as tensor for argument "
            f"#1 'per_sample_weights'; but type {_tensor_type(weight)} does not "
            f"equal {_tensor_type(psw)} (while checking arguments for "
            "embedding_bag)")
    if include_last_offset and offs.size < 1:
        raise RuntimeError("include_last_offset: number of offset should be at least 1")
    if offs.size > 1 and (np.diff(offs) < 0).any():
        raise RuntimeError("Expected i < index_size to be true, but got false.  (Could this error "
                           "message be improved?  If so, please report an enhancement request to "
                           "PyTorch.)")
    v = weight.shape[0]
    bad = np.flatnonzero((idx < 0) | (idx >= v))
    if bad.size:
        i = int(bad[0])
        if mode != 2 and weight.dtype == np.float32 and padding_idx < 0:
            raise RuntimeError(f"Index {i} of input takes value {int(idx[i])} which is not in "
                               f"the valid range [0, {v})")
        raise RuntimeError("embedding_bag: Expected idx >= 0 && idx < num_embeddings but found "
                           f"idx to be {int(idx[i])}")


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sum, average or max of bags of embedding rows, without building the lookup in between.

    A 1-D ``input`` holds the bags one after another, ``offsets[b]`` the position where bag
    ``b`` starts; a 2-D ``(B, N)`` input is ``B`` bags of ``N`` indices (``offsets`` must then
    be None).  See NOTE [ embedding_bag ] in ``numtorch._ops.embedding`` for the maths and
    the gradients.

    Args:
        input: int64 or int32 indices, 1-D with ``offsets`` or 2-D.
        weight: the ``(num_embeddings, D)`` table.
        offsets: int64/int32 start of each bag in a 1-D ``input``.
        max_norm: rows looked up are first rescaled in place to at most this norm.
        norm_type: the p of that norm.
        scale_grad_by_freq: divide gradients by index frequencies (not with ``"max"``).
        mode: ``"sum"``, ``"mean"`` (default) or ``"max"``.
        sparse: accepted; the gradient is dense.
        per_sample_weights: a weight per index, same shape as ``input`` (``"sum"`` only).
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: this index is left out of every bag.

    Shape:
        ``(B, D)``: one row per bag.

    Example:
        >>> import numtorch
        >>> w = numtorch.arange(6.0).reshape(3, 2)
        >>> embedding_bag(numtorch.tensor([0, 2, 1]), w, numtorch.tensor([0, 2]),
        ...               mode="sum").tolist()
        [[4.0, 6.0], [2.0, 3.0]]
    """
    if weight._data.dtype == np.int64 and input._data.dtype.kind == "f":
        import warnings
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.shape != per_sample_weights.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    idx = input._data
    psw = per_sample_weights
    if idx.ndim == 2:
        if offsets is not None:
            kind = "<class 'torch.Tensor'>" if isinstance(offsets, Tensor) else str(type(offsets))
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is "
                             "a mini-batch of fixed length sequences. However, found offsets of "
                             f"type {kind}")
        offs = np.arange(0, idx.size, idx.shape[1], dtype=idx.dtype)
        include_last_offset = False
        idx = idx.reshape(-1)
        if psw is not None:
            psw = psw.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offs = offsets._data
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{idx.ndim}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    m = _MODES[mode]
    if m == 2:
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    if psw is not None and m != 0:
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported "
            f"for mode='sum' (got mode='{mode}'). Please open a feature request on GitHub.")
    pad = -1
    if padding_idx is not None:
        if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
            raise TypeError("embedding_bag(): argument 'padding_idx' (position 9) must be int, "
                            f"not {type(padding_idx).__name__}")
        v = weight.shape[0]
        if not -v <= padding_idx < v:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{v} "
                               f"through {v - 1}, but got {padding_idx}")
        pad = int(padding_idx) % v
    _bag_checks(idx, offs, weight._data, None if psw is None else psw._data, m,
                include_last_offset, pad)
    pair = _index_pair_dtype(idx.dtype, offs.dtype)
    return _embedding_bag(weight, idx.astype(pair, copy=False), offs.astype(pair, copy=False), m,
                          psw, include_last_offset, pad, scale_grad_by_freq)
