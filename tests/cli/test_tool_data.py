"""numtorch.cli.data: dataset specs -> split, normalised arrays (the training tool's input).

Every expected value is computed here independently with NumPy from the files the test writes
(or, for the split, by PyTorch's own ``random_split``), never taken from numtorch's output.
"""

from __future__ import annotations

import gzip
import json
import os

import numpy as np
import pytest
from support.vision_data import fake_cifar, fake_mnist, idx_bytes, md5

from numtorch.cli.data import Data, Split, load_data, load_split, prepare_inputs, split_indices
from numtorch.cli.errors import CLIError
from numtorch.vision import datasets

torch = pytest.importorskip("torch")
Image = pytest.importorskip("PIL.Image")

DIGITS_FILE = os.path.join(os.path.dirname(datasets.__file__), "..", "data", "digits.csv.gz")


# -- independent references ---------------------------------------------------------------------

def torch_split(n: int, f: float, seed: int) -> tuple[list[int], list[int]]:
    g = torch.Generator().manual_seed(seed)
    a, b = torch.utils.data.random_split(range(n), [1 - f, f], generator=g)
    return list(a.indices), list(b.indices)


def image_reference(u8: np.ndarray, train_rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ToTensor then per-channel mean/std (ddof=0) over the training rows; normalised float32."""
    scaled = u8.astype(np.float64) / 255.0
    mean = scaled[train_rows].mean(axis=(0, 2, 3))
    std = scaled[train_rows].std(axis=(0, 2, 3))
    std[std == 0] = 1.0
    x = (u8.astype(np.float32) / np.float32(255) - mean.astype(np.float32)[:, None, None]) \
        / std.astype(np.float32)[:, None, None]
    return mean, std, x


def table_reference(x: np.ndarray, train_rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = x[train_rows].mean(axis=0)
    std = x[train_rows].std(axis=0)
    std[std == 0] = 1.0
    return mean, std, ((x - mean) / std).astype(np.float32)


def digits_reference() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(DIGITS_FILE, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    # NOTE [ Digits pixels and split ] in digits.py: p = round(v * 255 / 16), halves up
    pixels = np.floor(table[:, :64] * 255 / 16 + 0.5).astype(np.uint8).reshape(-1, 1, 8, 8)
    return pixels, table[:, 64]


def assert_json_simple(meta: dict, tmp_path) -> None:
    assert json.loads(json.dumps(meta)) == meta
    path = tmp_path / "meta.pt"
    torch.save({"data": meta}, path)
    assert torch.load(path, weights_only=True)["data"] == meta


def one_line_error(call, pattern: str) -> str:
    with pytest.raises(CLIError, match=pattern) as info:
        call()
    text = str(info.value)
    assert "\n" not in text and text.strip() == text and text
    return text


# -- the validation split: PyTorch's random_split indices ----------------------------------------

@pytest.mark.parametrize("n,f,seed", [
    (10, 0.2, 0), (1437, 0.2, 0), (1437, 0.1, 7), (101, 0.33, 123), (60000, 0.2, 0),
    (7, 0.5, 2**40), (3, 0.34, 1),
])
def test_split_indices_match_pytorch(n, f, seed):
    train, val = split_indices(n, f, seed)
    ref_train, ref_val = torch_split(n, f, seed)
    assert train.tolist() == ref_train and val.tolist() == ref_val


def test_zero_fraction_keeps_everything():
    train, val = split_indices(5, 0.0, 3)
    assert train.tolist() == [0, 1, 2, 3, 4] and val is None


# -- digits, the default --------------------------------------------------------------------------

@pytest.mark.parametrize("f,seed", [(0.2, 0), (0.1, 5), (0.0, 0)])
def test_digits(f, seed, tmp_path):
    data = load_data("digits", val_fraction=f, seed=seed)
    pixels, labels = digits_reference()
    n_train = 1437
    ref_train, ref_val = torch_split(n_train, f, seed) if f else (list(range(n_train)), [])
    mean, std, ref_x = image_reference(pixels, ref_train)
    assert isinstance(data, Data) and isinstance(data.train, Split)
    assert data.input_shape == (1, 8, 8) and data.classes == list(datasets.Digits.classes)
    assert data.train.x.dtype == np.float32 and data.train.y.dtype == np.int64
    np.testing.assert_array_equal(data.train.indices, ref_train)
    np.testing.assert_allclose(data.meta["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(data.meta["std"], std, rtol=1e-12)
    np.testing.assert_allclose(data.train.x, ref_x[ref_train], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(data.train.y, labels[ref_train])
    if f:
        np.testing.assert_allclose(data.val.x, ref_x[ref_val], rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(data.val.y, labels[ref_val])
    else:
        assert data.val is None
    np.testing.assert_allclose(data.test.x, ref_x[n_train:], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(data.test.y, labels[n_train:])
    assert data.meta["kind"] == "image" and data.meta["image_mode"] == "L"
    assert data.meta["image_size"] == [8, 8] and data.meta["spec"] == "digits"
    assert_json_simple(data.meta, tmp_path)
    # evaluate's view of the same parts: bit for bit the training preprocessing
    for name, part in [("train", data.train), ("val", data.val), ("test", data.test)]:
        if part is None:
            continue
        again = load_split(data.meta, split=name)
        np.testing.assert_array_equal(again.x, part.x)
        np.testing.assert_array_equal(again.y, part.y)


def test_digits_predict_from_image_files(tmp_path):
    data = load_data("digits", val_fraction=0.0)
    pixels, _ = digits_reference()
    files = []
    for i in (1437, 1500, 1796):                     # test images, written as 8 x 8 PNGs
        path = tmp_path / f"digit{i}.png"
        Image.fromarray(pixels[i, 0]).save(path)
        files.append(str(path))
    x, labels = prepare_inputs(data.meta, files)
    assert labels == files
    np.testing.assert_array_equal(x, data.test.x[[0, 63, 359]])
    x_dir, labels_dir = prepare_inputs(data.meta, [str(tmp_path)])
    assert labels_dir == sorted(files)


# -- csv --------------------------------------------------------------------------------------

def write_csv(path, header, rows) -> str:
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(str(v) for v in row) + "\n")
    return str(path)


@pytest.mark.parametrize("labels,target,classes", [
    (["b", "a", "c"], None, ["a", "b", "c"]),           # strings: sorted
    ([10, 2, 7], None, ["2", "7", "10"]),               # integers: sorted numerically
    (["b", "a", "c"], "kind", ["a", "b", "c"]),          # target named, in the middle
])
def test_csv(tmp_path, labels, target, classes):
    rng = np.random.default_rng(0)
    n = 40
    feats = rng.normal(size=(n, 3)) * [1.0, 10.0, 0.0] + [0.0, 5.0, 2.5]   # a constant column
    feats = feats.tolist()                       # Python floats: repr() round-trips exactly
    lab = [labels[i % 3] for i in range(n)]
    if target is None:
        header = ["f1", "f2", "f3", "label"]
        rows = [[*map(repr, feats[i]), lab[i]] for i in range(n)]
    else:
        header = ["f1", "kind", "f2", "f3"]
        rows = [[repr(feats[i][0]), lab[i], repr(feats[i][1]), repr(feats[i][2])]
                for i in range(n)]
    feats = np.array(feats)
    path = write_csv(tmp_path / "t.csv", header, rows)
    data = load_data(f"csv:{path}", val_fraction=0.25, seed=3, target=target)
    ref_train, ref_val = torch_split(n, 0.25, 3)
    mean, std, ref_x = table_reference(feats, ref_train)
    y = np.array([classes.index(str(v)) for v in lab])
    assert data.classes == classes and data.input_shape == (3,) and data.test is None
    assert data.meta["columns"] == ["f1", "f2", "f3"] and data.meta["kind"] == "table"
    assert data.meta["target"] == (target or "label")
    assert data.meta["std"][2] == 1.0
    np.testing.assert_allclose(data.meta["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(data.meta["std"], std, rtol=1e-12)
    np.testing.assert_array_equal(data.train.x, ref_x[ref_train])
    np.testing.assert_array_equal(data.val.x, ref_x[ref_val])
    np.testing.assert_array_equal(data.train.y, y[ref_train])
    np.testing.assert_array_equal(data.val.y, y[ref_val])
    assert_json_simple(data.meta, tmp_path)
    x, names = prepare_inputs(data.meta, [path])
    np.testing.assert_array_equal(x, ref_x)
    assert names[0] == f"{path}:row 1" and names[-1] == f"{path}:row {n}"
    # a new file to evaluate: the whole of it, columns reordered, encoded with the same classes
    other = write_csv(tmp_path / "o.csv", ["f3", "f2", header[header.index(data.meta["target"])],
                                           "f1"],
                      [[repr(float(feats[i, 2])), repr(float(feats[i, 1])), lab[i],
                        repr(float(feats[i, 0]))]
                       for i in range(5)])
    part = load_split(data.meta, f"csv:{other}")
    np.testing.assert_array_equal(part.x, ref_x[:5])
    np.testing.assert_array_equal(part.y, y[:5])
    np.testing.assert_array_equal(load_split(data.meta, split="val").x, data.val.x)


# -- npz --------------------------------------------------------------------------------------

def test_npz_table_with_test_and_classes(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 4)) * 3 + 1, rng.integers(0, 3, 30)
    xt, yt = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    path = tmp_path / "d.npz"
    np.savez(path, x=x, y=y, x_test=xt, y_test=yt, classes=np.array(["cat", "dog", "eel"]))
    data = load_data(f"npz:{path}", val_fraction=0.2, seed=9)
    ref_train, ref_val = torch_split(30, 0.2, 9)
    mean, std, ref_x = table_reference(x, ref_train)
    assert data.classes == ["cat", "dog", "eel"] and data.input_shape == (4,)
    np.testing.assert_array_equal(data.train.x, ref_x[ref_train])
    np.testing.assert_array_equal(data.val.y, y[ref_val])
    np.testing.assert_array_equal(data.test.x, ((xt - mean) / std).astype(np.float32))
    np.testing.assert_array_equal(data.test.y, yt)
    np.testing.assert_array_equal(load_split(data.meta).x, data.test.x)
    # the table's columns are x0..x3: a CSV file with them (and a label column) evaluates too
    csv_path = write_csv(tmp_path / "new.csv", ["x3", "x0", "x1", "x2", "label"],
                         [[*map(repr, row[[3, 0, 1, 2]].tolist()), "dog"] for row in xt])
    part = load_split(data.meta, f"csv:{csv_path}")
    np.testing.assert_allclose(part.x, data.test.x, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(part.y, [1] * 6)


@pytest.mark.parametrize("layout", ["NHW", "NCHW", "NHWC", "float"])
def test_npz_images(tmp_path, layout):
    rng = np.random.default_rng(2)
    u8 = rng.integers(0, 256, (20, 3, 5, 6), dtype=np.uint8)
    if layout == "NHW":
        u8 = u8[:, :1]
    stored = {"NHW": u8[:, 0] if layout == "NHW" else u8, "NCHW": u8,
              "NHWC": u8.transpose(0, 2, 3, 1), "float": u8.astype(np.float32) / 255}[layout]
    y = np.arange(20) % 4
    path = tmp_path / "i.npz"
    np.savez(path, x=stored, y=y)
    data = load_data(f"npz:{path}", val_fraction=0.3, seed=1)
    ref_train, _ = torch_split(20, 0.3, 1)
    mean, std, ref_x = image_reference(u8, ref_train)
    assert data.input_shape == u8.shape[1:] and data.classes == ["0", "1", "2", "3"]
    assert data.meta["image_mode"] == ("L" if layout == "NHW" else "RGB")
    np.testing.assert_allclose(data.meta["mean"], mean, rtol=1e-6)
    np.testing.assert_allclose(data.meta["std"], std, rtol=1e-6)
    np.testing.assert_allclose(data.train.x, ref_x[ref_train], rtol=1e-5, atol=1e-5)
    if layout != "float":
        np.testing.assert_array_equal(data.train.x, ref_x[ref_train])


# -- folder -----------------------------------------------------------------------------------

def make_folder(root, sizes=((4, 5),) * 3, modes=("RGB",) * 3):
    rng = np.random.default_rng(4)
    arrays = []
    for i, (size, mode) in enumerate(zip(sizes, modes)):
        cls = ["cat", "dog"][i % 2]
        os.makedirs(root / cls, exist_ok=True)
        channels = 3 if mode == "RGB" else 1
        arr = rng.integers(0, 256, (*size, channels), dtype=np.uint8)
        img = Image.fromarray(arr if channels == 3 else arr[:, :, 0], mode=None)
        img.save(root / cls / f"{i:02d}.png")
        arrays.append((cls, f"{i:02d}.png", arr))
    return arrays


def test_folder(tmp_path):
    arrays = make_folder(tmp_path / "imgs", sizes=((4, 5),) * 6, modes=("RGB",) * 6)
    # ImageFolder order: classes sorted, files sorted within a class
    order = sorted(arrays, key=lambda t: (t[0], t[1]))
    u8 = np.stack([a.transpose(2, 0, 1) for _, _, a in order])
    y = np.array([["cat", "dog"].index(c) for c, _, _ in order])
    data = load_data(f"folder:{tmp_path / 'imgs'}", val_fraction=0.5, seed=0)
    ref_train, ref_val = torch_split(6, 0.5, 0)
    mean, std, ref_x = image_reference(u8, ref_train)
    assert data.classes == ["cat", "dog"] and data.input_shape == (3, 4, 5)
    assert data.meta["image_mode"] == "RGB" and data.meta["image_size"] == [4, 5]
    np.testing.assert_allclose(data.meta["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(data.meta["std"], std, rtol=1e-12)
    np.testing.assert_array_equal(data.train.x, ref_x[ref_train])
    np.testing.assert_array_equal(data.val.y, y[ref_val])
    assert_json_simple(data.meta, tmp_path)
    files = [str(tmp_path / "imgs" / c / n) for c, n, _ in order]
    x, names = prepare_inputs(data.meta, files)
    np.testing.assert_array_equal(x, ref_x)
    assert names == files
    np.testing.assert_array_equal(load_split(data.meta, split="all").x, ref_x)


def test_folder_converts_to_first_image_mode_and_size(tmp_path):
    make_folder(tmp_path / "mixed", sizes=((4, 5), (6, 6), (4, 5)), modes=("L", "RGB", "RGB"))
    data = load_data(f"folder:{tmp_path / 'mixed'}", val_fraction=0.0)
    assert data.input_shape == (1, 4, 5) and data.meta["image_mode"] == "L"
    # the RGB 6 x 6 image, as Pillow converts and resizes it
    with Image.open(tmp_path / "mixed" / "dog" / "01.png") as img:
        ref = np.asarray(img.convert("L").resize((5, 4), Image.BILINEAR))
    scaled = ref.astype(np.float32) / np.float32(255)
    m, s = np.float32(data.meta["mean"][0]), np.float32(data.meta["std"][0])
    np.testing.assert_array_equal(data.train.x[2, 0], (scaled - m) / s)   # cat/00, cat/02, dog/01
    fixed = load_data(f"folder:{tmp_path / 'mixed'}", val_fraction=0.0, image_size=(3, 2))
    assert fixed.input_shape == (1, 3, 2)



@pytest.mark.parametrize("held_out", ["test", "val"])
def test_folder_with_train_and_test(tmp_path, held_out):
    train = make_folder(tmp_path / "ds" / "train", sizes=((3, 3),) * 4, modes=("L",) * 4)
    test = make_folder(tmp_path / "ds" / held_out, sizes=((3, 3),) * 2, modes=("L",) * 2)
    data = load_data(f"folder:{tmp_path / 'ds'}", val_fraction=0.0)
    order = sorted(train, key=lambda t: (t[0], t[1]))
    u8 = np.stack([a.transpose(2, 0, 1) for _, _, a in order])
    test_u8 = np.stack([a.transpose(2, 0, 1) for _, _, a in sorted(test, key=lambda t: t[:2])])
    mean, std, ref_x = image_reference(np.concatenate([u8, test_u8]), list(range(4)))
    assert data.classes == ["cat", "dog"] and len(data.test) == 2
    np.testing.assert_allclose(data.meta["mean"], mean, rtol=1e-12)
    np.testing.assert_array_equal(data.test.x, ref_x[4:])
    np.testing.assert_array_equal(data.test.y, [0, 1])
    np.testing.assert_array_equal(load_split(data.meta).x, ref_x[4:])
    # another folder to evaluate on: all of it, classes matched by folder name
    other = load_split(data.meta, f"folder:{tmp_path / 'ds' / held_out}")
    np.testing.assert_array_equal(other.x, ref_x[4:])

# -- torchvision-style roots: fashion-mnist, mnist, cifar10 ---------------------------------------

@pytest.mark.parametrize("spec,folder", [("fashion-mnist", "FashionMNIST"), ("mnist", "MNIST")])
def test_idx_root(tmp_path, monkeypatch, spec, folder):
    monkeypatch.delenv("NUMTORCH_DATASETS", raising=False)
    arrays = fake_mnist(seed=5, n_train=12, n_test=4)
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    for name, arr in arrays.items():
        (raw / name).write_bytes(idx_bytes(arr))
    data = load_data(spec, root=str(tmp_path), download=False, val_fraction=0.25, seed=2)
    u8 = arrays["train-images-idx3-ubyte"][:, None]
    ref_train, ref_val = torch_split(12, 0.25, 2)
    mean, std, ref_x = image_reference(
        np.concatenate([u8, arrays["t10k-images-idx3-ubyte"][:, None]]), ref_train)
    assert data.input_shape == (1, 28, 28) and len(data.classes) == 10
    np.testing.assert_allclose(data.meta["mean"], mean, rtol=1e-12)
    np.testing.assert_array_equal(data.train.x, ref_x[ref_train])
    np.testing.assert_array_equal(data.val.y, arrays["train-labels-idx1-ubyte"][ref_val])
    np.testing.assert_array_equal(data.test.x, ref_x[12:])
    np.testing.assert_array_equal(data.test.y, arrays["t10k-labels-idx1-ubyte"])
    np.testing.assert_array_equal(load_split(data.meta, root=str(tmp_path)).x, data.test.x)


def test_cifar10_root(tmp_path, monkeypatch):
    tgz, md5s, images, labels = fake_cifar(per_batch=2)
    monkeypatch.setattr(datasets.CIFAR10, "train_list",
                        [[f"data_batch_{i}", md5s[f"data_batch_{i}"]] for i in range(1, 6)])
    monkeypatch.setattr(datasets.CIFAR10, "test_list", [["test_batch", md5s["test_batch"]]])
    monkeypatch.setattr(datasets.CIFAR10, "meta", {"filename": "batches.meta",
                                                   "key": "label_names",
                                                   "md5": md5s["batches.meta"]})
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", md5(tgz))
    (tmp_path / "share").mkdir()
    (tmp_path / "share" / "cifar-10-python.tar.gz").write_bytes(tgz)
    monkeypatch.setenv("NUMTORCH_DATASETS", str(tmp_path / "share"))
    data = load_data("cifar10", root=str(tmp_path / "root"), val_fraction=0.2)
    u8 = images.transpose(0, 3, 1, 2)
    ref_train, _ = torch_split(10, 0.2, 0)
    mean, std, ref_x = image_reference(u8, ref_train)
    assert data.input_shape == (3, 32, 32) and data.classes[3] == "class3"
    assert data.meta["image_mode"] == "RGB" and len(data.test) == 2
    np.testing.assert_allclose(data.meta["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(data.meta["std"], std, rtol=1e-12)
    np.testing.assert_array_equal(data.train.x, ref_x[ref_train])
    np.testing.assert_array_equal(data.train.y, np.array(labels)[ref_train])


# -- errors: one line, naming the problem ---------------------------------------------------------

def error_cases(tmp_path):
    good = write_csv(tmp_path / "good.csv", ["a", "b", "y"], [[1, 2, "u"], [3, 4, "v"]] * 5)
    bad_cell = write_csv(tmp_path / "bad.csv", ["a", "b", "y"], [[1, 2, 0], [3, "x7", 1]])
    nan_cell = write_csv(tmp_path / "nan.csv", ["a", "y"], [[1, 0], ["nan", 1]])
    ragged = write_csv(tmp_path / "ragged.csv", ["a", "y"], [[1, 0], [2, 1, 5]])
    one_class = write_csv(tmp_path / "one.csv", ["a", "y"], [[1, 0], [2, 0]])
    no_label = write_csv(tmp_path / "nolabel.csv", ["a", "y"], [[1, 0], [2, ""], [3, 1]])
    header_only = write_csv(tmp_path / "header.csv", ["a", "y"], [])
    (tmp_path / "empty.csv").write_text("")
    np.savez(tmp_path / "nox.npz", y=np.arange(3))
    np.savez(tmp_path / "mismatch.npz", x=np.zeros((3, 2)), y=np.arange(4))
    np.savez(tmp_path / "floaty.npz", x=np.zeros((3, 2)), y=np.array([0.5, 1, 2]))
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    (tmp_path / "nocls").mkdir()
    (tmp_path / "noimg" / "cat").mkdir(parents=True)
    (tmp_path / "noimg" / "cat" / "a.txt").write_text("x")
    (tmp_path / "broken" / "cat").mkdir(parents=True)
    (tmp_path / "broken" / "cat" / "a.png").write_bytes(b"not a png")
    t = str(tmp_path)
    return [
        (lambda: load_data("imagenet"), r"^unknown dataset 'imagenet' \(expected digits, "),
        (lambda: load_data(""), "non-empty string"),
        (lambda: load_data("csv:"), "has no path after 'csv:'"),
        (lambda: load_data(f"csv:{t}/absent.csv"), "absent.csv: no such file"),
        (lambda: load_data(f"csv:{t}"), "is a folder, not a CSV file"),
        (lambda: load_data(f"csv:{bad_cell}"), r"column 'b', row 2: 'x7' is not a finite number"),
        (lambda: load_data(f"csv:{nan_cell}"), r"column 'a', row 2: 'nan' is not a finite"),
        (lambda: load_data(f"csv:{ragged}"), "row 2 has 3 fields, the header has 2"),
        (lambda: load_data(f"csv:{one_class}"), "holds a single class"),
        (lambda: load_data(f"csv:{header_only}"), "no data rows"),
        (lambda: load_data(f"csv:{no_label}"), r"column 'y', row 2: the label is empty"),
        (lambda: load_data(f"csv:{t}/empty.csv"), "is empty"),
        (lambda: load_data(f"csv:{good}", target="z"), r"no column named 'z' \(columns: a, b, y"),
        (lambda: load_data("digits", target="y"), "applies to csv datasets only"),
        (lambda: load_data(f"csv:{good}", val_fraction=1.0), r"must be in \[0, 1\), got 1.0"),
        (lambda: load_data(f"csv:{good}", val_fraction=-0.1), r"must be in \[0, 1\)"),
        (lambda: load_data(f"csv:{good}", val_fraction=float("nan")), r"must be in \[0, 1\)"),
        (lambda: load_data(f"csv:{good}", val_fraction="0.2"), "must be a number"),
        (lambda: load_data(f"csv:{good}", val_fraction=0.01), "leaves the validation split empty"),
        (lambda: load_data(f"csv:{good}", seed=1.5), "seed must be an integer"),
        (lambda: load_data(f"npz:{t}/nox.npz"), "has no array 'x'"),
        (lambda: load_data(f"npz:{t}/mismatch.npz"), "do not match"),
        (lambda: load_data(f"npz:{t}/floaty.npz"), "integer class indices or strings"),
        (lambda: load_data(f"npz:{t}/junk.npz"), "cannot read .* as an .npz file"),
        (lambda: load_data(f"folder:{good}"), "is not a folder"),
        (lambda: load_data(f"folder:{t}/nocls"), "Couldn't find any class folder"),
        (lambda: load_data(f"folder:{t}/noimg"), "no image files"),
        (lambda: load_data(f"folder:{t}/broken"), "cannot read the image .*a.png"),
        (lambda: load_data("digits", image_size=(2, 2)), "folder datasets only"),
        (lambda: load_data("fashion-mnist", root=f"{t}/nothing", download=False),
         r"^fashion-mnist: cannot load the train split from .* \(downloads are off\)"),
        (lambda: load_data("cifar10", root=f"{t}/nothing", download=False),
         r"^cifar10: cannot load the train split"),
    ]


def test_errors_are_one_line_cli_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMTORCH_DATASETS", raising=False)
    monkeypatch.setattr(datasets.FashionMNIST, "local_folders", [])
    for call, pattern in error_cases(tmp_path):
        one_line_error(call, pattern)


def test_evaluate_and_predict_errors(tmp_path):
    good = write_csv(tmp_path / "good.csv", ["a", "b", "y"], [[1, 2, "u"], [3, 4, "v"]] * 5)
    other = write_csv(tmp_path / "other.csv", ["a", "c", "y"], [[1, 2, "u"]])
    unknown = write_csv(tmp_path / "unknown.csv", ["a", "b", "y"], [[1, 2, "w"]])
    table = load_data(f"csv:{good}").meta
    images = load_data("digits", val_fraction=0.0).meta
    (tmp_path / "x.txt").write_text("not an image")
    one_line_error(lambda: load_split(table), "has no test split")
    one_line_error(lambda: load_split(table, split="bogus"), "unknown split 'bogus'")
    one_line_error(lambda: load_split(table, f"csv:{other}"), "missing the column 'b'")
    one_line_error(lambda: load_split(table, f"csv:{unknown}"), r"row 1: label 'w' is not one")
    one_line_error(lambda: load_split(table, "digits"), "holds images but the model was trained")
    one_line_error(lambda: load_split(images, split="val"), "without a validation split")
    one_line_error(lambda: load_split({"spec": "digits"}), "missing or incomplete")
    one_line_error(lambda: prepare_inputs(table, []), "no input files")
    one_line_error(lambda: prepare_inputs(table, [str(tmp_path / "nope.csv")]), "no such file")
    one_line_error(lambda: prepare_inputs(table, [other]), "missing the column 'b'")
    one_line_error(lambda: prepare_inputs(images, [str(tmp_path / "x.txt")]),
                   "cannot read the image")


def test_missing_pillow(tmp_path, monkeypatch):
    make_folder(tmp_path / "imgs")
    monkeypatch.setitem(__import__("sys").modules, "PIL", None)
    text = one_line_error(lambda: load_data(f"folder:{tmp_path / 'imgs'}"), "needs Pillow")
    assert "pip install Pillow" in text


DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(not os.path.isdir(DEBIAN_FASHION), reason="Debian's Fashion-MNIST not here")
def test_real_fashion_mnist_from_debian_copy(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMTORCH_DATASETS", raising=False)
    data = load_data("fashion-mnist", root=str(tmp_path), download=False)
    with gzip.open(os.path.join(DEBIAN_FASHION, "train-images-idx3-ubyte.gz"), "rb") as f:
        u8 = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
    ref_train, ref_val = torch_split(60000, 0.2, 0)
    train = u8[ref_train]
    mean = train.mean(dtype=np.float64)                          # E[v], E[v^2]: exact integers
    var = (np.square(train, dtype=np.float32)).mean(dtype=np.float64) - mean**2
    assert len(data.train) == 48000 and len(data.val) == 12000 and len(data.test) == 10000
    assert data.classes[0] == "T-shirt/top" and data.input_shape == (1, 28, 28)
    np.testing.assert_allclose(data.meta["mean"], [mean / 255], rtol=1e-12)
    np.testing.assert_allclose(data.meta["std"], [np.sqrt(var) / 255], rtol=1e-9)
    m, s = np.float32(data.meta["mean"][0]), np.float32(data.meta["std"][0])
    np.testing.assert_array_equal(data.val.x[:100], (u8[ref_val[:100]] / np.float32(255) - m) / s)
