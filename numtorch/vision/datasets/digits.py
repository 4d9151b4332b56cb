"""The UCI optical handwritten digits, bundled with numtorch: 1,797 images of 8 x 8 in 10 classes.

The data file ``numtorch/vision/data/digits.csv.gz`` is scikit-learn's copy of
the test set of the UCI "Optical Recognition of Handwritten Digits" data
(E. Alpaydin, C. Kaynak, 1998), BSD-3-Clause; see ``DIGITS_LICENSE.txt`` beside it.
Each row holds 64 pixel counts in 0..16 (row-major 8 x 8) and the digit.

NOTE [ Digits pixels and split ]
A pixel counts the "on" pixels of a 4 x 4 block of a 32 x 32 bitmap, 0..16. It
is scaled to a byte as ``p = (255 * v + 8) // 16``, i.e.
``round(v * 255 / 16)`` with halves rounded up, so 0 -> 0, 8 -> 128, 16 -> 255
and ``ToTensor`` then gives ``p / 255`` in [0, 1] as for any 8-bit image.
The split is fixed: the first 1,437 rows of the file, in its order (80 %), are
the training set, the last 360 the test set; both hold every digit.
"""

from __future__ import annotations

import gzip
import os
from typing import Callable

import numpy as np

from numtorch._tensor import Tensor, _wrap

from .vision import GrayImageArrays

_DATA_FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
_NUM_TRAIN = 1437


def load_digits_array(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read ``digits.csv.gz``: images as ``uint8`` N x 8 x 8 scaled to 0..255, and ``int64`` labels.
    """
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 65:
        raise RuntimeError(
            f"{path} should have 65 columns (64 pixels and the label), found {table.shape}"
        )
    counts = table[:, :64]
    if counts.min() < 0 or counts.max() > 16:
        raise RuntimeError(f"{path} has pixel values outside 0..16")
    pixels = ((counts * 255 + 8) // 16).astype(np.uint8).reshape(-1, 8, 8)
    return pixels, table[:, 64].astype(np.int64)


class Digits(GrayImageArrays):
    """The bundled 8 x 8 handwritten digits, with the interface of :class:`MNIST`.

    Args:
        root: a folder holding its own ``digits.csv.gz``; None (the default)
            uses the copy inside numtorch, so nothing is downloaded.
        train: the 1,437 training images if True, else the 360 test images
            (see NOTE [ Digits pixels and split ]).
        transform: applied to each PIL image (mode ``L``, 8 x 8).
        target_transform: applied to each integer target.
        download: accepted for the torchvision signature; there is nothing to download.

    Attributes:
        data (``uint8`` N x 8 x 8, values 0..255), targets (``int64`` N),
        classes, class_to_idx.

    Example:
        >>> from numtorch.vision import datasets, transforms
        >>> train = datasets.Digits(train=True, transform=transforms.ToTensor())
        >>> len(train), tuple(train[0][0].shape), train[0][1]
        (1437, (1, 8, 8), 0)
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    filename = "digits.csv.gz"

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        folder = _DATA_FOLDER if self.root is None else self.root
        path = os.path.join(folder, self.filename)
        if not os.path.isfile(path):
            raise RuntimeError(f"Dataset not found: {path} does not exist")
        pixels, labels = load_digits_array(path)
        part = slice(0, _NUM_TRAIN) if train else slice(_NUM_TRAIN, None)
        self.data: Tensor = _wrap(np.ascontiguousarray(pixels[part]))
        self.targets: Tensor = _wrap(np.ascontiguousarray(labels[part]))
