"""numtorch.vision.transforms classes: pipelines, reprs, validation, and random draws like
    torchvision's.

The random transforms must draw from numtorch's generator exactly as
torchvision draws from torch's; the expected crops and flips are computed here
from real ``torch`` draws after ``torch.manual_seed`` and NumPy slicing.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import numtorch
from numtorch.vision import transforms as T
from numtorch.vision.transforms import InterpolationMode

torch = pytest.importorskip("torch")

rng = np.random.default_rng(1)
U8 = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
CHW = np.ascontiguousarray(U8.transpose(2, 0, 1))


def nt(arr):
    return numtorch.from_numpy(np.ascontiguousarray(arr))


def test_pipeline_totensor_normalize():
    pipeline = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.25, 0.125), (0.5, 0.5, 2.0))])
    out = pipeline(Image.fromarray(U8))
    x = torch.from_numpy(U8).permute(2, 0, 1).float().div(255)
    expected = (x - torch.tensor([0.5, 0.25, 0.125]).view(-1, 1, 1)) / torch.tensor(
        [0.5, 0.5, 2.0]
    ).view(-1, 1, 1)
    assert out.dtype == numtorch.float32 and tuple(out.shape) == (3, 6, 8)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_deterministic_transforms():
    img = Image.fromarray(U8)
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(4)(img)), U8[1:5, 2:6])
    np.testing.assert_array_equal(T.CenterCrop((2, 4))(nt(CHW)).numpy(), CHW[:, 2:4, 2:6])
    np.testing.assert_array_equal(T.Pad(1, fill=7)(nt(CHW)).numpy(),
                                  np.pad(CHW, ((0, 0), (1, 1), (1, 1)), constant_values=7))
    np.testing.assert_array_equal(T.Pad([1, 2], padding_mode="edge")(nt(CHW)).numpy(),
                                  np.pad(CHW, ((0, 0), (2, 2), (1, 1)), mode="edge"))
    assert T.Resize(3)(img).size == (4, 3)
    assert tuple(T.Resize((3, 5))(nt(CHW)).shape) == (3, 3, 5)
    np.testing.assert_array_equal(np.asarray(T.Grayscale()(img)), np.asarray(img.convert("L")))
    assert tuple(T.Grayscale(3)(nt(CHW.astype(np.float32))).shape) == (3, 6, 8)
    np.testing.assert_array_equal(T.PILToTensor()(img).numpy(), CHW)
    np.testing.assert_array_equal(np.asarray(T.ToPILImage()(nt(CHW))), U8)
    np.testing.assert_array_equal(T.ConvertImageDtype(numtorch.float32)(nt(CHW)).numpy(),
                                  CHW.astype(np.float32) / np.float32(255))
    assert T.Lambda(lambda x: x + 1)(1) == 2


def test_normalize_inplace_flag():
    x = nt(CHW.astype(np.float32))
    y = T.Normalize([1.0] * 3, [2.0] * 3, inplace=True)(x)
    assert y is x
    np.testing.assert_array_equal(x.numpy(), (CHW.astype(np.float32) - 1) / 2)


def test_tensor_transforms_are_modules():
    assert isinstance(T.Normalize([0.5], [0.5]), numtorch.nn.Module)
    seq = numtorch.nn.Sequential(T.CenterCrop(2), T.Normalize([0.0] * 3, [2.0] * 3))
    out = seq(nt(CHW.astype(np.float32)))
    np.testing.assert_array_equal(out.numpy(), CHW[:, 2:4, 3:5].astype(np.float32) / 2)


@pytest.mark.parametrize("transform,text", [
    (T.ToTensor(), "ToTensor()"),
    (T.PILToTensor(), "PILToTensor()"),
    (T.ToPILImage(), "ToPILImage()"),
    (T.ToPILImage("RGB"), "ToPILImage(mode=RGB)"),
    (T.Normalize((0.5,), (0.5,)), "Normalize(mean=(0.5,), std=(0.5,))"),
    (T.Resize(32), "Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)"),
    (T.CenterCrop(4), "CenterCrop(size=(4, 4))"),
    (T.RandomCrop(4, padding=2), "RandomCrop(size=(4, 4), padding=2)"),
    (T.Pad(2), "Pad(padding=2, fill=0, padding_mode=constant)"),
    (T.RandomHorizontalFlip(), "RandomHorizontalFlip(p=0.5)"),
    (T.RandomVerticalFlip(0.3), "RandomVerticalFlip(p=0.3)"),
    (T.RandomRotation(10),
     "RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)"),
    (T.Grayscale(), "Grayscale(num_output_channels=1)"),
    (T.Lambda(abs), "Lambda()"),
    (
        T.RandomResizedCrop(8),
        "RandomResizedCrop(size=(8, 8), scale=(0.08, 1.0), ratio=(0.75, 1.3333), "
        "interpolation=bilinear, antialias=True)",
    ),
    (T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]),
     "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"),
])
def test_repr(transform, text):
    assert repr(transform) == text


@pytest.mark.parametrize("make,err,msg", [
    (lambda: T.Lambda(3), TypeError, "Argument lambd should be callable, got 'int'"),
    (lambda: T.Resize(3.5), TypeError, "Size should be int or sequence. Got <class 'float'>"),
    (lambda: T.Resize([1, 2, 3]), ValueError,
     "If size is a sequence, it should have 1 or 2 values"),
    (lambda: T.CenterCrop([1, 2, 3]), ValueError,
     "Please provide only two dimensions (h, w) for size."),
    (lambda: T.RandomCrop([1, 2, 3]), ValueError,
     "Please provide only two dimensions (h, w) for size."),
    (lambda: T.RandomRotation(-5), ValueError,
     "If degrees is a single number, it must be positive."),
    (lambda: T.RandomRotation([1, 2, 3]), ValueError, "degrees should be a sequence of length 2."),
    (lambda: T.RandomRotation(5, center=3), TypeError, "center should be a sequence of length 2."),
    (lambda: T.RandomRotation(5, fill=object()), TypeError,
     "Fill should be either a sequence or a number."),
    (lambda: T.Pad([1, 2, 3]), ValueError,
     "Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element tuple"),
    (lambda: T.Pad(1, padding_mode="wrap"), ValueError,
     "Padding mode should be either constant, edge, reflect or symmetric"),
    (lambda: T.Pad("1"), TypeError, "Got inappropriate padding arg"),
    (lambda: T.RandomResizedCrop(4, scale=0.5), TypeError, "Scale should be a sequence"),
    (lambda: T.RandomCrop(10)(nt(CHW)), ValueError,
     "Required crop size (10, 10) is larger than input image size (6, 8)"),
])
def test_validation(make, err, msg):
    with pytest.raises(err) as info:
        make()
    assert str(info.value) == msg


# --------------------------------------------------------------------------- random draws

SEEDS = range(8)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_flips_follow_the_generator(seed):
    torch.manual_seed(seed)
    h_flip = bool(torch.rand(1) < 0.5)
    v_flip = bool(torch.rand(1) < 0.3)
    numtorch.manual_seed(seed)
    out = T.Compose([T.RandomHorizontalFlip(), T.RandomVerticalFlip(0.3)])(nt(CHW))
    expected = CHW[..., ::-1] if h_flip else CHW
    expected = expected[:, ::-1] if v_flip else expected
    np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_crop_follows_the_generator(seed):
    torch.manual_seed(seed)
    i = torch.randint(0, 6 + 4 - 5 + 1, size=(1,)).item()
    j = torch.randint(0, 8 + 4 - 4 + 1, size=(1,)).item()
    padded = np.pad(CHW, ((0, 0), (2, 2), (2, 2)))
    numtorch.manual_seed(seed)
    out = T.RandomCrop((5, 4), padding=2)(nt(CHW))
    np.testing.assert_array_equal(out.numpy(), padded[:, i:i + 5, j:j + 4])
    numtorch.manual_seed(seed)
    pil = T.RandomCrop((5, 4), padding=2)(Image.fromarray(U8))
    np.testing.assert_array_equal(np.asarray(pil), padded[:, i:i + 5, j:j + 4].transpose(1, 2, 0))


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_random_crop_pad_if_needed(seed):
    # the missing width (height) is added on both sides, then a crop is drawn
    torch.manual_seed(seed)
    i = torch.randint(0, 10 - 8 + 1, size=(1,)).item()
    j = torch.randint(0, 12 - 10 + 1, size=(1,)).item()
    padded = np.pad(CHW, ((0, 0), (2, 2), (2, 2)))
    numtorch.manual_seed(seed)
    out = T.RandomCrop((8, 10), pad_if_needed=True)(nt(CHW))
    np.testing.assert_array_equal(out.numpy(), padded[:, i:i + 8, j:j + 10])


@pytest.mark.parametrize("seed", SEEDS)
def test_random_rotation_follows_the_generator(seed):
    torch.manual_seed(seed)
    angle = float(torch.empty(1).uniform_(-30.0, 30.0).item())
    img = Image.fromarray(U8)
    expected = img.rotate(angle, Image.NEAREST, False, None, fillcolor=(0, 0, 0))
    numtorch.manual_seed(seed)
    out = T.RandomRotation(30)(img)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(expected))


def _torch_resized_crop_params(height, width, scale, ratio):
    # torchvision's documented algorithm, drawn from real torch
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,)).item()
            j = torch.randint(0, width - w + 1, size=(1,)).item()
            return i, j, h, w
    return None


@pytest.mark.parametrize("seed", SEEDS)
def test_random_resized_crop_follows_the_generator(seed):
    torch.manual_seed(seed)
    expected = _torch_resized_crop_params(6, 8, (0.08, 1.0), (3 / 4, 4 / 3))
    numtorch.manual_seed(seed)
    got = T.RandomResizedCrop.get_params(nt(CHW), (0.08, 1.0), (3 / 4, 4 / 3))
    if expected is not None:
        assert got == expected
    out = T.RandomResizedCrop(4)(Image.fromarray(U8))
    assert out.size == (4, 4)


def test_random_apply_and_grayscale():
    torch.manual_seed(3)
    applied = not (0.5 < torch.rand(1))
    numtorch.manual_seed(3)
    out = T.RandomApply([T.Lambda(lambda x: x * 2)], p=0.5)(nt(CHW.astype(np.float32)))
    np.testing.assert_array_equal(out.numpy(), CHW * (2.0 if applied else 1.0))
    numtorch.manual_seed(0)
    out = T.RandomGrayscale(p=1.0)(Image.fromarray(U8))
    assert out.mode == "RGB"
    gray = np.asarray(Image.fromarray(U8).convert("L"))
    np.testing.assert_array_equal(np.asarray(out), np.dstack([gray] * 3))


def test_interpolation_accepts_pillow_integers():
    assert T.Resize(4, interpolation=0).interpolation is InterpolationMode.NEAREST
    assert T.RandomRotation(4, interpolation=2).interpolation is InterpolationMode.BILINEAR


def test_pillow_is_optional():
    code = (
        "import sys\n"
        "sys.modules['PIL'] = None  # as if Pillow were not installed\n"
        "import numpy as np\n"
        "import numtorch.vision\n"
        "from numtorch.vision.transforms import functional as F\n"
        "print(tuple(F.to_tensor(np.zeros((2, 3), np.uint8)).shape))\n"
        "try:\n"
        "    numtorch.vision.datasets.Digits()[0]\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    ).stdout
    lines = out.splitlines()
    assert lines[0] == "(1, 2, 3)"
    assert lines[1].startswith("numtorch.vision needs Pillow") and "pip install Pillow" in lines[1]
