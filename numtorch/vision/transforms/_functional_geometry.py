"""Geometric functional transforms: sizes, flips, crops, padding, resizing, rotations, affine maps.

Each function takes a PIL image or a tensor image (..., C, H, W) and calls the
PIL kernel (``_pil.py``) or the tensor kernel (``_tensor_image.py``), after
torchvision's validation.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

from numtorch._tensor import Tensor

from . import _pil
from . import _tensor_image as F_t
from ._modes import (
    InterpolationMode,
    _as_interpolation,
    _interpolation_modes_from_int,
    pil_modes_mapping,
)

# --------------------------------------------------------------------------- sizes

def get_dimensions(img: Any) -> list[int]:
    """``[channels, height, width]`` of an image."""
    if isinstance(img, Tensor):
        return F_t.get_dimensions(img)
    return _pil.get_dimensions(img)


def get_image_size(img: Any) -> list[int]:
    """``[width, height]`` of an image."""
    _, height, width = get_dimensions(img)
    return [width, height]


def get_image_num_channels(img: Any) -> int:
    """Number of channels of an image."""
    return get_dimensions(img)[0]


# --------------------------------------------------------------------------- flips, crops, padding

def hflip(img: Any) -> Any:
    """Mirror an image left to right."""
    if not isinstance(img, Tensor):
        return _pil.hflip(img)
    return F_t.hflip(img)


def vflip(img: Any) -> Any:
    """Mirror an image top to bottom."""
    if not isinstance(img, Tensor):
        return _pil.vflip(img)
    return F_t.vflip(img)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """Cut out ``height x width`` pixels at ``(top, left)``; parts outside the image are 0."""
    if not isinstance(img, Tensor):
        return _pil.crop(img, top, left, height, width)
    return F_t.crop(img, top, left, height, width)


def center_crop(img: Any, output_size: Any) -> Any:
    """Crop the centre ``output_size = (h, w)`` (an int means a square), padding with 0 if larger.

    The top-left corner is ``round((H - h) / 2), round((W - w) / 2)`` with
    Python's round (halves to even).
    """
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad the borders: ``padding`` is an int, ``(left/right, top/bottom)`` or
    ``(left, top, right, bottom)``.

    Modes: ``constant`` (``fill``), ``edge`` (repeat the border pixel),
    ``reflect`` (mirror without repeating the border: [1, 2, 3] -> [3, 2, 1, 2, 3])
    and ``symmetric`` (mirror repeating it: [1, 2, 3] -> [2, 1, 1, 2, 3]).
    Negative amounts crop.
    """
    if isinstance(img, Tensor):
        return F_t.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in [1, 2, 4]:
        raise ValueError(
            f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
            "tuple"
        )
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if isinstance(padding, numbers.Number):
        padding = int(padding)
    return _pil.pad(img, F_t.parse_padding(padding), fill, padding_mode)


def _compute_resized_output_size(image_size: tuple[int, int], size: list[int] | None,
                                 max_size: int | None = None) -> list[int]:
    if size is not None and len(size) != 1:
        return [size[0], size[1]]
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if size is None:
        new_short, new_long = int(max_size * short / long), max_size
    else:
        requested_new_short = size[0]
        new_short, new_long = requested_new_short, int(requested_new_short * long / short)
        if max_size is not None:
            if max_size <= requested_new_short:
                raise ValueError(
                    f"max_size = {max_size} must be strictly greater than the requested "
                    f"size for the smaller edge size = {size}"
                )
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return [new_h, new_w]


def resize(img: Any, size: Any, interpolation: Any = InterpolationMode.BILINEAR,
           max_size: int | None = None, antialias: bool | None = True) -> Any:
    """Resize to ``size = (h, w)``, or so that the shorter edge is ``size`` (an int) keeping the
    aspect.

    PIL images use Pillow's filters (always antialiased); tensors use the
    kernels of ``torch.nn.functional.interpolate`` (see NOTE [ Separable
    resampling tables ]), antialiased for bilinear/bicubic when ``antialias``.
    Integer tensors are resampled in float32 and rounded back.
    """
    interpolation = _as_interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in [1, 2]:
            raise ValueError(
                f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                "tuple/list"
            )
        if max_size is not None and len(size) != 1:
            raise ValueError(
                "max_size should only be passed if size specifies the length of the smaller edge, "
                "i.e. size should be an int or a sequence of length 1 in torchscript mode."
            )
    _, image_height, image_width = get_dimensions(img)
    if isinstance(size, int):
        size = [size]
    output_size = _compute_resized_output_size((image_height, image_width), size, max_size)
    if [image_height, image_width] == output_size:
        return img
    if not isinstance(img, Tensor):
        if antialias is False:
            warnings.warn(
                "Anti-alias option is always applied for PIL Image input. Argument antialias "
                "is ignored.",
                stacklevel=2,
            )
        return _pil.resize(img, size=output_size, interpolation=pil_modes_mapping[interpolation])
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT,
                             InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise ValueError(
            f"Interpolation mode '{interpolation.value}' is unsupported with Tensor input"
        )
    return F_t.resize(img, size=output_size, interpolation=interpolation.value, antialias=antialias)


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size: list[int],
                 interpolation: Any = InterpolationMode.BILINEAR,
                 antialias: bool | None = True) -> Any:
    """Crop, then resize the crop to ``size``."""
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def rotate(img: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST,
           expand: bool = False, center: list[int] | None = None,
           fill: list[float] | None = None) -> Any:
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the image centre).

    With ``expand`` the output grows to hold the whole rotated image; uncovered
    pixels get ``fill``. Tensors support nearest and bilinear interpolation.
    """
    if isinstance(interpolation, int):
        interpolation = _interpolation_modes_from_int(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode")
    if not isinstance(img, Tensor):
        return _pil.rotate(img, angle=angle, interpolation=pil_modes_mapping[interpolation],
                           expand=expand, center=center, fill=fill)
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = get_dimensions(img)
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = F_t.inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return F_t.rotate(
        img, matrix=matrix, interpolation=interpolation.value, expand=expand, fill=fill
    )


def affine(img: Any, angle: float, translate: list[int], scale: float, shear: Any,
           interpolation: Any = InterpolationMode.NEAREST, fill: list[float] | None = None,
           center: list[int] | None = None) -> Any:
    """Rotate (``angle`` degrees clockwise), scale, shear and translate about ``center``, keeping
    the size.

    The output pixel at ``p`` reads the input at ``M^-1 p`` with ``M = T C R S Sh C^-1``
    (translate, centre, rotate, scale, shear); uncovered pixels get ``fill``.
    """
    if isinstance(interpolation, int):
        interpolation = _interpolation_modes_from_int(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode")
    if isinstance(angle, int):
        angle = float(angle)
    if isinstance(translate, tuple):
        translate = list(translate)
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    if isinstance(shear, tuple):
        shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _, height, width = get_dimensions(img)
    if not isinstance(img, Tensor):
        if center is None:
            center = [width * 0.5, height * 0.5]
        matrix = F_t.inverse_affine_matrix(center, angle, translate, scale, shear)
        return _pil.affine(
            img, matrix=matrix, interpolation=pil_modes_mapping[interpolation], fill=fill
        )
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    translate_f = [1.0 * t for t in translate]
    matrix = F_t.inverse_affine_matrix(center_f, angle, translate_f, scale, shear)
    return F_t.affine(img, matrix=matrix, interpolation=interpolation.value, fill=fill)


def five_crop(img: Any, size: Any) -> tuple:
    """The four corner crops and the centre crop of ``size``: (top-left, top-right, bottom-left,
    bottom-right, centre)."""
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        msg = "Requested crop size {} is bigger than input size {}"
        raise ValueError(msg.format(size, (image_height, image_width)))
    tl = crop(img, 0, 0, crop_height, crop_width)
    tr = crop(img, 0, image_width - crop_width, crop_height, crop_width)
    bl = crop(img, image_height - crop_height, 0, crop_height, crop_width)
    br = crop(img, image_height - crop_height, image_width - crop_width, crop_height, crop_width)
    center = center_crop(img, [crop_height, crop_width])
    return tl, tr, bl, br, center


def ten_crop(img: Any, size: Any, vertical_flip: bool = False) -> tuple:
    """``five_crop`` of the image, then of its mirror image (left-right, or top-bottom)."""
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    first_five = five_crop(img, size)
    img = vflip(img) if vertical_flip else hflip(img)
    return first_five + five_crop(img, size)
