"""MNIST and Fashion-MNIST: 28 x 28 grayscale images in 10 classes, from IDX files.

NOTE [ Where MNIST files come from ]
The four files of a split live in ``root/<ClassName>/raw/``, decompressed
(``train-images-idx3-ubyte``) as torchvision leaves them, or still gzipped
(``train-images-idx3-ubyte.gz``); either form is read. When they are missing:

1. Local copies are looked for, with no network: each folder named in the
   environment variable ``NUMTORCH_DATASETS`` (several separated by
   ``os.pathsep``), then the class's ``local_folders`` (for Fashion-MNIST,
   ``/usr/share/datasets/fashion-mnist`` where Debian's ``dataset-fashion-mnist``
   package puts it). A file found there is accepted if its MD5, or the MD5 of
   its decompressed contents, is the official one, and is decompressed into
   ``raw/`` (only the two files of the split asked for). So ``FashionMNIST("data")`` works offline
   once that package is installed, and ``NUMTORCH_DATASETS=/path/to/gz/files`` points any of these
   datasets at a folder of its own.
2. With ``download=True``, if the split asked for is still missing, the missing
   files of both splits are fetched from the dataset's official ``mirrors`` in
   turn, checked against their MD5, and decompressed; see
   NOTE [ Nothing half-written ] in ``utils.py``. Offline, this fails with an
   error that names each mirror tried and what it answered.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import warnings
from typing import Callable

import numpy as np

from numtorch._tensor import Tensor, _wrap

from .utils import _AtomicFile, check_integrity, download_and_extract_archive, extract_archive
from .vision import GrayImageArrays

_SN3_TYPES = {8: np.uint8, 9: np.int8, 11: np.dtype(">i2"), 12: np.dtype(">i4"),
              13: np.dtype(">f4"), 14: np.dtype(">f8")}


def read_sn3_pascalvincent_array(data: bytes | bytearray, path: str = "<bytes>") -> np.ndarray:
    """Parse an IDX file: a big-endian header (0, 0, type code, ndim), the sizes, then the values.

    Raises:
        RuntimeError: ``data`` is not a well-formed IDX file.
    """
    if (
        len(data) < 4
        or data[0] != 0
        or data[1] != 0
        or data[2] not in _SN3_TYPES
        or not 1 <= data[3] <= 3
    ):
        raise RuntimeError(f"{path} is not an IDX file (bad magic number)")
    nd = data[3]
    dims = [int.from_bytes(data[4 * (i + 1): 4 * (i + 2)], "big") for i in range(nd)]
    dtype = np.dtype(_SN3_TYPES[data[2]])
    offset = 4 * (nd + 1)
    count = int(np.prod(dims))
    if len(data) - offset != count * dtype.itemsize:
        raise RuntimeError(f"{path} is truncated or too long: header says {dims}, "
                           f"found {len(data) - offset} bytes of data")
    parsed = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    return parsed.astype(dtype.newbyteorder("="), copy=False).reshape(dims)


def _read_bytes(path: str) -> bytearray:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return bytearray(f.read())


def read_image_file(path: str) -> Tensor:
    """An IDX file of uint8 images -> a ``uint8`` tensor N x H x W."""
    x = read_sn3_pascalvincent_array(_read_bytes(path), path)
    if x.dtype != np.uint8 or x.ndim != 3:
        raise RuntimeError(
            f"{path} should hold uint8 images (N x H x W), found {x.dtype} of shape {x.shape}"
        )
    return _wrap(x)


def read_label_file(path: str) -> Tensor:
    """An IDX file of uint8 labels -> an ``int64`` tensor N."""
    x = read_sn3_pascalvincent_array(_read_bytes(path), path)
    if x.dtype != np.uint8 or x.ndim != 1:
        raise RuntimeError(
            f"{path} should hold uint8 labels (N), found {x.dtype} of shape {x.shape}"
        )
    return _wrap(x.astype(np.int64))


class MNIST(GrayImageArrays):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28 x 28.

    Args:
        root: the folder holding ``MNIST/raw/`` (see NOTE [ Where MNIST files come from ]).
        train: the training split if True, else the test split.
        transform: applied to each PIL image, e.g. ``transforms.ToTensor()``.
        target_transform: applied to each integer target.
        download: fetch the files from the official mirrors if they are not found.

    Attributes:
        data: ``uint8`` tensor N x 28 x 28; targets: ``int64`` tensor N;
        classes: the class names; class_to_idx: name -> index.

    Each item is ``(image, target)``: a PIL image of mode ``L`` and an ``int``,
    each passed through its transform.

    Example:
        >>> from numtorch.vision import datasets, transforms
        >>> train = datasets.FashionMNIST("data", train=True, download=True,
        ...                               transform=transforms.ToTensor())  # doctest: +SKIP
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    # MD5 of each file once decompressed: accepts re-compressed copies of the same data.
    raw_md5 = {
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    }
    local_folders: list[str] = []
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if not self._check_exists():
            self._copy_local(self._split_resources())
        if download and not self._check_exists():
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    # -- files -------------------------------------------------------------------------

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    def _raw_name(self, gz_name: str) -> str:
        return os.path.splitext(os.path.basename(gz_name))[0]

    def _find_raw(self, name: str) -> str | None:
        for candidate in (os.path.join(self.raw_folder, name),
                          os.path.join(self.raw_folder, name + ".gz")):
            if check_integrity(candidate):
                return candidate
        return None

    def _split_resources(self) -> list[tuple[str, str]]:
        prefix = "train" if self.train else "t10k"
        return [
            (name, md5) for name, md5 in self.resources if os.path.basename(name).startswith(prefix)
        ]

    def _check_exists(self) -> bool:
        """Whether the two files of the requested split are in ``raw/``."""
        return all(
            self._find_raw(self._raw_name(url)) is not None for url, _ in self._split_resources()
        )

    def _source_folders(self) -> list[str]:
        from_env = [p for p in os.environ.get("NUMTORCH_DATASETS", "").split(os.pathsep) if p]
        return from_env + list(self.local_folders)

    def _copy_local(self, resources: list[tuple[str, str]]) -> None:
        """Decompress verified local copies of missing ``resources`` into ``raw/``."""
        for gz_name, md5 in resources:
            name = self._raw_name(gz_name)
            if self._find_raw(name) is not None:
                continue
            for folder in self._source_folders():
                if self._install_local(folder, gz_name, md5, name):
                    break

    def _install_local(self, folder: str, gz_name: str, md5: str, name: str) -> bool:
        gz_path = os.path.join(folder, gz_name)
        if check_integrity(gz_path, md5):
            os.makedirs(self.raw_folder, exist_ok=True)
            extract_archive(gz_path, self.raw_folder)
            return True
        for path in (gz_path, os.path.join(folder, name)):
            if not os.path.isfile(path):
                continue
            data = _read_bytes(path)
            if self._raw_ok(data, name):
                os.makedirs(self.raw_folder, exist_ok=True)
                out = _AtomicFile(os.path.join(self.raw_folder, name))
                try:
                    out.file.write(data)
                except BaseException:
                    out.discard()
                    raise
                out.commit()
                return True
        return False

    def _raw_ok(self, data: bytes, name: str) -> bool:
        expected = self.raw_md5.get(name)
        return (
            expected is not None
            and hashlib.md5(data, usedforsecurity=False).hexdigest() == expected
        )

    def download(self) -> None:
        """Fetch the missing files of both splits from ``mirrors`` (each in turn), verify and
        decompress them."""
        self._copy_local(self.resources)
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if self._find_raw(self._raw_name(filename)) is not None:
                continue
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    download_and_extract_archive(
                        url, download_root=self.raw_folder, filename=filename, md5=md5
                    )
                except (OSError, RuntimeError, ValueError, EOFError) as error:
                    errors.append(error)
                    continue
                break
            else:
                s = f"Error downloading {filename}:\n"
                for mirror, err in zip(self.mirrors, errors):
                    s += f"Tried {mirror}, got:\n{str(err)}\n"
                s += (f"Without network access, copy the files into {self.raw_folder} or set "
                      "NUMTORCH_DATASETS to a folder that holds them.")
                raise RuntimeError(s)

    def _load_data(self) -> tuple[Tensor, Tensor]:
        prefix = "train" if self.train else "t10k"
        data = read_image_file(self._find_raw(f"{prefix}-images-idx3-ubyte"))
        targets = read_label_file(self._find_raw(f"{prefix}-labels-idx1-ubyte"))
        if data.shape[0] != targets.shape[0]:
            raise RuntimeError(
                f"{self.raw_folder} has {data.shape[0]} images but {targets.shape[0]} labels"
            )
        return data, targets

    # -- items -------------------------------------------------------------------------

    # -- names kept for old code ---------------------------------------------------------

    @property
    def train_labels(self) -> Tensor:
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self) -> Tensor:
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self) -> Tensor:
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self) -> Tensor:
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28 x 28 grayscale photos of clothing in 10 classes.

    The same interface, layout (``root/FashionMNIST/raw/``) and sizes as :class:`MNIST`.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    raw_md5 = {
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    }
    local_folders = ["/usr/share/datasets/fashion-mnist"]
    classes = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
        "Ankle boot",
    ]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28 x 28 images of 10 cursive Japanese (hiragana) characters.

    The same interface, layout (``root/KMNIST/raw/``) and sizes as :class:`MNIST`.
    """

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    raw_md5: dict[str, str] = {}
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
