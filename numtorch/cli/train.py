"""``numtorch train``: the guide's training loop as a command, with a run folder to keep.

The loop is the one every PyTorch tutorial writes -- a model ending in ``LogSoftmax``,
``NLLLoss``, an optimizer, a shuffling ``DataLoader`` over in-memory tensors -- written against
a backend module ``torch`` that is numtorch (the default) or real PyTorch (``--backend
torch``), so the same code runs on both and, with the same seed, prints the same losses.

Each epoch appends a row (train loss as the epoch's mean, validation loss and accuracy,
learning rate, seconds, samples/s) to ``metrics.csv``/``metrics.json`` and TensorBoard, and
writes ``last.pt`` (and ``best.pt`` when the validation accuracy improves).  The run folder's
layout and the checkpoint's keys are described in ``docs``' tool interface and in
:func:`checkpoint`.

NOTE [ Resuming gives the same weights ]
An interrupted run continued with ``--resume`` ends with weights bit-identical to a run that
was never interrupted.  Everything that decides the next update is saved and restored:

* the model's and the optimizer's state (momentum buffers, Adam's moments and step), the
  learning-rate scheduler's state;
* the position: the epoch and the number of batches done in it;
* the shuffling: the loader's generator state *at the start of the epoch*.  A DataLoader
  draws from its generator only when an epoch's iterator is created (a base seed, then the
  permutation), so restoring that state and creating the iterator again re-draws the very
  same permutation; the batches already done are then fetched and skipped;
* the global generator (``torch.get_rng_state()``) at the moment of the interruption, for
  anything in the model that draws (dropout);
* the epoch's partial sums (loss, samples, seconds), so its mean loss is the same too.

On SIGINT (Ctrl-C) or SIGTERM the current batch finishes, ``last.pt`` is written with that
position and the process exits with 130 or 143 (128 + the signal), as shells expect.  A
second signal stops at once without saving.  Every file is written atomically (a temporary
file beside the target, then ``os.replace``), so a kill at any moment leaves the previous
``last.pt`` intact.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import sys
import time

import numpy as np

import numtorch
from numtorch.cli import config as _config
from numtorch.cli import data as _data
from numtorch.cli import metrics as _metrics
from numtorch.cli import plots as _plots
from numtorch.cli.errors import CLIError
from numtorch.cli.models import build_model, format_parameter_table
from numtorch.cli.progress import Reporter, epoch_line
from numtorch.serialization._atomic import atomic_write

try:  # TensorBoard logs need the optional `tensorboard` package (NOTE in its module)
    from numtorch.utils.tensorboard import SummaryWriter
except ImportError as _e:
    SummaryWriter = None
    _NO_TENSORBOARD = str(_e).splitlines()[0] if str(_e) else type(_e).__name__

__all__ = ["add_arguments", "main", "FORMAT", "load_checkpoint", "DESCRIPTION"]

FORMAT = "numtorch-train/1"

DESCRIPTION = """\
Train a classifier and keep everything in a run folder. With no flags: the guide's
network (Linear -> Tanh -> Linear, LogSoftmax + NLLLoss, SGD) on the bundled 8x8
digits, offline, in a few seconds.

Settings come from the defaults, then --config FILE.toml, then the flags typed (the
last wins); the resolved configuration is printed and saved as RUN_DIR/config.json,
beside a table of the model's parameters. Ctrl-C (or SIGTERM) finishes the batch,
saves last.pt and exits (130 / 143); --resume RUN_DIR continues exactly where the
run stopped, to the same weights an uninterrupted run ends with.
"""

EPILOG = """\
run folder (--run-dir, default runs/<date>-<time>-<dataset>):
  config.json                the resolved configuration
  metrics.csv, metrics.json  one row per epoch: epoch, train_loss (epoch mean), val_loss,
                             val_accuracy, lr, seconds, samples_per_second
  last.pt, best.pt           checkpoints (PyTorch's file format; torch.load(...,
                             weights_only=True) reads them); best = highest val accuracy
  tensorboard/               event files: tensorboard --logdir RUN_DIR/tensorboard
  curves.png, confusion.png  loss/accuracy curves; the test (or val) confusion matrix
  results.json               the final weights' test (or val) loss and accuracy

examples:
  numtorch train
  numtorch train --hidden 128 64 --activation relu --optimizer adam --lr 1e-3
  numtorch train --dataset fashion-mnist --hidden 128 --epochs 20
  numtorch train --dataset csv:wine.csv --target class --epochs 50
  numtorch train --config experiment.toml --lr 0.05     (the flag beats the file)
  numtorch train --resume runs/20250101-120000-digits --epochs 30
"""

_RESULT_KEYS = ("epoch", "train_loss", "val_loss", "val_accuracy", "lr", "seconds",
                "samples_per_second")


def add_arguments(p) -> None:
    """``numtorch train``'s flags on the argparse parser ``p`` (each defaults to "not given",
    NOTE [ Where a setting comes from ] in ``numtorch/cli/config.py``)."""
    import argparse

    p.description = DESCRIPTION
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    d = _config.DEFAULTS

    g = p.add_argument_group("data")
    g.add_argument("--dataset", metavar="SPEC",
                   help="digits (bundled; default), fashion-mnist, mnist, cifar10, csv:PATH, "
                        "npz:PATH or folder:PATH (class sub-folders of images)")
    g.add_argument("--root", metavar="DIR",
                   help="where named datasets live or are downloaded to "
                        "(default ~/.cache/numtorch/datasets)")
    g.add_argument("--target", metavar="COLUMN",
                   help="the label column of a csv: dataset (default: the last column)")
    g.add_argument("--val-fraction", type=float, metavar="F",
                   help=f"share of the training set held out for validation, with a seeded "
                        f"random_split (default {d['val_fraction']}; 0: none)")

    g = p.add_argument_group("model (the parameters it creates are listed at the start)")
    g.add_argument("--model", choices=_config.CHOICES["model"],
                   help="mlp: Flatten -> [Linear -> activation]... -> Linear; cnn: "
                        "[Conv2d 3x3 -> activation -> MaxPool2d 2]... then the mlp head "
                        "(images only) (default mlp)")
    g.add_argument("--hidden", type=int, nargs="*", metavar="N",
                   help="hidden layer widths, any number (default 64; none: `--hidden` "
                        "alone gives a linear model)")
    g.add_argument("--activation", choices=_config.CHOICES["activation"],
                   help="activation after each hidden layer (default tanh; relu for cnn)")
    g.add_argument("--channels", type=int, nargs="+", metavar="C",
                   help="the cnn's convolution widths (default 16 32)")

    g = p.add_argument_group("optimization (hyperparameters)")
    g.add_argument("--optimizer", choices=_config.CHOICES["optimizer"],
                   help="SGD, Adam or AdamW (default sgd)")
    g.add_argument("--lr", type=float, metavar="LR",
                   help=f"learning rate (default {d['lr']})")
    g.add_argument("--momentum", type=float, metavar="M",
                   help="SGD momentum (default 0)")
    g.add_argument("--nesterov", action="store_true", default=None,
                   help="Nesterov momentum (SGD with --momentum > 0)")
    g.add_argument("--betas", type=float, nargs=2, metavar=("B1", "B2"),
                   help="Adam/AdamW moment decay rates (default 0.9 0.999)")
    g.add_argument("--weight-decay", type=float, metavar="WD",
                   help="L2 penalty (SGD, Adam) or decoupled decay (AdamW) (default 0; "
                        "AdamW 0.01)")
    g.add_argument("--scheduler", choices=_config.CHOICES["scheduler"],
                   help="learning-rate schedule, stepped once per epoch: step (StepLR: "
                        "x gamma every --step-size epochs), exponential (x gamma every "
                        "epoch), cosine (CosineAnnealingLR over --epochs down to --min-lr) "
                        "(default none)")
    g.add_argument("--step-size", type=int, metavar="N",
                   help=f"epochs between decays of --scheduler step (default {d['step_size']})")
    g.add_argument("--gamma", type=float, metavar="G",
                   help=f"decay factor of step/exponential (default {d['gamma']})")
    g.add_argument("--min-lr", type=float, metavar="LR",
                   help="final learning rate of cosine (default 0)")
    g.add_argument("--epochs", type=int, metavar="N",
                   help=f"passes over the training set (default {d['epochs']}; with --resume: "
                        "the total, so a finished run can be extended)")
    g.add_argument("--batch-size", type=int, metavar="N",
                   help=f"samples per mini-batch (default {d['batch_size']})")
    g.add_argument("--seed", type=int, metavar="S",
                   help=f"seeds the weights (torch.manual_seed), the shuffling and the "
                        f"validation split (default {d['seed']})")
    g.add_argument("--num-workers", type=int, metavar="N",
                   help="DataLoader worker processes (default 0: load in this process)")

    g = p.add_argument_group("run")
    g.add_argument("--config", metavar="FILE.toml",
                   help="read settings from a TOML file (same names as the flags); flags "
                        "typed override it; an unknown key is an error")
    g.add_argument("--run-dir", metavar="DIR",
                   help="the run folder (default runs/<date>-<time>-<dataset>); it must not "
                        "hold a run already")
    g.add_argument("--resume", metavar="RUN_DIR",
                   help="continue the run in RUN_DIR from its last.pt (model, optimizer, "
                        "scheduler, RNG and position in the epoch)")
    g.add_argument("--backend", choices=_config.CHOICES["backend"],
                   help="run the same training code on numtorch (default) or on real PyTorch")
    g.add_argument("-q", "--quiet", action="store_true",
                   help="print only one line per epoch and the final result")


def _flag_values(ns) -> dict:
    return {name: getattr(ns, name, None) for name in _config.SETTINGS}


def _backend(name: str):
    """The backend module: numtorch, or real PyTorch for ``--backend torch``."""
    if name == "numtorch":
        return numtorch
    try:
        import torch
    except ImportError:
        raise CLIError("--backend torch needs PyTorch installed (pip install torch)") from None
    if getattr(torch, "__name__", "") != "torch" or torch is numtorch:
        raise CLIError("--backend torch: `torch` resolves to numtorch here, not PyTorch")
    return torch


def _slug(spec: str) -> str:
    """A folder-name-safe short name of a dataset spec (``csv:/a/wine.csv`` -> ``wine``)."""
    kind, _, path = spec.partition(":")
    name = os.path.splitext(os.path.basename(path.rstrip("/\\")))[0] if path else kind
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name) or "data"


def _holds_run(folder: str) -> bool:
    names = ("config.json", "last.pt", "best.pt", "metrics.csv", "metrics.json")
    return any(os.path.exists(os.path.join(folder, n)) for n in names)


# -- checkpoints ---------------------------------------------------------------------------

def load_checkpoint(torch, path: str) -> dict:
    """Read a ``numtorch train`` checkpoint with ``weights_only=True``.

    Raises:
        CLIError: the file is missing, unreadable, corrupt, or not this format.
    """
    if not os.path.isfile(path):
        raise CLIError(f"checkpoint not found: {path}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # any failure to read is the file's fault: report it in one line
        raise CLIError(f"cannot read checkpoint {path}: corrupt, truncated or not a PyTorch "
                       f"checkpoint ({type(e).__name__})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CLIError(f"{path} is not a numtorch train checkpoint (format {FORMAT!r})")
    missing = [k for k in ("config", "data", "model", "optimizer", "epoch", "batch", "rng")
               if k not in ckpt]
    if missing:
        raise CLIError(f"checkpoint {path} is incomplete (missing {', '.join(missing)})")
    return ckpt


def _write_json(path: str, obj) -> None:
    with atomic_write(path) as fh:
        fh.write((json.dumps(obj, indent=2, allow_nan=True) + "\n").encode())


def _write_metrics(run_dir: str, history: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=_RESULT_KEYS, lineterminator="\n")
    w.writeheader()
    for row in history:
        w.writerow({k: ("" if row.get(k) is None else row[k]) for k in _RESULT_KEYS})
    with atomic_write(os.path.join(run_dir, "metrics.csv")) as fh:
        fh.write(buf.getvalue().encode())
    _write_json(os.path.join(run_dir, "metrics.json"), history)


class _Stop:
    """SIGINT/SIGTERM while training: remember the signal; the loop stops after the batch.
    A second signal stops at once (the previous handlers are put back and it is re-raised)."""

    def __init__(self) -> None:
        self.signum = None
        self._previous: dict = {}

    def __enter__(self):
        for s in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[s] = signal.signal(s, self._handle)
            except ValueError:  # not the main thread: no handlers, no graceful stop
                pass
        return self

    def _handle(self, signum, frame) -> None:
        if self.signum is not None:
            self.__exit__()
            signal.raise_signal(signum)
            return
        self.signum = signum

    def __exit__(self, *exc) -> None:
        for s, h in self._previous.items():
            signal.signal(s, h)
        self._previous = {}


class _Trainer:
    """One run: the backend, the data as tensors, the model, optimizer, scheduler, loader."""

    def __init__(self, cfg: dict, data, run_dir: str, reporter: Reporter) -> None:
        self.cfg, self.data, self.run_dir, self.rep = cfg, data, run_dir, reporter
        torch = self.torch = _backend(cfg["backend"])
        self.num_classes = len(data.classes)
        torch.manual_seed(cfg["seed"])
        self.model = build_model(torch, cfg["model"], data.input_shape, self.num_classes)
        self.loss_fn = torch.nn.NLLLoss()
        self.optimizer = self._optimizer()
        self.scheduler = self._scheduler()
        ds = torch.utils.data.TensorDataset(torch.from_numpy(data.train.x),
                                            torch.from_numpy(data.train.y))
        self.generator = torch.Generator().manual_seed(cfg["seed"])
        self.loader = torch.utils.data.DataLoader(
            ds, batch_size=cfg["batch_size"], shuffle=True, generator=self.generator,
            num_workers=cfg["num_workers"])
        self.history: list[dict] = []
        self.best = -math.inf
        self.start = (0, 0)            # (epoch, batches done in it)
        self.loader_state = None       # the generator's state at the start of `start[0]`
        self.partial = {"loss_sum": 0.0, "samples": 0, "seconds": 0.0}
        self.writer = None

    def _optimizer(self):
        c, optim = self.cfg, self.torch.optim
        params = self.model.parameters()
        if c["optimizer"] == "sgd":
            return optim.SGD(params, lr=c["lr"], momentum=c["momentum"],
                             weight_decay=c["weight_decay"], nesterov=c["nesterov"])
        cls = optim.Adam if c["optimizer"] == "adam" else optim.AdamW
        return cls(params, lr=c["lr"], betas=tuple(c["betas"]), weight_decay=c["weight_decay"])

    def _scheduler(self):
        c, sched = self.cfg, self.torch.optim.lr_scheduler
        if c["scheduler"] == "step":
            return sched.StepLR(self.optimizer, step_size=c["step_size"], gamma=c["gamma"])
        if c["scheduler"] == "exponential":
            return sched.ExponentialLR(self.optimizer, gamma=c["gamma"])
        if c["scheduler"] == "cosine":
            return sched.CosineAnnealingLR(self.optimizer, T_max=c["epochs"], eta_min=c["min_lr"])
        return None

    # -- checkpoints

    def checkpoint(self, epoch: int, batch: int, loader_state) -> dict:
        """The checkpoint dict: position ``(epoch, batch)`` (0-based epoch, batches done)."""
        torch = self.torch
        meta = dict(self.data.meta)
        meta["input_shape"] = list(self.data.input_shape)
        meta["num_classes"] = self.num_classes
        return {
            "format": FORMAT,
            "config": self.cfg,
            "data": meta,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "epoch": epoch,
            "batch": batch,
            "rng": {"torch": torch.get_rng_state(), "loader": loader_state},
            "history": self.history,
            "best_val_accuracy": None if self.best == -math.inf else self.best,
            "partial": dict(self.partial),
        }

    def save(self, name: str, ckpt: dict) -> None:
        with atomic_write(os.path.join(self.run_dir, name)) as fh:
            self.torch.save(ckpt, fh)

    def restore(self, ckpt: dict) -> None:
        """Continue from ``ckpt`` (NOTE [ Resuming gives the same weights ])."""
        path = os.path.join(self.run_dir, "last.pt")
        try:
            self.model.load_state_dict(ckpt["model"])
            self.optimizer.load_state_dict(ckpt["optimizer"])
            if self.scheduler is not None:
                self.scheduler.load_state_dict(ckpt["scheduler"])
            rng = ckpt["rng"]
            self.loader_state = rng["loader"]
            self.torch.set_rng_state(rng["torch"])
        except Exception as e:  # weights of another shape, a foreign state: the file's fault
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise CLIError(f"checkpoint {path} does not fit this run: {msg[:200]}") from None
        self.history = list(ckpt.get("history") or [])
        best = ckpt.get("best_val_accuracy")
        self.best = -math.inf if best is None else float(best)
        self.start = (int(ckpt["epoch"]), int(ckpt["batch"]))
        partial = ckpt.get("partial") or {}
        self.partial = {"loss_sum": float(partial.get("loss_sum", 0.0)),
                        "samples": int(partial.get("samples", 0)),
                        "seconds": float(partial.get("seconds", 0.0))}

    # -- evaluation

    def evaluate(self, split, chunk: int = 1024):
        """(mean loss, accuracy, predictions) of the model on ``split``, in eval mode."""
        torch = self.torch
        self.model.eval()
        loss_sum, preds = 0.0, []
        with torch.no_grad():
            for i in range(0, len(split), chunk):
                x = torch.from_numpy(split.x[i:i + chunk])
                y = torch.from_numpy(split.y[i:i + chunk])
                out = self.model(x)
                loss_sum += self.loss_fn(out, y).item() * len(y)
                preds.append(out.argmax(dim=1).numpy())
        self.model.train()
        pred = np.concatenate(preds) if preds else np.zeros(0, dtype=np.int64)
        n = max(len(split), 1)
        return loss_sum / n, float((pred == split.y).sum()) / n, pred

    # -- the loop

    def _tensorboard(self) -> None:
        if SummaryWriter is None:
            self.rep.note(f"note: no TensorBoard logs ({_NO_TENSORBOARD}; "
                          "pip install tensorboard)")
            return
        self.writer = SummaryWriter(os.path.join(self.run_dir, "tensorboard"))

    def _log(self, row: dict) -> None:
        if self.writer is None:
            return
        step = row["epoch"]
        for tag, key in (("loss/train", "train_loss"), ("loss/val", "val_loss"),
                         ("accuracy/val", "val_accuracy"), ("lr", "lr"),
                         ("throughput/samples_per_second", "samples_per_second")):
            if row.get(key) is not None:
                self.writer.add_scalar(tag, row[key], step)
        self.writer.flush()

    def fit(self) -> int | None:
        """Train from ``self.start`` to the last epoch; the exit status if a signal stopped it."""
        cfg, torch, rep = self.cfg, self.torch, self.rep
        epochs, model, opt = cfg["epochs"], self.model, self.optimizer
        nbatches = len(self.loader)
        self._tensorboard()
        with _Stop() as stop:
            first_epoch, skip = self.start
            for epoch in range(first_epoch, epochs):
                if epoch == first_epoch and self.loader_state is not None:
                    self.generator.set_state(self.loader_state)
                else:
                    skip = 0
                    self.partial = {"loss_sum": 0.0, "samples": 0, "seconds": 0.0}
                loader_state = self.generator.get_state()
                rng_after_skip = torch.get_rng_state() if skip else None
                lr = opt.param_groups[0]["lr"]
                t0 = time.perf_counter()
                it = iter(self.loader)
                for _ in range(skip):  # the same permutation: skip the batches already done
                    next(it)
                if rng_after_skip is not None:
                    torch.set_rng_state(rng_after_skip)
                done, p = skip, self.partial
                rep.start_epoch(epoch + 1, epochs, nbatches, done, p["loss_sum"], p["samples"])
                model.train()
                for x, y in (it if stop.signum is None else ()):
                    opt.zero_grad()
                    loss = self.loss_fn(model(x), y)
                    loss.backward()
                    opt.step()
                    n = len(y)
                    value = loss.item()
                    p["loss_sum"] += value * n
                    p["samples"] += n
                    done += 1
                    rep.batch(value, n)
                    if stop.signum is not None:
                        break
                if stop.signum is not None and done < nbatches:
                    rep.end_epoch()
                    p["seconds"] += time.perf_counter() - t0
                    return self._stopped(stop.signum, epoch, done, nbatches, loader_state)
                rep.end_epoch()
                p["seconds"] += time.perf_counter() - t0
                row = self._epoch_row(epoch, lr)
                self.history.append(row)
                if self.scheduler is not None:
                    self.scheduler.step()
                _write_metrics(self.run_dir, self.history)
                self._log(row)
                self.partial = {"loss_sum": 0.0, "samples": 0, "seconds": 0.0}
                score = row["val_accuracy"] if row["val_accuracy"] is not None \
                    else -row["train_loss"]
                ckpt = None
                if score > self.best:
                    self.best = score
                    ckpt = self.checkpoint(epoch + 1, 0, self.generator.get_state())
                    self.save("best.pt", ckpt)
                self.save("last.pt", ckpt or self.checkpoint(epoch + 1, 0,
                                                             self.generator.get_state()))
                rep.result(epoch_line(row, epochs))
                if stop.signum is not None and epoch + 1 < epochs:
                    return self._stopped(stop.signum, epoch + 1, 0, nbatches, None)
        return None

    def _epoch_row(self, epoch: int, lr: float) -> dict:
        p = self.partial
        val_loss = val_acc = None
        if self.data.val is not None and len(self.data.val):
            val_loss, val_acc, _ = self.evaluate(self.data.val)
        seconds = p["seconds"]
        return {"epoch": epoch + 1, "train_loss": p["loss_sum"] / max(p["samples"], 1),
                "val_loss": val_loss, "val_accuracy": val_acc, "lr": float(lr),
                "seconds": round(seconds, 4),
                "samples_per_second": round(p["samples"] / seconds, 1) if seconds > 0 else None}

    def _stopped(self, signum: int, epoch: int, done: int, nbatches: int, loader_state) -> int:
        """Save the position and say how to continue; the exit status 128 + signum."""
        if loader_state is None:
            loader_state = self.generator.get_state()
        self.save("last.pt", self.checkpoint(epoch, done, loader_state))
        if self.writer is not None:
            self.writer.close()
        name = signal.Signals(signum).name
        where = (f"epoch {epoch + 1}/{self.cfg['epochs']}, batch {done}/{nbatches}" if done
                 else f"before epoch {epoch + 1}/{self.cfg['epochs']}")
        print(f"numtorch train: stopped by {name} at {where}; saved "
              f"{os.path.join(self.run_dir, 'last.pt')}; continue with: numtorch train "
              f"--resume {self.run_dir}", file=sys.stderr, flush=True)
        return 128 + signum

    def finish(self) -> None:
        """The end of a run: the test split (or val), the plots, the TensorBoard file closed."""
        rep, data = self.rep, self.data
        if self.writer is not None:
            self.writer.close()
        split, name = (data.test, "test") if data.test is not None and len(data.test) else \
            (data.val, "val")
        parts = []
        if self.history and self.history[-1].get("val_accuracy") is not None:
            best = max(r["val_accuracy"] for r in self.history)
            parts.append(f"best val_acc {100 * best:.2f}%")
        cm = None
        if split is not None and len(split):
            loss, acc, pred = self.evaluate(split)
            parts.insert(0, f"{name}_loss {loss:.4f}  {name}_acc {100 * acc:.2f}%")
            cm = _metrics.confusion_matrix(split.y, pred, self.num_classes)
            _write_json(os.path.join(self.run_dir, "results.json"),
                        {"split": name, "loss": loss, "accuracy": acc,
                         "epochs": len(self.history)})
        rep.result(f"result: {'  '.join(parts)}  (final weights: {self.run_dir}/last.pt)")
        try:
            _plots.plot_curves(self.history, os.path.join(self.run_dir, "curves.png"))
            if cm is not None:
                _plots.plot_confusion(cm, list(data.classes),
                                      os.path.join(self.run_dir, "confusion.png"))
        except ImportError as e:
            rep.note(f"note: {str(e).splitlines()[0] if str(e) else 'no plots'}")


def _describe_data(data) -> str:
    parts = [f"{len(data.train):,} train"]
    if data.val is not None:
        parts.append(f"{len(data.val):,} val")
    if data.test is not None:
        parts.append(f"{len(data.test):,} test")
    return (f"data: {data.meta.get('spec')}: {' / '.join(parts)} samples, input "
            f"{tuple(data.input_shape)}, {len(data.classes)} classes")


def _format_config(cfg: dict) -> str:
    lines = ["configuration (hyperparameters):"]
    width = max(len(k) for k in cfg)
    for key, value in cfg.items():
        if key == "model":
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        lines.append(f"  {key:<{width}}  {value}")
    return "\n".join(lines)


def _resume_config(ns) -> tuple[dict, dict]:
    """The saved configuration with the flags a resumed run may change; the checkpoint."""
    run_dir = ns.resume
    if ns.config is not None:
        raise CLIError("--config cannot be used with --resume (the run's configuration is "
                       "saved in it)")
    if ns.run_dir is not None and os.path.abspath(ns.run_dir) != os.path.abspath(run_dir):
        raise CLIError("--run-dir cannot be used with --resume (the run continues in its "
                       "own folder)")
    if not os.path.isdir(run_dir):
        raise CLIError(f"cannot resume: no run folder {run_dir}")
    ckpt = load_checkpoint(numtorch, os.path.join(run_dir, "last.pt"))
    saved = ckpt["config"]
    if not isinstance(saved, dict) or "model" not in saved:
        raise CLIError(f"{run_dir}/last.pt holds no usable configuration")
    flat = _config.flatten(saved)
    flags = _flag_values(ns)
    given = _config.resolve(None, {k: v for k, v in flags.items() if v is not None})
    for name, value in flags.items():
        if value is None or name in _config.RESUME_OVERRIDABLE or name == "run_dir":
            continue
        now = _config.flatten(given)[name]
        if now != flat.get(name):
            raise CLIError(f"cannot change {name} when resuming (the run has "
                           f"{name}={flat.get(name)!r}); only "
                           f"{', '.join(_config.RESUME_OVERRIDABLE)} may change")
    overrides = {k: flags[k] for k in _config.RESUME_OVERRIDABLE if flags[k] is not None}
    flat.update(overrides)
    try:
        cfg = _config.resolve(None, flat)
    except CLIError as e:
        raise CLIError(f"{run_dir}/last.pt: {e}") from None
    cfg["run_dir"] = run_dir
    done = int(ckpt["epoch"]) if int(ckpt["batch"]) == 0 else int(ckpt["epoch"]) + 1
    if cfg["epochs"] < done or (cfg["epochs"] == done and int(ckpt["batch"]) == 0):
        raise CLIError(f"the run in {run_dir} has already trained {int(ckpt['epoch'])} "
                       f"epoch(s); pass --epochs N with N > {int(ckpt['epoch'])} to train on")
    if cfg["backend"] == "torch":
        ckpt = load_checkpoint(_backend("torch"), os.path.join(run_dir, "last.pt"))
    return cfg, ckpt


def _default_run_dir(dataset: str) -> str:
    """``runs/<date>-<time>-<dataset>``, with ``-2``, ``-3``... if that folder exists."""
    base = os.path.join("runs", f"{time.strftime('%Y%m%d-%H%M%S')}-{_slug(dataset)}")
    path, n = base, 1
    while os.path.exists(path):
        n += 1
        path = f"{base}-{n}"
    return path


def main(ns) -> int:
    """Run ``numtorch train`` with the parsed flags ``ns``; returns the exit status."""
    try:
        return _main(ns)
    except KeyboardInterrupt:  # Ctrl-C outside the training loop (loading data, plotting)
        print("numtorch train: interrupted", file=sys.stderr, flush=True)
        return 128 + signal.SIGINT


def _main(ns) -> int:
    rep = Reporter(quiet=bool(ns.quiet))
    ckpt = None
    if ns.resume is not None:
        cfg, ckpt = _resume_config(ns)
        run_dir = ns.resume
    else:
        file_values = _config.read_toml(ns.config) if ns.config is not None else None
        cfg = _config.resolve(file_values, _flag_values(ns), where=ns.config or "flags")
        run_dir = cfg["run_dir"] or _default_run_dir(cfg["dataset"])
        cfg["run_dir"] = run_dir
        if os.path.exists(run_dir) and not os.path.isdir(run_dir):
            raise CLIError(f"--run-dir {run_dir} exists and is not a folder")
        if os.path.isdir(run_dir) and _holds_run(run_dir):
            raise CLIError(f"{run_dir} already holds a run; continue it with --resume "
                           f"{run_dir}, or choose another --run-dir")
    _backend(cfg["backend"])  # fail before loading data when PyTorch is missing
    data = _data.load_data(cfg["dataset"], root=cfg["root"], val_fraction=cfg["val_fraction"],
                           seed=cfg["seed"], target=cfg["target"], progress=not ns.quiet)
    trainer = _Trainer(cfg, data, run_dir, rep)
    if ckpt is not None:
        trainer.restore(ckpt)
        rep.info(f"resuming {run_dir} at epoch {trainer.start[0] + 1}, batch "
                 f"{trainer.start[1]}/{len(trainer.loader)}")
    rep.info(_format_config(cfg))
    rep.info(format_parameter_table(trainer.model))
    rep.info(_describe_data(data))
    rep.info(f"run folder: {run_dir}")
    os.makedirs(run_dir, exist_ok=True)
    _write_json(os.path.join(run_dir, "config.json"), cfg)
    try:
        status = trainer.fit()
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once
        print(f"numtorch train: interrupted; {os.path.join(run_dir, 'last.pt')} holds the "
              f"last finished epoch (continue with: numtorch train --resume {run_dir})",
              file=sys.stderr, flush=True)
        return 128 + signal.SIGINT
    if status is not None:
        return status
    trainer.finish()
    return 0
