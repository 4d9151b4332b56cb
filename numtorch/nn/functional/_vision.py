"""Rearranging and resampling images: ``pixel_shuffle``, ``pixel_unshuffle``,
``channel_shuffle``, ``affine_grid`` and ``grid_sample``.

The shuffles are reshapes and permutations (composed from Tensor ops, no gradient code of
their own).  ``affine_grid`` is one matmul of a fixed base grid with the transforms;
``grid_sample`` is a primitive with its own backward in ``numtorch._ops.sampling``.

NOTE [ pixel shuffle as a reshape ]
``pixel_shuffle`` with factor ``r`` moves channel blocks into space:
``(*, C*r*r, H, W) -> (*, C, r, r, H, W) -> (*, C, H, r, W, r) -> (*, C, H*r, W*r)``, so output
pixel ``(c, h*r + i, w*r + j)`` is input ``(c*r*r + i*r + j, h, w)``.  ``pixel_unshuffle`` is
the inverse permutation.

Example:
    >>> import numtorch
    >>> pixel_shuffle(numtorch.arange(4.0).reshape(1, 4, 1, 1), 2).tolist()
    [[[[0.0, 1.0], [2.0, 3.0]]]]
"""

from __future__ import annotations

import warnings

from numtorch._dtype import type_word
from numtorch._ops.creation import linspace, ones, zeros
from numtorch._ops.movement import meshgrid, stack
from numtorch._ops.sampling import grid_sample as _grid_sample
from numtorch._tensor import Tensor

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "grid_sample", "affine_grid"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False "
                  "since 1.3.0. Please specify align_corners=True if the old behavior is desired. "
                  "See the documentation of grid_sample for details.")


def _at_least_3d(input: Tensor, name: str) -> None:
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input "
                           f"with {input.dim()} dimension(s)")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C*r^2, H, W) -> (*, C, H*r, W*r)``: sub-pixel upsampling (NOTE [ pixel shuffle as a
    reshape ]).

    Args:
        input: a tensor with at least 3 dims.
        upscale_factor: ``r``, a positive int dividing the channel count's square root.
    """
    _at_least_3d(input, "pixel_shuffle")
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           f"by the square of upscale_factor, but input.size(-3)={c} is not "
                           f"divisible by {r * r}")
    n = len(lead)
    y = input.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H*r, W*r) -> (*, C*r^2, H, W)``: the inverse of ``pixel_shuffle``.

    Example:
        >>> import numtorch
        >>> pixel_unshuffle(numtorch.arange(4.0).reshape(1, 1, 2, 2), 2).flatten().tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    _at_least_3d(input, "pixel_unshuffle")
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    n = len(lead)
    y = input.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave ``groups`` channel groups: ``(B, g*k, *) -> (B, k*g, *)`` by a transpose.

    Output channel ``j*g + i`` is input channel ``i*k + j`` (ShuffleNet's shuffle).

    Example:
        >>> import numtorch
        >>> channel_shuffle(numtorch.arange(4.0).reshape(1, 4, 1), 2).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    g = int(groups)
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. "
                           f"Value of groups:{g}")
    b, c, *rest = input.shape
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and "
                           f"{g} groups.")
    y = input.reshape(b, g, c // g, *rest).transpose(1, 2)
    return y.reshape(b, c, *rest)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` at the normalised positions in ``grid`` (spatial transformer networks).

    ``grid[n, *p]`` holds ``(x, y)`` (4-d input) or ``(x, y, z)`` (5-d input) in ``[-1, 1]``,
    ``-1`` being the left/top/front edge of ``input``; the output ``(N, C, *P)`` holds the
    interpolated values there (NOTE [ grid_sample as taps ] in ``numtorch/_ops/sampling.py``).

    Args:
        input: ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        grid: ``(N, H_out, W_out, 2)`` or ``(N, D_out, H_out, W_out, 3)``.
        mode: ``'bilinear'``, ``'nearest'`` or ``'bicubic'`` (4-d only).
        padding_mode: what positions outside the input read: ``'zeros'``, ``'border'`` (the
            nearest edge value) or ``'reflection'`` (mirrored inside).
        align_corners: ``-1``/``1`` are the centres of the corner pixels (True) or their outer
            edges (False, the default, with a warning when not given).

    Example:
        >>> import numtorch
        >>> x = numtorch.arange(4.0).reshape(1, 1, 2, 2)
        >>> g = numtorch.zeros(1, 1, 1, 2)
        >>> grid_sample(x, g, align_corners=False).item()
        1.5
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         f"or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    xs, gs = list(input.shape), list(grid.shape)
    if input.dim() == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if xs[0] != gs[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but "
                           f"got input with sizes {xs} and grid with sizes {gs}")
    if gs[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last "
                           f"dimension, but got grid with sizes {gs}")
    for i in range(2, len(xs)):
        if xs[i] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {xs} with dimension {i} being "
                               "empty")
    if input.dim() != grid.dim() or input.dim() not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D input and grid with same number of "
                           f"dimensions, but got input with sizes {xs} and grid with sizes {gs}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"expected scalar type {type_word(input._data.dtype)} but found "
                           f"{type_word(grid._data.dtype)}")
    return _grid_sample(input, grid, mode, padding_mode, bool(align_corners))


def _base_coords(n: int, align_corners: bool, dtype) -> Tensor:
    """``n`` evenly spaced normalised coordinates: pixel centres over ``[-1, 1]``."""
    if n <= 1:
        return zeros(1, dtype=dtype)
    r = linspace(-1, 1, n, dtype=dtype)
    return r if align_corners else r * (n - 1) / n


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps, for ``grid_sample``.

    For ``size = (N, C, H, W)`` and ``theta`` ``(N, 2, 3)``, output pixel ``(h, w)`` has base
    coordinates ``(x_w, y_h, 1)`` (pixel centres in ``[-1, 1]``) and grid value
    ``theta[n] @ (x_w, y_h, 1)``; in 3-d ``theta`` is ``(N, 3, 4)``.  One matmul of the base
    grid with ``theta`` transposed, so the gradient is the matmul's.

    Example:
        >>> import numtorch
        >>> eye = numtorch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> affine_grid(eye, (1, 1, 1, 2), align_corners=False).tolist()
        [[[[-0.5, 0.0], [0.5, 0.0]]]]
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of affine_grid. "
                      "See the documentation of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    dt = theta.dtype
    axes = [_base_coords(int(m), bool(align_corners), dt) for m in spatial]
    mesh = meshgrid(*axes, indexing="ij")  # one per spatial dim, outermost first
    one = ones(mesh[0].shape, dtype=dt)
    base = stack(list(mesh[::-1]) + [one], -1).reshape(-1, len(spatial) + 1)
    grid = base @ theta.transpose(1, 2)  # (N, prod(spatial), d)
    return grid.reshape(int(size[0]), *[int(m) for m in spatial], len(spatial))
