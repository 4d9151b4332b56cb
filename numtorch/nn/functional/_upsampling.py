"""``interpolate``: resize the spatial dims of a batched ``(B, C, *L)`` tensor, 1-3 dims.

Modes: ``nearest`` and ``nearest-exact`` (copy one source pixel), ``linear`` / ``bilinear`` /
``trilinear`` (two taps per dim), ``bicubic`` (four taps per dim, 2-d only) and ``area``
(adaptive average pooling).  The output size comes from ``size`` or from
``floor(L * scale_factor)``; a given ``scale_factor`` also sets the sampling step ``1 / scale``
unless ``recompute_scale_factor=True``, which uses ``L / size`` instead.  The kernels and
their gradients are ``numtorch._ops.sampling.upsample`` (NOTE [ separable resampling ]).

Example:
    >>> import numtorch
    >>> x = numtorch.tensor([[[1.0, 2.0]]])
    >>> interpolate(x, scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    >>> interpolate(x, size=3, mode="linear", align_corners=True).tolist()
    [[[1.0, 1.5, 2.0]]]
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from numtorch._dtype import type_word
from numtorch._ops.sampling import upsample as _upsample
from numtorch._tensor import Tensor

from ._pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODE_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
_AXES = ("D", "H", "W")


def _is_integer(x) -> bool:
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return True
    return isinstance(x, Tensor) and not x.is_floating_point()


def _output_size(input: Tensor, size, scale_factor, dim: int):
    """The target size and the per-dim scales from ``size`` xor ``scale_factor``."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(s) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}")
            return [int(s) for s in size], None
        return [int(size)] * dim, None
    if scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, C, "
                    "d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            return None, [float(s) for s in scale_factor]
        return None, [float(scale_factor)] * dim
    raise ValueError("either size or scale_factor should be defined")


def _check_sizes(input: Tensor, size: list) -> None:
    spatial = input.shape[2:]
    if all(s > 0 for s in spatial) and all(s > 0 for s in size):
        return
    axes = _AXES[3 - len(size):]
    inp = ", ".join(f"{a}: {s}" for a, s in zip(axes, spatial))
    out = ", ".join(f"{a}: {s}" for a, s in zip(axes, size))
    joint = " and" if len(size) == 1 else ""
    raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({inp})"
                       f"{joint} output ({out})")


def _check_dtype(input: Tensor, mode: str, dim: int) -> None:
    """Floating inputs in every mode; ``uint8`` in the nearest modes (an exact copy)."""
    dt = input._data.dtype
    nearest = mode.startswith("nearest")
    if dt.kind == "f" or (dt == np.uint8 and nearest):
        return
    if dt == np.uint8:
        raise NotImplementedError(f"numtorch interpolates uint8 tensors only in the nearest "
                                  f"modes, not {mode!r}")
    if dim == 2 and mode != "bicubic":
        kernel = f"upsample_{'nearest' if nearest else 'bilinear'}2d_channels_last"
    else:
        kernel = "compute_indices_weights_" + (
            "nearest" if nearest else "cubic" if mode == "bicubic" else "linear")
    raise NotImplementedError(f'"{kernel}" not implemented for \'{type_word(dt)}\'')


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize ``input`` ``(B, C, *L)`` (``L`` of 1, 2 or 3 dims) to ``size`` or
    ``L * scale_factor``.

    Args:
        input: a 3-d, 4-d or 5-d tensor.
        size: the output's spatial size (an int for every dim, or one per dim).
        scale_factor: the multiplier(s) of the spatial size, instead of ``size``.
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-d), ``'bilinear'`` /
            ``'bicubic'`` (4-d), ``'trilinear'`` (5-d) or ``'area'``.
        align_corners: for the interpolating modes, map the corner pixels' centres onto each
            other (step ``(L - 1) / (size - 1)``) instead of the corners' edges (default False).
        recompute_scale_factor: compute the step from the output size, not ``scale_factor``.
        antialias: not provided (must be False).

    Example:
        >>> import numtorch
        >>> interpolate(numtorch.ones(1, 1, 2, 2), size=(3, 1), mode="bilinear").shape
        torch.Size([1, 1, 3, 1])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    out_size, scales = _output_size(input, size, scale_factor, dim)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        out_size = [math.trunc(input.shape[i + 2] * scales[i]) for i in range(dim)]
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    known = ("nearest", "nearest-exact", "area", "linear", "bilinear", "bicubic", "trilinear")
    if dim not in (1, 2, 3) or mode not in known:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
            "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})")
    if mode in _MODE_DIMS and _MODE_DIMS[mode] != input.dim():
        if mode == "bicubic":
            raise NotImplementedError(
                f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                "for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | "
                f"area | nearest-exact (got {mode})")
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{_MODE_DIMS[mode]}D input")
    if antialias:
        raise NotImplementedError("numtorch does not provide antialias=True")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](
            input, out_size)
    if out_size is None:
        out_size = [int(input.shape[i + 2] * scales[i]) for i in range(dim)]
    _check_sizes(input, out_size)
    _check_dtype(input, mode, dim)
    return _upsample(input, tuple(out_size), mode, bool(align_corners), scales)


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated spelling of ``interpolate``."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
