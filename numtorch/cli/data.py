"""Datasets for ``numtorch train``, ``evaluate`` and ``predict``: a spec -> normalised NumPy arrays.

A dataset is named by a *spec*:

==================  ===========================================================================
``digits``          the bundled 8 x 8 handwritten digits (``datasets.Digits``): 1,437 training
                    images and its fixed test split of 360; the default, works offline.
``fashion-mnist``   :class:`~numtorch.vision.datasets.FashionMNIST` under ``root`` (also found in
                    Debian's ``/usr/share/datasets/fashion-mnist/``); 60,000 + 10,000 images.
``mnist``           :class:`~numtorch.vision.datasets.MNIST` under ``root``.
``cifar10``         :class:`~numtorch.vision.datasets.CIFAR10` under ``root``.
``csv:PATH``        a table with a header row; the label column is ``target`` (default: the
                    last column), every other column a numeric feature. No test split.
``npz:PATH``        NumPy arrays ``x`` and ``y``, optionally ``x_test``, ``y_test`` and ``classes``.
                    ``x`` of N x F is a table (columns named ``x0``, ``x1``...), N x H x W
                    or N x C x H x W (or N x H x W x C with C in 1, 3, 4) are images.
``folder:PATH``     images in class sub-folders, as :class:`~numtorch.vision.datasets.ImageFolder`
                    reads them (needs Pillow), converted to the first image's mode (L or RGB)
                    and size. With only ``train/`` and ``test/`` (or ``val/``) sub-folders, each
                    in that layout, the second is the test split; otherwise there is none.
==================  ===========================================================================

``root`` defaults to :func:`default_root`: ``$XDG_CACHE_HOME/numtorch/datasets``, i.e.
``~/.cache/numtorch/datasets``, holding the torchvision layout (``FashionMNIST/raw/``,
``cifar-10-batches-py/``...).

NOTE [ The preparation of the arrays ]
1. The training set is split into train and validation parts with
   ``numtorch.utils.data.random_split(range(N), [1 - f, f],
   generator=numtorch.Generator().manual_seed(seed))``: the same indices, in the same order,
   as PyTorch's ``random_split`` with that seed. ``f = 0`` keeps every sample for training.
2. Images become ``float32`` in [0, 1] as ``ToTensor`` makes them (``uint8 / 255``; float
   images are taken as they are), N x C x H x W. Then every channel is normalised as
   ``Normalize`` does, ``(x - mean_c) / std_c``, with the mean and the population standard
   deviation (``ddof=0``) of that channel over the *training part only* (after step 1), so
   nothing of the validation or test samples leaks into the inputs.
3. Tables are standardised per column, ``(x - mean_j) / std_j``, with the training part's
   statistics; a constant column (``std_j = 0``) gets ``std_j = 1``.
4. The statistics are kept in ``Data.meta`` (plain lists of floats, saved in checkpoints), and
   :func:`load_split` and :func:`prepare_inputs` apply exactly the same arithmetic to new data.

Every user mistake (unknown spec, missing file, non-numeric cell, bad fraction...) raises
:class:`~numtorch.cli.errors.CLIError` with a one-line message.
"""

from __future__ import annotations

import contextlib
import csv
import math
import numbers
import os
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

import numtorch
from numtorch.cli.errors import CLIError
from numtorch.utils.data import random_split
from numtorch.vision.datasets import CIFAR10, MNIST, Digits, FashionMNIST
from numtorch.vision.datasets import utils as download_utils
from numtorch.vision.datasets.folder import (
    IMG_EXTENSIONS,
    find_classes,
    is_image_file,
    make_dataset,
)

__all__ = ["Split", "Data", "load_data", "load_split", "prepare_inputs", "split_indices",
           "default_root", "DATASETS"]

#: The named datasets; the file-based specs are ``csv:PATH``, ``npz:PATH`` and ``folder:PATH``.
DATASETS = ("digits", "fashion-mnist", "mnist", "cifar10")
_FILE_KINDS = ("csv", "npz", "folder")
_ALIASES = {"fashion_mnist": "fashion-mnist", "fashionmnist": "fashion-mnist",
            "cifar-10": "cifar10", "cifar_10": "cifar10"}
_SPLITS = ("train", "val", "test", "all")


@dataclass
class Split:
    """One part of a dataset, ready for a model.

    Attributes:
        x: ``float32``, normalised: images N x C x H x W, tables N x F.
        y: ``int64`` class indices, shape (N,).
        indices: the rows of the source set these samples are (for the train and validation
            parts: the ``random_split`` indices, in their order); None where not meaningful.
    """

    x: np.ndarray
    y: np.ndarray
    indices: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.y.shape[0])


@dataclass
class Data:
    """A loaded dataset: the parts, the class names, a sample's shape and the preprocessing.

    ``meta`` is JSON-simple (str, int, float, bool, None, list, dict), so it can go into a
    checkpoint loaded with ``weights_only=True``; it holds ``spec``, ``kind`` (``"image"`` or
    ``"table"``), ``mean`` and ``std`` (per channel or per column), ``image_mode``,
    ``image_size`` (``[H, W]``), ``columns`` (the feature columns), ``target``, ``classes``,
    ``val_fraction`` and ``seed``.
    """

    train: Split
    val: Split | None
    test: Split | None
    classes: list[str]
    input_shape: tuple[int, ...]
    meta: dict


def default_root() -> str:
    """The default dataset folder: ``$XDG_CACHE_HOME/numtorch/datasets`` (``~/.cache/...``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "numtorch", "datasets")


# -- the raw source: arrays before splitting and normalising ------------------------------

@dataclass
class _Source:
    kind: str                        # "image" | "table"
    x: np.ndarray | None             # images uint8/float32 N x C x H x W; tables float64 N x F
    y: np.ndarray | None             # int64 (N,)
    test_x: np.ndarray | None
    test_y: np.ndarray | None
    classes: list[str]
    image_mode: str | None = None
    columns: list[str] | None = None
    target: str | None = None
    has_test: bool = False           # whether the dataset has a separate test split


def _parse_spec(spec: Any) -> tuple[str, str | None]:
    """``"digits"`` -> ("digits", None); ``"csv:PATH"`` -> ("csv", absolute PATH)."""
    if not isinstance(spec, str) or not spec.strip():
        raise CLIError(f"dataset spec must be a non-empty string, got {spec!r}")
    expected = ", ".join(DATASETS) + ", csv:PATH, npz:PATH or folder:PATH"
    head, sep, path = spec.partition(":")
    if sep and head.lower() in _FILE_KINDS:
        if not path:
            raise CLIError(f"dataset spec {spec!r} has no path after '{head}:'")
        return head.lower(), os.path.abspath(os.path.expanduser(path))
    name = spec.strip().lower()
    name = _ALIASES.get(name, name)
    if name not in DATASETS:
        raise CLIError(f"unknown dataset {spec!r} (expected {expected})")
    return name, None


def _canonical_spec(name: str, path: str | None) -> str:
    return name if path is None else f"{name}:{path}"


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _load_source(name: str, path: str | None, *, root: str | None, target: str | None,
                 download: bool, parts: tuple[str, ...], classes: list[str] | None = None,
                 columns: list[str] | None = None, image_mode: str | None = None,
                 image_size: tuple[int, int] | None = None) -> _Source:
    """Read a dataset as arrays: the named datasets only their ``parts`` (``"train"``,
    ``"test"``), file datasets everything (they are small, and one read).

    ``classes``, ``columns``, ``image_mode`` and ``image_size`` come from a training run's meta
    when new data must be read the way the training data was.
    """
    if target is not None and name != "csv":
        raise CLIError(f"target {target!r} applies to csv datasets only, not {name!r}")
    if name == "digits":
        return _load_digits(parts)
    if name in ("mnist", "fashion-mnist"):
        return _load_mnist(name, root, download, parts)
    if name == "cifar10":
        return _load_cifar10(root, download, parts)
    if not os.path.exists(path):
        raise CLIError(f"{name}:{path}: no such file or folder")
    if name == "csv":
        return _load_csv(path, target, classes, columns)
    if name == "npz":
        return _load_npz(path, classes)
    return _load_folder(path, classes, image_mode, image_size)


# -- named datasets ---------------------------------------------------------------------------

def _gray(data: Any) -> np.ndarray:
    """A uint8 N x H x W tensor or array -> uint8 N x 1 x H x W."""
    arr = data.numpy() if hasattr(data, "numpy") else np.asarray(data)
    return np.ascontiguousarray(arr, dtype=np.uint8)[:, None]


def _labels(targets: Any) -> np.ndarray:
    arr = targets.numpy() if hasattr(targets, "numpy") else np.asarray(targets)
    return np.asarray(arr, dtype=np.int64)


def _load_digits(parts: tuple[str, ...]) -> _Source:
    src = _Source("image", None, None, None, None, list(Digits.classes), image_mode="L",
                  has_test=True)
    if "train" in parts:
        d = Digits(train=True)
        src.x, src.y = _gray(d.data), _labels(d.targets)
    if "test" in parts:
        d = Digits(train=False)
        src.test_x, src.test_y = _gray(d.data), _labels(d.targets)
    return src


def _load_mnist(name: str, root: str | None, download: bool, parts: tuple[str, ...]) -> _Source:
    cls = FashionMNIST if name == "fashion-mnist" else MNIST
    root = default_root() if root is None else os.path.expanduser(root)
    src = _Source("image", None, None, None, None, list(cls.classes), image_mode="L",
                  has_test=True)
    for part in parts:
        try:
            d = cls(root, train=part == "train", download=download)
        except (RuntimeError, OSError, ValueError, EOFError) as error:
            hint = "" if download else " (downloads are off)"
            raise CLIError(
                f"{name}: cannot load the {part} split from {root}{hint}: {_one_line(error)}"
            ) from error
        if part == "train":
            src.x, src.y = _gray(d.data), _labels(d.targets)
        else:
            src.test_x, src.test_y = _gray(d.data), _labels(d.targets)
    return src


def _load_cifar10(root: str | None, download: bool, parts: tuple[str, ...]) -> _Source:
    root = default_root() if root is None else os.path.expanduser(root)
    src = _Source("image", None, None, None, None, [], image_mode="RGB", has_test=True)
    for part in parts:
        try:
            d = CIFAR10(root, train=part == "train", download=download)
        except (RuntimeError, OSError, ValueError, EOFError) as error:
            hint = "" if download else " (downloads are off)"
            raise CLIError(
                f"cifar10: cannot load the {part} split from {root}{hint}: {_one_line(error)}"
            ) from error
        x = np.ascontiguousarray(np.asarray(d.data, dtype=np.uint8).transpose(0, 3, 1, 2))
        if part == "train":
            src.x, src.y = x, _labels(d.targets)
        else:
            src.test_x, src.test_y = x, _labels(d.targets)
        src.classes = [str(c) for c in d.classes]
    return src


# -- csv ----------------------------------------------------------------------------------------

def _read_table(path: str, target: str | None, columns: list[str] | None,
                need_target: bool) -> tuple[list[str], str | None, np.ndarray, list[str] | None]:
    """A CSV file -> (feature column names, target column, float64 N x F, labels as strings).

    With ``columns`` given (a trained model's), those columns are taken, by name, in that order.
    Rows in messages are data rows counted from 1 (the header and blank lines not counted).
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CLIError(f"cannot read {path}: {_one_line(error)}") from error
    if not rows:
        raise CLIError(f"{path} is empty (a header row naming the columns is needed)")
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    if not body:
        raise CLIError(f"{path} has a header row but no data rows")
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise CLIError(f"{path}: the column name {dup!r} appears twice in the header")
    for r, row in enumerate(body, start=1):
        if len(row) != len(header):
            raise CLIError(f"{path}: row {r} has {len(row)} fields, the header has {len(header)}")
    if target is None:  # the last column, or the last one that is not a trained feature
        rest = header if columns is None else [h for h in header if h not in columns]
        target = rest[-1] if rest else None
    if target is None and need_target:
        raise CLIError(f"{path}: no label column beside the feature columns")
    if target is not None and target not in header:
        if need_target:
            raise CLIError(f"{path}: no column named {target!r} (columns: {', '.join(header)})")
        target = None
    if columns is None:
        columns = [h for h in header if h != target]
        if not columns:
            raise CLIError(f"{path}: no feature column beside the target {target!r}")
    missing = [c for c in columns if c not in header]
    if missing:
        raise CLIError(f"{path}: missing the column {missing[0]!r} the model was trained with")
    x = np.empty((len(body), len(columns)), dtype=np.float64)
    for j, name in enumerate(columns):
        k = header.index(name)
        cells = [row[k].strip() for row in body]
        try:
            x[:, j] = np.asarray(cells, dtype=np.float64)
            ok = bool(np.isfinite(x[:, j]).all())
        except ValueError:
            ok = False
        if not ok:
            for r, cell in enumerate(cells, start=1):
                try:
                    value = float(cell)
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    raise CLIError(
                        f"{path}: column {name!r}, row {r}: {cell!r} is not a finite number"
                    ) from None
    labels = None
    if target is not None:
        k = header.index(target)
        labels = [row[k].strip() for row in body]
    return list(columns), target, x, labels


def _label_classes(labels: list[str]) -> list[str]:
    """The sorted distinct labels: numerically when they are all integers, else as strings."""
    distinct = set(labels)
    if _all_int(distinct):
        return [str(v) for v in sorted(int(s) for s in distinct)]
    return sorted(distinct)


def _all_int(values: set[str]) -> bool:
    try:
        ints = {int(v) for v in values}
    except ValueError:
        return False
    return len(ints) == len(values)  # "1" and "01" would otherwise merge


def _encode(labels: list[str], classes: list[str], where: str) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    y = np.empty(len(labels), dtype=np.int64)
    for r, label in enumerate(labels):
        key = label
        if key not in index and _all_int({label}) and str(int(label)) in index:
            key = str(int(label))
        if key not in index:
            raise CLIError(f"{where}: row {r + 1}: label {label!r} is not one of the classes "
                           f"the model was trained with ({', '.join(classes)})")
        y[r] = index[key]
    return y


def _load_csv(path: str, target: str | None, classes: list[str] | None,
              columns: list[str] | None) -> _Source:
    if os.path.isdir(path):
        raise CLIError(f"csv:{path} is a folder, not a CSV file")
    columns, target, x, labels = _read_table(path, target, columns, need_target=True)
    if "" in labels:
        raise CLIError(f"{path}: column {target!r}, row {labels.index('') + 1}: the label is empty")
    if classes is None:
        classes = _label_classes(labels)
        if len(classes) < 2:
            raise CLIError(f"{path}: the target column {target!r} holds a single class "
                           f"({classes[0]!r}); classification needs at least two")
    y = _encode(labels, classes, path)
    return _Source("table", x, y, None, None, classes, columns=columns, target=target)


# -- npz ----------------------------------------------------------------------------------------

def _npz_images(x: np.ndarray, where: str) -> tuple[np.ndarray, str]:
    """An image array -> (N x C x H x W, kind); 2-D arrays are tables."""
    if x.ndim == 2:
        return np.asarray(x, dtype=np.float64), "table"
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4:
        if x.shape[1] not in (1, 3, 4) and x.shape[-1] in (1, 3, 4):
            x = x.transpose(0, 3, 1, 2)
    else:
        raise CLIError(f"{where}: x must be N x F (a table) or N x [C x] H x W (images), "
                       f"got shape {x.shape}")
    if x.dtype != np.uint8:
        x = x.astype(np.float32)
    return np.ascontiguousarray(x), "image"


def _npz_labels(y: np.ndarray, where: str, name: str) -> np.ndarray | list[str]:
    if y.ndim != 1:
        raise CLIError(f"{where}: {name} must be 1-D (one label per sample), got shape {y.shape}")
    if y.dtype.kind in "US":
        return [str(v) for v in y.tolist()]
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    if y.dtype.kind not in "iub":
        raise CLIError(f"{where}: {name} must hold integer class indices or strings, "
                       f"got {y.dtype}")
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise CLIError(f"{where}: {name} holds a negative class index ({int(y.min())})")
    return y


def _load_npz(path: str, classes: list[str] | None) -> _Source:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError) as error:
        raise CLIError(f"cannot read {path} as an .npz file: {_one_line(error)}") from error
    for key in ("x", "y"):
        if key not in arrays:
            raise CLIError(f"{path} has no array {key!r} (found: {', '.join(arrays) or 'none'})")
    if ("x_test" in arrays) != ("y_test" in arrays):
        raise CLIError(f"{path}: x_test and y_test must be given together")
    has_test = "x_test" in arrays
    names = [("x", "y")] + ([("x_test", "y_test")] if has_test else [])
    xs, ys = {}, {}
    kinds = set()
    for xn, yn in names:
        x = arrays[xn]
        if x.dtype.kind not in "uifb":
            raise CLIError(f"{path}: {xn} must be numeric, got {x.dtype}")
        y = arrays[yn]
        if x.ndim < 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise CLIError(f"{path}: {xn} of shape {x.shape} and {yn} of shape {y.shape} do not "
                           "match (N x ... samples and N labels)")
        if x.dtype.kind == "f" and not np.isfinite(x).all():
            raise CLIError(f"{path}: {xn} holds NaN or infinite values")
        xs[xn], kind = _npz_images(x, path)
        kinds.add(kind)
        ys[yn] = _npz_labels(arrays[yn], path, yn)
    if has_test and xs["x"].shape[1:] != xs["x_test"].shape[1:]:
        raise CLIError(f"{path}: x_test's samples have shape {xs['x_test'].shape[1:]}, "
                       f"x's {xs['x'].shape[1:]}")
    kind = kinds.pop()
    stored = arrays.get("classes")
    if classes is None and stored is not None:
        classes = [str(c) for c in np.asarray(stored).ravel().tolist()]
    string_labels = any(isinstance(v, list) for v in ys.values())
    if string_labels:
        if classes is None:
            classes = sorted({label for v in ys.values() for label in v})
        for k, v in ys.items():
            ys[k] = _encode(v if isinstance(v, list) else [str(i) for i in v.tolist()],
                            classes, f"{path} ({k})")
    else:
        top = max(int(v.max()) for v in ys.values() if v.size)
        if classes is None:
            classes = [str(i) for i in range(top + 1)]
        elif top >= len(classes):
            raise CLIError(f"{path}: class index {top} but only {len(classes)} classes")
    src = _Source(kind, xs["x"], ys["y"], None, None, list(classes), has_test=has_test)
    if has_test:
        src.test_x, src.test_y = xs["x_test"], ys["y_test"]
    if kind == "image":
        src.image_mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(src.x.shape[1])
    else:
        src.columns = [f"x{j}" for j in range(src.x.shape[1])]
    return src


# -- images from files ------------------------------------------------------------------------

def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError as error:
        raise CLIError("reading image files needs Pillow: install it with `pip install Pillow` "
                       "(or `pip install numtorch[tools]`)") from error
    return Image


_GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")


def _image_mode_of(mode: str) -> str:
    return "L" if mode in _GRAY_MODES else "RGB"


def _read_image(path: str, mode: str | None, size: tuple[int, int] | None) -> np.ndarray:
    """An image file -> uint8 C x H x W in ``mode`` (default: L or RGB after the file's own),
    resized (bilinear) to ``size`` = (H, W) when it differs."""
    image_module = _pil()
    try:
        with image_module.open(path) as img:
            img.load()
            target_mode = mode or _image_mode_of(img.mode)
            if img.mode != target_mode:
                img = img.convert(target_mode)
            if size is not None and img.size != (size[1], size[0]):
                img = img.resize((size[1], size[0]), image_module.BILINEAR)
            arr = np.asarray(img, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError) as error:
        raise CLIError(f"cannot read the image {path}: {_one_line(error)}") from error
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return arr.transpose(2, 0, 1)


def _split_folders(path: str) -> tuple[str, str | None]:
    """``PATH`` -> (training folder, test folder or None).

    A folder whose only sub-folders are ``train`` and ``test`` (or ``train`` and ``val``), each
    holding class folders, is a dataset with a test split; any other folder is one set.
    """
    subs = {e.name for e in os.scandir(path) if e.is_dir()}
    held_out = (subs - {"train"}).pop() if len(subs) == 2 and "train" in subs else None
    if held_out in ("test", "val"):
        parts = [os.path.join(path, "train"), os.path.join(path, held_out)]
        if all(any(e.is_dir() for e in os.scandir(p)) for p in parts):
            return parts[0], parts[1]
    return path, None


def _folder_samples(path: str) -> tuple[list[str], list[tuple[str, int]]]:
    try:
        found, class_to_idx = find_classes(path)
        samples = make_dataset(path, class_to_idx, extensions=IMG_EXTENSIONS, allow_empty=True)
    except (OSError, ValueError) as error:
        raise CLIError(f"folder:{path}: {_one_line(error)}") from error
    if not samples:
        raise CLIError(f"folder:{path}: no image files in its class folders "
                       f"(extensions: {', '.join(IMG_EXTENSIONS)})")
    return found, samples


def _folder_labels(path: str, found: list[str], samples: list[tuple[str, int]],
                   classes: list[str]) -> np.ndarray:
    unknown = [c for c in found if c not in classes]
    if unknown:
        raise CLIError(f"folder:{path}: class folder {unknown[0]!r} is not one of the classes "
                       f"({', '.join(classes)})")
    index = [classes.index(name) for name in found]
    return np.asarray([index[i] for _, i in samples], dtype=np.int64)


def _read_images(samples: list[tuple[str, int]], mode: str, size: tuple[int, int]) -> np.ndarray:
    x = np.empty((len(samples), 1 if mode == "L" else 3, *size), dtype=np.uint8)
    for i, (file, _) in enumerate(samples):
        x[i] = _read_image(file, mode, size)
    return x


def _load_folder(path: str, classes: list[str] | None, image_mode: str | None,
                 image_size: tuple[int, int] | None) -> _Source:
    """Images in class folders (``ImageFolder``'s classes and order), as uint8 N x C x H x W in
    the first image's mode (L or RGB) and size unless ``image_mode`` / ``image_size`` say."""
    if not os.path.isdir(path):
        raise CLIError(f"folder:{path} is not a folder")
    _pil()
    train_path, test_path = _split_folders(path)
    found, samples = _folder_samples(train_path)
    classes = found if classes is None else classes
    if image_mode is None or image_size is None:
        first = _read_image(samples[0][0], image_mode, None)
        image_mode = image_mode or ("L" if first.shape[0] == 1 else "RGB")
        image_size = image_size or (first.shape[1], first.shape[2])
    src = _Source("image", _read_images(samples, image_mode, image_size),
                  _folder_labels(train_path, found, samples, classes), None, None,
                  list(classes), image_mode=image_mode, has_test=test_path is not None)
    if test_path is not None:
        test_found, test_samples = _folder_samples(test_path)
        src.test_x = _read_images(test_samples, image_mode, image_size)
        src.test_y = _folder_labels(test_path, test_found, test_samples, classes)
    return src


# -- splitting and normalising ----------------------------------------------------------------

def _check_fraction(val_fraction: Any) -> float:
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, numbers.Real):
        raise CLIError(f"val_fraction must be a number in [0, 1), got {val_fraction!r}")
    f = float(val_fraction)
    if not (0.0 <= f < 1.0):
        raise CLIError(f"val_fraction must be in [0, 1), got {val_fraction!r}")
    return f


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise CLIError(f"seed must be an integer, got {seed!r}")
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise CLIError(f"seed must be in [0, 2**64), got {seed}")
    return seed


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The train and validation indices of ``range(n)``: PyTorch's ``random_split`` with
    ``[1 - f, f]`` and a generator seeded with ``seed``; ``f = 0`` gives ``(arange(n), None)``.
    See NOTE [ The preparation of the arrays ].
    """
    f = _check_fraction(val_fraction)
    seed = _check_seed(seed)
    if f == 0.0:
        return np.arange(n, dtype=np.int64), None
    sizes = [math.floor(n * (1 - f)), math.floor(n * f)]
    for i in range(n - sum(sizes)):
        sizes[i % 2] += 1
    if sizes[1] == 0 or sizes[0] == 0:
        part = "validation" if sizes[1] == 0 else "training"
        raise CLIError(f"val_fraction {val_fraction} of {n} samples leaves the {part} split empty")

    train, val = random_split(range(n), [1 - f, f],
                              generator=numtorch.Generator().manual_seed(seed))
    return np.asarray(train.indices, dtype=np.int64), np.asarray(val.indices, dtype=np.int64)


def _image_stats(x: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-channel mean and population std of images after ``ToTensor`` scaling.

    For uint8 images both come from exact integer sums, ``S1 = sum(v)`` and ``S2 = sum(v^2)``
    over the ``n`` values of a channel: ``mean = S1 / (255 n)`` and
    ``var = (n S2 - S1^2) / (255 n)^2``, each rounded once to float64. Float images are summed
    in float64.
    """
    means, stds = [], []
    for c in range(x.shape[1]):
        channel = x[:, c]
        if x.dtype == np.uint8:
            n = channel.size
            s1 = int(channel.sum(dtype=np.uint64))
            s2 = int(np.square(channel, dtype=np.uint16).sum(dtype=np.uint64))
            mean = s1 / (255 * n)
            var = (n * s2 - s1 * s1) / (255 * n) ** 2
        else:
            values = channel.astype(np.float64)
            mean = float(values.mean())
            var = float(((values - mean) ** 2).mean())
        means.append(mean)
        stds.append(_nonzero(math.sqrt(var)))
    return means, stds


def _nonzero(std: float) -> float:
    return std if std > 0.0 else 1.0


def _table_stats(x: np.ndarray) -> tuple[list[float], list[float]]:
    mean = x.mean(axis=0)
    std = np.sqrt(((x - mean) ** 2).mean(axis=0))
    return [float(m) for m in mean], [_nonzero(float(s)) for s in std]


def _normalise(x: np.ndarray, meta: dict) -> np.ndarray:
    """The one normalisation of every path: images ``(x / 255 - mean_c) / std_c`` in float32
    (uint8) or ``(x - mean_c) / std_c``; tables ``((x - mean_j) / std_j)`` in float64, as float32.
    """
    if meta["kind"] == "table":
        mean = np.asarray(meta["mean"], dtype=np.float64)
        std = np.asarray(meta["std"], dtype=np.float64)
        return ((np.asarray(x, dtype=np.float64) - mean) / std).astype(np.float32)
    mean = np.asarray(meta["mean"], dtype=np.float32)[:, None, None]
    std = np.asarray(meta["std"], dtype=np.float32)[:, None, None]
    out = x.astype(np.float32)
    if x.dtype == np.uint8:
        out /= np.float32(255.0)
    out -= mean
    out /= std
    return out


@contextlib.contextmanager
def _download_progress(enabled: bool) -> Iterator[None]:
    old = download_utils.show_progress
    download_utils.show_progress = bool(enabled)
    try:
        yield
    finally:
        download_utils.show_progress = old


# -- the public functions ---------------------------------------------------------------------

def load_data(spec: str = "digits", *, root: str | None = None, val_fraction: float = 0.2,
              seed: int = 0, target: str | None = None, download: bool = True,
              progress: bool = True, image_size: tuple[int, int] | None = None) -> Data:
    """Load a dataset, split off a validation part and normalise everything for training.

    See NOTE [ The preparation of the arrays ] for the exact recipe.

    Args:
        spec: the dataset (see the module docstring): ``digits``, ``fashion-mnist``, ``mnist``,
            ``cifar10``, ``csv:PATH``, ``npz:PATH`` or ``folder:PATH``.
        root: the folder of the named datasets (default: :func:`default_root`).
        val_fraction: the fraction ``f`` in [0, 1) of the training set held out for validation.
        seed: the seed of the validation split's generator.
        target: the label column of a CSV file (default: the last column).
        download: fetch a named dataset that is not found locally.
        progress: show download progress (a tqdm bar, on a terminal, when tqdm is installed).
        image_size: ``(H, W)`` every image of a ``folder:`` dataset is resized to (default:
            the first image's size).

    Returns:
        :class:`Data` with ``train``, ``val`` (None when ``f == 0``), ``test`` (None when the
        dataset has no test split), ``classes``, ``input_shape`` and ``meta``.

    Raises:
        CLIError: a bad spec, a missing or malformed file, a bad fraction or seed.

    Example:
        >>> data = load_data("digits", val_fraction=0.2, seed=0)
        >>> len(data.train), len(data.val), len(data.test), data.input_shape
        (1150, 287, 360, (1, 8, 8))
    """
    f = _check_fraction(val_fraction)
    seed = _check_seed(seed)
    if image_size is not None:
        image_size = _check_size(image_size)
    name, path = _parse_spec(spec)
    if image_size is not None and name != "folder":
        raise CLIError(f"image_size applies to folder datasets only, not {name!r}")
    with _download_progress(progress):
        src = _load_source(name, path, root=root, target=target, download=download,
                           parts=("train", "test"), image_size=image_size)
    train_idx, val_idx = split_indices(len(src.y), f, seed)
    x_train = src.x[train_idx]
    if src.kind == "image":
        mean, std = _image_stats(x_train)
    else:
        mean, std = _table_stats(x_train)
    meta = {
        "spec": _canonical_spec(name, path),
        "kind": src.kind,
        "mean": mean,
        "std": std,
        "image_mode": src.image_mode if src.kind == "image" else None,
        "image_size": [int(s) for s in src.x.shape[2:]] if src.kind == "image" else None,
        "columns": list(src.columns) if src.kind == "table" else None,
        "target": src.target,
        "classes": list(src.classes),
        "val_fraction": f,
        "seed": seed,
    }
    train = Split(_normalise(x_train, meta), src.y[train_idx], train_idx)
    val = None
    if val_idx is not None:
        val = Split(_normalise(src.x[val_idx], meta), src.y[val_idx], val_idx)
    test = None
    if src.test_x is not None:
        test = Split(_normalise(src.test_x, meta), src.test_y,
                     np.arange(len(src.test_y), dtype=np.int64))
    return Data(train, val, test, list(src.classes), tuple(int(s) for s in src.x.shape[1:]),
                meta)


def _check_size(size: Any) -> tuple[int, int]:
    if (isinstance(size, (tuple, list)) and len(size) == 2
            and all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size)):
        return int(size[0]), int(size[1])
    raise CLIError(f"image_size must be two positive integers (height, width), got {size!r}")


def _check_meta(meta: Any) -> dict:
    required = ("spec", "kind", "mean", "std", "classes")
    if not isinstance(meta, dict) or any(k not in meta for k in required):
        raise CLIError("the checkpoint's data description is missing or incomplete")
    if meta["kind"] not in ("image", "table"):
        raise CLIError(f"the checkpoint's data kind {meta['kind']!r} is not image or table")
    return meta


def load_split(meta: dict, spec: str | None = None, *, root: str | None = None,
               split: str = "test", target: str | None = None, download: bool = True,
               progress: bool = True) -> Split:
    """One part of a dataset, normalised with a training run's statistics (for ``evaluate``).

    Args:
        meta: ``Data.meta`` of the training run (from its checkpoint).
        spec: the dataset; default ``meta["spec"]``, the training data.
        root: the folder of the named datasets (default: :func:`default_root`).
        split: ``"test"``: the dataset's test split; for a dataset without one (``csv:``,
            ``folder:``, ``npz:`` without ``x_test``) given as a *new* ``spec``, the whole
            dataset (a separate file given for evaluation is all test data), while the training
            dataset itself without a test split is an error. ``"train"``, ``"val"``: the
            training run's parts (the same ``random_split`` as ``meta``'s ``val_fraction``
            and ``seed``). ``"all"``: every sample of the training set.
        target: the label column of a CSV file (default: ``meta["target"]``).
        download: fetch a named dataset that is not found locally.
        progress: show download progress.

    Raises:
        CLIError: the data does not fit the model (other columns, classes, image kind), a bad
            spec or split, a missing file.
    """
    meta = _check_meta(meta)
    if split not in _SPLITS:
        raise CLIError(f"unknown split {split!r} (expected {', '.join(_SPLITS)})")
    trained_name, trained_path = _parse_spec(meta["spec"])
    name, path = _parse_spec(meta["spec"] if spec is None else spec)
    same = (name, path) == (trained_name, trained_path)
    kind = "table" if name == "csv" else "image" if name in ("folder", *DATASETS) else None
    if kind is not None and kind != meta["kind"]:
        raise CLIError(f"dataset {spec!r} holds {kind}s but the model was trained on "
                       f"{meta['kind']}s ({meta['spec']})")
    if target is None and name == "csv":
        target = meta.get("target")
    image_size = tuple(meta["image_size"]) if meta.get("image_size") else None
    with _download_progress(progress):
        src = _load_source(name, path, root=root, target=target, download=download,
                           parts=("test",) if split == "test" else ("train",),
                           classes=list(meta["classes"]), columns=meta.get("columns"),
                           image_mode=meta.get("image_mode"), image_size=image_size)
    if split == "test" and src.has_test:
        x, y, idx = src.test_x, src.test_y, np.arange(len(src.test_y), dtype=np.int64)
    elif split == "test" and same:
        raise CLIError(f"{meta['spec']} has no test split; give another dataset to evaluate "
                       "on, or use the validation split")
    else:
        x, y = src.x, src.y  # for "test": a new dataset without a test split, all of it
        idx = np.arange(len(y), dtype=np.int64)
        if split in ("train", "val"):
            train_idx, val_idx = split_indices(len(y), meta.get("val_fraction", 0.0),
                                               meta.get("seed", 0))
            if split == "val" and val_idx is None:
                raise CLIError(f"{meta['spec']} was trained without a validation split")
            idx = train_idx if split == "train" else val_idx
            x, y = x[idx], y[idx]
    _check_fits(x, meta, spec or meta["spec"])
    if y.size and int(y.max()) >= len(meta["classes"]):
        raise CLIError(f"{spec or meta['spec']}: class index {int(y.max())} but the model "
                       f"knows {len(meta['classes'])} classes")
    return Split(_normalise(x, meta), y, idx)


def _check_fits(x: np.ndarray, meta: dict, spec: str) -> None:
    if meta["kind"] == "table":
        width = len(meta["mean"])
        if x.ndim != 2 or x.shape[1] != width:
            raise CLIError(f"{spec}: samples have shape {x.shape[1:]}, the model expects "
                           f"{width} features")
        return
    shape = (len(meta["mean"]), *(meta.get("image_size") or x.shape[2:]))
    if x.ndim != 4 or tuple(x.shape[1:]) != shape:
        raise CLIError(f"{spec}: images of shape {tuple(x.shape[1:])}, the model expects "
                       f"{shape} (C x H x W)")


def prepare_inputs(meta: dict, inputs: list[str]) -> tuple[np.ndarray, list[str]]:
    """New inputs for ``predict``, prepared exactly as the training data was.

    Args:
        meta: ``Data.meta`` of the training run.
        inputs: for an image model, image files (or folders: their image files, sorted), each
            converted to the training images' mode and resized to their size; for a table
            model, CSV files with a header row holding the training columns (the target
            column, if present, is ignored).

    Returns:
        ``(x, labels)``: the normalised ``float32`` batch and one display label per sample:
        the image path as given, or ``"file.csv:row N"`` (data rows counted from 1).

    Raises:
        CLIError: no inputs, a missing or unreadable file, missing columns, Pillow missing.
    """
    meta = _check_meta(meta)
    if isinstance(inputs, str) or not inputs:
        raise CLIError("no input files given")
    if meta["kind"] == "table":
        blocks, labels = [], []
        for item in inputs:
            if not os.path.isfile(item):
                raise CLIError(f"{item}: no such file")
            _, _, x, _ = _read_table(item, meta.get("target"), list(meta["columns"]),
                                     need_target=False)
            blocks.append(x)
            labels += [f"{item}:row {r}" for r in range(1, len(x) + 1)]
        return _normalise(np.concatenate(blocks), meta), labels

    files = []
    for item in inputs:
        if os.path.isdir(item):
            found = sorted(
                os.path.join(d, n) for d, _, names in os.walk(item) for n in names
                if is_image_file(n)
            )
            if not found:
                raise CLIError(f"{item}: a folder without image files")
            files += found
        elif os.path.isfile(item):
            files.append(item)
        else:
            raise CLIError(f"{item}: no such file")
    mode = meta.get("image_mode")
    size = meta.get("image_size")
    if mode not in ("L", "RGB", "RGBA") or not size:
        raise CLIError(f"the model was trained on {meta['spec']}, whose images cannot be "
                       "read from image files")
    x = np.stack([_read_image(f, mode, tuple(size)) for f in files])
    _check_fits(x, meta, meta["spec"])
    return _normalise(x, meta), files
