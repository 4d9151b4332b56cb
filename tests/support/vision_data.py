"""Helpers (no tests) for the vision dataset tests: small fake IDX files and CIFAR archives."""

from __future__ import annotations

import gzip
import hashlib
import os

import numpy as np

_CODES = {np.dtype(np.uint8): 8, np.dtype(np.int8): 9, np.dtype(">i2"): 11, np.dtype(">i4"): 12,
          np.dtype(">f4"): 13, np.dtype(">f8"): 14}


def idx_bytes(arr: np.ndarray) -> bytes:
    """The IDX encoding of ``arr``: magic (0, 0, type, ndim), big-endian sizes, big-endian values.
    """
    big = arr.astype(arr.dtype.newbyteorder(">")) if arr.dtype.itemsize > 1 else arr
    header = bytes([0, 0, _CODES[np.dtype(big.dtype)], arr.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + np.ascontiguousarray(big).tobytes()


def fake_mnist(seed: int = 0, n_train: int = 6, n_test: int = 4) -> dict[str, np.ndarray]:
    """Four arrays named like the MNIST files (without ``.gz``)."""
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def gz_files(arrays: dict[str, np.ndarray], mtime: int = 0) -> dict[str, bytes]:
    """``{name.gz: gzip bytes}`` for the arrays."""
    return {
        f"{name}.gz": gzip.compress(idx_bytes(arr), mtime=mtime) for name, arr in arrays.items()
    }


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def resources_for(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """A ``resources`` list (train images, train labels, test images, test labels) for the files."""
    order = [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    return [(name, md5(files[name])) for name in order]


def write_files(folder: str, files: dict[str, bytes]) -> None:
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def all_files(folder: str) -> list[str]:
    """Every file under ``folder``, hidden ones included, relative and sorted."""
    found = []
    for root, _, names in os.walk(folder):
        found += [os.path.relpath(os.path.join(root, n), folder) for n in names]
    return sorted(found)


def fake_cifar(seed: int = 0, per_batch: int = 3):
    """A small CIFAR-10 archive: ``(tar.gz bytes, {member: md5}, train images HWC, train labels)``.
    """
    import io
    import pickle
    import tarfile

    rng = np.random.default_rng(seed)
    members, md5s, images, labels = {}, {}, [], []
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                 "test_batch"]:
        planes = rng.integers(0, 256, (per_batch, 3, 32, 32), dtype=np.uint8)
        targets = [int(v) for v in rng.integers(0, 10, per_batch)]
        members[name] = pickle.dumps({"data": planes.reshape(per_batch, 3072), "labels": targets})
        if name != "test_batch":
            images.append(planes.transpose(0, 2, 3, 1))
            labels += targets
    members["batches.meta"] = pickle.dumps({"label_names": [f"class{i}" for i in range(10)]})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            md5s[name] = md5(data)
    return buffer.getvalue(), md5s, np.concatenate(images), labels
