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
  workers' exit codes between slices, raising PyTorch's messages
  ("DataLoader worker (pid N) is killed by signal: Killed. ");
* ``timeout > 0`` bounds the wait for each batch.

Shutdown (end of the epoch, iterator garbage-collected, or interpreter exit) sets the
"done" event, sends every worker ``None``, joins them briefly and terminates any that are
still busy, then joins those too: no process is left behind, not even a zombie.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing as python_multiprocessing
import queue
import signal
import threading
import time
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

_live_iterators: weakref.WeakSet = weakref.WeakSet()
_live_lock = threading.Lock()
_python_exiting = False


def _shutdown_all_at_exit() -> None:
    """Registered with ``atexit``: stop every iterator's workers before the interpreter ends."""
    global _python_exiting
    with _live_lock:
        iterators = tuple(_live_iterators)
    for it in iterators:
        it._shutdown_workers()
    _python_exiting = True


atexit.register(_shutdown_all_at_exit)


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
        self._worker_result_queue = context.Queue()
        self._data_queue = self._worker_result_queue
        self._workers_done_event = context.Event()
        self._shutdown = False
        self._workers_status = [True] * self._num_workers
        self._index_queues = []
        self._workers = []
        for i in range(self._num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()
            w = context.Process(
                target=_worker_loop,
                args=(
                    self._dataset_kind,
                    self._dataset,
                    index_queue,
                    self._worker_result_queue,
                    self._workers_done_event,
                    self._auto_collation,
                    self._collate_fn,
                    self._drop_last,
                    self._base_seed,
                    self._worker_init_fn,
                    i,
                    self._num_workers,
                    self._persistent_workers,
                ),
                daemon=True,
            )
            self._index_queues.append(index_queue)
            self._workers.append(w)
            try:
                w.start()
            except BaseException:
                self._shutdown_workers()
                raise
        with _live_lock:
            _live_iterators.add(self)
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
            for q in self._index_queues:
                q.put(_ResumeIteration())
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
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_worker[self._send_idx] = worker_id
        self._workers_num_tasks[worker_id] += 1
        self._send_idx += 1

    # -- receiving -----------------------------------------------------------------------

    def _check_workers(self) -> None:
        """Raise if a worker has died (NOTE [ Multi-process loading ])."""
        for w in self._workers:
            message = _death_message(w)
            if message is not None:
                self._shutdown_workers()
                raise RuntimeError(message)
        gone = [w for i, w in enumerate(self._workers)
                if self._workers_status[i] and not w.is_alive()]
        if gone:
            self._shutdown_workers()
            pids = ", ".join(str(w.pid) for w in gone)
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")

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
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self) -> None:
        if _python_exiting or self._shutdown:
            return
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for worker_id, w in enumerate(self._workers):
                if w.pid is not None and (
                    self._persistent_workers or self._workers_status[worker_id]
                ):
                    self._mark_worker_as_unavailable(worker_id, shutdown=True)
            deadline = time.monotonic() + _JOIN_TIMEOUT
            for w in self._workers:
                if w.pid is not None:
                    w.join(timeout=max(deadline - time.monotonic(), 0.0))
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
        finally:
            for w in self._workers:
                if w.pid is not None and w.is_alive():
                    w.terminate()
                    w.join(timeout=_JOIN_TIMEOUT)
                    if w.is_alive():
                        w.kill()
                        w.join()
            self._worker_result_queue.cancel_join_thread()
            self._worker_result_queue.close()
            with _live_lock:
                _live_iterators.discard(self)

    def __del__(self) -> None:
        if getattr(self, "_workers", None) is not None and hasattr(self, "_shutdown"):
            self._shutdown_workers()
