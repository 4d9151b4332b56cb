"""``numtorch predict CHECKPOINT INPUT...``: a trained model's class for new images or CSV rows.

Each input is an image file (one sample) or a CSV file (one sample per row); both are
prepared as in training (``data.prepare_inputs``: the checkpoint's image size and mode, or
its columns, then its normalisation). The model ends in LogSoftmax, so the class
probabilities are its output's Softmax, :math:`p_c = e^{z_c} / \\sum_j e^{z_j}` (for
log-probabilities ``z`` this is ``exp(z)`` renormalised). Printed per sample: the predicted
class and the ``--top-k`` most probable classes with their probabilities; ``--json`` prints a
JSON array with one object per sample::

    [{"input": "seven.png", "class": "7", "index": 7,
      "probabilities": {"7": 0.981, "1": 0.012, "9": 0.004}}, ...]

where ``probabilities`` holds the top ``k`` classes, most probable first.
"""

from __future__ import annotations

import json

import numtorch
from numtorch.cli import data
from numtorch.cli.errors import CLIError
from numtorch.cli.evaluate import (
    check_inputs,
    class_names,
    load_checkpoint,
    model_from_checkpoint,
)

__all__ = ["add_arguments", "main", "predict"]


def add_arguments(parser) -> None:
    """Add ``numtorch predict``'s arguments to an ``argparse`` parser."""
    parser.add_argument("checkpoint", metavar="CHECKPOINT",
                        help="a checkpoint written by `numtorch train` (best.pt or last.pt), or "
                             "a run folder (its best.pt)")
    parser.add_argument("inputs", metavar="INPUT", nargs="+",
                        help="image files (one sample each) or CSV files (one sample per row)")
    parser.add_argument("--top-k", metavar="K", type=int, default=3,
                        help="how many of the most probable classes to show (default: 3)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON array, one object per sample")


def predict(model, x, batch_size: int = 256, torch=None):
    """Class probabilities (float64 array ``(N, K)``) of ``model`` (ending in LogSoftmax)."""
    import numpy as np

    if torch is None:
        torch = numtorch
    chunks = []
    with torch.no_grad():
        for start in range(0, int(x.shape[0]), batch_size):
            xb = torch.from_numpy(np.ascontiguousarray(x[start:start + batch_size]))
            chunks.append(torch.nn.functional.softmax(model(xb), dim=1).numpy())
    return np.concatenate(chunks).astype(np.float64) if chunks else np.zeros((0, 0))


def main(ns) -> int:
    """Run ``numtorch predict`` with parsed arguments ``ns``; returns the exit status (0)."""
    import numpy as np

    if ns.top_k < 1:
        raise CLIError(f"--top-k must be at least 1, got {ns.top_k}")
    ckpt = load_checkpoint(ns.checkpoint)
    model = model_from_checkpoint(ckpt, ns.checkpoint)
    x, labels = data.prepare_inputs(ckpt["data"], list(ns.inputs))
    x = np.asarray(x, dtype=np.float32)
    if x.shape[0] == 0:
        raise CLIError("the inputs hold no samples")
    check_inputs(x, ckpt, "the input")
    classes = class_names(ckpt)
    probs = predict(model, x)
    k = min(ns.top_k, len(classes))
    results = []
    for label, p in zip(labels, probs):
        order = np.argsort(-p, kind="stable")[:k]
        best = int(np.argmax(p))
        results.append({"input": label, "class": classes[best], "index": best,
                        "probabilities": {classes[int(j)]: float(p[j]) for j in order}})
    if ns.json:
        print("[" + ",\n ".join(json.dumps(r) for r in results) + "]")
        return 0
    width = max(len(r["input"]) for r in results)
    for r in results:
        top = ", ".join(f"{c} {p:.4f}" for c, p in r["probabilities"].items())
        line = f"{r['input'].ljust(width)}  {r['class']}  (p={r['probabilities'][r['class']]:.4f})"
        print(f"{line}   top-{k}: {top}" if k > 1 else line)
    return 0
