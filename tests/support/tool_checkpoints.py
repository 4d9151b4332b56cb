"""Helpers (no tests) for the ``numtorch evaluate`` / ``predict`` tests: small datasets, a
checkpoint in the ``numtorch-train/1`` layout, and the same model rebuilt in real PyTorch.

The checkpoint is written here (not by ``numtorch train``) so that the evaluate and predict
tests depend only on the documented layout: ``{"format", "config", "data", "model", ...}``.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import numtorch

CLASSES = ["ant", "bee", "cat"]


def write_npz(path: str, *, images: bool = False, n_train: int = 120, n_test: int = 45,
              seed: int = 0) -> str:
    """Three Gaussian blobs: a table (N x 5 float) or 1 x 6 x 6 uint8 images; returns the spec."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 2.0, (len(CLASSES), 36 if images else 5))

    def draw(n):
        y = rng.integers(0, len(CLASSES), n)
        x = centres[y] + rng.normal(0.0, 1.5, (n, centres.shape[1]))
        if images:
            x = np.clip(128 + 30 * x, 0, 255).astype(np.uint8).reshape(n, 1, 6, 6)
        else:
            x = (x * 3.0 + 1.0).astype(np.float32)
        return x, y.astype(np.int64)

    x, y = draw(n_train)
    x_test, y_test = draw(n_test)
    np.savez(path, x=x, y=y, x_test=x_test, y_test=y_test, classes=np.array(CLASSES))
    return f"npz:{path}"


def make_checkpoint(path: str, spec: str, *, hidden: int = 7, val_fraction: float = 0.25,
                    seed: int = 0, steps: int = 25, lr: float = 0.3) -> dict:
    """Train the guide's MLP a few full-batch SGD steps on ``spec`` and save a checkpoint."""
    from numtorch.cli import data as D
    from numtorch.cli.models import build_model

    data = D.load_data(spec, val_fraction=val_fraction, seed=seed, progress=False)
    cfg = {"kind": "mlp", "hidden": [hidden], "activation": "tanh"}
    numtorch.manual_seed(seed)
    model = build_model(numtorch, cfg, data.input_shape, len(data.classes))
    opt = numtorch.optim.SGD(model.parameters(), lr=lr)
    x = numtorch.from_numpy(data.train.x)
    y = numtorch.from_numpy(data.train.y)
    for _ in range(steps):
        opt.zero_grad()
        loss = numtorch.nn.functional.nll_loss(model(x), y)
        loss.backward()
        opt.step()
    meta = dict(data.meta, input_shape=list(data.input_shape), num_classes=len(data.classes))
    ckpt = {"format": "numtorch-train/1",
            "config": {"model": cfg, "dataset": spec, "seed": seed, "val_fraction": val_fraction},
            "data": meta, "model": model.state_dict(), "optimizer": opt.state_dict(),
            "scheduler": None, "epoch": 0, "batch": 0, "rng": {}, "history": [],
            "best_val_accuracy": 0.0}
    numtorch.save(ckpt, path)
    return ckpt


def torch_model(torch, path: str):
    """The checkpoint's model in real PyTorch, built by hand (Flatten, Linear, Tanh, Linear,
    LogSoftmax) and loaded strictly from ``torch.load(path, weights_only=True)``."""
    ckpt = torch.load(path, weights_only=True)
    features = int(np.prod(ckpt["data"]["input_shape"]))
    hidden = ckpt["config"]["model"]["hidden"][0]
    k = ckpt["data"]["num_classes"]
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(features, hidden),
                                torch.nn.Tanh(), torch.nn.Linear(hidden, k),
                                torch.nn.LogSoftmax(dim=1))
    model.load_state_dict(ckpt["model"])
    return model.eval()


def torch_split(torch, npz_path: str, split: str, *, val_fraction: float = 0.25, seed: int = 0):
    """The split as the documented recipe makes it, computed independently with real PyTorch:
    ``random_split`` indices, ToTensor scaling of uint8 images, and per-column (tables) or
    per-channel (images) mean and population std of the training part (std 0 -> 1)."""
    z = np.load(npz_path)
    x, y = z["x"], z["y"]
    parts = torch.utils.data.random_split(range(len(y)), [1 - val_fraction, val_fraction],
                                          generator=torch.Generator().manual_seed(seed))
    train_idx, val_idx = (np.array(list(p), dtype=np.int64) for p in parts)
    xf = x.astype(np.float32) / 255 if x.dtype == np.uint8 else x.astype(np.float64)
    xt = xf[train_idx]
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    mean = xt.astype(np.float64).mean(axis=axes)
    std = xt.astype(np.float64).std(axis=axes)
    std[std == 0] = 1.0
    if split == "test":
        xs, ys = z["x_test"], z["y_test"]
        xs = xs.astype(np.float32) / 255 if xs.dtype == np.uint8 else xs.astype(np.float64)
    else:
        idx = train_idx if split == "train" else val_idx
        xs, ys = xf[idx], y[idx]
    if x.ndim == 4:
        mean, std = mean[:, None, None], std[:, None, None]
    xs = ((xs - mean) / std).astype(np.float32)
    return torch.from_numpy(xs), torch.from_numpy(ys.astype(np.int64))


def parse(module, argv: list[str]):
    """``module.main``'s namespace from ``argv``, through the module's own ``add_arguments``."""
    parser = argparse.ArgumentParser(prog="numtorch")
    module.add_arguments(parser)
    return parser.parse_args(argv)


def run_tool(module, argv: list[str], capsys) -> tuple[int, str, str]:
    """``module.main(parse(argv))``: (exit status, stdout, stderr)."""
    rc = module.main(parse(module, argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def tmp_names(folder: str) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith("."))
