"""What happens when a rank fails: every rank ends, with a message naming the failed one.

NOTE [ A failing rank ends the job ]
MPI peers of a rank that raised, exited early or died would otherwise wait forever in their
next collective.  Three mechanisms turn every such failure into a prompt, named end:

* an uncaught exception: ``init_process_group`` puts ``_excepthook`` in front of
  ``sys.excepthook``; it prints the traceback as usual, then ``rank R: uncaught <Error>;
  aborting all ranks`` and calls ``MPI_Abort``, which makes ``mpiexec`` end every process;
* a rank leaving with a non-zero exit code (``sys.exit(3)``) while the process group is alive:
  the launcher's child runner (``run.run_rank``) aborts the same way;
* a rank that dies (killed by a signal, ``os._exit``) or stops calling collectives: the
  others' next collective times out (NOTE [ Every wait has a deadline ] below)
  and aborts with ``rank R: collective X timed out after Ts``; ``mpiexec`` itself also ends
  the job when a process dies by a signal.

Each abort also writes its message to ``$NUMTORCH_DIST_FAULT_DIR/rank<R>.txt`` when the
launcher set that folder, so that the launcher can name the rank that failed first.

NOTE [ Every wait has a deadline ]
MPI's blocking calls (``MPI_Allreduce``, ``MPI_Wait``...) never return when a peer has died or
never arrives, so nothing here blocks inside MPI.  Every collective and point-to-point
operation is started with MPI's non-blocking form (``Iallreduce``, ``Ibcast``, ``Isend``...)
and then polled with ``Testall`` until it completes or its process group's timeout has
passed.  MPI moves data only while it is called (each test drives its progress engine, and
a large message travels in many pieces), so polling first tests back to back for 20 ms, as
MPI's own blocking calls spin; then it sleeps between tests, the pause growing to 1 ms, so
a rank that waits long (for a slower peer) leaves the CPU to the others, which matters on a
machine with fewer cores than ranks.  A deadline that passes means a peer is gone or stuck:
the rank prints ``rank R: collective X timed out after Ts`` and aborts the whole MPI job
(``faults.abort``), which ends every rank at once instead of leaving them hanging.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

from . import _mpi
from ._env import RANK_VARIABLES

__all__ = ["abort", "install_excepthook", "start_mpi", "wait", "write_record"]

FAULT_DIR_ENV = "NUMTORCH_DIST_FAULT_DIR"


def _rank() -> int:
    if _mpi.MPI is not None and _mpi.MPI.Is_initialized() and not _mpi.MPI.Is_finalized():
        return _mpi.MPI.COMM_WORLD.Get_rank()
    return int(os.environ.get("RANK", os.environ.get("PMI_RANK", "0")))


def write_record(message: str, replace: bool = True) -> None:
    """Write ``message`` to this rank's fault file, when the launcher asked for one (and,
    unless ``replace``, when the rank has not recorded a failure already)."""
    folder = os.environ.get(FAULT_DIR_ENV)
    if not folder:
        return
    if not replace and os.path.exists(os.path.join(folder, f"rank{_rank()}.txt")):
        return
    try:
        with open(os.path.join(folder, f"rank{_rank()}.txt"), "w") as f:
            f.write(f"{time.time():.6f} {message}\n")
    except OSError:
        pass


def abort(reason: str, code: int = 1):
    """Print ``rank R: reason``, record it, and end every rank of the MPI job (no return)."""
    print(f"numtorch.distributed: rank {_rank()}: {reason}", file=sys.stderr, flush=True)
    write_record(reason)
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001 - a closed stdout must not stop the abort
        pass
    time.sleep(0.25)  # let mpiexec forward this rank's last output before it ends the job
    MPI = _mpi.MPI
    if MPI is None and _in_mpi_job():
        # the peers may be inside MPI_Init, which waits for every rank: start MPI here too
        # (for a while), so that the abort below reaches them
        try:
            MPI = start_mpi(_ABORT_START_SECONDS, "aborting")
        except RuntimeError:
            MPI = None
    if MPI is not None and MPI.Is_initialized() and not MPI.Is_finalized():
        MPI.COMM_WORLD.Abort(code)
    os._exit(code)


_ABORT_START_SECONDS = 5.0


def start_mpi(timeout: float | None, what: str):
    """Start MPI (``mpi4py.MPI``), giving up after ``timeout`` seconds in an MPI job.

    MPI's start-up waits for every rank of the job.  A rank whose peers never come (one
    failed before starting MPI, or runs no distributed code) would wait forever: past the
    deadline it prints ``rank R: <what> timed out ...`` and exits with status 1.  Before
    starting, it ends at once if the launcher's fault folder shows that a rank has already
    failed (NOTE [ The launcher names the failed rank ] in ``run.py``).
    """
    if _mpi.MPI is not None:
        return _mpi.MPI
    failed = _failed_peers()
    if failed:
        _die(f"{what}: {failed}; not starting MPI")
    if timeout is None or not _in_mpi_job():
        return _mpi.load()
    # MPI_Init holds the interpreter (no Python thread runs meanwhile): the watchdog is a
    # forked process, told that MPI has started by the closing of a pipe
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _watch(read_end, write_end, timeout, f"{what} timed out after {_seconds(timeout)}s "
                                             f"while MPI started: a peer rank failed before it "
                                             f"started MPI, or never does")
    os.close(read_end)
    try:
        return _mpi.load()
    finally:
        os.close(write_end)
        os.waitpid(pid, 0)


def _watch(read_end: int, write_end: int, timeout: float, reason: str):
    """The watchdog process of ``start_mpi``: end the parent when the pipe stays open past
    ``timeout`` seconds."""
    try:
        os.close(write_end)
        ready, _, _ = select.select([read_end], [], [], timeout)
        if not ready:
            print(f"numtorch.distributed: rank {_rank()}: {reason}", file=sys.stderr,
                  flush=True)
            write_record(reason, replace=False)
            os.kill(os.getppid(), signal.SIGKILL)
    finally:
        os._exit(0)


def _die(reason: str):
    """Print ``rank R: reason``, record it and exit (MPI is not running: nothing to abort)."""
    print(f"numtorch.distributed: rank {_rank()}: {reason}", file=sys.stderr, flush=True)
    write_record(reason, replace=False)  # a rank's first failure is the one that counts
    os._exit(1)


def _failed_peers() -> str:
    """What the fault folder says about ranks that failed already ("" when none did)."""
    folder = os.environ.get(FAULT_DIR_ENV)
    if not folder or not os.path.isdir(folder):
        return ""
    me = f"rank{_rank()}.txt"
    for name in sorted(os.listdir(folder)):
        if name.startswith("rank") and name.endswith(".txt") and name != me:
            return f"{name[:-4].replace('rank', 'rank ')} failed already"
    return ""


def _in_mpi_job() -> bool:
    return any(name in os.environ for name in RANK_VARIABLES)


def _excepthook(exc_type, value, tb) -> None:
    _previous(exc_type, value, tb)
    if issubclass(exc_type, KeyboardInterrupt):
        return
    abort(f"uncaught {exc_type.__name__}: {value}; aborting all ranks")


_previous = sys.__excepthook__


def install_excepthook() -> None:
    """Make an uncaught exception end every rank (NOTE [ A failing rank ends the job ])."""
    global _previous
    if sys.excepthook is not _excepthook:
        _previous = sys.excepthook
        sys.excepthook = _excepthook


# -- waiting with a deadline ---------------------------------------------------------------

_SPIN_SECONDS = 0.02  # test without pausing this long (a large message needs many progress calls)


def wait(requests: list, timeout: float, what: str, statuses: list | None = None) -> None:
    """Wait until every MPI request in ``requests`` completes, at most ``timeout`` seconds,
    then abort the job (NOTE [ Every wait has a deadline ])."""
    testall = _mpi.MPI.Request.Testall
    if testall(requests, statuses):
        return
    now = time.monotonic()
    deadline, spin_until = now + timeout, now + _SPIN_SECONDS
    while time.monotonic() < spin_until:  # each test drives MPI's progress engine
        if testall(requests, statuses):
            return
    pause = 1e-5
    while not testall(requests, statuses):
        if time.monotonic() > deadline:
            abort(f"collective {what} timed out after {_seconds(timeout)}s (a peer rank "
                  f"failed, exited or did not call it)")
        time.sleep(pause)
        pause = min(pause * 2, 1e-3)


def _seconds(t: float) -> str:
    return f"{t:g}"
