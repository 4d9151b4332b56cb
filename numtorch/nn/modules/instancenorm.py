"""``InstanceNorm1d/2d/3d``: normalise each channel of each sample over its spatial dims.

Unlike batch norm, the statistics never mix samples: ``y[n, c] = (x[n, c] - E[x[n, c]]) /
sqrt(Var[x[n, c]] + eps) * weight[c] + bias[c]``, the mean and biased variance taken over the
spatial positions.  By default there are no learned parameters (``affine=False``) and no running
statistics (``track_running_stats=False``), so train and eval modes agree.  With
``track_running_stats=True`` training updates ``running_mean``/``running_var`` (the mean over
the batch of each sample's update, see ``F.instance_norm``) and eval mode normalises with them.
An input without its batch dim is treated as a batch of one.

Example:
    >>> import numtorch
    >>> from numtorch import nn
    >>> m = nn.InstanceNorm1d(2)
    >>> m
    InstanceNorm1d(2, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    >>> [[round(v, 3) for v in r] for r in m(numtorch.tensor([[1.0, 3.0], [0.0, 4.0]])).tolist()]
    [[-1.0, 1.0], [-1.0, 1.0]]
"""

from __future__ import annotations

import warnings

from numtorch._tensor import Tensor

from .. import functional as F
from .batchnorm import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    """Shared by the instance-norm layers; ``_ndim`` is the input rank without a batch dim."""

    _ndim = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def _check_input_dim(self, input: Tensor) -> None:
        nd = input.dim()
        if nd not in (self._ndim, self._ndim + 1):
            raise ValueError(f"expected {self._ndim}D or {self._ndim + 1}D input (got {nd}D input)")

    def _get_no_batch_dim(self) -> int:
        return self._ndim

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        version = local_metadata.get("version", None)
        if version is None and not self.track_running_stats:
            # checkpoints from before version 1 kept running statistics nobody tracked
            keys = [prefix + n for n in ("running_mean", "running_var") if prefix + n in state_dict]
            if keys:
                klass = type(self).__name__
                names = " and ".join(f'"{k}"' for k in keys)
                error_msgs.append(
                    f"Unexpected running stats buffer(s) {names} for {klass} with "
                    "track_running_stats=False. If state_dict is a checkpoint saved before 0.4.0, "
                    f"this may be expected because {klass} does not track running stats by "
                    "default since 0.4.0. Please remove these keys from state_dict. If the running "
                    f"stats are actually needed, instead set track_running_stats=True in {klass} "
                    f"to enable them. See the documentation of {klass} for details.")
                for k in keys:
                    state_dict.pop(k)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        feature_dim = input.dim() - self._ndim
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features"
                                 f" ({self.num_features}), but got: {input.size(feature_dim)}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can "
                          "silence this warning by not passing in num_features, which is not used "
                          "because affine=False", stacklevel=2)
        if input.dim() == self._ndim:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of an ``(N, C, L)`` or ``(C, L)`` input over ``L``.

    Args:
        num_features: ``C``.
        eps: added to the variance (default 1e-5).
        momentum: weight of the new batch in the running statistics (None counts as 0).
        affine: learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: keep ``running_mean``/``running_var`` and use them in eval mode.
        bias: learn the ``bias`` (only with ``affine``).
    """

    _ndim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of an ``(N, C, H, W)`` or ``(C, H, W)`` input over ``H, W``.

    Arguments as for :class:`InstanceNorm1d`.
    """

    _ndim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input over ``D, H, W``.

    Arguments as for :class:`InstanceNorm1d`.
    """

    _ndim = 4
