"""What runs inside a DataLoader worker process, and what the main process learns from it.

NOTE [ Worker seeding ]
The main process draws one 64-bit ``base_seed`` per iterator (from the loader's generator,
or the global one). Worker ``i`` then seeds, before anything else runs in it:

* Python's ``random`` and numtorch's global generator with ``base_seed + i``;
* NumPy's legacy global ``np.random`` with four 32-bit words derived from
  ``(i, base_seed)`` by NumPy's own seed-sequence hash: entropy
  ``[i, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]``, a pool of four words.

Workers therefore never share a random stream, yet a run is reproducible from the
main process's seed, and PyTorch workers with the same ``base_seed`` get the same seeds.

NOTE [ Worker protocol ]
Each worker owns an *index pipe* (main -> worker) and all share one *result queue*
(worker -> main). The main process sends ``(task_id, keys)``; the worker answers
``(task_id, batch)`` where ``batch`` may be an ``ExceptionWrapper`` (re-raised in the main
process with the worker's traceback) or, for an iterable dataset that ran dry, an
``_IterableDatasetStopIteration``. ``None`` on the index pipe means "exit"; a
``_ResumeIteration`` (persistent workers) means "start a new epoch": the worker answers
it and rebuilds its fetcher. A worker whose parent has died exits on its own.
"""

from __future__ import annotations

import os
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from numtorch import random as _random

__all__ = ["WorkerInfo", "get_worker_info"]

MP_STATUS_CHECK_INTERVAL = 5.0
"""Seconds between checks that the other side of a queue is still alive."""

_worker_info: WorkerInfo | None = None


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """Information about the current DataLoader worker (what ``get_worker_info`` returns).

    Attributes:
        id: this worker's id, ``0 .. num_workers - 1``.
        num_workers: how many workers the iterator has.
        seed: the seed this worker's generators were given (``base_seed + id``).
        dataset: this process's copy of the dataset.
        rng: per-thread generator state (unused by process workers).
        worker_method: ``"multiprocessing"``.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: Any = None
    worker_method: str | None = "multiprocessing"


def get_worker_info() -> WorkerInfo | None:
    """The current worker's ``WorkerInfo``, or ``None`` in the main process.

    Use it in an ``IterableDataset.__iter__`` or a ``worker_init_fn`` to give each worker
    its own share of the data, or to seed other libraries with ``info.seed``.

    Example:
        >>> get_worker_info() is None  # in the main process
        True
    """
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of a new epoch (and echoed back)."""

    seed: int | None = None


class _KeyErrorMessage(str):
    """A message that stays readable as the argument of a ``KeyError`` (no quoting)."""

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process and raised there.

    The traceback is kept as text (tracebacks do not pickle). ``reraise`` raises the same
    exception type with a message that names where it happened and includes the
    worker's original traceback.

    Args:
        exc_info: a ``sys.exc_info()`` triple; by default, the exception being handled.
        where: where it happened, e.g. ``"in DataLoader worker process 0"``.
    """

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self) -> None:
        """Raise the wrapped exception, with the original traceback in its message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


def _generate_state(base_seed: int, worker_id: int) -> list[int]:
    """Four 32-bit words seeding NumPy in worker ``worker_id`` (NOTE [ Worker seeding ])."""
    mask32 = 0xFFFFFFFF
    entropy = [worker_id, base_seed & mask32, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy, pool_size=4).generate_state(4).tolist()


class _ManagerWatchdog:
    """Tells a worker whether the process that started it is still alive."""

    def __init__(self) -> None:
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self) -> bool:
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


def _worker_loop(
    dataset_kind: int,
    dataset,
    index_pipe,
    data_queue,
    done_event,
    auto_collation: bool,
    collate_fn,
    drop_last: bool,
    base_seed: int,
    init_fn,
    worker_id: int,
    num_workers: int,
    persistent_workers: bool,
) -> None:
    """The body of a worker process (NOTE [ Worker protocol ])."""

    from .fetch import _DatasetKind

    try:
        seed = base_seed + worker_id
        random.seed(seed)
        _random.manual_seed(seed)
        np.random.seed(_generate_state(base_seed, worker_id))

        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(
                dataset_kind, dataset, auto_collation, collate_fn, drop_last
            )
        except Exception:
            init_exception = ExceptionWrapper(where=where)

        iteration_end = False
        watchdog = _ManagerWatchdog()
        while watchdog.is_alive():
            try:
                if not index_pipe.poll(MP_STATUS_CHECK_INTERVAL):
                    continue
                r = index_pipe.recv()
            except (EOFError, OSError):  # the main process closed its end
                break
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(
                    dataset_kind, dataset, auto_collation, collate_fn, drop_last
                )
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data = init_exception
                init_exception = None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=where)
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
