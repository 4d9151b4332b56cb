"""Colour adjustments (brightness, contrast, saturation, hue) for PIL images and tensor images.

PIL images go through Pillow's ``ImageEnhance`` (and an HSV round trip for the
hue); tensors follow torchvision's tensor kernels: a blend
``clamp(r * img + (1 - r) * other, 0, max)`` cast back to the image dtype, with
``other`` black (brightness), the mean gray level (contrast) or the grayscale
image (saturation), and a rotation of the hue channel in HSV space.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap

from . import _pil
from . import _tensor_image as F_t


def _enhance(img: Any, kind: str, factor: float) -> Any:
    if not _pil.is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")
    from PIL import ImageEnhance

    return getattr(ImageEnhance, kind)(img).enhance(factor)


def _blend(x: np.ndarray, other: np.ndarray | float, ratio: float) -> np.ndarray:
    work = x.dtype if x.dtype.kind == "f" else F_t._float_np()
    ratio = float(ratio)
    bound = F_t.max_value(x.dtype)
    mixed = work.type(ratio) * x.astype(work) + work.type(1.0 - ratio) * np.asarray(
        other, dtype=work
    )
    return np.clip(mixed, 0, bound).astype(x.dtype)


def _gray(x: np.ndarray) -> np.ndarray:
    return F_t.rgb_to_grayscale(_wrap(x), 1)._data


def _check_tensor(img: Tensor, permitted: list[int]) -> None:
    F_t.assert_image_tensor(img)
    F_t.assert_channels(img, permitted)


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Scale the intensities by ``brightness_factor`` (0 gives black, 1 the original)."""
    if not isinstance(img, Tensor):
        return _enhance(img, "Brightness", brightness_factor)
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _check_tensor(img, [1, 3])
    return _wrap(_blend(img._data, 0.0, brightness_factor))


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the mean gray level: 0 gives a flat gray image, 1 the original."""
    if not isinstance(img, Tensor):
        return _enhance(img, "Contrast", contrast_factor)
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _check_tensor(img, [3, 1])
    x = img._data
    work = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    gray = _gray(x) if x.shape[-3] == 3 else x
    mean = gray.astype(work).mean(axis=(-3, -2, -1), keepdims=True, dtype=work)
    return _wrap(_blend(x, mean, contrast_factor))


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the grayscale image: 0 gives gray, 1 the original, 2 doubles the saturation."""
    if not isinstance(img, Tensor):
        return _enhance(img, "Color", saturation_factor)
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _check_tensor(img, [1, 3])
    x = img._data
    if x.shape[-3] == 1:
        return img
    return _wrap(_blend(x, _gray(x), saturation_factor))


def _rgb2hsv(x: np.ndarray) -> np.ndarray:
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc = x.max(axis=-3)
    minc = x.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_divisor = np.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    one = x.dtype.type
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (one(2.0) + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (one(4.0) + gc - rc)
    h = hr + hg + hb
    h = np.fmod(h / one(6.0) + one(1.0), one(1.0))
    return np.stack((h, s, maxc), axis=-3)


def _hsv2rgb(x: np.ndarray) -> np.ndarray:
    one = x.dtype.type
    h, s, v = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    i = np.floor(h * one(6.0))
    f = h * one(6.0) - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (one(1.0) - s), 0.0, 1.0)
    q = np.clip(v * (one(1.0) - s * f), 0.0, 1.0)
    t = np.clip(v * (one(1.0) - s * (one(1.0) - f)), 0.0, 1.0)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(h.shape[:-2] + (3,) + h.shape[-2:], x.dtype)
    for k, (rr, gg, bb) in enumerate(table):
        sel = i == k
        out[..., 0, :, :] = np.where(sel, rr, out[..., 0, :, :])
        out[..., 1, :, :] = np.where(sel, gg, out[..., 1, :, :])
        out[..., 2, :, :] = np.where(sel, bb, out[..., 2, :, :])
    return out


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Rotate the hue by ``hue_factor`` turns, in [-0.5, 0.5] (both ends give the complementary
    colours)."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, Tensor):
        if not _pil.is_pil_image(img):
            raise TypeError(f"img should be PIL Image. Got {type(img)}")
        input_mode = img.mode
        if input_mode in {"L", "1", "I", "F"}:
            return img
        image = _pil.pil_image_module()
        h, s, v = img.convert("HSV").split()
        shift = np.int64(np.trunc(hue_factor * 255)) % 256
        np_h = (np.asarray(h, dtype=np.uint8).astype(np.int64) + shift) % 256
        h = _pil.from_array(np_h.astype(np.uint8), "L")
        return image.merge("HSV", (h, s, v)).convert(input_mode)
    _check_tensor(img, [1, 3])
    if img.shape[-3] == 1:
        return img
    orig_dtype = img.dtype
    x = F_t.convert_image_dtype(img, _dtype.float32)._data
    hsv = _rgb2hsv(x)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + np.float32(hue_factor), np.float32(1.0))
    return F_t.convert_image_dtype(_wrap(_hsv2rgb(hsv)), orig_dtype)

