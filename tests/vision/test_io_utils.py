"""numtorch.vision.io and numtorch.vision.utils.

PNG is lossless, so encode/decode round trips are checked bit for bit; JPEG decoding is checked
against Pillow's own decode of the same bytes.  ``make_grid`` is checked against grids built by
hand from torchvision's documented layout (images row by row, ``nrow`` per row, ``padding``
pixels of ``pad_value`` around and between them) and its normalisation rule
(``clamp(x, lo, hi) - lo) / max(hi - lo, 1e-5)``).
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import numtorch
from numtorch.vision import io as vio
from numtorch.vision.utils import make_grid, save_image

Image = pytest.importorskip("PIL.Image")

RNG = np.random.default_rng(0)


def _img(c, h, w, dtype=np.uint8):
    return RNG.integers(0, 256, (c, h, w)).astype(dtype)


@pytest.mark.parametrize("c,h,w", [(1, 5, 7), (3, 4, 6), (3, 1, 1), (1, 33, 2)])
@pytest.mark.parametrize("level", [0, 6, 9])
def test_png_round_trip_is_exact(c, h, w, level, tmp_path):
    a = _img(c, h, w)
    t = numtorch.from_numpy(a)
    enc = vio.encode_png(t, compression_level=level)
    assert enc.dtype == numtorch.uint8 and enc.dim() == 1
    np.testing.assert_array_equal(vio.decode_png(enc).numpy(), a)
    np.testing.assert_array_equal(vio.decode_image(enc).numpy(), a)
    path = tmp_path / "x.png"
    vio.write_png(t, path, compression_level=level)
    np.testing.assert_array_equal(vio.read_image(path).numpy(), a)
    np.testing.assert_array_equal(
        vio.read_file(path).numpy(), np.frombuffer(path.read_bytes(), np.uint8)
    )
    # Pillow reads what we wrote as the same pixels
    ref = np.asarray(Image.open(path))
    np.testing.assert_array_equal(ref if ref.ndim == 3 else ref[:, :, None], a.transpose(1, 2, 0))


@pytest.mark.parametrize("pil_mode,channels", [("L", 1), ("LA", 2), ("RGB", 3), ("RGBA", 4)])
def test_png_modes_unchanged_and_converted(pil_mode, channels, tmp_path):
    arr = RNG.integers(0, 256, (6, 5, channels)).astype(np.uint8)
    img = Image.fromarray(arr[:, :, 0] if channels == 1 else arr, mode=pil_mode)
    path = tmp_path / "m.png"
    img.save(path)
    got = vio.read_image(path)
    np.testing.assert_array_equal(got.numpy(), arr.transpose(2, 0, 1))
    for mode, pm in [(vio.ImageReadMode.GRAY, "L"), (vio.ImageReadMode.GRAY_ALPHA, "LA"),
                     (vio.ImageReadMode.RGB, "RGB"), (vio.ImageReadMode.RGB_ALPHA, "RGBA"),
                     ("RGB", "RGB")]:
        want = np.asarray(img.convert(pm))
        want = want[:, :, None] if want.ndim == 2 else want
        np.testing.assert_array_equal(vio.read_image(path, mode).numpy(), want.transpose(2, 0, 1))


def test_palette_and_16_bit_png(tmp_path):
    arr = RNG.integers(0, 4, (5, 6)).astype(np.uint8)
    pal = Image.fromarray(arr, mode="P")
    pal.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9])
    pal.save(tmp_path / "p.png")
    want = np.asarray(pal.convert("RGB")).transpose(2, 0, 1)
    np.testing.assert_array_equal(vio.read_image(tmp_path / "p.png").numpy(), want)
    deep = RNG.integers(0, 65536, (4, 3)).astype(np.uint16)
    Image.fromarray(deep).save(tmp_path / "d.png")
    got = vio.read_image(tmp_path / "d.png")
    assert got.dtype == numtorch.int32  # numtorch has no uint16
    np.testing.assert_array_equal(got.numpy()[0], deep)


@pytest.mark.parametrize("c", [1, 3])
@pytest.mark.parametrize("quality", [10, 75, 100])
def test_jpeg_decode_equals_pillow(c, quality, tmp_path):
    a = _img(c, 16, 24)
    enc = vio.encode_jpeg(numtorch.from_numpy(a), quality=quality)
    raw = enc.numpy().tobytes()
    assert raw[:2] == b"\xff\xd8"
    ref = np.asarray(Image.open(io.BytesIO(raw)))
    ref = ref[:, :, None] if ref.ndim == 2 else ref
    np.testing.assert_array_equal(vio.decode_jpeg(enc).numpy(), ref.transpose(2, 0, 1))
    np.testing.assert_array_equal(vio.decode_image(enc).numpy(), ref.transpose(2, 0, 1))
    vio.write_jpeg(numtorch.from_numpy(a), tmp_path / "x.jpg", quality=quality)
    assert (tmp_path / "x.jpg").read_bytes() == raw
    assert np.abs(ref.transpose(2, 0, 1).astype(int) - a).mean() < 80  # it is the same picture
    [one, two] = vio.decode_jpeg([enc, enc])
    np.testing.assert_array_equal(one.numpy(), two.numpy())


BAD_ENCODE = [
    (lambda: vio.encode_png(numtorch.zeros(3, 2, 2)), RuntimeError,
     "Input tensor dtype should be uint8"),
    (lambda: vio.encode_png(numtorch.zeros(2, 2, dtype=numtorch.uint8)), RuntimeError,
     "Input tensor should have 3 dimensions, but got 2"),
    (lambda: vio.encode_png(numtorch.zeros(2, 2, 2, dtype=numtorch.uint8)), RuntimeError,
     "The number of channels should be 1 or 3, got: 2"),
    (lambda: vio.encode_png(numtorch.zeros(1, 2, 2, dtype=numtorch.uint8), 10), RuntimeError,
     "Compression level should be between 0 and 9"),
    (lambda: vio.encode_jpeg(numtorch.zeros(1, 2, 2, dtype=numtorch.uint8), 0), ValueError,
     "Image quality should be a positive number between 1 and 100"),
    (lambda: vio.decode_png(vio.encode_jpeg(numtorch.zeros(1, 8, 8, dtype=numtorch.uint8))),
     RuntimeError, "Content is not png"),
    (lambda: vio.decode_image(numtorch.tensor([1, 2, 3], dtype=numtorch.uint8)), RuntimeError,
     "Unsupported image file"),
]


@pytest.mark.parametrize("call,exc,msg", BAD_ENCODE)
def test_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


# --------------------------------------------------------------------------- make_grid


def _hand_grid(imgs, nrow, padding, pad_value):
    """The documented layout, written out with explicit loops over pixels."""
    b, c, h, w = imgs.shape
    cols = min(nrow, b)
    rows = -(-b // cols)
    out = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value,
                  dtype=imgs.dtype)
    for k in range(b):
        y, x = divmod(k, cols)
        top, left = padding + y * (h + padding), padding + x * (w + padding)
        for i in range(h):
            for j in range(w):
                out[:, top + i, left + j] = imgs[k, :, i, j]
    return out


@pytest.mark.parametrize("b,nrow,padding,pad_value", [
    (10, 4, 2, 0.0), (5, 8, 0, 0.0), (7, 3, 1, 0.5), (4, 2, 3, 1.0), (2, 1, 2, -1.0),
])
def test_make_grid_layout(b, nrow, padding, pad_value):
    imgs = RNG.random((b, 3, 4, 5)).astype(np.float32)
    got = make_grid(numtorch.from_numpy(imgs), nrow=nrow, padding=padding, pad_value=pad_value)
    np.testing.assert_array_equal(got.numpy(), _hand_grid(imgs, nrow, padding, pad_value))
    as_list = make_grid([numtorch.from_numpy(i) for i in imgs], nrow=nrow, padding=padding,
                        pad_value=pad_value)
    np.testing.assert_array_equal(as_list.numpy(), got.numpy())


def test_make_grid_small_hand_example():
    # two 1x1 RGB images, padding 1: a 3 x 3 x 5 canvas with the pixels at (1, 1) and (1, 3)
    imgs = numtorch.tensor([[[[1.0]], [[2.0]], [[3.0]]], [[[4.0]], [[5.0]], [[6.0]]]])
    want = np.zeros((3, 3, 5), np.float32)
    want[:, 1, 1] = [1, 2, 3]
    want[:, 1, 3] = [4, 5, 6]
    np.testing.assert_array_equal(make_grid(imgs, padding=1).numpy(), want)


def test_make_grid_channels_and_single_images():
    one = RNG.random((3, 1, 2, 2)).astype(np.float32)
    got = make_grid(numtorch.from_numpy(one), padding=0).numpy()
    assert got.shape == (3, 2, 6)
    np.testing.assert_array_equal(got[0], got[2])  # one channel repeated to three
    single = RNG.random((1, 4, 4)).astype(np.float32)
    assert tuple(make_grid(numtorch.from_numpy(single)).shape) == (3, 4, 4)  # no padding alone
    hw = RNG.random((4, 4)).astype(np.float32)
    np.testing.assert_array_equal(make_grid(numtorch.from_numpy(hw)).numpy(), np.stack([hw] * 3))


def test_make_grid_normalize():
    imgs = (RNG.random((3, 3, 2, 2)) * 10 - 3).astype(np.float32)
    t = numtorch.from_numpy(imgs)
    lo, hi = imgs.min(), imgs.max()
    got = make_grid(t, normalize=True, padding=0, nrow=3).numpy()
    want = _hand_grid((imgs - lo) / np.float32(hi - lo), 3, 0, 0.0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    got = make_grid(t, normalize=True, value_range=(0.0, 2.0), padding=0, nrow=3).numpy()
    np.testing.assert_array_equal(got, _hand_grid(np.clip(imgs, 0, 2) / np.float32(2), 3, 0, 0.0))
    each = make_grid(t, normalize=True, scale_each=True, padding=0, nrow=3).numpy()
    per = np.stack([(i - i.min()) / (i.max() - i.min()) for i in imgs])
    np.testing.assert_allclose(each, _hand_grid(per.astype(np.float32), 3, 0, 0.0), rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_array_equal(t.numpy(), imgs)  # the input is left alone
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(t, normalize=True, value_range=[0, 1])
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid(imgs)


def test_save_image(tmp_path):
    imgs = RNG.random((4, 3, 3, 5)).astype(np.float32) * 1.2 - 0.1
    save_image(numtorch.from_numpy(imgs), tmp_path / "g.png", nrow=2, padding=1)
    grid = _hand_grid(imgs, 2, 1, 0.0)
    want = np.clip(grid * np.float32(255) + np.float32(0.5), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "g.png")),
                                  want.transpose(1, 2, 0))
    buf = io.BytesIO()
    save_image(numtorch.from_numpy(imgs[0]), buf, format="PNG")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
