"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

    attention(Q, K, V) = softmax(Q K^T * scale + mask) V,      scale = 1 / sqrt(E) by default

``scaled_dot_product_attention`` checks its arguments as PyTorch does, turns a boolean mask
(``True`` = take part) into an additive one (0 or ``-inf``), and calls the one-node primitive
``numtorch._ops.attention.scaled_dot_product_attention``.  ``multi_head_attention_forward`` is
the maths of ``nn.MultiheadAttention``: project the inputs, split the embedding into heads,
attend, and project back:

    head_i = attention(X_q W_q,i, X_k W_k,i, X_v W_v,i),    out = concat(head_1..head_h) W_o^T + b_o

Its boolean masks have the opposite sense (``True`` = masked out).  Without ``need_weights`` it
runs through the fused primitive; with them, through softmax and batched matmuls, so the
weights can be returned (averaged over heads or one map per head).

Example:
    >>> import numtorch
    >>> q = numtorch.ones(1, 1, 2, 4)
    >>> v = numtorch.tensor([[[[0.0, 0.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0]]]])
    >>> scaled_dot_product_attention(q, q, v).tolist()
    [[[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]]]
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from numtorch import _dtype
from numtorch._dtype import type_word
from numtorch._dtype import typemeta_name as c10_name
from numtorch._ops._core import check_broadcast
from numtorch._ops.attention import fused_cpu
from numtorch._ops.attention import scaled_dot_product_attention as _sdpa
from numtorch._ops.movement import cat
from numtorch._tensor import Tensor, _wrap
from numtorch.nn.attention import check_backend_available

from ._dropout import dropout
from ._linear import linear
from ._padding import pad
from ._softmax import softmax

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


# ---------------------------------------------------------------------------------------------
# scaled dot-product attention
# ---------------------------------------------------------------------------------------------

def _arg_type(name: str, want: str, x, pos: int | None = None) -> TypeError:
    where = f" (position {pos})" if pos else ""
    return TypeError(f"scaled_dot_product_attention(): argument '{name}'{where} must be {want}, "
                     f"not {type(x).__name__}")


def _check_sdpa_args(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    for pos, (name, t) in enumerate((("query", query), ("key", key), ("value", value)), 1):
        if not isinstance(t, Tensor):
            raise _arg_type(name, "Tensor", t, pos)
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        raise _arg_type("attn_mask", "Tensor", attn_mask)
    if not isinstance(dropout_p, numbers.Real):
        raise _arg_type("dropout_p", "float", dropout_p)
    for name, b in (("is_causal", is_causal), ("enable_gqa", enable_gqa)):
        if not isinstance(b, (bool, np.bool_)):
            raise _arg_type(name, "bool", b)
    if scale is not None and not isinstance(scale, numbers.Real):
        raise _arg_type("scale", "float", scale)


def _check_sdpa(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None,
                dropout_p: float, is_causal: bool, gqa: bool, mask_grad: bool) -> None:
    """PyTorch's checks, in its order: dtypes, ranks, the mask, heads, then the products."""
    dq, dk, dv = q.dtype, k.dtype, v.dtype
    if not dq == dk == dv:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{c10_name(dq)} key.dtype: {c10_name(dk)} and value.dtype: {c10_name(dv)} instead.")
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{q.ndim} key.dim: {k.ndim} and value.dim: {v.ndim} instead.")
    if mask is not None:
        md = mask.dtype
        if not (md == np.bool_ or md == np.float32 or md == dq):
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {c10_name(md)} and  query.dtype: {c10_name(dq)} instead.")
        if mask.ndim == 0:
            raise IndexError("Dimension specified as -2 but tensor has no dimensions")
        if mask.ndim == 1:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], "
                             "but got -2)")
    if dq.kind != "f":
        raise RuntimeError(f"expected scalar type {type_word(_dtype.get_default_dtype())} but "
                           f"found {type_word(dq)}")
    if is_causal and mask is not None and not fused_cpu(q, k, v, mask_grad, dropout_p):
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    hk_eff = k.shape[:-2]
    hv_eff = v.shape[:-2]
    if gqa:
        for t in (q, k, v):
            if t.ndim < 3:
                raise IndexError(f"Dimension out of range (expected to be in range of "
                                 f"[{-t.ndim}, {t.ndim - 1}], but got -3)")
        hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
        if not (hq == hk == hv or (hq % hk == 0 and hq % hv == 0)):
            raise RuntimeError("Number of heads in key and value must divide the number of "
                               "heads in ")
        hk_eff = k.shape[:-3] + (hq,)
        hv_eff = v.shape[:-3] + (hq,)
    lead = _broadcast(q.shape[:-2], hk_eff)
    bs = int(np.prod(lead, dtype=np.int64))
    two_d = q.ndim == 2 and k.ndim == 2
    if q.shape[-1] != k.shape[-1]:
        if two_d:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({q.shape[0]}x"
                               f"{q.shape[1]} and {k.shape[1]}x{k.shape[0]})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{bs}, {q.shape[-1]}] but got: [{bs}, {k.shape[-1]}].")
    scores = lead + (q.shape[-2], k.shape[-2])
    if mask is not None:
        check_broadcast(scores, mask.shape)
        full = np.broadcast_shapes(scores, mask.shape)
        if full != scores:
            raise RuntimeError(f"output with shape {list(scores)} doesn't match the broadcast "
                               f"shape {list(full)}")
    if dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if dropout_p < 0.0 and fused_cpu(q, k, v, mask_grad, dropout_p):
        raise RuntimeError("scaled_dot_product_attention_flash_attention: Currently do not "
                           "support dropout > 0")
    lead_v = _broadcast(lead, hv_eff)
    if v.shape[-2] != k.shape[-2]:
        if two_d and v.ndim == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({q.shape[0]}x"
                               f"{k.shape[0]} and {v.shape[0]}x{v.shape[1]})")
        bsv = int(np.prod(lead_v, dtype=np.int64))
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{bsv}, {k.shape[-2]}] but got: [{bsv}, {v.shape[-2]}].")


def _broadcast(a: tuple, b: tuple) -> tuple:
    check_broadcast(a, b)
    return np.broadcast_shapes(a, b)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(Q K^T * scale + mask) V``, with dropout on the attention probabilities.

    Args:
        query: ``(N, ..., Hq, L, E)``.
        key: ``(N, ..., H, S, E)``.
        value: ``(N, ..., H, S, Ev)``.
        attn_mask: broadcastable to ``(N, ..., Hq, L, S)``: boolean (``True`` takes part in
            attention, ``False`` is masked out) or float (added to the scores).  A row with
            every position masked out gives zeros.
        dropout_p: probability of zeroing each attention probability (always applied when
            positive: pass 0 outside training).  The mask is drawn as PyTorch draws it.
        is_causal: query ``i`` attends to keys ``0..i`` (upper-left aligned when ``L != S``).
            With ``attn_mask`` too, PyTorch raises an error except where its fused CPU kernel
            runs (4-D inputs, no dropout), which applies both; so does this.
        scale: the factor on ``Q K^T``; ``1 / sqrt(E)`` when None.
        enable_gqa: grouped-query attention: ``H`` divides ``Hq`` and each key/value head
            serves ``Hq / H`` consecutive query heads.

    Returns:
        ``(N, ..., Hq, L, Ev)``.

    Example:
        >>> import numtorch
        >>> _ = numtorch.manual_seed(0)
        >>> q = numtorch.randn(2, 4, 8, 16)
        >>> scaled_dot_product_attention(q, q, q, is_causal=True).shape
        torch.Size([2, 4, 8, 16])
    """
    check_backend_available()  # inside nn.attention.sdpa_kernel: is a kernel allowed?
    _check_sdpa_args(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    q = query._data
    mask = None if attn_mask is None else attn_mask._data
    _check_sdpa(q, key._data, value._data, mask, dropout_p, is_causal, enable_gqa,
                attn_mask is not None and attn_mask.requires_grad)
    if mask is not None and mask.dtype == np.bool_:
        work = np.dtype(np.float32) if q.dtype == np.float16 else q.dtype
        attn_mask = np.where(mask, work.type(0), work.type(-np.inf))
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1]) if q.shape[-1] else math.inf
    return _sdpa(query, key, value, attn_mask, float(dropout_p) if dropout_p > 0 else 0.0,
                 bool(is_causal), float(scale), bool(enable_gqa))


# ---------------------------------------------------------------------------------------------
# multi-head attention
# ---------------------------------------------------------------------------------------------

def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor, key_padding_mask, attn_mask,
                     num_heads: int) -> bool:
    """Whether the inputs are batched, or PyTorch's AssertionError for inconsistent ranks."""
    qd, kd, vd = query.dim(), key.dim(), value.dim()
    if qd == 3:
        if kd != 3 or vd != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D"
                                 f" but found {kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if qd == 2:
        if kd != 2 or vd != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     "instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                         f"{attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{qd}-D query tensor")


def _canonical_mask(mask: Tensor | None, mask_name: str, other_type, other_name: str,
                    target_type, check_other: bool = True) -> Tensor | None:
    """A boolean mask as an additive float mask of ``target_type`` (``True`` becomes ``-inf``);
    a float mask unchanged; any other dtype is PyTorch's AssertionError."""
    if mask is None:
        return None
    kind = mask._data.dtype.kind
    if kind != "b" and kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=2)
    if kind == "b":
        npt = _dtype.as_np(target_type)
        return _wrap(np.where(mask._data, npt.type(-np.inf), npt.type(0)))
    return mask


def _none_or_dtype(input: Tensor | None):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _in_projection_packed(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | None = None):
    """``q W_q^T + b_q``, ``k W_k^T + b_k``, ``v W_v^T + b_v`` with the weights packed
    ``(3E, E)`` in q, k, v order; one GEMM when ``q is k is v``, two when ``k is v``."""
    e = q.size(-1)
    if k is v:
        if q is k:
            proj = linear(q, w, b)
            return proj.chunk(3, -1)
        w_q, w_kv = w.split([e, e * 2])
        b_q, b_kv = (None, None) if b is None else b.split([e, e * 2])
        k_proj, v_proj = linear(k, w_kv, b_kv).chunk(2, -1)
        return linear(q, w_q, b_q), k_proj, v_proj
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    """Three separate projections, with PyTorch's shape assertions on the weights."""
    eq, ek, ev = q.size(-1), k.size(-1), v.size(-1)
    for w, want, name in ((w_q, (eq, eq), "query"), (w_k, (eq, ek), "key"),
                          (w_v, (eq, ev), "value")):
        if tuple(w.shape) != want:
            raise AssertionError(f"expecting {name} weights shape of {want}, but got {w.shape}")
    for b, name in ((b_q, "query"), (b_k, "key"), (b_v, "value")):
        if b is not None and tuple(b.shape) != (eq,):
            raise AssertionError(f"expecting {name} bias shape of {(eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _check_static(t: Tensor, which: str, rows: int, head_dim: int) -> None:
    if t.size(0) != rows:
        raise AssertionError(f"expecting static_{which}.size(0) of {rows}, but got {t.size(0)}")
    if t.size(2) != head_dim:
        raise AssertionError(f"expecting static_{which}.size(2) of {head_dim}, but got "
                             f"{t.size(2)}")


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """The forward pass of ``nn.MultiheadAttention`` (sequence-first layout).

    Args:
        query, key, value: ``(L, N, E)``, ``(S, N, Ek)``, ``(S, N, Ev)``, or unbatched
            ``(L, E)``, ``(S, Ek)``, ``(S, Ev)``.
        embed_dim_to_check: the expected ``E``.
        num_heads: heads; ``E`` must be divisible by it.
        in_proj_weight, in_proj_bias: the packed ``(3E, E)`` projection and ``(3E,)`` bias.
        bias_k, bias_v: ``(1, 1, E)`` rows appended to the projected keys and values.
        add_zero_attn: append a zero key and value after the projection and split.
        dropout_p: dropout on the attention probabilities (only when ``training``).
        out_proj_weight, out_proj_bias: the output projection.
        key_padding_mask: ``(N, S)`` or ``(S,)``: ``True`` (or a float added to the scores)
            marks a key to ignore.
        need_weights: also return the attention weights.
        attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``: ``True`` is not allowed to attend;
            a float mask is added.
        use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight: separate
            projections (when the key and value sizes differ from ``E``).
        static_k, static_v: ``(N * num_heads, S, E / num_heads)`` keys and values used as
            they are instead of projecting ``key`` and ``value``.
        average_attn_weights: return the weights averaged over heads ``(N, L, S)`` instead of
            ``(N, num_heads, L, S)``.
        is_causal: a hint that ``attn_mask`` is the causal mask (which must still be given).

    Returns:
        ``(attn_output, attn_weights or None)``.
    """
    return _mha_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                        in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
                        out_proj_bias, training, key_padding_mask, need_weights, attn_mask,
                        use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight,
                        static_k, static_v, average_attn_weights, is_causal, False)


def _mha_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                 training, key_padding_mask, need_weights, attn_mask, use_separate_proj_weight,
                 q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
                 average_attn_weights, is_causal, _nan_rows):
    """``multi_head_attention_forward``; ``_nan_rows`` computes the attention through the plain
    softmax, whose fully masked rows are ``nan``, as PyTorch's fused inference kernel does
    (NOTE [ the inference fast path ] in ``numtorch.nn.modules.attention``)."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights and not _nan_rows:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    # in-projection
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for w, name in ((q_proj_weight, "q"), (k_proj_weight, "k"), (v_proj_weight, "v")):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, b_q, b_k, b_v)

    # the attention mask as 3-D
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            want = (bsz * num_heads, tgt_len, src_len)
            if tuple(attn_mask.shape) != want:
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {want}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    # learned bias rows for the keys and values
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = _cat0(k, bias_k.repeat(1, bsz, 1))
        v = _cat0(v, bias_v.repeat(1, bsz, 1))
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    # heads: (L, N, E) -> (N * heads, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        _check_static(static_k, "k", bsz * num_heads, head_dim)
        k = static_k
    if static_v is None:
        v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        _check_static(static_v, "v", bsz * num_heads, head_dim)
        v = static_v

    if add_zero_attn:
        zeros = k.new_zeros((bsz * num_heads, 1, head_dim))
        k = _cat(k, zeros, 1)
        v = _cat(v, v.new_zeros((bsz * num_heads, 1, head_dim)), 1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.size(1)

    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = (key_padding_mask.view(bsz, 1, 1, src_len)
                            .expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len))
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0

    if need_weights or _nan_rows:
        e = q.shape[-1]
        scores = (q * math.sqrt(1.0 / float(e))).matmul(k.transpose(-2, -1))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = weights.matmul(v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
        if not need_weights:
            return (out if is_batched else out.squeeze(1)), None
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _cat(a: Tensor, b: Tensor, dim: int) -> Tensor:
    return cat([a, b], dim)


def _cat0(a: Tensor, b: Tensor) -> Tensor:
    return _cat(a, b, 0)
