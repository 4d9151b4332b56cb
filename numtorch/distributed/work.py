"""``Work``: the handle of an operation started with ``async_op=True`` (or ``isend``/``irecv``).

A ``Work`` holds the MPI requests of one operation and what must happen once they complete:
copying a scratch buffer back into a non-contiguous tensor, dividing by the group size for
``ReduceOp.AVG``.  As in PyTorch, the writes are not recorded by autograd and leave the
tensors' version counters unchanged.  ``wait()`` waits (up
to the process group's timeout, NOTE [ Every wait has a deadline ] in ``faults.py``) and runs
those steps; until then the output tensors may hold partial results, as in PyTorch.
"""

from __future__ import annotations

from . import _mpi, faults

__all__ = ["Work", "Future"]


class Work:
    """A distributed operation in flight: ``wait()``, ``is_completed()``, ``result()``."""

    def __init__(self, requests: list, finish=None, outputs=(), timeout: float = 1800.0,
                 what: str = "", status=None) -> None:
        self._requests = list(requests)
        self._finish = finish
        self._outputs = list(outputs)
        self._timeout = timeout
        self._what = what
        self._status = status
        self._done = False
        self._statuses = None

    def _complete(self) -> None:
        self._done = True
        self._requests = []
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout=None) -> bool:
        """Block until the operation has completed; ``True``.

        Args:
            timeout (datetime.timedelta, optional): how long to wait; the process group's
                timeout when not given.  Past it, every rank is aborted with a message naming
                this rank and the operation.
        """
        if not self._done:
            if self._requests:
                seconds = self._timeout if timeout is None else _as_seconds(timeout)
                faults.wait(self._requests, seconds, self._what, self._statuses)
            self._complete()
        return True

    def is_completed(self) -> bool:
        """Whether the operation has completed (checks without waiting)."""
        if not self._done and (not self._requests
                               or _mpi.MPI.Request.Testall(self._requests, self._statuses)):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """Whether the operation completed successfully (failures abort the job instead)."""
        return self.is_completed()

    def exception(self):
        """Always ``None``: a failed operation aborts every rank rather than raising."""
        return None

    def result(self) -> list:
        """The output tensors of the operation, after waiting for it."""
        self.wait()
        return list(self._outputs)

    def get_future(self) -> Future:
        """A ``Future`` completed with ``result()`` (the output tensors) when this work is."""
        return Future(self)

    def synchronize(self) -> None:
        """The same as ``wait()`` on the CPU."""
        self.wait()

    def source_rank(self) -> int:
        """For a receive from any source (``irecv`` without ``src``): the sender's rank."""
        self.wait()
        if self._status is None:
            raise RuntimeError("sourceRank() may only be called on recv or recvAnysource work")
        return self._status()

    def __repr__(self) -> str:
        return f"<numtorch.distributed.Work {self._what} completed={self._done}>"


def _as_seconds(timeout) -> float:
    return timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)


def completed(outputs=(), what: str = "") -> Work:
    """A ``Work`` that has already completed (an operation that needed no communication)."""
    w = Work([], outputs=(), what=what)
    w._done = True
    w._outputs = list(outputs)
    return w


class Future:
    """The value of a ``Work`` once it completes (``torch.futures.Future``'s core methods):
    ``wait()``/``value()`` give it, ``done()`` checks, ``then(fn)`` chains ``fn(future)``."""

    def __init__(self, work: Work | None = None, compute=None) -> None:
        self._work = work
        self._compute = compute  # for a chained future: () -> value
        self._has_value = False
        self._value = None

    def done(self) -> bool:
        return self._has_value or self._work is None or self._work.is_completed()

    def wait(self):
        if not self._has_value:
            self._value = self._compute() if self._compute is not None else self._work.result()
            self._has_value = True
        return self._value

    def value(self):
        return self.wait()

    def then(self, callback) -> Future:
        """A future of ``callback(self)``, computed when it is waited for."""
        return Future(self._work, lambda: callback(self._waited()))

    def _waited(self) -> Future:
        self.wait()
        return self
