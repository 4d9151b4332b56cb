"""numtorch.vision.datasets: MNIST/FashionMNIST from small IDX files written here, local copies,
the folder datasets, and the bundled Digits set."""

from __future__ import annotations

import csv
import gzip
import os
import shutil
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image
from support.vision_data import (
    all_files,
    fake_mnist,
    gz_files,
    idx_bytes,
    md5,
    resources_for,
    write_files,
)

import numtorch
from numtorch.utils.data import DataLoader, Dataset
from numtorch.vision import datasets, transforms

ARRAYS = fake_mnist()


@pytest.fixture(autouse=True)
def _no_local_sources(monkeypatch):
    monkeypatch.delenv("NUMTORCH_DATASETS", raising=False)
    monkeypatch.setattr(datasets.FashionMNIST, "local_folders", [])
    monkeypatch.setattr(datasets.MNIST, "local_folders", [])


def _write_raw(root, cls_name, gz=False):
    raw = os.path.join(root, cls_name, "raw")
    if gz:
        write_files(raw, gz_files(ARRAYS))
    else:
        write_files(raw, {name: idx_bytes(arr) for name, arr in ARRAYS.items()})
    return raw


@pytest.mark.parametrize(
    "cls,gz", [(datasets.MNIST, False), (datasets.FashionMNIST, True), (datasets.KMNIST, True)]
)
@pytest.mark.parametrize("train", [True, False])
def test_mnist_reads_raw_folder(tmp_path, cls, gz, train):
    _write_raw(str(tmp_path), cls.__name__, gz=gz)
    ds = cls(str(tmp_path), train=train)
    prefix = "train" if train else "t10k"
    images, labels = ARRAYS[f"{prefix}-images-idx3-ubyte"], ARRAYS[f"{prefix}-labels-idx1-ubyte"]
    assert isinstance(ds, Dataset)
    assert ds.data.dtype == numtorch.uint8 and tuple(ds.data.shape) == images.shape
    assert ds.targets.dtype == numtorch.int64
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels.astype(np.int64))
    assert len(ds) == len(labels)
    img, target = ds[1]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(img), images[1])
    assert type(target) is int and target == labels[1]
    assert len(ds.classes) == 10 and ds.class_to_idx[ds.classes[3]] == 3


def test_mnist_transforms_and_repr(tmp_path):
    _write_raw(str(tmp_path), "MNIST")
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ds = datasets.MNIST(str(tmp_path), transform=tf, target_transform=lambda y: y + 100)
    x, y = ds[0]
    expected = (
        ARRAYS["train-images-idx3-ubyte"][0].astype(np.float32) / np.float32(255) - np.float32(0.5)
    ) / np.float32(0.5)
    np.testing.assert_array_equal(x.numpy(), expected[None])
    assert y == int(ARRAYS["train-labels-idx1-ubyte"][0]) + 100
    text = repr(datasets.MNIST(str(tmp_path), train=False, transform=transforms.ToTensor()))
    assert text == (f"Dataset MNIST\n    Number of datapoints: 4\n    Root location: {tmp_path}\n"
                    "    Split: Test\n    StandardTransform\nTransform: ToTensor()")
    assert (
        datasets.FashionMNIST.classes[0] == "T-shirt/top"
        and datasets.MNIST.classes[0] == "0 - zero"
    )


def test_mnist_missing_files(tmp_path):
    with pytest.raises(
        RuntimeError, match="^Dataset not found. You can use download=True to download it$"
    ):
        datasets.FashionMNIST(str(tmp_path))


def test_mnist_rejects_bad_idx(tmp_path):
    raw = _write_raw(str(tmp_path), "MNIST")
    path = os.path.join(raw, "train-images-idx3-ubyte")
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-5])
    with pytest.raises(RuntimeError, match="truncated"):
        datasets.MNIST(str(tmp_path))
    with open(path, "wb") as f:
        f.write(b"\x01\x02" + data[2:])
    with pytest.raises(RuntimeError, match="not an IDX file"):
        datasets.MNIST(str(tmp_path))


def test_local_folder_by_checksum(tmp_path, monkeypatch):
    files = gz_files(ARRAYS)
    source = str(tmp_path / "share")
    write_files(source, files)
    monkeypatch.setattr(datasets.FashionMNIST, "resources", resources_for(files))
    monkeypatch.setattr(datasets.FashionMNIST, "local_folders", [source])
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])   # never reached
    root = str(tmp_path / "data")
    ds = datasets.FashionMNIST(root, train=False, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), ARRAYS["t10k-images-idx3-ubyte"])
    # only the requested split is copied, decompressed
    assert all_files(root) == sorted(
        os.path.join("FashionMNIST", "raw", n) for n in ARRAYS if n.startswith("t10k")
    )


def test_local_folder_recompressed_copy_from_environment(tmp_path, monkeypatch):
    files = gz_files(ARRAYS, mtime=12345)                     # other bytes, same contents
    source = str(tmp_path / "elsewhere")
    write_files(source, files)
    raw_md5 = {name: md5(idx_bytes(arr)) for name, arr in ARRAYS.items()}
    monkeypatch.setattr(datasets.MNIST, "raw_md5", raw_md5)
    monkeypatch.setenv("NUMTORCH_DATASETS", os.pathsep.join([str(tmp_path / "missing"), source]))
    ds = datasets.MNIST(str(tmp_path / "data"))
    np.testing.assert_array_equal(ds.targets.numpy(), ARRAYS["train-labels-idx1-ubyte"])


def test_local_folder_with_wrong_contents_is_ignored(tmp_path, monkeypatch):
    source = str(tmp_path / "share")
    write_files(source, gz_files(fake_mnist(seed=5)))
    monkeypatch.setattr(datasets.FashionMNIST, "resources", resources_for(gz_files(ARRAYS)))
    monkeypatch.setattr(datasets.FashionMNIST, "local_folders", [source])
    with pytest.raises(RuntimeError, match="^Dataset not found"):
        datasets.FashionMNIST(str(tmp_path / "data"))
    assert all_files(str(tmp_path / "data")) == []


DEBIAN = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(
    not os.path.isdir(DEBIAN), reason="Debian's dataset-fashion-mnist is not installed"
)
def test_debian_fashion_mnist(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.FashionMNIST, "local_folders", [DEBIAN])
    ds = datasets.FashionMNIST(str(tmp_path), train=False)
    assert tuple(ds.data.shape) == (10000, 28, 28)
    # the official test set holds 1,000 images of each class
    assert np.bincount(ds.targets.numpy(), minlength=10).tolist() == [1000] * 10
    with gzip.open(os.path.join(DEBIAN, "t10k-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    np.testing.assert_array_equal(
        ds.data.numpy()[-1], np.frombuffer(raw[-784:], np.uint8).reshape(28, 28)
    )


# --------------------------------------------------------------------------- folders

def _image_tree(root):
    rng = np.random.default_rng(2)
    layout = {
        "cat/b.png": 0, "cat/a.PNG": 0, "dog/c.jpg": 1, "dog/sub/d.bmp": 1, "dog/notes.txt": None,
        "zebra/e.png": 2,
    }
    pixels = {}
    for rel, _ in layout.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        arr = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
        if rel.endswith(".txt"):
            with open(path, "w") as f:
                f.write("not an image")
            continue
        fmt = {".png": "PNG", ".jpg": "PNG", ".bmp": "BMP"}[os.path.splitext(rel.lower())[1]]
        Image.fromarray(arr).save(path, format=fmt)
        pixels[path] = arr
    return pixels


def test_image_folder(tmp_path):
    pixels = _image_tree(str(tmp_path))
    ds = datasets.ImageFolder(str(tmp_path), transform=transforms.PILToTensor())
    assert ds.classes == ["cat", "dog", "zebra"]
    assert ds.class_to_idx == {"cat": 0, "dog": 1, "zebra": 2}
    rel = [os.path.relpath(p, tmp_path) for p, _ in ds.samples]
    assert rel == ["cat/a.PNG", "cat/b.png", "dog/c.jpg", "dog/sub/d.bmp", "zebra/e.png"]
    assert ds.targets == [0, 0, 1, 1, 2] and ds.imgs is ds.samples and len(ds) == 5
    x, y = ds[3]
    assert y == 1
    np.testing.assert_array_equal(x.numpy(), pixels[ds.samples[3][0]].transpose(2, 0, 1))
    img, _ = datasets.ImageFolder(str(tmp_path))[0]
    assert img.mode == "RGB"


def test_dataset_folder_loader_and_filters(tmp_path):
    for cls in ("a", "b"):
        os.makedirs(tmp_path / cls)
        np.save(tmp_path / cls / "x.npy", np.full(2, ord(cls)))
        (tmp_path / cls / "skip.txt").write_text("")
    ds = datasets.DatasetFolder(str(tmp_path), loader=np.load, extensions=(".npy",))
    assert [int(ds[i][0][0]) for i in range(len(ds))] == [ord("a"), ord("b")]
    ds = datasets.DatasetFolder(
        str(tmp_path), loader=str, is_valid_file=lambda p: p.endswith(".txt")
    )
    assert [os.path.basename(p) for p, _ in ds.samples] == ["skip.txt", "skip.txt"]


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="^Couldn't find any class folder in"):
        datasets.ImageFolder(str(tmp_path))
    os.makedirs(tmp_path / "empty")
    with pytest.raises(
        FileNotFoundError,
        match="^Found no valid file for the classes empty. Supported extensions are: .jpg",
    ):
        datasets.ImageFolder(str(tmp_path))
    assert len(datasets.ImageFolder(str(tmp_path), allow_empty=True)) == 0
    with pytest.raises(
        ValueError, match="^Both extensions and is_valid_file cannot be None or not None"
    ):
        datasets.DatasetFolder(str(tmp_path), loader=str)


# --------------------------------------------------------------------------- Digits

DIGITS_CSV = os.path.join(os.path.dirname(datasets.__file__), "..", "data", "digits.csv.gz")


def _digits_rows():
    with gzip.open(DIGITS_CSV, "rt") as f:
        return [[int(float(v)) for v in row] for row in csv.reader(f)]


def _scale(v):
    # v * 255 / 16 rounded to the nearest integer, halves up
    q = Fraction(v * 255, 16)
    return int(q + Fraction(1, 2)) if q.denominator != 1 else int(q)


def test_digits_data_and_split():
    rows = _digits_rows()
    assert len(rows) == 1797 and all(len(r) == 65 for r in rows)
    # the published data: the first image's top two rows, and labels 0..9 in the first rows
    assert rows[0][:16] == [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]
    assert [r[64] for r in rows[:10]] == list(range(10))
    train, test = datasets.Digits(), datasets.Digits(train=False)
    assert (len(train), len(test)) == (1437, 360)
    assert train.data.dtype == numtorch.uint8 and tuple(train.data.shape) == (1437, 8, 8)
    assert test.targets.dtype == numtorch.int64
    for ds, offset in ((train, 0), (test, 1437)):
        for k in (0, 1, len(ds) - 1):
            row = rows[offset + k]
            assert ds.data.numpy()[k].ravel().tolist() == [_scale(v) for v in row[:64]]
            assert int(ds.targets.numpy()[k]) == row[64]
    assert _scale(16) == 255 and _scale(8) == 128 and _scale(1) == 16
    counts = np.bincount([r[64] for r in rows], minlength=10)
    both = np.bincount(np.concatenate([train.targets.numpy(), test.targets.numpy()]), minlength=10)
    assert both.tolist() == counts.tolist()


def test_digits_items_and_pipeline():
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ds = datasets.Digits(transform=tf)
    img, target = datasets.Digits()[0]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (8, 8) and target == 0
    x, y = ds[0]
    expected = (
        np.asarray(img).astype(np.float32) / np.float32(255) - np.float32(0.5)
    ) / np.float32(0.5)
    np.testing.assert_array_equal(x.numpy(), expected[None])
    numtorch.manual_seed(0)
    batches = list(DataLoader(ds, batch_size=32, shuffle=True))
    assert len(batches) == 45
    xb, yb = batches[0]
    assert (
        tuple(xb.shape) == (32, 1, 8, 8)
        and xb.dtype == numtorch.float32
        and yb.dtype == numtorch.int64
    )
    assert float(xb.min()) >= -1.0 and float(xb.max()) <= 1.0
    assert sorted(np.concatenate([b[1].numpy() for b in batches]).tolist()) == sorted(
        ds.targets.numpy().tolist()
    )
    assert "Split: Train" in repr(ds) and datasets.Digits.classes[9] == "9 - nine"


def test_digits_root(tmp_path):
    shutil.copy(DIGITS_CSV, tmp_path / "digits.csv.gz")
    assert len(datasets.Digits(root=str(tmp_path), train=False)) == 360
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.Digits(root=str(tmp_path / "nowhere"))
