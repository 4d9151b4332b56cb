"""Reading, decoding, encoding and writing images as ``uint8`` tensors of shape ``(C, H, W)``.

The codecs are Pillow's (an optional extra, imported on first use with a clear error when it is
missing).  Decoded images keep their channels unless ``mode`` asks for others:

==================  ==========================================
``ImageReadMode``   channels of the result
==================  ==========================================
``UNCHANGED``       as stored (palette images expanded to RGB, or RGBA with transparency)
``GRAY``            1 (luma, ITU-R 601-2 as Pillow computes it)
``GRAY_ALPHA``      2
``RGB``             3
``RGB_ALPHA``       4 (``RGBA`` is the same member)
==================  ==========================================

16-bit grayscale PNGs decode to ``int32`` (values 0-65535) in ``UNCHANGED`` mode.

Example:
    >>> import numtorch, tempfile, os
    >>> from numtorch.vision.io import write_png, read_image
    >>> img = numtorch.arange(24, dtype=numtorch.uint8).reshape(3, 2, 4)
    >>> path = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> write_png(img, path)
    >>> bool((read_image(path) == img).all())
    True
"""

from __future__ import annotations

import io as _io
import os
from enum import Enum

import numpy as np

import numtorch
from numtorch._tensor import Tensor

from .transforms._pil import pil_image_module

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "read_image",
           "decode_png", "decode_jpeg", "encode_png", "encode_jpeg", "write_png", "write_jpeg"]


class ImageReadMode(Enum):
    """Which channels a decoded image gets (see the module's table)."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_PIL_MODE = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
             ImageReadMode.RGB_ALPHA: "RGBA"}


def _mode(mode) -> ImageReadMode:
    if isinstance(mode, str):
        try:
            return ImageReadMode[mode.upper()]
        except KeyError:
            raise ValueError(f"Unknown image mode {mode}") from None
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"mode should be an ImageReadMode or a str, got {type(mode)}")
    return mode


# --------------------------------------------------------------------------- files


def read_file(path: str | os.PathLike) -> Tensor:
    """The bytes of the file at ``path`` as a 1-D ``uint8`` tensor."""
    with open(os.fspath(path), "rb") as f:
        data = f.read()
    return numtorch.from_numpy(np.frombuffer(data, dtype=np.uint8).copy())


def write_file(filename: str | os.PathLike, data: Tensor) -> None:
    """Write the bytes of the 1-D ``uint8`` tensor ``data`` to ``filename``."""
    arr = _bytes_tensor(data)
    with open(os.fspath(filename), "wb") as f:
        f.write(arr.tobytes())


def _bytes_tensor(data) -> np.ndarray:
    if not isinstance(data, Tensor):
        raise TypeError(f"Expected a torch.Tensor, got {type(data)}")
    arr = data.detach().numpy()
    if arr.dtype != np.uint8:
        raise RuntimeError("Expected a torch.uint8 tensor")
    if arr.ndim != 1:
        raise RuntimeError(f"Expected a 1-D tensor, got a {arr.ndim}-D tensor")
    return np.ascontiguousarray(arr)


# --------------------------------------------------------------------------- decoding


def _open(input):
    """A PIL image from a 1-D ``uint8`` tensor of encoded bytes (or a path)."""
    image = pil_image_module()
    data = (open(os.fspath(input), "rb").read() if isinstance(input, (str, os.PathLike))
            else _bytes_tensor(input).tobytes())
    if not data:
        raise RuntimeError("Input tensor should have at least 1 element")
    try:
        img = image.open(_io.BytesIO(data))
        img.load()
    except image.UnidentifiedImageError:
        raise RuntimeError("Unsupported image file. Only jpeg, png, webp and gif are currently "
                           "supported.") from None
    return img


def _to_tensor(img, mode: ImageReadMode, apply_exif_orientation: bool) -> Tensor:
    if apply_exif_orientation:
        from PIL import ImageOps

        img = ImageOps.exif_transpose(img)
    if mode is ImageReadMode.UNCHANGED:
        if img.mode in ("I;16", "I;16B", "I;16L"):
            arr = np.asarray(img).astype(np.int32)  # numtorch has no uint16
            return numtorch.from_numpy(np.ascontiguousarray(arr[None]))
        if img.mode == "P" or img.mode == "PA":
            img = img.convert("RGBA" if ("transparency" in img.info or img.mode == "PA")
                              else "RGB")
        elif img.mode == "1":
            img = img.convert("L")
        elif img.mode not in ("L", "LA", "RGB", "RGBA"):
            img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    else:
        img = img.convert(_PIL_MODE[mode])
    arr = np.asarray(img, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return numtorch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def decode_image(input, mode=ImageReadMode.UNCHANGED,
                 apply_exif_orientation: bool = False) -> Tensor:
    """Decode a PNG, JPEG, GIF or WebP image (bytes as a 1-D ``uint8`` tensor, or a path).

    Args:
        input: the encoded bytes, or a file path.
        mode: an :class:`ImageReadMode` (or its name) choosing the output channels.
        apply_exif_orientation: rotate/flip as the image's EXIF orientation tag says.

    Returns:
        A ``(C, H, W)`` ``uint8`` tensor (``int32`` for 16-bit PNGs in ``UNCHANGED`` mode).
    """
    return _to_tensor(_open(input), _mode(mode), apply_exif_orientation)


def read_image(path: str | os.PathLike, mode=ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Read the image file at ``path`` into a ``(C, H, W)`` tensor (see :func:`decode_image`)."""
    return decode_image(read_file(path), mode, apply_exif_orientation)


def _decode_format(input, mode, apply_exif_orientation: bool, fmt: str) -> Tensor:
    img = _open(input)
    if img.format != fmt:
        raise RuntimeError("Content is not png" if fmt == "PNG" else "Not a JPEG file")
    return _to_tensor(img, _mode(mode), apply_exif_orientation)


def decode_png(input: Tensor, mode=ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Decode PNG bytes (a 1-D ``uint8`` tensor) into a ``(C, H, W)`` tensor."""
    return _decode_format(input, mode, apply_exif_orientation, "PNG")


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device: str = "cpu",
                apply_exif_orientation: bool = False):
    """Decode JPEG bytes (a 1-D ``uint8`` tensor, or a list of them) into ``(C, H, W)`` tensors."""
    if str(device) != "cpu":
        raise RuntimeError("numtorch decodes JPEG images on the CPU only")
    if isinstance(input, (list, tuple)):
        return [_decode_format(x, mode, apply_exif_orientation, "JPEG") for x in input]
    return _decode_format(input, mode, apply_exif_orientation, "JPEG")


# --------------------------------------------------------------------------- encoding


def _image_array(input) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"Expected a torch.Tensor, got {type(input)}")
    arr = input.detach().numpy()
    if arr.dtype != np.uint8:
        raise RuntimeError("Input tensor dtype should be uint8")
    if arr.ndim != 3:
        raise RuntimeError(f"Input tensor should have 3 dimensions, but got {arr.ndim}")
    if arr.shape[0] not in (1, 3):
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {arr.shape[0]}")
    arr = np.ascontiguousarray(arr.transpose(1, 2, 0))
    return arr[:, :, 0] if arr.shape[2] == 1 else arr


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """Encode a ``(C, H, W)`` ``uint8`` tensor (C = 1 or 3) as PNG bytes (a 1-D ``uint8`` tensor).

    Args:
        input: the image.
        compression_level: zlib level, 0 (none) to 9 (smallest).
    """
    if compression_level < 0 or compression_level > 9:
        raise RuntimeError("Compression level should be between 0 and 9")
    arr = _image_array(input)
    buf = _io.BytesIO()
    pil_image_module().fromarray(arr).save(buf, format="PNG", compress_level=compression_level)
    return numtorch.from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def write_png(input: Tensor, filename: str | os.PathLike, compression_level: int = 6) -> None:
    """Encode ``input`` as PNG (see :func:`encode_png`) and write it to ``filename``."""
    write_file(filename, encode_png(input, compression_level))


def encode_jpeg(input, quality: int = 75):
    """Encode a ``(C, H, W)`` ``uint8`` tensor (or a list of them) as JPEG bytes.

    Args:
        input: the image (C = 1 or 3), or a list of images.
        quality: 1 (smallest) to 100 (best).
    """
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, (list, tuple)):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is "
                             "passed")
        return [encode_jpeg(x, quality) for x in input]
    arr = _image_array(input)
    buf = _io.BytesIO()
    pil_image_module().fromarray(arr).save(buf, format="JPEG", quality=quality)
    return numtorch.from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def write_jpeg(input: Tensor, filename: str | os.PathLike, quality: int = 75) -> None:
    """Encode ``input`` as JPEG (see :func:`encode_jpeg`) and write it to ``filename``."""
    write_file(filename, encode_jpeg(input, quality))
