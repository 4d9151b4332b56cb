"""``MultiheadAttention``: attention over ``num_heads`` subspaces of the embedding at once.

    MultiHead(Q, K, V) = concat(head_1, ..., head_h) W_o^T + b_o
    head_i = softmax((Q W_q,i^T)(K W_k,i^T)^T / sqrt(d) + mask) (V W_v,i^T),    d = E / h

The module holds the projections (PyTorch's parameter names: ``in_proj_weight`` packing
``W_q, W_k, W_v`` as ``(3E, E)``, or ``q_proj_weight``/``k_proj_weight``/``v_proj_weight``
when the key or value size differs from ``E``; ``in_proj_bias``; ``out_proj``; the optional
``bias_k``/``bias_v``); the maths is ``F.multi_head_attention_forward``.  Weights start as
PyTorch's, drawn in its order: ``out_proj`` as a Linear layer when it is built, then
Xavier-uniform input projections, zero biases, and Xavier-normal ``bias_k``/``bias_v``.

NOTE [ the inference fast path ]
In evaluation, with no gradient wanted, PyTorch runs batch-first self-attention through a
fused kernel whose masked softmax gives ``nan`` for a query whose every key is masked, where
its ordinary path (through ``scaled_dot_product_attention``) gives zeros.  The values are
otherwise the same, so numtorch keeps one path and only reproduces that difference: under
the same conditions the attention goes through the plain softmax.

Example:
    >>> import numtorch
    >>> from numtorch import nn
    >>> _ = numtorch.manual_seed(0)
    >>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = numtorch.randn(3, 5, 8)
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    (torch.Size([3, 5, 8]), torch.Size([3, 5, 5]))
"""

from __future__ import annotations

from numtorch._tensor import Tensor
from numtorch.autograd.grad_mode import _state as _grad_state

from ..functional._attention import _canonical_mask, _mha_forward, _none_or_dtype
from ..init import constant_, xavier_normal_, xavier_uniform_
from ..parameter import Parameter
from .linear import Linear, _empty
from .module import Module

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` layer under the name PyTorch gives ``MultiheadAttention.out_proj``."""


class MultiheadAttention(Module):
    """Multi-head attention, as in "Attention Is All You Need".

    Args:
        embed_dim: total width ``E`` of the model; split across the heads.
        num_heads: parallel heads; must divide ``embed_dim``.
        dropout: dropout on the attention probabilities in training (default 0).
        bias: learn the input and output projection biases (default True).
        add_bias_kv: learn a bias row appended to the keys and values.
        add_zero_attn: append a row of zeros to the keys and values.
        kdim, vdim: sizes of the key and value features (default ``embed_dim``).
        batch_first: inputs and outputs are ``(N, L, E)`` rather than ``(L, N, E)``.

    Shape:
        query ``(L, N, E)`` (or ``(N, L, E)`` with ``batch_first``, or unbatched ``(L, E)``),
        key ``(S, N, kdim)``, value ``(S, N, vdim)``; output like the query; weights
        ``(N, L, S)`` averaged over heads, or ``(N, num_heads, L, S)``.
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None,
                 dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(_empty((embed_dim, embed_dim), dtype, device))
            self.k_proj_weight = Parameter(_empty((embed_dim, self.kdim), dtype, device))
            self.v_proj_weight = Parameter(_empty((embed_dim, self.vdim), dtype, device))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(_empty((3 * embed_dim, embed_dim), dtype, device))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_empty((3 * embed_dim,), dtype, device))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(_empty((1, 1, embed_dim), dtype, device))
            self.bias_v = Parameter(_empty((1, 1, embed_dim), dtype, device))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases, Xavier-normal ``bias_k``/``bias_v``."""
        if self._qkv_same_embed_dim:
            xavier_uniform_(self.in_proj_weight)
        else:
            xavier_uniform_(self.q_proj_weight)
            xavier_uniform_(self.k_proj_weight)
            xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            constant_(self.in_proj_bias, 0.0)
            constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            xavier_normal_(self.bias_v)

    def __setstate__(self, state):
        if "_qkv_same_embed_dim" not in state:
            state["_qkv_same_embed_dim"] = True
        super().__setstate__(state)

    def _fast_path(self, query: Tensor, key: Tensor, value: Tensor, attn_mask,
                   key_padding_mask) -> bool:
        """Whether PyTorch would take its fused inference kernel (NOTE [ the inference fast
        path ]): float masks, training, odd heads, cross-attention... all rule it out."""
        if ((attn_mask is not None and attn_mask.is_floating_point())
                or (key_padding_mask is not None and key_padding_mask.is_floating_point())):
            return False
        if (query.dim() != 3 or query is not key or key is not value or self.training
                or self.in_proj_weight is None or self.in_proj_bias is None
                or query.dtype != self.in_proj_bias.dtype
                or query.dtype != self.in_proj_weight.dtype
                or self.num_heads % 2 or not self.batch_first or self.bias_k is not None
                or self.bias_v is not None or self.add_zero_attn):
            return False
        args = (query, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight,
                self.out_proj.bias)
        return not (_grad_state.enabled and any(t is not None and t.requires_grad for t in args))

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """The attention output and (with ``need_weights``) the attention weights.

        Args:
            key_padding_mask: ``(N, S)`` (``(S,)`` unbatched): ``True`` marks a padding key to
                ignore; a float mask is added to the scores.
            need_weights: also return the weights (slower: no fused attention).
            attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``: ``True`` forbids attending; a
                float mask is added.
            average_attn_weights: average the returned weights over heads.
            is_causal: hint that ``attn_mask`` is the causal mask.
        """
        fast = self._fast_path(query, key, value, attn_mask, key_padding_mask)
        if fast:  # the fused kernel takes no causal hint: it attends with the masks it is given
            is_causal = False
        nan_rows = fast and (attn_mask is not None or key_padding_mask is not None)
        return self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                            average_attn_weights, is_causal, nan_rows)

    def _attend(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask,
                need_weights: bool, attn_mask, average_attn_weights: bool, is_causal: bool,
                nan_rows: bool) -> tuple[Tensor, Tensor | None]:
        """``forward`` after the fast-path decision; ``nan_rows`` gives fully masked queries
        ``nan`` as the fused kernel does (NOTE [ the inference fast path ])."""
        is_batched = query.dim() == 3
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                           _none_or_dtype(attn_mask), "attn_mask", query.dtype)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if self.batch_first and is_batched:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = _mha_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, self.training, key_padding_mask,
            need_weights, attn_mask, separate, self.q_proj_weight, self.k_proj_weight,
            self.v_proj_weight, None, None, average_attn_weights, is_causal, nan_rows)
        if self.batch_first and is_batched:
            return out.transpose(1, 0), weights
        return out, weights
