"""Kernels for tensor images of shape (..., C, H, W), computed with NumPy.

NOTE [ Transforms work on data, not on graphs ]
Like torchvision's tensor kernels, these are data-preparation steps: they read
a tensor's array, compute a new array, and wrap it, so they record nothing for
autograd. Casts, rounding and the order of float32 operations follow
torchvision's tensor kernels so that the numbers come out the same.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._tensor import Tensor, _wrap

from . import _resample

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.uint16): 65535, np.dtype(np.int32): 2147483647,
            np.dtype(np.int64): 9223372036854775807}


def max_value(npdtype: np.dtype) -> int:
    """Largest value of an integer image dtype; 1 for floating and boolean images."""
    return _INT_MAX.get(np.dtype(npdtype), 1)


def assert_image_tensor(img: Tensor) -> None:
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img: Tensor) -> list[int]:
    assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    height, width = img.shape[-2:]
    return [channels, height, width]


def assert_channels(img: Tensor, permitted: list[int]) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(
            f"Input image tensor permitted channel values are {permitted}, but found {c}"
        )


def _float_np() -> np.dtype:
    return np.dtype(_dtype.as_np(_dtype.get_default_dtype()))


def convert_image_dtype(image: Tensor, dtype: _dtype.dtype) -> Tensor:
    if image.dtype == dtype:
        return image
    x = image._data
    target = np.dtype(dtype.np)
    if image.dtype.is_floating_point:
        if dtype.is_floating_point:
            return _wrap(x.astype(target))
        if (x.dtype == np.float32 and target in (np.int32, np.int64)) or (
            x.dtype == np.float64 and target == np.int64
        ):
            raise RuntimeError(
                f"The cast from {image.dtype} to {dtype} cannot be performed safely."
            )
        scaled = x * x.dtype.type(float(max_value(target)) + 1.0 - 1e-3)
        return _wrap(scaled.astype(target))
    input_max = float(max_value(x.dtype))
    if dtype.is_floating_point:
        return _wrap(x.astype(target) / target.type(input_max))
    output_max = float(max_value(target))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return _wrap(np.floor_divide(x, factor).astype(target))
    factor = int((output_max + 1) // (input_max + 1))
    return _wrap(x.astype(target) * target.type(factor))


def _broadcast_error(a: tuple, b: tuple) -> RuntimeError | None:
    n = max(len(a), len(b))
    for i in range(n - 1, -1, -1):
        off = n - 1 - i
        sa = a[len(a) - 1 - off] if len(a) - 1 - off >= 0 else 1
        sb = b[len(b) - 1 - off] if len(b) - 1 - off >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            return RuntimeError(
                f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) "
                f"at non-singleton dimension {i}"
            )
    return None


def normalize(tensor: Tensor, mean: Any, std: Any, inplace: bool) -> Tensor:
    x = tensor._data
    if x.ndim < 2:
        raise TypeError("Tensor is not a torch image.")
    if x.dtype.kind != "f":
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if x.ndim < 3:
        raise ValueError(
            "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
            f"{tensor.size()}"
        )
    mean_a = np.asarray(mean._data if isinstance(mean, Tensor) else mean, dtype=x.dtype)
    std_a = np.asarray(std._data if isinstance(std, Tensor) else std, dtype=x.dtype)
    if not std_a.all():
        raise ValueError(
            f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by "
            "zero."
        )
    if mean_a.ndim == 1:
        mean_a = mean_a.reshape(-1, 1, 1)
    if std_a.ndim == 1:
        std_a = std_a.reshape(-1, 1, 1)
    simple = (mean_a.ndim == 3 and mean_a.shape == std_a.shape and mean_a.shape[1:] == (1, 1)
              and mean_a.shape[0] in (1, x.shape[-3]))
    if not simple:
        _check_broadcast(x.shape, mean_a.shape, std_a.shape)
    if tensor.requires_grad and not inplace:
        return (tensor - _wrap(mean_a)) / _wrap(std_a)
    out = x if inplace else x.copy()
    np.subtract(out, mean_a, out=out)
    np.divide(out, std_a, out=out)
    if inplace:
        tensor._bump()
        return tensor
    return _wrap(out)


def _check_broadcast(shape: tuple, *others: tuple) -> None:
    """Raise PyTorch's error if ``shape`` cannot be updated in place with operands of ``others``'
    shapes."""
    try:
        full = np.broadcast_shapes(shape, *others)
    except ValueError:
        full = None
    if full != shape:
        for other in others:
            err = _broadcast_error(shape, other)
            if err is not None:
                raise err
        raise RuntimeError(
            f"output with shape {list(shape)} doesn't match the broadcast shape {list(full)}"
        )


def hflip(img: Tensor) -> Tensor:
    assert_image_tensor(img)
    return _wrap(img._data[..., ::-1].copy())


def vflip(img: Tensor) -> Tensor:
    assert_image_tensor(img)
    return _wrap(img._data[..., ::-1, :].copy())


def parse_padding(padding: int | list[int]) -> list[int]:
    """``padding`` as ``[left, top, right, bottom]``."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    return [padding[0], padding[1], padding[2], padding[3]]


def pad(img: Tensor, padding: Any, fill: Any, padding_mode: str) -> Tensor:
    assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
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
    left, top, right, bottom = parse_padding(padding)
    x = img._data
    h, w = x.shape[-2:]
    x = x[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
    if padding_mode == "symmetric" and img.ndim not in (3, 4):
        raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")
    if padding_mode == "reflect":
        for size, (a, b), dim in ((x.shape[-1], (left, right), img.ndim),
                                  (x.shape[-2], (top, bottom), img.ndim - 1)):
            if a >= size or b >= size:
                raise RuntimeError(
                    "Argument #4: Padding size should be less than the corresponding input "
                    f"dimension, but got: padding ({a}, {b}) at dimension {dim} of input "
                    f"{list(x.shape)}"
                )
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        value = np.array(float(fill)).astype(x.dtype)
        return _wrap(np.pad(x, widths, mode="constant", constant_values=value))
    return _wrap(np.pad(x, widths, mode=padding_mode))


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right = left + width
    bottom = top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [
            max(-left + min(0, right), 0),
            max(-top + min(0, bottom), 0),
            max(right - max(w, left), 0),
            max(bottom - max(h, top), 0),
        ]
        inner = _wrap(img._data[..., max(top, 0):max(bottom, 0), max(left, 0):max(right, 0)])
        return pad(inner, padding_ltrb, 0, "constant")
    return _wrap(img._data[..., top:bottom, left:right])


def rgb_to_grayscale(img: Tensor, num_output_channels: int) -> Tensor:
    if img.ndim < 3:
        raise TypeError(
            f"Input image tensor should have at least 3 dimensions, but found {img.ndim}"
        )
    assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    x = img._data
    if x.shape[-3] == 3:
        work = x.dtype if x.dtype.kind == "f" else _float_np()
        r, g, b = (x[..., c, :, :].astype(work) for c in range(3))
        lum = (work.type(0.2989) * r + work.type(0.587) * g) + work.type(0.114) * b
        gray = lum.astype(x.dtype)[..., None, :, :]
    else:
        gray = x.copy()
    if num_output_channels == 3:
        gray = np.repeat(gray, 3, axis=-3) if gray.shape[-3] == 1 else gray
    return _wrap(np.ascontiguousarray(gray))


def _cast_in(x: np.ndarray, req: tuple) -> tuple[np.ndarray, bool]:
    if x.dtype in req:
        return x, False
    return x.astype(req[0]), True


def _cast_out(x: np.ndarray, need_cast: bool, out: np.dtype) -> np.ndarray:
    if need_cast:
        if out.kind in "iu":
            x = np.round(x)
        x = x.astype(out)
    return x


def resize(img: Tensor, size: list[int], interpolation: str, antialias: bool | None) -> Tensor:
    assert_image_tensor(img)
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ["bilinear", "bicubic"]:
        antialias = False
    x = img._data
    out_dtype = x.dtype
    x, need_cast = _cast_in(x, (np.dtype(np.float32), np.dtype(np.float64)))
    y = _resample.resize(x, list(size), interpolation, antialias)
    if interpolation == "bicubic" and out_dtype == np.uint8:
        y = np.clip(y, 0, 255)
    return _wrap(np.ascontiguousarray(_cast_out(y, need_cast, out_dtype)))


def _affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], np.float32)
    theta = np.asarray(matrix, np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    shift = np.array([w * 0.5, h * 0.5], np.float32)
    min_vals = new_pts.min(axis=0) + shift
    max_vals = new_pts.max(axis=0) + shift
    tol = np.float32(1e-4)
    cmax = np.ceil(np.trunc(max_vals / tol) * tol)
    cmin = np.floor(np.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def affine(img: Tensor, matrix: list[float], interpolation: str, fill: Any) -> Tensor:
    """Resample through the inverse affine ``matrix`` into an output of the input's size."""
    return rotate(img, matrix, interpolation, False, fill)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Any, inplace: bool) -> Tensor:
    """Overwrite the ``h x w`` box at ``(i, j)`` with ``v`` (a tensor broadcast over the box)."""
    assert_image_tensor(img)
    out = img._data if inplace else img._data.copy()
    out[..., i:i + h, j:j + w] = v._data if isinstance(v, Tensor) else v
    if inplace:
        img._bump()
        return img
    return _wrap(out)


def rotate(img: Tensor, matrix: list[float], interpolation: str, expand: bool, fill: Any) -> Tensor:
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor")
    assert_image_tensor(img)
    num_channels = get_dimensions(img)[0]
    if (
        fill is not None
        and isinstance(fill, (tuple, list))
        and len(fill) > 1
        and len(fill) != num_channels
    ):
        msg = ("The number of elements in 'fill' cannot broadcast to match the number of "
               "channels of the image ({} != {})")
        raise ValueError(msg.format(len(fill), num_channels))
    if interpolation not in ["nearest", "bilinear"]:
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    x = img._data
    w, h = x.shape[-1], x.shape[-2]
    ow, oh = _affine_output_size(matrix, w, h) if expand else (w, h)
    work = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    grid = _resample.affine_grid(matrix, w, h, ow, oh, work)
    out_dtype = x.dtype
    x, need_cast = _cast_in(x, (work,))
    y = _resample.grid_sample(x, grid, interpolation)
    if fill is not None:
        mask = _resample.grid_sample(np.ones(x.shape[-2:], work), grid, interpolation)
        fills = [float(f) for f in fill] if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = np.asarray(fills, work).reshape(-1, 1, 1)
        if interpolation == "nearest":
            y = np.where(mask < 0.5, fill_img, y).astype(work)
        else:
            y = (y * mask + (1.0 - mask) * fill_img).astype(work)
    return _wrap(np.ascontiguousarray(_cast_out(y, need_cast, out_dtype)))


def inverse_affine_matrix(center: list[float], angle: float, translate: list[float], scale: float,
                          shear: list[float]) -> list[float]:
    """The 2 x 3 matrix (flattened) mapping output pixels back to input pixels.

    The forward map is ``T * C * RotateScaleShear * C^-1`` (translate, centre,
    rotate/scale/shear about the centre); its inverse is computed in closed form.
    """
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [d, -b, 0.0, -c, a, 0.0]
    matrix = [m / scale for m in matrix]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix


def gaussian_blur(img: Tensor, kernel_size: list[int], sigma: list[float]) -> Tensor:
    """Blur with a normalised Gaussian kernel (``kernel_size = [kx, ky]``), borders reflected.

    The 1-D kernels are ``exp(-x^2 / (2 sigma^2))`` sampled at the integer offsets
    ``x`` in ``[-(k-1)/2, (k-1)/2]`` and divided by their sum; the 2-D kernel is
    their outer product, applied as a correlation to each channel.
    """
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    assert_image_tensor(img)
    x = img._data
    work = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)

    def kernel1d(size: int, s: float) -> np.ndarray:
        half = (size - 1) * 0.5
        t = np.linspace(-half, half, size).astype(work)
        pdf = np.exp(work.type(-0.5) * (t / work.type(s)) ** 2)
        return pdf / pdf.sum(dtype=work)

    kernel = np.outer(
        kernel1d(kernel_size[1], sigma[1]), kernel1d(kernel_size[0], sigma[0])
    ).astype(work)
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    padded = np.pad(x.astype(work), [(0, 0)] * (x.ndim - 2) + [(py, py), (px, px)], mode="reflect")
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape, axis=(-2, -1))
    out = np.einsum("...ij,ij->...", windows, kernel, dtype=work)
    if x.dtype.kind in "iu":
        out = np.round(out)
    return _wrap(np.ascontiguousarray(out.astype(x.dtype)))
