"""CIFAR-10 and CIFAR-100: 32 x 32 colour images, from the official pickled batches.

The archive ``cifar-10-python.tar.gz`` unpacks to ``root/cifar-10-batches-py/``
(``data_batch_1`` ... ``data_batch_5``, ``test_batch``, ``batches.meta``); each
batch is a pickled dict whose ``data`` is N x 3072 bytes (the red, green and
blue 32 x 32 planes in turn) and whose ``labels`` (``fine_labels`` for
CIFAR-100) are the classes. Every file is checked against its MD5.

``download=True`` looks for the archive first in the folders of the
environment variable ``NUMTORCH_DATASETS`` (separated by ``os.pathsep``), then
fetches it from the official ``url``; see NOTE [ Nothing half-written ] in ``utils.py``.
"""

from __future__ import annotations

import os
import pickle
from typing import Any, Callable

import numpy as np

from ..transforms import _pil
from .utils import check_integrity, download_and_extract_archive, extract_archive
from .vision import VisionDataset


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test images of 32 x 32 in 10 classes.

    Args:
        root: the folder holding ``cifar-10-batches-py/``.
        train: the training batches if True, else the test batch.
        transform: applied to each PIL image (mode ``RGB``).
        target_transform: applied to each integer target.
        download: fetch and unpack the archive if the files are not there.

    Attributes:
        data: ``uint8`` ndarray N x 32 x 32 x 3 (H x W x C, as torchvision keeps it);
        targets: list of ints; classes and class_to_idx from the metadata file.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {
        "filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"
    }

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(
                "Dataset not found or corrupted. You can use download=True to download it"
            )
        downloaded_list = self.train_list if self.train else self.test_list
        data: list[np.ndarray] = []
        self.targets: list[int] = []
        for file_name, _ in downloaded_list:
            with open(os.path.join(self.root, self.base_folder, file_name), "rb") as f:
                entry = pickle.load(f, encoding="latin1")
            data.append(entry["data"])
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self._load_meta()

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError(
                "Dataset metadata file not found or corrupted. You can use download=True to "
                "download it"
            )
        with open(path, "rb") as infile:
            data = pickle.load(infile, encoding="latin1")
        self.classes = data[self.meta["key"]]
        self.class_to_idx = {_class: i for i, _class in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, target)``: a PIL image (mode ``RGB``) and an ``int``, after their transforms.
        """
        img, target = self.data[index], self.targets[index]
        img = _pil.from_array(img, "RGB")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        for filename, md5 in self.train_list + self.test_list:
            if not check_integrity(os.path.join(self.root, self.base_folder, filename), md5):
                return False
        return True

    def download(self) -> None:
        """Unpack a verified local copy of the archive, or fetch it from ``url``."""
        if self._check_integrity():
            return
        for folder in (p for p in os.environ.get("NUMTORCH_DATASETS", "").split(os.pathsep) if p):
            local = os.path.join(folder, self.filename)
            if check_integrity(local, self.tgz_md5):
                extract_archive(local, self.root)
                return
        try:
            download_and_extract_archive(
                self.url, self.root, filename=self.filename, md5=self.tgz_md5
            )
        except OSError as error:
            raise RuntimeError(
                f"Error downloading {self.url}:\n{error}\nWithout network access, put "
                f"{self.filename} in a folder named in NUMTORCH_DATASETS."
            ) from error

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


class CIFAR100(CIFAR10):
    """CIFAR-100: the same images format with 100 fine classes (``targets`` are the fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {
        "filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"
    }
