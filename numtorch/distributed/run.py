"""The launcher: ``python -m numtorch.distributed.run --nproc-per-node N script.py args``.

It is torchrun's command line on MPI: it runs ``mpiexec -n N python -m numtorch run
script.py args`` (``mpiexec`` from beside the running Python, as the ``mpich`` wheel
installs it, else from ``PATH``), so every process runs the script under numtorch's runner
(``import torch`` gives numtorch) with torchrun's environment (NOTE [ torchrun's variables
from MPI's ] in ``_env.py``).  ``numtorch run --nproc-per-node N script.py`` is the same
command, and ``mpiexec -n N python -m numtorch run script.py`` works without the launcher.

Options: ``--nproc-per-node``/``--nproc_per_node`` (a number, or ``auto``/``cpu``: one per
core), ``--nnodes`` (more than one needs ``--hostfile``, the machines MPI starts the
processes on; ``-ppn`` keeps N on each), ``--node-rank`` (accepted, MPI places the
processes), ``--master-addr``/``--master-port`` (exported as ``MASTER_ADDR``/``MASTER_PORT``),
``--hostfile``, ``--standalone`` (accepted); any other option before the script is
``numtorch run``'s and is passed on to it.

NOTE [ The launcher names the failed rank ]
When the run fails the launcher exits with a non-zero status and says which rank failed
first.  It gives every rank a fault folder (``NUMTORCH_DIST_FAULT_DIR``): a rank writes
``started-R`` when it starts and ``finished-R`` when its script returns; an abort (an
uncaught exception, a non-zero ``sys.exit``, a timeout: NOTE [ A failing rank ends the
job ] in ``faults.py``) writes ``rankR.txt`` with its message.  The first abort that is not a
timeout names the rank; failing that, a rank that started and never finished (killed by a
signal, ``os._exit``), preferring the one whose process id ``mpiexec`` reports; failing
that, the first timeout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

from . import _env, faults
from ._mpi import _MISSING
from .process_group import _state

__all__ = ["main", "find_mpiexec", "build_command", "run_rank"]

_VALUE_OPTIONS = {"--nproc-per-node": "nproc_per_node", "--nproc_per_node": "nproc_per_node",
                  "--nnodes": "nnodes", "--node-rank": "node_rank", "--node_rank": "node_rank",
                  "--master-addr": "master_addr", "--master_addr": "master_addr",
                  "--master-port": "master_port", "--master_port": "master_port",
                  "--hostfile": "hostfile"}
_FLAG_OPTIONS = {"--standalone": "standalone"}
LAUNCH_OPTIONS = tuple(_VALUE_OPTIONS) + tuple(_FLAG_OPTIONS)

_USAGE = ("usage: {prog} [-h] [--nproc-per-node N] [--nnodes 1] [--master-addr ADDR] "
          "[--master-port PORT] [--hostfile FILE] (script | -m module) [args ...]")


_HELP = """\
Run a PyTorch script on N processes started by mpiexec, each under numtorch's runner
(`import torch` gives numtorch) with torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE,
LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT).

options:
  --nproc-per-node N, --nproc_per_node N
                        processes per node: a number, or auto (one per core)
  --nnodes N            nodes (more than 1 needs --hostfile)
  --node-rank R         accepted; MPI places the processes
  --master-addr ADDR, --master-port PORT
                        exported as MASTER_ADDR and MASTER_PORT
  --hostfile FILE       the machines, passed to mpiexec
  --standalone          accepted (a single-node run)
Other options before the script are numtorch run's and are passed on to it.
When a rank fails, every rank ends and the exit status is non-zero, naming the rank."""


class _UsageError(Exception):
    pass


def _parse(argv: list[str]) -> tuple[dict, list[str], list[str]]:
    """(launcher options, ``numtorch run`` options, [script or -m module, *args])."""
    opts = {"nproc_per_node": "1", "nnodes": "1", "node_rank": "0", "master_addr": None,
            "master_port": None, "hostfile": None, "standalone": False, "help": False}
    passed: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if name in _VALUE_OPTIONS:
            if not eq:
                if i + 1 >= len(argv):
                    raise _UsageError(f"argument {name}: expected one argument")
                value = argv[i + 1]
                i += 1
            opts[_VALUE_OPTIONS[name]] = value
        elif arg in _FLAG_OPTIONS:
            opts[_FLAG_OPTIONS[arg]] = True
        elif arg in ("-h", "--help"):
            opts["help"] = True
        elif arg == "-m":
            return opts, passed, argv[i:]
        elif arg == "--":
            return opts, passed, argv[i + 1:]
        elif arg.startswith("-") and arg != "-":
            passed.append(arg)
        else:
            return opts, passed, argv[i:]
        i += 1
    return opts, passed, []


def _nproc(value: str) -> int:
    if value in ("auto", "cpu"):
        return os.cpu_count() or 1
    if value == "gpu":
        raise _UsageError("--nproc-per-node gpu: numtorch runs on the CPU (use a number, or "
                          "auto)")
    try:
        n = int(value)
    except ValueError:
        raise _UsageError(f"argument --nproc-per-node: invalid value: {value!r}") from None
    if n < 1:
        raise _UsageError(f"argument --nproc-per-node: must be at least 1, got {n}")
    return n


def _nnodes(value: str) -> int:
    low, _, high = value.partition(":")
    try:
        lo, hi = int(low), int(high or low)
    except ValueError:
        raise _UsageError(f"argument --nnodes: invalid value: {value!r}") from None
    if lo != hi:
        raise _UsageError("--nnodes MIN:MAX (elastic membership) is not supported: MPI runs "
                          "a fixed number of nodes")
    return lo


def find_mpiexec() -> str | None:
    """``mpiexec`` beside the running Python (the ``mpich`` wheel's), else on ``PATH``."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    return shutil.which("mpiexec")


def _flavour(mpiexec: str) -> str:
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return "openmpi" if "Open MPI" in out or "OpenRTE" in out else "hydra"


def build_command(mpiexec: str, nproc: int, nnodes: int, hostfile: str | None,
                  child: list[str], flavour: str = "hydra",
                  exported: tuple = ()) -> list[str]:
    """The ``mpiexec`` command line that starts ``nnodes * nproc`` processes of ``child``."""
    cmd = [mpiexec, "-n", str(nproc * nnodes)]
    if flavour == "openmpi":
        if hostfile:
            cmd += ["--hostfile", hostfile, "--map-by", f"ppr:{nproc}:node"]
        for name in exported:
            cmd += ["-x", name]
    elif hostfile:
        cmd += ["-hostfile", hostfile, "-ppn", str(nproc)]
    return cmd + child


def _forward(src, dst, tail: list, last: list) -> None:
    """Copy ``src`` to ``dst`` as it comes (keeping the last 64 KiB in ``tail`` and the last
    byte in ``last[0]``)."""
    fd = src.fileno()
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        last[0] = chunk[-1:]
        try:
            dst.write(chunk)
            dst.flush()
        except (OSError, ValueError):
            pass
        if tail is not None:
            tail.append(chunk)
            while sum(map(len, tail)) > 65536 and len(tail) > 1:
                tail.pop(0)


def _failed_rank(folder: str, output: str) -> str | None:
    """The sentence naming the rank that failed first (NOTE [ The launcher names the failed
    rank ]), or None when nothing is known."""
    records, started, finished = [], {}, set()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if name.startswith("rank") and name.endswith(".txt"):
            stamp, _, message = text.partition(" ")
            records.append((float(stamp), int(name[4:-4]), message))
        elif name.startswith("started-"):
            started[int(name[8:])] = text
        elif name.startswith("finished-"):
            finished.add(int(name[9:]))
    records.sort()
    errors = [r for r in records if "timed out after" not in r[2]]
    if errors:
        _, rank, message = errors[0]
        return f"rank {rank} failed: {message}"
    aborted = {r[1] for r in records}
    vanished = sorted(r for r in started if r not in finished and r not in aborted)
    pids = set(re.findall(r"PID (\d+)", output))
    codes = re.findall(r"EXIT CODE: (\d+)", output)
    named = [r for r in vanished if started[r] in pids]
    if named or vanished:
        rank = (named or vanished)[0]
        how = f" (exit code {codes[0]})" if codes else ""
        others = f"; ranks that did not finish: {vanished}" if len(vanished) > 1 else ""
        return (f"rank {rank} (pid {started[rank]}) ended without finishing its script"
                f"{how}: it was killed or exited early{others}")
    if records:
        _, rank, message = records[0]
        return f"rank {rank} failed: {message}"
    return None


def main(argv: list[str] | None = None, prog: str = "python -m numtorch.distributed.run") -> int:
    """Run the launcher with ``argv`` (``sys.argv[1:]`` when None); the run's exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    usage = _USAGE.format(prog=prog)
    try:
        opts, passed, target = _parse(argv)
        if opts["help"]:
            print(usage + "\n\n" + _HELP)
            return 0
        nproc = _nproc(opts["nproc_per_node"])
        nnodes = _nnodes(opts["nnodes"])
        if not target or target == ["-m"]:
            raise _UsageError("the following arguments are required: script (or -m module)")
        if nnodes > 1 and not opts["hostfile"]:
            raise _UsageError(f"--nnodes {nnodes} needs --hostfile: the machines on which "
                              f"mpiexec starts the processes, from this one")
    except _UsageError as e:
        print(f"{usage}\n{prog}: error: {e}", file=sys.stderr)
        return 2
    import importlib.util

    if importlib.util.find_spec("mpi4py") is None:
        print(f"{prog}: error: {_mpi_missing()}", file=sys.stderr)
        return 1
    mpiexec = find_mpiexec()
    if mpiexec is None:
        print(f"{prog}: error: mpiexec was found neither beside {sys.executable} nor on PATH: "
              f"install an MPI library (`pip install mpich`, part of numtorch[distributed])",
              file=sys.stderr)
        return 1
    folder = tempfile.mkdtemp(prefix="numtorch-dist-")
    env = dict(os.environ)
    env.update({"MASTER_ADDR": opts["master_addr"] or env.get("MASTER_ADDR", "127.0.0.1"),
                "MASTER_PORT": str(opts["master_port"] or env.get("MASTER_PORT", "29500")),
                "NUMTORCH_NPROC_PER_NODE": str(nproc), faults.FAULT_DIR_ENV: folder,
                "TORCHELASTIC_RUN_ID": env.get("TORCHELASTIC_RUN_ID", "none")})
    if nproc * nnodes > 1:
        env.setdefault("OMP_NUM_THREADS", "1")  # as torchrun: N processes share the cores
    exported = ("MASTER_ADDR", "MASTER_PORT", "NUMTORCH_NPROC_PER_NODE", faults.FAULT_DIR_ENV,
                "TORCHELASTIC_RUN_ID", "OMP_NUM_THREADS")
    flavour = _flavour(mpiexec) if opts["hostfile"] or nnodes > 1 else "hydra"
    child = [sys.executable, "-m", "numtorch", "run", *passed, *target]
    cmd = build_command(mpiexec, nproc, nnodes, opts["hostfile"], child, flavour, exported)
    try:
        return _launch(cmd, env, folder, prog)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _launch(cmd: list[str], env: dict, folder: str, prog: str) -> int:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tail: list[bytes] = []
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else sys.stdout
    err = sys.stderr.buffer if hasattr(sys.stderr, "buffer") else sys.stderr
    last_out, last_err = [b"\n"], [b"\n"]
    threads = [threading.Thread(target=_forward, args=(proc.stdout, out, tail, last_out),
                                daemon=True),
               threading.Thread(target=_forward, args=(proc.stderr, err, tail, last_err),
                                daemon=True)]
    for t in threads:
        t.start()
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        code = proc.wait()
    for t in threads:
        t.join(timeout=5)
    if code == 0:
        return 0
    if code < 0:
        code = 128 - code
    who = _failed_rank(folder, b"".join(tail).decode("utf-8", "replace"))
    sys.stdout.flush()
    newline = "" if last_err[0] == b"\n" else "\n"  # start a line of its own
    print(f"{newline}{prog}: the run failed (exit status {code})" + (f": {who}" if who else ""),
          file=sys.stderr, flush=True)
    return code


def _mpi_missing() -> str:
    return _MISSING


# -- the child's side ----------------------------------------------------------------------

def _mark(kind: str, rank: int) -> None:
    folder = os.environ.get(faults.FAULT_DIR_ENV)
    if folder:
        try:
            with open(os.path.join(folder, f"{kind}-{rank}"), "w") as f:
                f.write(str(os.getpid()))
        except OSError:
            pass


def run_rank(fn, *args):
    """Run ``fn(*args)`` (the runner's ``run_path``/``run_module``) as one rank of an MPI
    job: torchrun's environment first (NOTE [ torchrun's variables from MPI's ]); a script
    that leaves with a non-zero ``sys.exit`` while the process group is alive aborts every
    rank (NOTE [ A failing rank ends the job ]).  Outside an MPI job, just ``fn(*args)``."""
    if not _env.export_torchrun_env():
        return fn(*args)
    rank = int(os.environ["RANK"])
    _mark("started", rank)
    faults.install_excepthook()  # an exception before init_process_group ends the job too
    try:
        result = fn(*args)
    except SystemExit as e:
        code = e.code
        if code not in (None, 0) and _group_alive():
            if not isinstance(code, int):  # sys.exit("message") prints it, as Python does
                print(code, file=sys.stderr)
            faults.abort(f"exited with status {code} while the process group was alive; "
                         f"aborting all ranks", code if isinstance(code, int) else 1)
        if code in (None, 0):
            _mark("finished", rank)
        raise
    _mark("finished", rank)
    return result


def _group_alive() -> bool:
    return _state.default is not None and _state.default.size() > 1


if __name__ == "__main__":
    sys.exit(main())
