"""``numtorch evaluate CHECKPOINT``: a trained model's accuracy, loss and per-class metrics.

The model is rebuilt from the checkpoint's own configuration (``models.build_model``) and its
weights loaded; the split is loaded with ``data.load_split`` and normalised with the statistics
stored in the checkpoint (those of the training split), so the numbers are those the model
would see in training. Printed: accuracy, the mean NLL loss (the model ends in LogSoftmax, so
this is the cross-entropy), per-class precision / recall / F1 / support with the macro and
weighted averages (``numtorch.cli.metrics``), and the confusion matrix; ``--json`` prints the
same as one JSON object, ``--confusion PATH.png`` also draws the matrix.

This module also reads checkpoints for ``numtorch predict``: :func:`load_checkpoint` and
:func:`model_from_checkpoint` turn every way a file can be wrong (missing, corrupt, not a
``numtorch-train/1`` checkpoint, weights of another architecture) into a one-line
:class:`~numtorch.cli.errors.CLIError`.
"""

from __future__ import annotations

import json
import os
import sys

import numtorch
from numtorch.cli import data, metrics, models, plots
from numtorch.cli.errors import CLIError

__all__ = ["add_arguments", "main", "load_checkpoint", "model_from_checkpoint", "evaluate",
           "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "numtorch-train/1"


def add_arguments(parser) -> None:
    """Add ``numtorch evaluate``'s arguments to an ``argparse`` parser."""
    parser.add_argument("checkpoint", metavar="CHECKPOINT",
                        help="a checkpoint written by `numtorch train` (best.pt or last.pt), or "
                             "a run folder (its best.pt)")
    parser.add_argument("--dataset", metavar="SPEC", default=None,
                        help="the dataset to evaluate on (default: the one the model was "
                             "trained on); normalised with the checkpoint's statistics")
    parser.add_argument("--root", metavar="DIR", default=None,
                        help="where dataset files are found or downloaded to")
    parser.add_argument("--split", choices=("test", "val", "train"), default="test",
                        help="which split to evaluate (default: test)")
    parser.add_argument("--batch-size", metavar="N", type=int, default=256,
                        help="samples per forward pass (default: 256)")
    parser.add_argument("--json", action="store_true",
                        help="print the results as one JSON object")
    parser.add_argument("--confusion", metavar="PATH.png", default=None,
                        help="also draw the confusion matrix into this PNG file (matplotlib)")


# --------------------------------------------------------------------------- checkpoints

def _one_line(text: str, limit: int = 240) -> str:
    parts = [p.strip() for p in str(text).splitlines() if p.strip()]
    line = "; ".join(parts)
    return line if len(line) <= limit else line[:limit - 3] + "..."


def _refused_global(message: str) -> str | None:
    """The name in a weights-only refusal ("Unsupported global: GLOBAL mod.Name ..."), if any."""
    marker = "GLOBAL "
    i = message.find(marker)
    if i < 0:
        return None
    rest = message[i + len(marker):].split()
    return rest[0] if rest else None


def load_checkpoint(path: str) -> dict:
    """Load a ``numtorch train`` checkpoint with ``weights_only=True`` and check its layout.

    Args:
        path: a ``.pt`` file, or a run folder (then its ``best.pt``).

    Returns:
        The checkpoint dict in the layout ``numtorch train`` writes (``format``
        ``"numtorch-train/1"``, ``config`` with ``model``, ``data`` with ``input_shape`` and
        ``num_classes``, ``model`` the state_dict, ...).

    Raises:
        CLIError: the file is missing, unreadable, corrupt, refused by the weights-only
            loader, or not a complete ``numtorch-train/1`` checkpoint.
    """
    if os.path.isdir(path):
        best = os.path.join(path, "best.pt")
        if not os.path.isfile(best):
            raise CLIError(f"{path} is a folder without best.pt: name the checkpoint file")
        path = best
    if not os.path.exists(path):
        raise CLIError(f"checkpoint {path} does not exist")
    try:
        ckpt = numtorch.load(path, map_location="cpu", weights_only=True)
    except OSError as e:
        raise CLIError(f"cannot read checkpoint {path}: {e.strerror or e}") from None
    except Exception as e:  # any failure to unpickle means a bad file
        name = _refused_global(str(e))
        if name is not None:
            raise CLIError(f"{path} is not a numtorch-train checkpoint: it holds {name}, which "
                           f"a weights-only load refuses") from None
        raise CLIError(f"{path} is not a readable checkpoint (corrupt or truncated file?)") \
            from None
    _check_layout(ckpt, path)
    return ckpt


def _check_layout(ckpt, path: str) -> None:
    if not isinstance(ckpt, dict) or "format" not in ckpt:
        raise CLIError(f"{path} is not a numtorch-train checkpoint (it has no 'format' entry; "
                       f"`numtorch train` writes best.pt and last.pt)")
    fmt = ckpt["format"]
    if fmt != CHECKPOINT_FORMAT:
        raise CLIError(f"{path} has checkpoint format {fmt!r}; this numtorch reads "
                       f"{CHECKPOINT_FORMAT!r}")
    config, data = ckpt.get("config"), ckpt.get("data")
    problems = []
    if not isinstance(config, dict) or not isinstance(config.get("model"), dict):
        problems.append("config.model")
    if not isinstance(data, dict):
        problems.append("data")
    else:
        shape = data.get("input_shape")
        if not isinstance(shape, (list, tuple)) or not shape or \
                not all(isinstance(s, int) and s > 0 for s in shape):
            problems.append("data.input_shape")
        k = data.get("num_classes")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            problems.append("data.num_classes")
    if not isinstance(ckpt.get("model"), dict):
        problems.append("model")
    if problems:
        raise CLIError(f"{path} is an incomplete numtorch-train checkpoint (missing or invalid: "
                       f"{', '.join(problems)})")


def class_names(ckpt: dict) -> list[str]:
    """The checkpoint's class names (``data.classes``), or ``"0"``, ``"1"``, ... without them."""
    data = ckpt["data"]
    k = data["num_classes"]
    names = data.get("classes")
    if isinstance(names, (list, tuple)) and len(names) == k:
        return [str(n) for n in names]
    return [str(i) for i in range(k)]


def model_from_checkpoint(ckpt: dict, path: str, torch=None):
    """Rebuild the checkpoint's model (``models.build_model``) and load its weights, in eval mode.

    Args:
        ckpt: a checkpoint as :func:`load_checkpoint` returns.
        path: the checkpoint's path (for messages).
        torch: the backend module (default numtorch).

    Raises:
        CLIError: the configuration does not describe a model, or the weights do not fit it.
    """
    if torch is None:
        torch = numtorch

    data = ckpt["data"]
    try:
        model = models.build_model(torch, ckpt["config"]["model"], tuple(data["input_shape"]),
                                   data["num_classes"])
    except CLIError as e:
        raise CLIError(f"{path}: {e}") from None
    except (ValueError, TypeError, KeyError) as e:
        raise CLIError(f"{path}: its model configuration does not describe a model: "
                       f"{_one_line(e)}") from None
    try:
        model.load_state_dict(ckpt["model"])
    except (RuntimeError, KeyError, TypeError, ValueError, AttributeError) as e:
        lines = [line.strip() for line in str(e).splitlines()[1:] if line.strip()]
        lines = lines or [str(e)]
        more = f"; and {len(lines) - 1} more" if len(lines) > 1 else ""
        detail = _one_line(lines[0].rstrip(". ")) + more
        raise CLIError(f"the weights in {path} do not fit the model its configuration "
                       f"describes ({detail})") from None
    model.eval()
    return model


def check_inputs(x, ckpt: dict, what: str) -> None:
    """CLIError where samples ``x`` (N, ...) do not have the model's input shape."""
    shape = tuple(ckpt["data"]["input_shape"])
    if tuple(x.shape[1:]) != shape:
        raise CLIError(f"{what} has samples of shape {tuple(x.shape[1:])}, but the model takes "
                       f"{shape}")


# --------------------------------------------------------------------------- evaluation

def evaluate(model, x, y, batch_size: int = 256, torch=None) -> dict:
    """Run ``model`` (ending in LogSoftmax) over ``x`` in batches.

    Returns:
        ``{"loss": mean NLL, "accuracy": float, "correct": int, "samples": int,
        "predictions": int64 array (N,)}``.
    """
    import numpy as np

    if torch is None:
        torch = numtorch
    n = int(x.shape[0])
    preds = np.empty(n, dtype=np.int64)
    total = 0.0
    with torch.no_grad():
        for start in range(0, n, batch_size):
            xb = torch.from_numpy(np.ascontiguousarray(x[start:start + batch_size]))
            yb = torch.from_numpy(np.ascontiguousarray(y[start:start + batch_size], np.int64))
            out = model(xb)
            total += float(torch.nn.functional.nll_loss(out, yb, reduction="sum").item())
            preds[start:start + batch_size] = out.argmax(dim=1).numpy()
    correct = int((preds == y).sum())
    return {"loss": total / n if n else float("nan"), "accuracy": correct / n if n else 0.0,
            "correct": correct, "samples": n, "predictions": preds}


def _note(message: str) -> None:
    print(f"numtorch evaluate: note: {message}", file=sys.stderr)


def main(ns) -> int:
    """Run ``numtorch evaluate`` with parsed arguments ``ns``; returns the exit status (0)."""
    import numpy as np

    if ns.batch_size < 1:
        raise CLIError(f"--batch-size must be a positive integer, got {ns.batch_size}")
    if ns.confusion is not None:
        folder = os.path.dirname(os.path.abspath(ns.confusion))
        if not os.path.isdir(folder):
            raise CLIError(f"--confusion: folder {folder} does not exist")
        if os.path.isdir(ns.confusion):
            raise CLIError(f"--confusion: {ns.confusion} is a folder, not a .png file")
    ckpt = load_checkpoint(ns.checkpoint)
    model = model_from_checkpoint(ckpt, ns.checkpoint)
    meta = ckpt["data"]
    spec = ns.dataset if ns.dataset is not None else meta.get("spec")
    split = data.load_split(meta, spec, root=ns.root, split=ns.split)
    x = np.asarray(split.x, dtype=np.float32)
    y = np.asarray(split.y, dtype=np.int64)
    what = f"the {ns.split} split of {spec}"
    if x.shape[0] == 0:
        raise CLIError(f"{what} is empty")
    check_inputs(x, ckpt, what)
    k = meta["num_classes"]
    if y.min() < 0 or y.max() >= k:
        raise CLIError(f"{what} has class index {int(y.max() if y.max() >= k else y.min())}, "
                       f"but the model knows {k} classes")
    classes = class_names(ckpt)
    result = evaluate(model, x, y, ns.batch_size)
    cm = metrics.confusion_matrix(y, result["predictions"], k)
    report = metrics.classification_report(cm, classes)

    if ns.json:
        print(json.dumps({"checkpoint": ns.checkpoint, "dataset": spec, "split": ns.split,
                          "samples": result["samples"], "accuracy": result["accuracy"],
                          "correct": result["correct"], "loss": result["loss"],
                          "classes": classes, "report": report,
                          "confusion_matrix": cm.tolist()}, indent=2))
    else:
        print(f"checkpoint  {ns.checkpoint}")
        print(f"dataset     {spec} ({ns.split} split, {result['samples']} samples)")
        print(f"accuracy    {result['accuracy']:.4f} ({result['correct']}/{result['samples']})")
        print(f"loss        {result['loss']:.4f} (mean NLL)")
        print()
        print(metrics.format_report(report))
        print()
        print("confusion matrix (rows: true class, columns: predicted class)")
        print(metrics.format_confusion(cm, classes))
    if ns.confusion is not None:
        try:
            plots.plot_confusion(cm, classes, ns.confusion)
        except ImportError as e:
            _note(str(e))
        except (OSError, RuntimeError) as e:
            raise CLIError(f"--confusion: cannot write {ns.confusion}: "
                           f"{getattr(e, 'strerror', None) or _one_line(e)}") from None
        else:
            if not ns.json:
                print(f"\nconfusion matrix drawn in {ns.confusion}")
    return 0
