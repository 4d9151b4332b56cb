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

import sys
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap

from . import _pil
from . import _tensor_image as F_t
from ._functional_color import adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation
from ._functional_geometry import (
    affine,
    center_crop,
    crop,
    five_crop,
    get_dimensions,
    get_image_num_channels,
    get_image_size,
    hflip,
    pad,
    resize,
    resized_crop,
    rotate,
    ten_crop,
    vflip,
)
from ._modes import InterpolationMode
from ._modes import _interpolation_modes_from_int as _interpolation_modes_from_int
from ._modes import pil_modes_mapping as pil_modes_mapping

__all__ = [
    "InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation",
    "affine", "center_crop", "convert_image_dtype", "crop", "erase", "five_crop", "gaussian_blur",
    "get_dimensions", "get_image_num_channels", "get_image_size", "hflip", "normalize", "pad",
    "pil_to_tensor", "resize", "resized_crop", "rgb_to_grayscale",
    "rotate", "ten_crop", "to_grayscale", "to_pil_image", "to_tensor", "vflip",
]


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
            mode_to_nptype = {"I": np.int32,
                              "I;16" if sys.byteorder == "little" else "I;16B": np.int16,
                              "F": np.float32}
            arr = arr.astype(mode_to_nptype.get(pic.mode, np.uint8), copy=False)
        img = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands())).transpose((2, 0, 1))
    if img.dtype == np.uint8:
        out = img.astype(default_float, order="C")
        np.divide(out, default_float.type(255), out=out)
        return _wrap(out)
    _dtype.from_np(img.dtype)  # an ndarray of a dtype no Tensor has: PyTorch's TypeError
    return _wrap(np.array(img, order="C"))


def pil_to_tensor(pic: Any) -> Tensor:
    """Convert a PIL image to a C x H x W tensor of the same values and dtype (no scaling)."""
    if not _pil.is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    _dtype.from_np(arr.dtype)  # e.g. mode I;16 (uint16): PyTorch's TypeError, not a broken tensor
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
            raise ValueError(
                f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be "
                f"{expected_mode}"
            )
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
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` (tensors; PIL uses ``convert("L")``), 1 or 3 channels.
    """
    if not isinstance(img, Tensor):
        return _pil.to_grayscale(img, num_output_channels)
    return F_t.rgb_to_grayscale(img, num_output_channels)


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Convert a PIL image to grayscale (``L``, or ``RGB`` with three equal bands)."""
    if _pil.is_pil_image(img):
        return _pil.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    """Replace the ``h x w`` box at ``(i, j)`` of a tensor image with ``v``."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    return F_t.erase(img, i, j, h, w, v, inplace=inplace)


def gaussian_blur(img: Any, kernel_size: Any, sigma: Any = None) -> Any:
    """Gaussian blur with odd ``kernel_size = [kx, ky]`` and ``sigma = [sx, sy]``.

    ``sigma`` defaults to ``0.15 * k + 0.35`` per axis. PIL
    images are converted to a tensor, blurred and converted back.
    """
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(
            f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}"
        )
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(
            f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}"
        )
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(
                f"kernel_size should have odd and positive integers. Got {kernel_size}"
            )
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


