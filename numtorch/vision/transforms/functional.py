"""Functional forms of the image transforms, for PIL images and tensor images.

Each function takes a PIL image or a tensor of shape (..., C, H, W) (H x W for
some) and dispatches to the PIL kernel (``_pil.py``) or the tensor kernel
(``_tensor_image.py``); the validation, the error messages and the arithmetic
are torchvision's, so ``numtorch.vision.transforms.functional`` can stand in
for ``torchvision.transforms.functional``.

Example:
    >>> import numpy as np
    >>> from numtorch.vision.transforms import functional as F
    >>> t = F.to_tensor(np.full((2, 2, 3), 255, dtype=np.uint8))
    >>> tuple(t.shape), float(t.max())
    ((3, 2, 2), 1.0)
"""

from __future__ import annotations

import numbers
import sys
import warnings
from enum import Enum
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap

from . import _pil
from . import _tensor_image as F_t
from ._color import adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation

__all__ = [
    "InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation",
    "affine", "center_crop", "convert_image_dtype", "crop", "erase", "five_crop", "gaussian_blur",
    "get_dimensions", "get_image_num_channels", "ten_crop",
    "get_image_size", "hflip", "normalize", "pad", "pil_to_tensor", "resize", "resized_crop", "rgb_to_grayscale",
    "rotate", "to_grayscale", "to_pil_image", "to_tensor", "vflip",
]


class InterpolationMode(Enum):
    """Interpolation modes: ``nearest``, ``nearest-exact``, ``bilinear``, ``bicubic``,
    and, for PIL images only, ``box``, ``hamming`` and ``lanczos``."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _interpolation_modes_from_int(i: int) -> InterpolationMode:
    inverse_modes_mapping = {
        0: InterpolationMode.NEAREST,
        2: InterpolationMode.BILINEAR,
        3: InterpolationMode.BICUBIC,
        4: InterpolationMode.BOX,
        5: InterpolationMode.HAMMING,
        1: InterpolationMode.LANCZOS,
    }
    return inverse_modes_mapping[i]


pil_modes_mapping = {
    InterpolationMode.NEAREST: 0,
    InterpolationMode.BILINEAR: 2,
    InterpolationMode.BICUBIC: 3,
    InterpolationMode.NEAREST_EXACT: 0,
    InterpolationMode.BOX: 4,
    InterpolationMode.HAMMING: 5,
    InterpolationMode.LANCZOS: 1,
}


def _as_interpolation(interpolation: Any) -> InterpolationMode:
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError(
            "Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant"
        )
    return interpolation


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


# --------------------------------------------------------------------------- conversions

def to_tensor(pic: Any) -> Tensor:
    """Convert a PIL image or an H x W (x C) ndarray to a C x H x W tensor.

    A ``uint8`` input (and PIL modes ``L``, ``LA``, ``P``, ``RGB``, ``RGBA``,
    ``CMYK``, ``YCbCr``, ``1``) becomes the default float dtype scaled by
    ``x / 255`` into [0, 1]; any other dtype keeps its values and dtype
    (PIL modes ``I`` -> int32, ``I;16`` -> int16, ``F`` -> float32).

    Args:
        pic: the image.

    Example:
        >>> import numpy as np
        >>> to_tensor(np.array([[0, 51]], dtype=np.uint8)).tolist()
        [[[0.0, 0.20000000298023224]]]
    """
    if not (_pil.is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray) and pic.ndim not in {2, 3}:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    default_float = np.dtype(_dtype.as_np(_dtype.get_default_dtype()))
    if isinstance(pic, np.ndarray):
        if pic.ndim == 2:
            pic = pic[:, :, None]
        img = pic.transpose((2, 0, 1))
    else:
        arr = np.asarray(pic)
        if pic.mode == "1":
            arr = arr.astype(np.uint8) * np.uint8(255)
        else:
            mode_to_nptype = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16,
                              "F": np.float32}
            arr = arr.astype(mode_to_nptype.get(pic.mode, np.uint8), copy=False)
        img = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands())).transpose((2, 0, 1))
    if img.dtype == np.uint8:
        out = img.astype(default_float, order="C")
        np.divide(out, default_float.type(255), out=out)
        return _wrap(out)
    return _wrap(np.array(img, order="C"))


def pil_to_tensor(pic: Any) -> Tensor:
    """Convert a PIL image to a C x H x W tensor of the same values and dtype (no scaling)."""
    if not _pil.is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    return _wrap(arr.transpose((2, 0, 1)))


def convert_image_dtype(image: Tensor, dtype: _dtype.dtype = _dtype.float32) -> Tensor:
    """Convert a tensor image to ``dtype``, rescaling values between the dtypes' ranges.

    Integer images span [0, max of the dtype], floating images [0, 1]:
    int -> float divides by the input max; float -> int multiplies by
    ``max + 1 - 0.001`` and truncates; int -> int shifts by the ratio of the ranges.

    Raises:
        RuntimeError: float32 -> int32/int64 and float64 -> int64, which cannot be done safely.
    """
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    return F_t.convert_image_dtype(image, dtype)


def to_pil_image(pic: Any, mode: str | None = None):
    """Convert a C x H x W tensor or an H x W x C ndarray to a PIL image.

    Floating data (unless ``mode == "F"``) is mapped to ``uint8`` by ``x * 255``
    truncated. Without ``mode`` the mode follows the channels and dtype:
    1 channel -> ``L``/``I;16``/``I``/``F``; 2 -> ``LA``; 3 -> ``RGB``; 4 -> ``RGBA``.
    """
    if isinstance(pic, Tensor):
        arr = pic._data
        if arr.ndim == 3:
            arr = arr.transpose((1, 2, 0))
        pic = arr
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = np.expand_dims(pic, 2)
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    npimg = pic
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)
    if npimg.shape[2] == 1:
        expected_mode = None
        npimg = npimg[:, :, 0]
        if npimg.dtype == np.uint8:
            expected_mode = "L"
        elif npimg.dtype == np.int16:
            expected_mode = "I;16" if sys.byteorder == "little" else "I;16B"
        elif npimg.dtype == np.int32:
            expected_mode = "I"
        elif npimg.dtype == np.float32:
            expected_mode = "F"
        if mode is not None and mode != expected_mode:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be {expected_mode}")
        mode = expected_mode
    elif npimg.shape[2] == 2:
        permitted_2_channel_modes = ["LA"]
        if mode is not None and mode not in permitted_2_channel_modes:
            raise ValueError(f"Only modes {permitted_2_channel_modes} are supported for 2D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "LA"
    elif npimg.shape[2] == 4:
        permitted_4_channel_modes = ["RGBA", "CMYK", "RGBX"]
        if mode is not None and mode not in permitted_4_channel_modes:
            raise ValueError(f"Only modes {permitted_4_channel_modes} are supported for 4D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGBA"
    else:
        permitted_3_channel_modes = ["RGB", "YCbCr", "HSV"]
        if mode is not None and mode not in permitted_3_channel_modes:
            raise ValueError(f"Only modes {permitted_3_channel_modes} are supported for 3D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGB"
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return _pil.from_array(npimg, mode)


# --------------------------------------------------------------------------- arithmetic

def normalize(tensor: Tensor, mean: list[float], std: list[float], inplace: bool = False) -> Tensor:
    """Normalize a float tensor image channel by channel.

    .. math:: \\text{out}[c] = (\\text{input}[c] - \\text{mean}[c]) / \\text{std}[c]

    Computed in the tensor's dtype (mean and std are converted to it first).
    With ``inplace=True`` the input tensor is overwritten and returned.

    Example:
        >>> import numtorch as torch
        >>> normalize(torch.ones(1, 1, 2), [0.5], [0.5]).tolist()
        [[[1.0, 1.0]]]
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    return F_t.normalize(tensor, mean=mean, std=std, inplace=inplace)


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` (tensors; PIL uses ``convert("L")``), 1 or 3 channels."""
    if not isinstance(img, Tensor):
        return _pil.to_grayscale(img, num_output_channels)
    return F_t.rgb_to_grayscale(img, num_output_channels)


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Convert a PIL image to grayscale (``L``, or ``RGB`` with three equal bands)."""
    if _pil.is_pil_image(img):
        return _pil.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


# --------------------------------------------------------------------------- geometry

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
    """Pad the borders: ``padding`` is an int, ``(left/right, top/bottom)`` or ``(left, top, right, bottom)``.

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
            f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple"
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
    """Resize to ``size = (h, w)``, or so that the shorter edge is ``size`` (an int) keeping the aspect.

    PIL images use Pillow's filters (always antialiased); tensors use the
    kernels of ``torch.nn.functional.interpolate`` (see NOTE [ Separable
    resampling tables ]), antialiased for bilinear/bicubic when ``antialias``.
    Integer tensors are resampled in float32 and rounded back.
    """
    interpolation = _as_interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in [1, 2]:
            raise ValueError(
                f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element tuple/list"
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
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.",
                          stacklevel=2)
        return _pil.resize(img, size=output_size, interpolation=pil_modes_mapping[interpolation])
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT,
                             InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise ValueError(f"Interpolation mode '{interpolation.value}' is unsupported with Tensor input")
    return F_t.resize(img, size=output_size, interpolation=interpolation.value, antialias=antialias)


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size: list[int],
                 interpolation: Any = InterpolationMode.BILINEAR, antialias: bool | None = True) -> Any:
    """Crop, then resize the crop to ``size``."""
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def rotate(img: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST, expand: bool = False,
           center: list[int] | None = None, fill: list[float] | None = None) -> Any:
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
        return _pil.rotate(img, angle=angle, interpolation=pil_modes_mapping[interpolation], expand=expand,
                           center=center, fill=fill)
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = get_dimensions(img)
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = F_t.inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return F_t.rotate(img, matrix=matrix, interpolation=interpolation.value, expand=expand, fill=fill)


def affine(img: Any, angle: float, translate: list[int], scale: float, shear: Any,
           interpolation: Any = InterpolationMode.NEAREST, fill: list[float] | None = None,
           center: list[int] | None = None) -> Any:
    """Rotate (``angle`` degrees clockwise), scale, shear and translate about ``center``, keeping the size.

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
        return _pil.affine(img, matrix=matrix, interpolation=pil_modes_mapping[interpolation], fill=fill)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    translate_f = [1.0 * t for t in translate]
    matrix = F_t.inverse_affine_matrix(center_f, angle, translate_f, scale, shear)
    return F_t.affine(img, matrix=matrix, interpolation=interpolation.value, fill=fill)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    """Replace the ``h x w`` box at ``(i, j)`` of a tensor image with ``v``."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    return F_t.erase(img, i, j, h, w, v, inplace=inplace)


def gaussian_blur(img: Any, kernel_size: Any, sigma: Any = None) -> Any:
    """Gaussian blur with odd ``kernel_size = [kx, ky]`` and ``sigma = [sx, sy]``.

    ``sigma`` defaults to ``0.3 * ((k - 1) * 0.5 - 1) + 0.8`` per axis. PIL
    images are converted to a tensor, blurred and converted back.
    """
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    t_img = img
    if not isinstance(img, Tensor):
        if not _pil.is_pil_image(img):
            raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
        t_img = pil_to_tensor(img)
    output = F_t.gaussian_blur(t_img, list(kernel_size), list(sigma))
    if not isinstance(img, Tensor):
        output = to_pil_image(output, mode=img.mode)
    return output


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
