"""The multi-process DataLoader iterator: worker processes, in-order delivery, clean exits.

NOTE [ Multi-process loading ]
``num_workers`` processes each run ``worker._worker_loop`` (NOTE [ Worker protocol ]).
The main process keeps ``prefetch_factor * num_workers`` tasks in flight, handing them to
the workers round robin. Every task has a number; results come back in any order and
wait in ``_ready`` until their turn, so batches are delivered in sampler order (unless
``in_order=False``, which hands each batch over as it arrives).

Failures are reported where the user is, in the main process:

* an exception in a worker comes back wrapped and is raised again with its traceback;
* a worker that dies (killed by a signal, or exits) is noticed while waiting for a
  batch: the main process polls the result queue in short slices and checks the
  workers' exit codes between slices, raising PyTorch's pair of messages,
  "DataLoader worker (pid(s) N) exited unexpectedly" caused by
  "DataLoader worker (pid N) is killed by signal: Killed. " (or "... exited
  unexpectedly with exit code C. ...");
* ``timeout > 0`` bounds the wait for each batch.

Shutdown (end of the epoch, iterator garbage-collected, or interpreter exit) sets the
"done" event, sends every worker ``None``, joins them briefly and terminates any that are
still busy, then joins those too: no process is left behind, not even a zombie.

The processes and channels live in a ``_WorkerPool`` that the iterator owns, and the
pool's ``shutdown`` is a ``weakref.finalize`` callback on the iterator. That matters when
an iterator dies inside a reference cycle (one held by an exception's traceback, say):
the garbage collector may finalize the members of a cycle in any order, so an iterator's
``__del__`` could find its pipes and queues already closed. The finalizer holds the pool
alive until it has run, and also runs at interpreter exit. Keys travel to each worker over
its own one-way ``Pipe``, written synchronously, so the final ``None`` always arrives.
"""

from __future__ import annotations

import itertools
import multiprocessing as python_multiprocessing
import pickle
import queue
import signal
import time
import warnings
import weakref

from .dataloader import _BaseDataLoaderIter
from .worker import (
    ExceptionWrapper,
    _IterableDatasetStopIteration,
    _ResumeIteration,
    _worker_loop,
)

__all__: list[str] = []

_POLL_INTERVAL = 0.05
"""Seconds between checks of the workers' health while waiting for a batch."""

_JOIN_TIMEOUT = 1.0
"""Seconds a worker is given to exit on its own at shutdown before it is terminated."""


class _WorkerPool:
    """The processes and channels of one iterator, and how to stop them.

    Args:
        context: the multiprocessing context to start the workers with.
    """

    def __init__(self, context) -> None:
        self.context = context
        self.result_queue = context.Queue()
        self.done_event = context.Event()
        self.index_pipes = []  # the sending ends; each worker holds its receiving end
        self.workers = []

    def start(self, num_workers: int, worker_args) -> None:
        """Start the workers; ``worker_args(i, index_reader, result_queue, done_event)``
        gives the arguments of ``_worker_loop`` for worker ``i``."""
        for i in range(num_workers):
            index_reader, index_writer = self.context.Pipe(duplex=False)
            w = self.context.Process(
                target=_worker_loop,
                args=worker_args(i, index_reader, self.result_queue, self.done_event),
                daemon=True,
            )
            self.index_pipes.append(index_writer)
            self.workers.append(w)
            try:
                w.start()
            except (TypeError, AttributeError, pickle.PicklingError):
                warnings.warn(
                    "Got pickle error when attempting to start a worker Process. "
                    "This might be because the worker Process arguments are not picklable. "
                    "Python 3.14+ changed the multiprocessing start method in non-Mac POSIX "
                    "platforms to 'forkserver', which requires the worker Process arguments "
                    "to be picklable. You can also try multiprocessing.set_start_method('fork').",
                    stacklevel=5,
                )
                raise
            finally:
                index_reader.close()  # the worker has its own copy (or never started)

    def send(self, worker_id: int, message) -> None:
        """Send one message down a worker's index pipe (dropped if the worker is gone)."""
        try:
            self.index_pipes[worker_id].send(message)
        except OSError:
            pass

    def shutdown(self) -> None:
        """Ask every worker to exit, wait briefly, then terminate and reap the rest."""
        try:
            self.done_event.set()
            for worker_id, w in enumerate(self.workers):
                if w.pid is not None and w.exitcode is None:
                    self.send(worker_id, None)
            deadline = time.monotonic() + _JOIN_TIMEOUT
            for w in self.workers:
                if w.pid is not None:
                    w.join(timeout=max(deadline - time.monotonic(), 0.0))
        finally:
            for w in self.workers:
                if w.pid is not None and w.is_alive():
                    w.terminate()
                    w.join(timeout=_JOIN_TIMEOUT)
                    if w.is_alive():
                        w.kill()
                        w.join()
            for pipe in self.index_pipes:
                pipe.close()
            self.result_queue.cancel_join_thread()
            self.result_queue.close()


def _death_message(process) -> str | None:
    """PyTorch's message for a worker that has died abnormally, or ``None`` if it has not."""
    code = process.exitcode
    if code is None or code == 0:
        return None
    if code < 0:
        try:
            name = signal.strsignal(-code) or f"signal {-code}"
        except ValueError:
            name = f"signal {-code}"
        return f"DataLoader worker (pid {process.pid}) is killed by signal: {name}. "
    return (
        f"DataLoader worker (pid {process.pid}) exited unexpectedly with exit code {code}. "
        "Details are lost due to multiprocessing. Rerunning with num_workers=0 may give "
        "better error trace."
    )


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Iterates over the loader's batches, loaded by worker processes (see the module NOTE)."""

    def __init__(self, loader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise AssertionError(
                "prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter"
            )
        context = loader.multiprocessing_context or python_multiprocessing.get_context()
        self._worker_init_fn = loader.worker_init_fn
        self._shutdown = False
        self._workers_status = [True] * self._num_workers

        def worker_args(i, index_reader, result_queue, done_event):
            return (self._dataset_kind, self._dataset, index_reader, result_queue, done_event,
                    self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                    self._worker_init_fn, i, self._num_workers, self._persistent_workers)

        # The finalizer is armed before any worker starts, so a failed start cleans up too.
        self._pool = _WorkerPool(context)
        self._finalizer = weakref.finalize(self, self._pool.shutdown)
        try:
            self._pool.start(self._num_workers, worker_args)
        except BaseException:
            self._shutdown_workers()
            raise
        self._workers = self._pool.workers
        self._data_queue = self._pool.result_queue
        self._reset(loader, first_iter=True)

    # -- bookkeeping ---------------------------------------------------------------------

    def _reset(self, loader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0  # number of the next task to send
        self._rcvd_idx = 0  # number of the next task to deliver
        self._task_worker: dict[int, int] = {}  # sent, not yet received: task -> worker
        self._ready: dict[int, tuple] = {}  # received early: task -> (worker, data)
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # Persistent workers: start a new epoch and drop what is left of the last one.
            for worker_id in range(self._num_workers):
                self._pool.send(worker_id, _ResumeIteration())
            remaining = self._num_workers
            while remaining > 0:
                idx, _ = self._get_data()
                if isinstance(idx, _ResumeIteration):
                    remaining -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self) -> None:
        """Send the next batch of keys to the next worker that is still taking work."""
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if not self._workers_status[worker_id]:
                continue
            if self._in_order:
                break
            if self._workers_num_tasks[worker_id] < max_tasks // sum(self._workers_status):
                break
        else:
            return
        self._pool.send(worker_id, (self._send_idx, index))
        self._task_worker[self._send_idx] = worker_id
        self._workers_num_tasks[worker_id] += 1
        self._send_idx += 1

    # -- receiving -----------------------------------------------------------------------

    def _check_workers(self) -> None:
        """Raise if a worker has died (NOTE [ Multi-process loading ]).

        As in PyTorch, a worker still expected to answer that is gone gives
        "... (pid(s) N) exited unexpectedly", raised from the reason it died when it died
        abnormally; an abnormal death of any other worker is raised on its own.
        """
        failed = [w for i, w in enumerate(self._workers)
                  if self._workers_status[i] and not w.is_alive()]
        reason = next(filter(None, map(_death_message, self._workers)), None)  # after is_alive
        if not failed and reason is None:
            return
        self._shutdown_workers()
        cause = None if reason is None else RuntimeError(reason)
        if not failed:
            raise cause
        pids = ", ".join(str(w.pid) for w in failed)
        raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from cause

    def _get_data(self):
        """The next message from any worker, honouring ``timeout`` and worker deaths."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _POLL_INTERVAL
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0.0))
            try:
                return self._data_queue.get(timeout=wait)
            except queue.Empty:
                pass
            self._check_workers()
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _next_data(self):
        while True:
            # Skip tasks that will never be answered (their worker's stream ran dry) and
            # tasks already handed over out of order.
            while self._rcvd_idx < self._send_idx:
                task = self._rcvd_idx
                if task in self._ready:
                    break
                worker_id = self._task_worker.get(task)
                if worker_id is not None and self._workers_status[worker_id]:
                    break
                self._task_worker.pop(task, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if self._rcvd_idx in self._ready:
                worker_id, data = self._ready.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            idx, data = self._get_data()
            if isinstance(idx, _ResumeIteration):
                continue
            worker_id = self._task_worker.pop(idx)
            if isinstance(data, _IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx == self._rcvd_idx:
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            if not self._in_order:
                return self._process_data(data, worker_id)
            self._ready[idx] = (worker_id, data)

    def _process_data(self, data, worker_id: int):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # -- shutting down ---------------------------------------------------------------------

    def _mark_worker_as_unavailable(self, worker_id: int, shutdown: bool = False) -> None:
        """Tell one worker to exit (it has no more data, or we are shutting down)."""
        self._workers_status[worker_id] = False
        self._pool.send(worker_id, None)

    def _shutdown_workers(self) -> None:
        """Stop the workers now (done automatically when the iterator is collected)."""
        self._shutdown = True
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is not None:
            finalizer()
