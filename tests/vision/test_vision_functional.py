"""numtorch.vision.transforms.functional against expectations computed independently.

torchvision does not install beside the CPU torch used here, so every expected
value is derived by hand, with NumPy/Pillow directly, or with real PyTorch
primitives (``torch.nn.functional.interpolate``, ``grid_sample``, arithmetic).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image

import numtorch
from numtorch.vision.transforms import InterpolationMode
from numtorch.vision.transforms import functional as F

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
U8 = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)      # H x W x C
F32 = rng.random((3, 6, 8), dtype=np.float32)                  # C x H x W


def nt(arr: np.ndarray):
    return numtorch.from_numpy(np.ascontiguousarray(arr))


def same(result, expected: np.ndarray) -> None:
    got = result.numpy() if hasattr(result, "numpy") else np.asarray(result)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(got, expected)


# --------------------------------------------------------------------------- to_tensor

def _pil_cases():
    gray = U8[..., 0]
    return [
        ("L", Image.fromarray(gray), gray[None].astype(np.float32) / np.float32(255)),
        ("RGB", Image.fromarray(U8), U8.transpose(2, 0, 1).astype(np.float32) / np.float32(255)),
        ("RGBA", Image.fromarray(np.dstack([U8, gray])),
         np.dstack([U8, gray]).transpose(2, 0, 1).astype(np.float32) / np.float32(255)),
        ("1", Image.fromarray(gray > 127), (gray > 127)[None].astype(np.float32)),
        ("I", Image.fromarray(gray.astype(np.int32) * 1000), gray[None].astype(np.int32) * 1000),
        ("F", Image.fromarray(gray.astype(np.float32) / 7), gray[None].astype(np.float32) / 7),
        ("I;16", Image.fromarray(gray.astype(np.uint16) * 100), gray[None].astype(np.int16) * 100),
    ]


@pytest.mark.parametrize("mode,img,expected", _pil_cases(), ids=[c[0] for c in _pil_cases()])
def test_to_tensor_pil(mode, img, expected):
    assert img.mode == mode
    same(F.to_tensor(img), expected)


@pytest.mark.parametrize("arr,expected", [
    (U8, U8.transpose(2, 0, 1).astype(np.float32) / np.float32(255)),
    (U8[..., 0], U8[None, ..., 0].astype(np.float32) / np.float32(255)),
    (U8.astype(np.float64) * 3, U8.transpose(2, 0, 1).astype(np.float64) * 3),   # not scaled
    (U8.astype(np.int32), U8.transpose(2, 0, 1).astype(np.int32)),              # not scaled
], ids=["uint8", "uint8-2d", "float64", "int32"])
def test_to_tensor_ndarray(arr, expected):
    same(F.to_tensor(arr), expected)


def test_to_tensor_matches_torch_arithmetic():
    expected = torch.from_numpy(U8).permute(2, 0, 1).float().div(255).numpy()
    same(F.to_tensor(U8), expected)


def test_to_tensor_default_dtype():
    numtorch.set_default_dtype(numtorch.float64)
    try:
        same(F.to_tensor(U8), U8.transpose(2, 0, 1).astype(np.float64) / 255)
    finally:
        numtorch.set_default_dtype(numtorch.float32)


@pytest.mark.parametrize("pic,err,msg", [
    ([1, 2], TypeError, "pic should be PIL Image or ndarray. Got <class 'list'>"),
    (np.zeros((1, 2, 2, 3), np.uint8), ValueError,
     "pic should be 2/3 dimensional. Got 4 dimensions."),
])
def test_to_tensor_errors(pic, err, msg):
    with pytest.raises(err) as info:
        F.to_tensor(pic)
    assert str(info.value) == msg


def test_pil_to_tensor():
    same(F.pil_to_tensor(Image.fromarray(U8)), U8.transpose(2, 0, 1).copy())
    same(F.pil_to_tensor(Image.fromarray(U8[..., 1])), U8[None, ..., 1].copy())
    with pytest.raises(TypeError, match=r"^pic should be PIL Image. Got <class 'numpy.ndarray'>$"):
        F.pil_to_tensor(U8)
    # 16-bit PIL images hold uint16, a dtype numtorch's tensors do not have: a clear error
    with pytest.raises(TypeError, match=r"^can't convert np.ndarray of type numpy.uint16"):
        F.pil_to_tensor(Image.fromarray(np.array([[1, 600]], np.uint16)))
    with pytest.raises(TypeError, match=r"^can't convert np.ndarray of type numpy.uint16"):
        F.to_tensor(np.zeros((2, 2, 1), np.uint16))


# --------------------------------------------------------------------------- to_pil_image

@pytest.mark.parametrize("arr,mode,expected_mode,expected", [
    (F32, None, "RGB", (F32.transpose(1, 2, 0) * 255).astype(np.uint8)),
    (U8.transpose(2, 0, 1), None, "RGB", U8),
    (U8[None, ..., 0], None, "L", U8[..., 0]),
    (U8[..., 0], None, "L", U8[..., 0]),
    (U8[None, ..., 0].astype(np.int16), None, "I;16", U8[..., 0].astype(np.uint16)),
    (U8[None, ..., 0].astype(np.int32), None, "I", U8[..., 0].astype(np.int32)),
    (F32[:1], "F", "F", F32[0]),
    (U8.transpose(2, 0, 1)[:2], None, "LA", U8[..., :2]),
    (np.concatenate([U8.transpose(2, 0, 1), U8.transpose(2, 0, 1)[:1]]), None, "RGBA",
     np.dstack([U8, U8[..., :1]])),
    (np.concatenate([U8.transpose(2, 0, 1), U8.transpose(2, 0, 1)[:1]]), "CMYK", "CMYK",
     np.dstack([U8, U8[..., :1]])),
], ids=["float-rgb", "u8-rgb", "u8-L", "u8-2d", "int16", "int32", "float-F", "LA", "RGBA", "CMYK"])
def test_to_pil_image_from_tensor(arr, mode, expected_mode, expected):
    if sys.byteorder != "little" and expected_mode == "I;16":
        pytest.skip("little-endian mode name")
    img = F.to_pil_image(nt(arr), mode)
    assert img.mode == expected_mode
    np.testing.assert_array_equal(np.asarray(img), expected)


def test_to_pil_image_from_ndarray_is_hwc():
    img = F.to_pil_image(U8)
    assert img.mode == "RGB" and img.size == (7, 5)
    np.testing.assert_array_equal(np.asarray(img), U8)


@pytest.mark.parametrize("pic,mode,err,msg", [
    ([1], None, TypeError, "pic should be Tensor or ndarray. Got <class 'list'>."),
    (np.zeros((1, 1, 2, 2), np.uint8), None, ValueError,
     "pic should be 2/3 dimensional. Got 4 dimensions."),
    (np.zeros((2, 2, 5), np.uint8), None, ValueError,
     "pic should not have > 4 channels. Got 5 channels."),
    (np.zeros((2, 2, 2), np.uint8), "RGB", ValueError,
     "Only modes ['LA'] are supported for 2D inputs"),
    (np.zeros((2, 2, 3), np.uint8), "LA", ValueError,
     "Only modes ['RGB', 'YCbCr', 'HSV'] are supported for 3D inputs"),
    (np.zeros((2, 2, 4), np.uint8), "RGB", ValueError,
     "Only modes ['RGBA', 'CMYK', 'RGBX'] are supported for 4D inputs"),
    (np.zeros((2, 2, 1), np.uint8), "F", ValueError,
     "Incorrect mode (F) supplied for input type <class 'numpy.dtype'>. Should be L"),
    (np.zeros((2, 2, 3), np.int64), None, TypeError, "Input type int64 is not supported"),
])
def test_to_pil_image_errors(pic, mode, err, msg):
    with pytest.raises(err) as info:
        F.to_pil_image(pic, mode)
    assert str(info.value) == msg


# --------------------------------------------------------------------------- dtype conversion

@pytest.mark.parametrize("values,src,dst,expected", [
    ([0, 1, 128, 255], np.uint8, numtorch.float32,
     np.array([0, 1, 128, 255], np.float32) / np.float32(255)),
    ([0.0, 0.5, 0.999, 1.0], np.float32, numtorch.uint8, np.array([0, 127, 255, 255], np.uint8)),
    ([0.0, 0.25, 1.0], np.float64, numtorch.int16, np.array([0, 8191, 32767], np.int16)),
    ([0, 1, 128, 255], np.uint8, numtorch.int16, np.array([0, 128, 16384, 32640], np.int16)),
    ([0, 127, 128, 32767], np.int16, numtorch.uint8, np.array([0, 0, 1, 255], np.uint8)),
    ([0, 65535, 65536, 2147483647], np.int32, numtorch.int16, np.array([0, 0, 1, 32767], np.int16)),
    ([3, 255], np.uint8, numtorch.int64, np.array([3 << 55, 255 << 55], np.int64)),
    ([0.25, 1.0], np.float32, numtorch.float64, np.array([0.25, 1.0], np.float64)),
])
def test_convert_image_dtype(values, src, dst, expected):
    same(F.convert_image_dtype(nt(np.array(values, src)), dst), expected)


def test_convert_image_dtype_errors():
    with pytest.raises(
        RuntimeError,
        match=r"^The cast from torch.float32 to torch.int32 cannot be performed safely.$",
    ):
        F.convert_image_dtype(nt(F32), numtorch.int32)
    with pytest.raises(RuntimeError, match="float64 to torch.int64"):
        F.convert_image_dtype(nt(F32.astype(np.float64)), numtorch.int64)
    with pytest.raises(TypeError, match="^Input img should be Tensor Image$"):
        F.convert_image_dtype(F32, numtorch.uint8)
    t = nt(F32)
    assert F.convert_image_dtype(t, numtorch.float32) is t


# --------------------------------------------------------------------------- normalize

@pytest.mark.parametrize("arr,mean,std", [
    (F32, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    (F32[:1], (0.1307,), (0.3081,)),
    (np.stack([F32, F32 * 2]), [0.5, 0.5, 0.5], [0.5, 0.25, 0.1]),
    (F32.astype(np.float64), [0.3, 0.2, 0.1], [0.7, 0.9, 1.3]),
], ids=["rgb", "mnist", "batch", "float64"])
def test_normalize_matches_torch(arr, mean, std):
    t = torch.from_numpy(arr)
    m = torch.tensor(mean, dtype=t.dtype).view(-1, 1, 1)
    s = torch.tensor(std, dtype=t.dtype).view(-1, 1, 1)
    expected = ((t - m) / s).numpy()
    x = nt(arr.copy())
    same(F.normalize(x, mean, std), expected)
    same(x, arr)                                     # the input is untouched
    out = F.normalize(x, mean, std, inplace=True)
    assert out is x
    same(x, expected)


@pytest.mark.parametrize("arr,mean,std,err,msg", [
    (U8.transpose(2, 0, 1), [0.5] * 3, [0.5] * 3, TypeError,
     "Input tensor should be a float tensor. Got torch.uint8."),
    (F32[0, :2, :2], [0.5], [0.5], ValueError,
     "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
     "torch.Size([2, 2])"),
    (F32, [0.5] * 3, [0.5, 0.0, 0.5], ValueError,
     "std evaluated to zero after conversion to torch.float32, leading to division by zero."),
    (F32, [0.5, 0.5], [0.5, 0.5], RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0"),
    (F32[:1], [0.5] * 3, [0.5] * 3, RuntimeError,
     "output with shape [1, 6, 8] doesn't match the broadcast shape [3, 6, 8]"),
])
def test_normalize_errors(arr, mean, std, err, msg):
    with pytest.raises(err) as info:
        F.normalize(nt(arr), mean, std)
    assert str(info.value) == msg


def test_normalize_rejects_non_tensor():
    with pytest.raises(
        TypeError, match=r"^img should be Tensor Image. Got <class 'numpy.ndarray'>$"
    ):
        F.normalize(F32, [0.5], [0.5])


# --------------------------------------------------------------------------- flips, crops, padding

def test_flips_tensor_and_pil():
    chw = U8.transpose(2, 0, 1).copy()
    same(F.hflip(nt(chw)), chw[..., ::-1].copy())
    same(F.vflip(nt(chw)), chw[:, ::-1].copy())
    np.testing.assert_array_equal(np.asarray(F.hflip(Image.fromarray(U8))), U8[:, ::-1])
    np.testing.assert_array_equal(np.asarray(F.vflip(Image.fromarray(U8))), U8[::-1])


@pytest.mark.parametrize(
    "top,left,height,width", [(1, 2, 3, 4), (0, 0, 5, 7), (-1, -2, 4, 5), (3, 5, 4, 4)]
)
def test_crop(top, left, height, width):
    chw = U8.transpose(2, 0, 1)
    expected = np.zeros((3, height, width), np.uint8)       # outside the image reads as 0
    for y in range(height):
        for x in range(width):
            if 0 <= top + y < 5 and 0 <= left + x < 7:
                expected[:, y, x] = chw[:, top + y, left + x]
    same(F.crop(nt(chw), top, left, height, width), expected)
    got = np.asarray(F.crop(Image.fromarray(U8), top, left, height, width))
    np.testing.assert_array_equal(got, expected.transpose(1, 2, 0))


@pytest.mark.parametrize("size,top,left", [
    # H=5, W=7: top = round((5 - h) / 2) with halves to even, likewise left
    (3, 1, 2), ((2, 4), 2, 2), ((4, 2), 0, 2), ((1, 6), 2, 0), ([5], 0, 1), ((5, 7), 0, 0),
])
def test_center_crop(size, top, left):
    h, w = (size, size) if isinstance(size, int) else (size[0], size[-1])
    chw = U8.transpose(2, 0, 1)
    expected = chw[:, top:top + h, left:left + w].copy()
    same(F.center_crop(nt(chw), size), expected)
    np.testing.assert_array_equal(
        np.asarray(F.center_crop(Image.fromarray(U8), size)), expected.transpose(1, 2, 0)
    )


def test_center_crop_larger_than_image_pads():
    chw = U8.transpose(2, 0, 1)
    expected = np.zeros((3, 8, 10), np.uint8)
    expected[:, 1:6, 1:8] = chw                     # pad (left 1, top 1, right 2, bottom 2)
    same(F.center_crop(nt(chw), (8, 10)), expected)
    np.testing.assert_array_equal(np.asarray(F.center_crop(Image.fromarray(U8), (8, 10))),
                                  expected.transpose(1, 2, 0))


PAD_CASES = [
    (2, "constant", 0, ((2, 2), (2, 2))),
    ([1], "edge", 0, ((1, 1), (1, 1))),
    ([1, 2], "reflect", 0, ((2, 2), (1, 1))),
    ([1, 2, 3, 4], "symmetric", 0, ((2, 4), (1, 3))),
    ([3, 0, 1, 2], "constant", 9, ((0, 2), (3, 1))),
]


@pytest.mark.parametrize("padding,mode,fill,widths", PAD_CASES)
def test_pad(padding, mode, fill, widths):
    chw = U8.transpose(2, 0, 1)
    kwargs = {"constant_values": fill} if mode == "constant" else {}
    expected = np.pad(chw, ((0, 0),) + widths, mode=mode, **kwargs)
    same(F.pad(nt(chw), padding, fill, mode), expected)
    same(F.pad(nt(chw.astype(np.float32)), padding, fill, mode), expected.astype(np.float32))
    got = np.asarray(F.pad(Image.fromarray(U8), padding, fill, mode))
    np.testing.assert_array_equal(got, expected.transpose(1, 2, 0))


def test_pad_reflect_examples_from_the_docs():
    row = nt(np.array([[[1, 2, 3, 4]]], np.float32))
    assert F.pad(row, [2, 0], padding_mode="reflect").tolist() == [[[3, 2, 1, 2, 3, 4, 3, 2]]]
    assert F.pad(row, [2, 0], padding_mode="symmetric").tolist() == [[[2, 1, 1, 2, 3, 4, 4, 3]]]


def test_pad_negative_crops_and_rgb_fill():
    chw = U8.transpose(2, 0, 1)
    same(F.pad(nt(chw), [-1, 0, 1, -2]), np.pad(chw[:, :3, 1:], ((0, 0), (0, 0), (0, 1))))
    img = F.pad(Image.fromarray(U8), 1, fill=(10, 20, 30))
    arr = np.asarray(img)
    assert arr.shape == (7, 9, 3) and arr[0, 0].tolist() == [10, 20, 30]
    np.testing.assert_array_equal(arr[1:-1, 1:-1], U8)


@pytest.mark.parametrize("padding,fill,mode,err,msg", [
    ("1", 0, "constant", TypeError, "Got inappropriate padding arg"),
    (1, "x", "constant", TypeError, "Got inappropriate fill arg"),
    ([1, 2, 3], 0, "constant", ValueError,
     "Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element tuple"),
    (1, 0, "wrap", ValueError,
     "Padding mode should be either constant, edge, reflect or symmetric"),
])
def test_pad_errors(padding, fill, mode, err, msg):
    for img in (nt(U8.transpose(2, 0, 1)), Image.fromarray(U8)):
        with pytest.raises(err) as info:
            F.pad(img, padding, fill, mode)
        assert str(info.value) == msg


# --------------------------------------------------------------------------- resize

RESIZE_CASES = [
    ((3, 10, 12), [5, 7], "bilinear", True),
    ((3, 10, 12), [5, 7], "bilinear", False),
    ((3, 10, 12), [5, 7], "bicubic", True),
    ((3, 10, 12), [5, 7], "bicubic", False),
    ((3, 10, 12), [5, 7], "nearest", False),
    ((3, 10, 12), [5, 7], "nearest-exact", False),
    ((2, 4, 5), [9, 11], "bilinear", True),
    ((2, 4, 5), [9, 11], "bilinear", False),
    ((2, 4, 5), [9, 11], "bicubic", False),
    ((2, 4, 5), [8, 10], "nearest", False),
    ((1, 6, 6), [6, 3], "bilinear", True),
    ((2, 3, 9, 9), [4, 4], "bilinear", True),
]


@pytest.mark.parametrize("shape,size,mode,antialias", RESIZE_CASES)
def test_resize_float_matches_interpolate(shape, size, mode, antialias):
    arr = rng.random(shape, dtype=np.float32)
    t = torch.from_numpy(arr)
    batch = t if t.ndim == 4 else t[None]
    kwargs = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
    expected = torch.nn.functional.interpolate(
        batch, size=size, mode=mode, antialias=antialias, **kwargs
    )
    expected = expected.reshape(shape[:-2] + tuple(size)).numpy()
    got = F.resize(nt(arr), size, InterpolationMode(mode), antialias=antialias).numpy()
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=3e-6)


@pytest.mark.parametrize(
    "mode,antialias",
    [("bilinear", True), ("bilinear", False), ("bicubic", True), ("nearest", False)],
)
def test_resize_uint8_rounds_back(mode, antialias):
    chw = U8.transpose(2, 0, 1).copy()
    kwargs = {"align_corners": False} if mode != "nearest" else {}
    out = torch.nn.functional.interpolate(
        torch.from_numpy(chw)[None].float(), size=[3, 4], mode=mode, antialias=antialias, **kwargs
    )[0]
    expected = out.clamp(0, 255).round().to(torch.uint8).numpy()
    got = F.resize(nt(chw), [3, 4], InterpolationMode(mode), antialias=antialias).numpy()
    assert got.dtype == np.uint8
    # float32 accumulation order may move a value sitting on .5 by one step
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    assert (got == expected).mean() > 0.95


@pytest.mark.parametrize("hw,size,max_size,expected_hw", [
    ((10, 20), 5, None, (5, 10)),
    ((20, 10), [5], None, (10, 5)),
    ((9, 14), 4, None, (4, 6)),           # int(4 * 14 / 9) = 6
    ((10, 40), 5, 12, (3, 12)),           # long side capped, short = int(12 * 5 / 20)
    ((6, 8), (3, 5), None, (3, 5)),
])
def test_resize_output_size(hw, size, max_size, expected_hw):
    arr = rng.random((1,) + hw, dtype=np.float32)
    assert tuple(F.resize(nt(arr), size, max_size=max_size).shape[-2:]) == expected_hw
    img = Image.fromarray((arr[0] * 255).astype(np.uint8))
    assert F.resize(img, size, max_size=max_size).size == expected_hw[::-1]


def test_resize_pil_uses_pillow_filters():
    img = Image.fromarray(U8)
    for mode, pil in [
        (InterpolationMode.BILINEAR, Image.BILINEAR), (InterpolationMode.NEAREST, Image.NEAREST),
        (InterpolationMode.BICUBIC, Image.BICUBIC), (InterpolationMode.LANCZOS, Image.LANCZOS),
    ]:
        expected = np.asarray(img.resize((4, 3), pil))
        np.testing.assert_array_equal(np.asarray(F.resize(img, [3, 4], mode)), expected)
    assert F.resize(img, [5, 7]) is img      # nothing to do


def test_resize_errors():
    x = nt(F32)
    with pytest.raises(
        ValueError, match=r"^Size must be an int or a 1 or 2 element tuple/list, not a 3 element"
    ):
        F.resize(x, [1, 2, 3])
    with pytest.raises(
        ValueError,
        match="^max_size should only be passed if size specifies the length of the smaller",
    ):
        F.resize(x, [3, 4], max_size=10)
    with pytest.raises(
        ValueError, match=r"^max_size = 3 must be strictly greater than the requested size"
    ):
        F.resize(x, 4, max_size=3)
    with pytest.raises(TypeError, match="^Argument interpolation should be a InterpolationMode"):
        F.resize(x, 4, interpolation="bilinear")


# --------------------------------------------------------------------------- grayscale

def test_rgb_to_grayscale_tensor_matches_torch():
    r, g, b = torch.from_numpy(F32).unbind(0)
    expected = (0.2989 * r + 0.587 * g + 0.114 * b)[None].numpy()
    same(F.rgb_to_grayscale(nt(F32)), expected)
    same(F.rgb_to_grayscale(nt(F32), 3), np.repeat(expected, 3, 0))
    chw = U8.transpose(2, 0, 1).copy()
    r, g, b = torch.from_numpy(chw).unbind(0)
    expected = (0.2989 * r + 0.587 * g + 0.114 * b).to(torch.uint8)[None].numpy()
    same(F.rgb_to_grayscale(nt(chw)), expected)


def test_grayscale_pil_is_pillow_luma():
    img = Image.fromarray(U8)
    one = F.rgb_to_grayscale(img)
    assert one.mode == "L"
    np.testing.assert_array_equal(np.asarray(one), np.asarray(img.convert("L")))
    three = F.to_grayscale(img, 3)
    assert three.mode == "RGB"
    np.testing.assert_array_equal(
        np.asarray(three), np.repeat(np.asarray(img.convert("L"))[..., None], 3, 2)
    )


def test_grayscale_errors():
    with pytest.raises(
        TypeError, match=r"^Input image tensor permitted channel values are \[1, 3\], but found 2$"
    ):
        F.rgb_to_grayscale(nt(F32[:2]))
    with pytest.raises(ValueError, match="^num_output_channels should be either 1 or 3$"):
        F.rgb_to_grayscale(nt(F32), 2)
    with pytest.raises(
        TypeError, match="^Input image tensor should have at least 3 dimensions, but found 2$"
    ):
        F.rgb_to_grayscale(nt(F32[0]))


# --------------------------------------------------------------------------- rotation

@pytest.mark.parametrize("hw,expand", [((5, 5), False), ((4, 4), False), ((4, 6), True)])
def test_rotate_quarter_turn_is_rot90(hw, expand):
    arr = rng.integers(0, 256, size=(2,) + hw).astype(np.uint8)
    expected = np.rot90(arr, 1, axes=(1, 2)).copy()     # counter-clockwise
    same(F.rotate(nt(arr), 90.0, expand=expand), expected)
    img = Image.fromarray(arr[0])
    np.testing.assert_array_equal(np.asarray(F.rotate(img, 90.0, expand=expand)), expected[0])


def test_rotate_bilinear_matches_grid_sample():
    arr = rng.random((3, 7, 9), dtype=np.float32)
    h, w = arr.shape[1:]
    angle = 30.0
    rad = np.radians(angle)
    # inverse map in normalised coordinates: output (x, y) -> input, rotation by +angle
    # in image axes (y down) is a counter-clockwise turn on screen
    a, b = np.cos(rad), -np.sin(rad)
    c, d = np.sin(rad), np.cos(rad)
    theta = torch.tensor([[[a, b * h / w, 0.0], [c * w / h, d, 0.0]]], dtype=torch.float32)
    grid = torch.nn.functional.affine_grid(theta, [1, 3, h, w], align_corners=False)
    expected = torch.nn.functional.grid_sample(torch.from_numpy(arr)[None], grid, mode="bilinear",
                                               padding_mode="zeros", align_corners=False)[0].numpy()
    got = F.rotate(nt(arr), angle, InterpolationMode.BILINEAR).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_rotate_errors():
    with pytest.raises(TypeError, match="^Argument angle should be int or float$"):
        F.rotate(nt(F32), "3")
    with pytest.raises(
        ValueError, match="^Interpolation mode 'bicubic' is unsupported with Tensor input$"
    ):
        F.rotate(nt(F32), 3.0, InterpolationMode.BICUBIC)
    with pytest.raises(
        ValueError,
        match=r"cannot broadcast to match the number of channels of the image \(2 != 3\)",
    ):
        F.rotate(nt(F32), 3.0, fill=[1.0, 2.0])


def test_dimensions():
    assert F.get_dimensions(nt(F32)) == [3, 6, 8]
    assert F.get_dimensions(Image.fromarray(U8)) == [3, 5, 7]
    assert F.get_image_size(Image.fromarray(U8)) == [7, 5]
    assert F.get_image_num_channels(nt(F32[0])) == 1


def test_normalize_scalar_mean_and_std():
    t = torch.from_numpy(F32)
    expected = ((t - torch.tensor(0.5)) / torch.tensor(0.25)).numpy()
    same(F.normalize(nt(F32), 0.5, 0.25), expected)
