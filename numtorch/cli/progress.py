"""What ``numtorch train`` shows while it works.

On a terminal (stderr a TTY, no ``--quiet``): a tqdm bar per epoch on stderr with the running
mean loss and the throughput (a plain-text bar when tqdm is not installed), then one line per
epoch on stdout.  Otherwise (a pipe, a file, a CI log, or ``--quiet``) only the one line per
epoch, so logs stay readable.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Reporter", "epoch_line"]


def epoch_line(row: dict, epochs: int) -> str:
    """One epoch's summary, e.g.
    ``epoch  3/20  train_loss 0.2101  val_loss 0.1920  val_acc 95.49%  lr 0.1  1.2s  950/s``."""
    width = len(str(epochs))
    parts = [f"epoch {row['epoch']:>{width}}/{epochs}", f"train_loss {row['train_loss']:.4f}"]
    if row.get("val_loss") is not None:
        parts.append(f"val_loss {row['val_loss']:.4f}")
        parts.append(f"val_acc {100 * row['val_accuracy']:.2f}%")
    parts.append(f"lr {row['lr']:.4g}")
    parts.append(f"{row['seconds']:.2f}s")
    parts.append(f"{row['samples_per_second']:,.0f} samples/s")
    return "  ".join(parts)


class _PlainBar:
    """A one-line text bar for a terminal without tqdm, redrawn at most ten times a second."""

    def __init__(self, total: int, desc: str, stream) -> None:
        self.total, self.desc, self.stream = total, desc, stream
        self.n, self.postfix, self._last = 0, "", 0.0

    def update(self, n: int) -> None:
        self.n += n
        now = time.monotonic()
        if now - self._last >= 0.1 or self.n >= self.total:
            self._last = now
            self.stream.write(f"\r{self.desc} {self.n}/{self.total} {self.postfix}\x1b[K")
            self.stream.flush()

    def set_postfix_str(self, s: str, refresh: bool = False) -> None:
        self.postfix = s

    def close(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()


class Reporter:
    """Prints the run's messages and draws the per-epoch bar.

    Args:
        quiet: only the epoch lines and the final result.
        out, err: the streams (stdout and stderr by default).
    """

    def __init__(self, quiet: bool = False, out=None, err=None) -> None:
        self.quiet = quiet
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        isatty = getattr(self.err, "isatty", None)
        self.bars = not quiet and bool(isatty and isatty())
        self._bar = None
        self._t0 = 0.0
        self._loss = 0.0
        self._seen = self._fresh = 0

    def info(self, text: str) -> None:
        """A message for a person watching (the configuration, notes); silent with --quiet."""
        if not self.quiet:
            print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        """A side remark on stderr (a skipped optional part); silent with --quiet."""
        if not self.quiet:
            print(text, file=self.err, flush=True)

    def result(self, text: str) -> None:
        """Epoch lines and the final result: always printed."""
        print(text, file=self.out, flush=True)

    # the per-epoch bar

    def start_epoch(self, epoch: int, epochs: int, total: int, done: int = 0,
                    loss_sum: float = 0.0, seen: int = 0) -> None:
        """Open the bar of ``epoch`` (1-based) with ``total`` batches, ``done`` already done."""
        self._t0, self._loss, self._seen, self._fresh = time.monotonic(), loss_sum, seen, 0
        if not self.bars:
            return
        desc = f"epoch {epoch}/{epochs}"
        try:
            from tqdm import tqdm
        except ImportError:
            self._bar = _PlainBar(total, desc, self.err)
            self._bar.update(done)
            return
        self._bar = tqdm(total=total, initial=done, desc=desc, unit="batch", leave=False,
                         file=self.err, dynamic_ncols=True)

    def batch(self, loss: float, size: int) -> None:
        """One batch done: its mean loss and its number of samples."""
        self._loss += loss * size
        self._seen += size
        self._fresh += size
        if self._bar is not None:
            elapsed = max(time.monotonic() - self._t0, 1e-9)
            self._bar.set_postfix_str(f"loss {self._loss / max(self._seen, 1):.4f}  "
                                      f"{self._fresh / elapsed:,.0f} samples/s", refresh=False)
            self._bar.update(1)

    def end_epoch(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
