"""Colour adjustments, ColorJitter, RandomAffine and RandomErasing, checked against independent
computations (PyTorch arithmetic, Python's colorsys, Pillow, NumPy) and real torch draws."""

from __future__ import annotations

import colorsys
import math

import numpy as np
import pytest
from PIL import Image, ImageEnhance

import numtorch
from numtorch.vision import transforms as T
from numtorch.vision.transforms import InterpolationMode
from numtorch.vision.transforms import functional as F

torch = pytest.importorskip("torch")

rng = np.random.default_rng(7)
U8 = rng.integers(0, 256, size=(3, 5, 6), dtype=np.uint8)
F32 = rng.random((3, 5, 6), dtype=np.float32)


def nt(arr):
    return numtorch.from_numpy(np.ascontiguousarray(arr))


def _torch_gray(x):
    r, g, b = x.unbind(-3)
    return (0.2989 * r + 0.587 * g + 0.114 * b).to(x.dtype).unsqueeze(-3)


def _torch_blend(a, b, ratio, bound):
    return (ratio * a + (1.0 - ratio) * b).clamp(0, bound).to(a.dtype)


@pytest.mark.parametrize("arr,bound", [(F32, 1.0), (U8, 255)], ids=["float", "uint8"])
@pytest.mark.parametrize("factor", [0.0, 0.6, 1.7])
def test_brightness_saturation_contrast_match_torch_arithmetic(arr, bound, factor):
    x = torch.from_numpy(arr)
    np.testing.assert_array_equal(F.adjust_brightness(nt(arr), factor).numpy(),
                                  _torch_blend(x, torch.zeros_like(x), factor, bound).numpy())
    np.testing.assert_array_equal(F.adjust_saturation(nt(arr), factor).numpy(),
                                  _torch_blend(x, _torch_gray(x), factor, bound).numpy())
    mean = torch.mean(_torch_gray(x).to(torch.float32), dim=(-3, -2, -1), keepdim=True)
    expected = _torch_blend(x, mean, factor, bound).numpy()
    got = F.adjust_contrast(nt(arr), factor).numpy()
    # the mean is a float32 reduction whose summation order may differ by an ulp
    assert np.abs(got.astype(np.float64) - expected.astype(np.float64)).max() <= (
        1 if bound == 255 else 1e-6
    )


@pytest.mark.parametrize("factor", [0.0, 0.5, 1.8])
def test_pil_adjustments_use_image_enhance(factor):
    img = Image.fromarray(U8.transpose(1, 2, 0))
    for fn, kind in [(F.adjust_brightness, "Brightness"), (F.adjust_contrast, "Contrast"),
                     (F.adjust_saturation, "Color")]:
        expected = np.asarray(getattr(ImageEnhance, kind)(img).enhance(factor))
        np.testing.assert_array_equal(np.asarray(fn(img, factor)), expected)


@pytest.mark.parametrize("hue", [-0.5, -0.2, 0.0, 0.13, 0.5])
def test_adjust_hue_tensor_matches_colorsys(hue):
    got = F.adjust_hue(nt(F32), hue).numpy()
    expected = np.empty_like(F32)
    for i in range(F32.shape[1]):
        for j in range(F32.shape[2]):
            h, s, v = colorsys.rgb_to_hsv(*F32[:, i, j].astype(np.float64))
            expected[:, i, j] = colorsys.hsv_to_rgb((h + hue) % 1.0, s, v)
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-6)
    gray = nt(F32[:1])
    assert F.adjust_hue(gray, hue) is gray


def test_adjust_hue_pil_rotates_colours():
    red = Image.new("RGB", (2, 2), (255, 0, 0))
    assert np.asarray(F.adjust_hue(red, 0.0))[0, 0].tolist() == [255, 0, 0]
    assert np.asarray(F.adjust_hue(red, 1 / 3))[0, 0].argmax() == 1      # towards green
    assert np.asarray(F.adjust_hue(red, -1 / 3))[0, 0].argmax() == 2     # towards blue
    gray = Image.new("L", (2, 2), 9)
    assert F.adjust_hue(gray, 0.3) is gray


@pytest.mark.parametrize("call,err,msg", [
    (lambda: F.adjust_hue(nt(F32), 0.7), ValueError, "hue_factor (0.7) is not in [-0.5, 0.5]."),
    (lambda: F.adjust_brightness(nt(F32), -1), ValueError,
     "brightness_factor (-1) is not non-negative."),
    (lambda: F.adjust_contrast(nt(F32[:2]), 1.0), TypeError,
     "Input image tensor permitted channel values are [3, 1], but found 2"),
    (lambda: T.ColorJitter(brightness=-1), ValueError,
     "If brightness is a single number, it must be non negative."),
    (lambda: T.ColorJitter(hue=0.6), ValueError,
     "hue values should be between (-0.5, 0.5), but got [-0.6, 0.6]."),
    (lambda: T.ColorJitter(contrast="x"), TypeError,
     "contrast should be a single number or a list/tuple with length 2."),
    (lambda: T.RandomErasing(value="noise"), ValueError, "If value is str, it should be 'random'"),
    (lambda: T.RandomErasing(scale=(0.1, 2)), ValueError, "Scale should be between 0 and 1"),
    (lambda: T.RandomErasing(p=2), ValueError,
     "Random erasing probability should be between 0 and 1"),
    (lambda: T.RandomAffine(5, translate=(2, 0)), ValueError,
     "translation values should be between 0 and 1"),
    (lambda: T.RandomAffine(5, scale=(0, 1)), ValueError, "scale values should be positive"),
    (lambda: T.RandomAffine(5, shear=[1, 2, 3]), ValueError,
     "shear should be a sequence of length 2 or 4."),
    (lambda: F.affine(nt(F32), 0.0, [1], 1.0, 0.0), ValueError,
     "Argument translate should be a sequence of length 2"),
    (lambda: F.affine(nt(F32), 0.0, [1, 1], 0.0, 0.0), ValueError,
     "Argument scale should be positive"),
    (lambda: F.erase(F32, 0, 0, 1, 1, 0.0), TypeError,
     "img should be Tensor Image. Got <class 'numpy.ndarray'>"),
])
def test_errors(call, err, msg):
    with pytest.raises(err) as info:
        call()
    assert str(info.value) == msg


def test_reprs():
    assert repr(T.ColorJitter(0.2, 0.3, 0.4, 0.1)) == (
        "ColorJitter(brightness=(0.8, 1.2), contrast=(0.7, 1.3), saturation=(0.6, 1.4), hue=(-0.1, "
        "0.1))")
    assert (
        repr(T.ColorJitter())
        == "ColorJitter(brightness=None, contrast=None, saturation=None, hue=None)"
    )
    assert repr(T.RandomAffine(10, translate=(0.1, 0.2), shear=5)) == (
        "RandomAffine(degrees=[-10.0, 10.0], translate=(0.1, 0.2), shear=[-5.0, 5.0])")
    assert (
        repr(T.RandomErasing())
        == "RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False)"
    )


@pytest.mark.parametrize("seed", range(5))
def test_color_jitter_follows_the_generator(seed):
    torch.manual_seed(seed)
    order = torch.randperm(4).tolist()
    b = float(torch.empty(1).uniform_(0.5, 1.5))
    s = float(torch.empty(1).uniform_(0.0, 2.0))
    h = float(torch.empty(1).uniform_(-0.2, 0.2))
    expected = nt(F32)
    for k in order:
        if k == 0:
            expected = F.adjust_brightness(expected, b)
        elif k == 2:
            expected = F.adjust_saturation(expected, s)
        elif k == 3:
            expected = F.adjust_hue(expected, h)
    numtorch.manual_seed(seed)
    out = T.ColorJitter(brightness=0.5, saturation=1.0, hue=0.2)(nt(F32))
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("value", [0, (1.0, 2.0, 3.0), "random"])
def test_random_erasing_follows_the_generator(seed, value):
    torch.manual_seed(seed)
    expected = F32.copy()
    if torch.rand(1) < 0.5:
        log_ratio = torch.log(torch.tensor((0.3, 3.3)))
        for _ in range(10):
            erase_area = 30 * torch.empty(1).uniform_(0.02, 0.33).item()
            aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < 5 and w < 6):
                continue
            if value == "random":
                v = torch.empty([3, h, w], dtype=torch.float32).normal_().numpy()
            else:
                v = np.asarray(value if isinstance(value, tuple) else (value,), np.float32)
                v = v[:, None, None]
            i = torch.randint(0, 5 - h + 1, size=(1,)).item()
            j = torch.randint(0, 6 - w + 1, size=(1,)).item()
            expected[:, i:i + h, j:j + w] = v
            break
    numtorch.manual_seed(seed)
    x = nt(F32)
    out = T.RandomErasing(value=value)(x)
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(x.numpy(), F32)               # not in place by default


@pytest.mark.parametrize("seed", range(4))
def test_random_affine_params_follow_the_generator(seed):
    torch.manual_seed(seed)
    angle = float(torch.empty(1).uniform_(-20.0, 20.0).item())
    tx = int(round(torch.empty(1).uniform_(-0.2 * 6, 0.2 * 6).item()))
    ty = int(round(torch.empty(1).uniform_(-0.1 * 5, 0.1 * 5).item()))
    scale = float(torch.empty(1).uniform_(0.8, 1.2).item())
    sx = float(torch.empty(1).uniform_(-5.0, 5.0).item())
    numtorch.manual_seed(seed)
    params = T.RandomAffine.get_params([-20.0, 20.0], (0.2, 0.1), (0.8, 1.2), [-5.0, 5.0], [6, 5])
    assert params == (angle, (tx, ty), scale, (sx, 0.0))
    numtorch.manual_seed(seed)
    out = T.RandomAffine(20, translate=(0.2, 0.1), scale=(0.8, 1.2), shear=5)(nt(F32))
    expected = F.affine(nt(F32), angle, [tx, ty], scale, [sx, 0.0], fill=[0.0] * 3)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_affine_translation_and_quarter_turn():
    x = rng.integers(1, 256, size=(2, 5, 5)).astype(np.uint8)
    shifted = np.zeros_like(x)
    shifted[:, 1:, 2:] = x[:, :-1, :-2]                     # right by 2, down by 1
    np.testing.assert_array_equal(F.affine(nt(x), 0.0, [2, 1], 1.0, 0.0).numpy(), shifted)
    pil = F.affine(Image.fromarray(x[0]), 0.0, [2, 1], 1.0, 0.0)
    np.testing.assert_array_equal(np.asarray(pil), shifted[0])
    # a clockwise angle of -90 degrees is a counter-clockwise quarter turn
    np.testing.assert_array_equal(
        F.affine(nt(x), -90.0, [0, 0], 1.0, 0.0).numpy(), np.rot90(x, 1, axes=(1, 2))
    )
    bilinear = F.affine(
        nt(F32), 0.0, [1, 0], 1.0, 0.0, interpolation=InterpolationMode.BILINEAR
    ).numpy()
    np.testing.assert_allclose(bilinear[..., 1:], F32[..., :-1], atol=1e-6)


@pytest.mark.parametrize("kernel_size,sigma", [(3, 1.0), ([5, 3], [0.8, 1.5]), (7, None)])
def test_gaussian_blur_matches_conv2d(kernel_size, sigma):
    kx, ky = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sx, sy = (kx * 0.15 + 0.35, ky * 0.15 + 0.35) if sigma is None else (
        (sigma, sigma) if isinstance(sigma, float) else sigma)

    def k1(k, s):
        x = torch.linspace(-(k - 1) * 0.5, (k - 1) * 0.5, steps=k)
        pdf = torch.exp(-0.5 * (x / s).pow(2))
        return pdf / pdf.sum()

    kernel = torch.mm(k1(ky, sy)[:, None], k1(kx, sx)[None, :]).expand(3, 1, ky, kx)
    arr = rng.random((3, 9, 10), dtype=np.float32)
    padded = torch.nn.functional.pad(
        torch.from_numpy(arr)[None], [kx // 2, kx // 2, ky // 2, ky // 2], mode="reflect"
    )
    expected = torch.nn.functional.conv2d(padded, kernel, groups=3)[0].numpy()
    np.testing.assert_allclose(
        F.gaussian_blur(nt(arr), kernel_size, sigma).numpy(), expected, rtol=0, atol=2e-6
    )
    u8 = (arr * 255).astype(np.uint8)
    padded = torch.nn.functional.pad(
        torch.from_numpy(u8)[None].float(), [kx // 2, kx // 2, ky // 2, ky // 2], mode="reflect"
    )
    expected = (
        torch.nn.functional.conv2d(padded, kernel, groups=3)[0].round().to(torch.uint8).numpy()
    )
    got = F.gaussian_blur(nt(u8), kernel_size, sigma).numpy()
    assert got.dtype == np.uint8 and np.abs(got.astype(int) - expected).max() <= 1
    pil = F.gaussian_blur(Image.fromarray(u8.transpose(1, 2, 0)), kernel_size, sigma)
    np.testing.assert_array_equal(np.asarray(pil), got.transpose(1, 2, 0))


def test_gaussian_blur_transform_draws_sigma():
    torch.manual_seed(2)
    sigma = float(torch.empty(1).uniform_(0.1, 2.0).item())
    numtorch.manual_seed(2)
    out = T.GaussianBlur(5)(nt(F32))
    np.testing.assert_array_equal(
        out.numpy(), F.gaussian_blur(nt(F32), [5, 5], [sigma, sigma]).numpy()
    )
    assert repr(T.GaussianBlur(3)) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    with pytest.raises(
        ValueError, match="^Kernel size value should be an odd and positive number.$"
    ):
        T.GaussianBlur(4)
    with pytest.raises(
        ValueError, match=r"^kernel_size should have odd and positive integers. Got \[2, 2\]$"
    ):
        F.gaussian_blur(nt(F32), 2)


def test_five_and_ten_crop():
    x = U8
    tl, tr, bl, br, center = T.FiveCrop((2, 3))(nt(x))
    for got, expected in [(tl, x[:, :2, :3]), (tr, x[:, :2, 3:]), (bl, x[:, 3:, :3]),
                          (br, x[:, 3:, 3:]), (center, x[:, 2:4, 2:5])]:
        np.testing.assert_array_equal(got.numpy(), expected)
    crops = T.TenCrop(2, vertical_flip=True)(Image.fromarray(x.transpose(1, 2, 0)))
    assert len(crops) == 10
    np.testing.assert_array_equal(np.asarray(crops[5]), x[:, ::-1][:, :2, :2].transpose(1, 2, 0))
    with pytest.raises(
        ValueError, match=r"^Requested crop size \(6, 6\) is bigger than input size \(5, 6\)$"
    ):
        F.five_crop(nt(x), 6)
    assert repr(T.TenCrop(3)) == "TenCrop(size=(3, 3), vertical_flip=False)"
