"""Pillow, imported only when an image needs it, and the PIL-image kernels.

Pillow is an optional extra of numtorch: everything that works on tensors and
NumPy arrays runs without it, and the first operation that needs a PIL image
raises an ``ImportError`` that says how to install it.

Each kernel here takes and returns a PIL image; ``functional.py`` decides
which kernel (this file's or the tensor one) serves a call.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

_INSTALL_HINT = (
    "numtorch.vision needs Pillow to work with PIL images; install it with "
    "`pip install Pillow` (or `pip install numtorch[tools]`)"
)


def pil_image_module():
    """Return ``PIL.Image``, importing it on first use.

    Raises:
        ImportError: Pillow is not installed; the message says how to get it.
    """
    try:
        from PIL import Image
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(_INSTALL_HINT) from err
    return Image


def _enum(name: str):
    """Pillow's ``Image.<name>`` enum (Pillow >= 9.1), or the module's constants before it."""
    image = pil_image_module()
    return getattr(image, name, image)


def is_pil_image(img: Any) -> bool:
    """Whether ``img`` is a PIL image, without importing Pillow to find out."""
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(img, module.Image)


def _assert_pil(img: Any) -> None:
    if not is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img: Any) -> list[int]:
    """``[channels, height, width]`` of a PIL image."""
    if is_pil_image(img):
        channels = len(img.getbands())
        width, height = img.size
        return [channels, height, width]
    raise TypeError(f"Unexpected type {type(img)}")


def from_array(arr: np.ndarray, mode: str):
    """Make a PIL image of ``mode`` from an H x W (x C) array whose memory layout is that mode's.

    The image is built with ``Image.frombuffer`` over the array's memory (as
    ``Image.fromarray`` does), not with ``fromarray(arr, mode)``, whose ``mode``
    argument Pillow deprecates. Pillow copies the data before any change to
    such an image, so the array is never written through it.
    """
    image = pil_image_module()
    arr = np.ascontiguousarray(arr)
    height, width = arr.shape[:2]
    return image.frombuffer(mode, (width, height), arr, "raw", mode, 0, 1)


def parse_fill(fill: Any, img: Any, name: str = "fillcolor") -> dict[str, Any]:
    """Turn a user ``fill`` into the keyword Pillow wants for ``img``'s mode.

    A number fills every band; a one-element sequence is repeated; otherwise the
    sequence must have one value per band.
    """
    num_channels = get_dimensions(img)[0]
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * num_channels
        elif len(fill) != num_channels:
            msg = (
                "The number of elements in 'fill' does not match the number of channels of the "
                "image ({} != {})"
            )
            raise ValueError(msg.format(len(fill), num_channels))
        fill = tuple(fill)
    if img.mode != "F":
        if isinstance(fill, (list, tuple)):
            fill = tuple(int(x) for x in fill)
        else:
            fill = int(fill)
    return {name: fill}


def hflip(img):
    """Mirror left to right."""
    _assert_pil(img)
    return img.transpose(_enum("Transpose").FLIP_LEFT_RIGHT)


def vflip(img):
    """Mirror top to bottom."""
    _assert_pil(img)
    return img.transpose(_enum("Transpose").FLIP_TOP_BOTTOM)


def crop(img, top: int, left: int, height: int, width: int):
    """Cut the box at (top, left) of height x width; outside the image reads as 0."""
    _assert_pil(img)
    return img.crop((left, top, left + width, top + height))


def resize(img, size: list[int], interpolation: int):
    """Resize to ``size = [height, width]`` with Pillow's (antialiased) filter ``interpolation``."""
    _assert_pil(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize(tuple(size[::-1]), interpolation)


def pad(img, padding: list[int], fill: Any, padding_mode: str):
    """Pad (or, for negative amounts, crop) the borders ``[left, top, right, bottom]``.

    Every mode goes through NumPy's ``np.pad``, whose ``constant``, ``edge``,
    ``reflect`` and ``symmetric`` modes are exactly torchvision's.
    """
    _assert_pil(img)
    left, top, right, bottom = padding
    if min(padding) < 0:
        c_left, c_top, c_right, c_bottom = (max(-p, 0) for p in padding)
        img = img.crop((c_left, c_top, img.width - c_right, img.height - c_bottom))
        left, top, right, bottom = (max(p, 0) for p in padding)
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
    if padding_mode == "constant":
        value = parse_fill(fill, img, name="fill")["fill"]
        if isinstance(value, tuple):
            out = np.empty(
                (arr.shape[0] + top + bottom, arr.shape[1] + left + right) + arr.shape[2:],
                arr.dtype,
            )
            out[...] = np.asarray(value, dtype=arr.dtype)
            out[top:top + arr.shape[0], left:left + arr.shape[1]] = arr
        else:
            out = np.pad(arr, widths, mode="constant", constant_values=value)
    else:
        out = np.pad(arr, widths, mode=padding_mode)
    if img.mode == "1":
        result = pil_image_module().fromarray(out)
    else:
        result = from_array(out, img.mode)
    if palette is not None:
        result.putpalette(palette)
    return result


def rotate(img, angle: float, interpolation: int, expand: bool, center, fill):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` with Pillow."""
    _assert_pil(img)
    opts = parse_fill(fill, img)
    return img.rotate(angle, interpolation, expand, center, **opts)


def affine(img, matrix: list[float], interpolation: int, fill):
    """Resample through the inverse affine ``matrix`` (Pillow's ``Image.transform``), same size."""
    _assert_pil(img)
    opts = parse_fill(fill, img)
    return img.transform(img.size, _enum("Transform").AFFINE, matrix, interpolation, **opts)


def to_grayscale(img, num_output_channels: int):
    """Pillow's ``convert("L")`` (ITU-R 601-2 luma), repeated to 3 bands if asked."""
    _assert_pil(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        gray = np.asarray(img.convert("L"), dtype=np.uint8)
        return from_array(np.dstack([gray, gray, gray]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")
