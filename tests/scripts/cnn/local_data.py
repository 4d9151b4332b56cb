"""Local stand-ins for the data PyTorch's CNN example scripts download, and a launcher.

Offline, MNIST and CIFAR-10 cannot be fetched; Debian's Fashion-MNIST IDX files (the same format
and sizes as MNIST) can take their place:

- ``mnist ROOT [--train N] [--test N]`` lays out ``ROOT/MNIST/raw/`` as torchvision leaves it
  (the four IDX files, unpacked and gzipped), so ``datasets.MNIST(ROOT, download=True)`` finds
  them and downloads nothing;
- ``cifar ROOT [--train N] [--test N]`` writes ``ROOT/cifar-10-batches-py/`` in CIFAR-10's
  pickled-batch format (5 training batches, ``test_batch``, ``batches.meta``), each image a
  Fashion-MNIST one padded to 32 x 32 and repeated over the three colour planes;
- ``launch {numtorch,torch} ROOT SCRIPT [ARGS...]`` runs ``SCRIPT`` unmodified, under
  ``numtorch run`` or under PyTorch itself, after pointing the ``CIFAR10`` class's MD5 table at
  the local batches (their MD5s are not the real archive's, and the dataset checks them).

    python tests/scripts/cnn/local_data.py mnist /tmp/data
    cd /tmp/work && python -m numtorch run tests/scripts/cnn/mnist_main.py --epochs 1
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import pickle
import sys

import numpy as np

FASHION = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
CIFAR_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]


def available() -> bool:
    """Whether the Fashion-MNIST files are here."""
    return all(os.path.exists(os.path.join(FASHION, f + ".gz"))
               for pair in SPLITS.values() for f in pair)


def read_split(split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` (all when None) images ``(N, 28, 28)`` uint8 and labels of a split."""
    images, labels = (os.path.join(FASHION, f + ".gz") for f in SPLITS[split])
    with gzip.open(images, "rb") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(labels, "rb") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x[:n], y[:n]


def _idx(arr: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array: magic ``(0, 0, 8, ndim)``, big-endian sizes, bytes."""
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + np.ascontiguousarray(arr).tobytes()


def write_mnist(root: str, n_train: int | None = None, n_test: int | None = None) -> str:
    """``root/MNIST/raw/`` with the (first ``n_*``) Fashion-MNIST images; returns the raw folder."""
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        for name, arr in zip(SPLITS[split], read_split(split, n)):
            data = _idx(arr)
            with open(os.path.join(raw, name), "wb") as f:
                f.write(data)
            with gzip.open(os.path.join(raw, name + ".gz"), "wb") as f:
                f.write(data)
    return raw


def write_cifar(root: str, n_train: int = 50000, n_test: int = 10000) -> dict[str, str]:
    """``root/cifar-10-batches-py/`` from Fashion-MNIST; returns ``{file name: md5}``."""
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)

    def planes(x):  # (N, 28, 28) -> (N, 3072): padded to 32 x 32, the same image in R, G and B
        x = np.pad(x, ((0, 0), (2, 2), (2, 2)))
        return np.repeat(x[:, None], 3, axis=1).reshape(len(x), 3072)
    xtr, ytr = read_split("train", n_train)
    xte, yte = read_split("test", n_test)
    parts = np.array_split(np.arange(len(xtr)), len(CIFAR_TRAIN))
    batches = {name: {"data": planes(xtr[p]), "labels": [int(v) for v in ytr[p]]}
               for name, p in zip(CIFAR_TRAIN, parts)}
    batches["test_batch"] = {"data": planes(xte), "labels": [int(v) for v in yte]}
    batches["batches.meta"] = {"label_names": ["airplane", "automobile", "bird", "cat", "deer",
                                               "dog", "frog", "horse", "ship", "truck"]}
    md5s = {}
    for name, entry in batches.items():
        data = pickle.dumps(entry)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        md5s[name] = hashlib.md5(data).hexdigest()
    return md5s


def point_cifar10_at(cls, folder: str) -> None:
    """Set ``cls``'s (``CIFAR10``'s) MD5 table to the batches in ``folder``."""
    def md5(name):
        with open(os.path.join(folder, name), "rb") as f:
            return hashlib.md5(f.read()).hexdigest()
    cls.train_list = [[name, md5(name)] for name in CIFAR_TRAIN]
    cls.test_list = [["test_batch", md5("test_batch")]]
    cls.meta = dict(cls.meta, md5=md5("batches.meta"))


def launch(lib: str, root: str, script: str, args: list[str], seed: int | None = None) -> int:
    """Run ``script`` unmodified under ``lib`` (numtorch's runner or PyTorch itself), after
    ``manual_seed(seed)`` when a seed is given."""
    folder = os.path.join(os.path.abspath(root), "cifar-10-batches-py")
    if seed is not None:
        __import__("numtorch" if lib == "numtorch" else "torch").manual_seed(seed)
    if lib == "numtorch":
        from numtorch.cli.main import main
        from numtorch.vision.datasets import CIFAR10

        if os.path.isdir(folder):
            point_cifar10_at(CIFAR10, folder)
        return main(["run", script, *args])
    import runpy

    import torchvision

    if os.path.isdir(folder):
        point_cifar10_at(torchvision.datasets.CIFAR10, folder)
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("mnist", "cifar"):
        p = sub.add_parser(name)
        p.add_argument("root")
        p.add_argument("--train", type=int, default=None)
        p.add_argument("--test", type=int, default=None)
    p = sub.add_parser("launch")
    p.add_argument("lib", choices=["numtorch", "torch"])
    p.add_argument("--seed", type=int, default=None,
                   help="manual_seed before the script runs (the tutorial sets none, so each run "
                        "of it, in PyTorch as in numtorch, draws different numbers)")
    p.add_argument("root")
    p.add_argument("script")
    p.add_argument("args", nargs=argparse.REMAINDER)
    ns = ap.parse_args(argv)
    if ns.cmd == "mnist":
        print(write_mnist(ns.root, ns.train, ns.test))
    elif ns.cmd == "cifar":
        write_cifar(ns.root, ns.train or 50000, ns.test or 10000)
    else:
        return launch(ns.lib, ns.root, ns.script, ns.args, ns.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
