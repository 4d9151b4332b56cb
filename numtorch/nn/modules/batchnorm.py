"""``BatchNorm1d/2d/3d``: normalise each channel over the batch, keeping running statistics.

NOTE [ running statistics ]
In training, each call normalises with the batch's own mean and (biased)
variance, and moves the buffers ``running_mean`` and ``running_var`` towards
the batch's mean and unbiased variance by ``momentum`` (or, with
``momentum=None``, keeps their cumulative average using ``num_batches_tracked``).
In eval mode the buffers normalise instead, so a single sample gives the same
answer whatever batch it comes in.  With ``track_running_stats=False`` there are
no buffers and batch statistics are used in both modes.

Example:
    >>> import numtorch
    >>> from numtorch import nn
    >>> bn = nn.BatchNorm1d(3)
    >>> bn
    BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    >>> _ = bn(numtorch.randn(8, 3))
    >>> bn.num_batches_tracked.item()
    1
"""

from __future__ import annotations

import numpy as np

from numtorch._tensor import Tensor, _wrap

from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import _empty
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _NormBase(Module):
    """Parameters, buffers and printing shared by the batch-norm layers."""

    _version = 2
    __constants__ = ["track_running_stats", "momentum", "eps", "num_features", "affine"]

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None,
                 *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = Parameter(_empty((num_features,), dtype, device))
            if bias:
                self.bias = Parameter(_empty((num_features,), dtype, device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", _empty((num_features,), dtype, device))
            self.register_buffer("running_var", _empty((num_features,), dtype, device))
            self.register_buffer("num_batches_tracked", _wrap(np.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0
            for t in (self.running_mean, self.running_var, self.num_batches_tracked):
                t._bump()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            # version 2 added num_batches_tracked; older checkpoints start it at 0
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked is not None
                                   else _wrap(np.zeros((), np.int64)))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            nbt = self.num_batches_tracked
            nbt._data += 1
            nbt._bump()
            factor = 1.0 / float(nbt._data) if self.momentum is None else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_buffers = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if use_buffers else None,
                            self.running_var if use_buffers else None, self.weight, self.bias,
                            bn_training, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over a ``(N, C)`` or ``(N, C, L)`` input, per channel ``C``.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias``; see NOTE [ running statistics ].

    Args:
        num_features: ``C``.
        eps: added to the variance (default 1e-5).
        momentum: weight of the new batch in the running statistics (None: cumulative average).
        affine: learn ``weight`` (ones) and ``bias`` (zeros).
        bias: learn the ``bias`` (only with ``affine``).
        track_running_stats: keep ``running_mean``, ``running_var`` and ``num_batches_tracked``.
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over a ``(N, C, H, W)`` input, per channel ``C``.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias``, the statistics taken over
    ``N``, ``H`` and ``W``; see NOTE [ running statistics ].

    Args:
        num_features: ``C``.
        eps: added to the variance (default 1e-5).
        momentum: weight of the new batch in the running statistics (None: cumulative average).
        affine: learn ``weight`` (ones) and ``bias`` (zeros).
        bias: learn the ``bias`` (only with ``affine``).
        track_running_stats: keep ``running_mean``, ``running_var`` and ``num_batches_tracked``.

    Example:
        >>> import numtorch
        >>> bn = numtorch.nn.BatchNorm2d(2)
        >>> y = bn(numtorch.randn(4, 2, 3, 3))
        >>> [abs(round(v, 4)) for v in y.mean(dim=(0, 2, 3)).tolist()]
        [0.0, 0.0]
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over a ``(N, C, D, H, W)`` input, per channel ``C``.

    As :class:`BatchNorm2d`, the statistics taken over ``N``, ``D``, ``H`` and ``W``.

    Args:
        num_features: ``C``.
        eps: added to the variance (default 1e-5).
        momentum: weight of the new batch in the running statistics (None: cumulative average).
        affine: learn ``weight`` (ones) and ``bias`` (zeros).
        bias: learn the ``bias`` (only with ``affine``).
        track_running_stats: keep ``running_mean``, ``running_var`` and ``num_batches_tracked``.
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")
