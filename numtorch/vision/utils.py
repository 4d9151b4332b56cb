"""``make_grid`` and ``save_image``: lay a batch of images out on one canvas.

``make_grid`` places the ``B`` images of a ``(B, C, H, W)`` batch row by row, ``nrow`` to a
row, each framed by ``padding`` pixels of ``pad_value``:

    grid[:, p + y * (H + p) : (y + 1) * (H + p), p + x * (W + p) : (x + 1) * (W + p)] = image k

for ``k = y * nrow + x``, ``p = padding``; the canvas is
``(C, rows * (H + p) + p, min(nrow, B) * (W + p) + p)``.  One-channel images are repeated to
three channels.  With ``normalize=True`` the values are first clamped to ``value_range`` (default
the batch's min and max, or each image's with ``scale_each``) and mapped to ``[0, 1]``.

Example:
    >>> import numtorch
    >>> from numtorch.vision.utils import make_grid
    >>> tuple(make_grid(numtorch.zeros(10, 3, 4, 5), nrow=4).shape)
    (3, 20, 30)
"""

from __future__ import annotations

import math
import os
from typing import Any, BinaryIO

import numpy as np

import numtorch
from numtorch._tensor import Tensor

from .transforms._pil import pil_image_module

__all__ = ["make_grid", "save_image"]


def _norm_ip(img: np.ndarray, low: float, high: float) -> None:
    np.clip(img, low, high, out=img)
    img -= low
    img /= max(high - low, 1e-5)


def _norm_range(t: np.ndarray, value_range) -> None:
    if value_range is not None:
        _norm_ip(t, value_range[0], value_range[1])
    else:
        _norm_ip(t, float(t.min()), float(t.max()))


def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2,
              normalize: bool = False, value_range: tuple[float, float] | None = None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Arrange a batch of images (``(B, C, H, W)`` or a list of ``(C, H, W)``) in a grid.

    Args:
        tensor: the images; a single ``(C, H, W)`` or ``(H, W)`` image is returned as is
            (one-channel ones repeated to three channels).
        nrow: images per row.
        padding: pixels between images and around the border.
        normalize: map values to ``[0, 1]`` (see ``value_range``, ``scale_each``).
        value_range: ``(min, max)`` to clamp to and map from; default the data's min and max.
        scale_each: normalise each image with its own min and max.
        pad_value: value of the padding pixels.

    Returns:
        ``(C, rows * (H + padding) + padding, min(nrow, B) * (W + padding) + padding)``.
        The result is a new tensor, outside any autograd graph.
    """
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing "
                                    f"{type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = numtorch.stack(tensor, dim=0)
    arr = tensor.detach().numpy()
    if arr.ndim == 2:  # one image, H x W
        arr = arr[None]
    if arr.ndim == 3:  # one image, C x H x W
        if arr.shape[0] == 1:
            arr = np.concatenate((arr, arr, arr), 0)
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:  # one-channel images
        arr = np.concatenate((arr, arr, arr), 1)
    if normalize:
        arr = arr.copy()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. "
                            "min and max are numbers")
        if scale_each:
            for t in arr:
                _norm_range(t, value_range)
        else:
            _norm_range(arr, value_range)
    if arr.shape[0] == 1:
        return numtorch.from_numpy(np.ascontiguousarray(arr[0]))
    nmaps = arr.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(arr.shape[2] + padding), int(arr.shape[3] + padding)
    grid = np.full((arr.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value,
                   dtype=arr.dtype)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid[:, y * height + padding:(y + 1) * height,
                 x * width + padding:(x + 1) * width] = arr[k]
            k += 1
    return numtorch.from_numpy(grid)


def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike | BinaryIO,
               format: str | None = None, **kwargs: Any) -> None:
    """Save images to a file, through :func:`make_grid` and Pillow.

    The grid's values in ``[0, 1]`` become bytes as ``floor(clamp(x * 255 + 0.5, 0, 255))``.

    Args:
        tensor: the image or batch (see :func:`make_grid`).
        fp: a file name or a writable binary file.
        format: the file format (e.g. ``"PNG"``); needed when ``fp`` is a file object.
        **kwargs: passed to :func:`make_grid`.
    """
    grid = make_grid(tensor, **kwargs).numpy()
    if grid.dtype.kind != "f":
        grid = grid.astype(np.float32)
    ndarr = np.clip(grid * grid.dtype.type(255) + grid.dtype.type(0.5), 0, 255)
    ndarr = np.ascontiguousarray(ndarr.transpose(1, 2, 0)).astype(np.uint8)
    pil_image_module().fromarray(ndarr).save(fp, format=format)
