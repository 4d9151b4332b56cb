"""The ``numtorch`` command (also ``python -m numtorch``).

``numtorch run script.py [args...]`` and ``numtorch run -m module [args...]`` run an
unmodified PyTorch program with ``torch`` and ``torchvision`` resolving to numtorch,
as ``python`` would run it (NOTE [ The runner behaves like python ] in
``numtorch/cli/run.py``); ``numtorch --version`` prints numtorch's version.

``numtorch train``, ``numtorch evaluate`` and ``numtorch predict`` are the tool: each lives in
its own module (``numtorch/cli/train.py``...), exposing ``add_arguments(parser)`` and
``main(ns) -> int``, imported only when its command runs (start-up time).  A user's mistake
raises :class:`~numtorch.cli.errors.CLIError` there and is printed here as one line,
``numtorch <command>: error: <message>``, exit status 2, no traceback; a bad flag reads the
same.

The runner's own options end at the script (or at ``-m module``): everything after
it belongs to the script, ``--help`` included, as with ``python``.
"""

from __future__ import annotations

import importlib
import os
import sys

from numtorch.cli.errors import EXIT_USAGE, CLIError

__all__ = ["main", "build_parser", "build_run_parser", "build_command_parser"]

_RUN_DESCRIPTION = (
    "Run a PyTorch program unchanged, with `torch` and `torchvision` resolving to numtorch "
    "(in DataLoader workers and other multiprocessing children too). It runs as "
    "`python script.py args` or `python -m module args` would: same sys.argv, sys.path[0], "
    "__main__, exit codes and tracebacks; torch.__version__ is the PyTorch release whose API "
    "numtorch follows.")


def _version_line() -> str:
    import numtorch
    from numtorch import version

    return f"numtorch {numtorch.__version__} (PyTorch {version.__version__} API)"


def build_run_parser():
    """The ``argparse`` parser of ``numtorch run``'s own arguments (those before the script's)."""
    import argparse

    p = argparse.ArgumentParser(
        prog="numtorch run", description=_RUN_DESCRIPTION,
        usage="%(prog)s [-h] [--check] (script | -m module) [args ...]",
        epilog="Everything after the script (or after -m module) is passed to it unchanged, "
               "as its sys.argv[1:].")
    p.add_argument("-m", dest="module", metavar="module",
                   help="run a module (or a package's __main__) as a script, as `python -m module`")
    p.add_argument("script", nargs="?",
                   help="the script to run: a .py file, or a directory or zip file holding "
                        "__main__.py, as `python script`")
    p.add_argument("args", nargs="*", help="the script's arguments (its sys.argv[1:])")
    p.add_argument("--check", action="store_true",
                   help="do not run the script: list the torch and torchvision names it uses "
                        "and whether numtorch has each (exit status 0 when it has them all, "
                        "1 otherwise)")
    launch = p.add_argument_group(  # numtorch.distributed.run's options (_LAUNCH_OPTIONS)
        "distributed", "run the script on N processes through mpiexec, each with torchrun's "
        "environment, as `python -m numtorch.distributed.run` does")
    launch.add_argument("--nproc-per-node", "--nproc_per_node", metavar="N",
                        help="the number of processes per node (or auto: one per core)")
    launch.add_argument("--nnodes", metavar="N", help="the number of nodes (1; more need "
                        "--hostfile)")
    launch.add_argument("--master-addr", "--master_addr", metavar="ADDR", help="MASTER_ADDR")
    launch.add_argument("--master-port", "--master_port", metavar="PORT", help="MASTER_PORT")
    launch.add_argument("--hostfile", metavar="FILE", help="the machines, passed to mpiexec")
    return p


def build_parser():
    """The ``argparse`` parser of the ``numtorch`` command line (``run`` has its own,
    ``build_run_parser``)."""
    import argparse

    p = argparse.ArgumentParser(prog="numtorch", description="PyTorch's training stack on NumPy.")
    p.add_argument("--version", action="version", version=_version_line(),
                   help="print numtorch's version and exit")
    sub = p.add_subparsers(dest="command", metavar="command", required=True)
    sub.add_parser("run", add_help=False,
                   help="run a PyTorch script unchanged, with torch and torchvision as numtorch "
                        "(see `numtorch run --help`)")
    for name, text in _COMMANDS.items():
        sub.add_parser(name, add_help=False, help=f"{text} (see `numtorch {name} --help`)")
    return p


# the tool's commands, each in its own module, loaded when it runs
_COMMANDS = {
    "train": "train a classifier into a run folder (metrics, checkpoints, plots, TensorBoard)",
    "evaluate": "a checkpoint's accuracy, loss, per-class report and confusion matrix",
    "predict": "classify images or CSV rows with a checkpoint",
}


def _command_module(name: str):
    """The module of command ``name`` (imported here, on demand)."""
    return importlib.import_module(f"numtorch.cli.{name}")


def build_command_parser(name: str):
    """The ``argparse`` parser of ``numtorch train``, ``evaluate`` or ``predict``; its errors
    are one line, ``numtorch <command>: error: <message>`` (exit 2), like every other user
    mistake the tool reports."""
    import argparse

    class OneLineParser(argparse.ArgumentParser):
        def error(self, message: str):
            self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    p = OneLineParser(prog=f"numtorch {name}", description=_COMMANDS[name])
    _command_module(name).add_arguments(p)
    return p


def _command(name: str, argv: list[str]) -> int:
    ns = build_command_parser(name).parse_args(argv)
    try:
        return _command_module(name).main(ns)
    except CLIError as e:
        print(f"numtorch {name}: error: {e}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    except BrokenPipeError:  # `numtorch predict ... | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a command ended by a closed pipe


# numtorch.distributed.run's options that take a value (numtorch run delegates to it)
_LAUNCH_OPTIONS = ("--nproc-per-node", "--nproc_per_node", "--nnodes", "--node-rank",
                   "--node_rank", "--master-addr", "--master_addr", "--master-port",
                   "--master_port", "--hostfile")


# set by mpiexec in each process it starts (MPICH, Open MPI, MVAPICH, PMIx)
_MPI_RANK_VARIABLES = {"PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK", "PMIX_RANK"}


def _split_run_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """The runner's own arguments (up to the script or ``-m module``) and the script's."""
    skip = False
    for i, arg in enumerate(argv):
        if skip or arg in _LAUNCH_OPTIONS:  # a launcher option and its value
            skip = not skip
            continue
        if arg == "-m":
            return argv[:i + 2], argv[i + 2:]
        if arg.startswith("-m") and not arg.startswith("--"):
            return argv[:i + 1], argv[i + 1:]
        if arg == "--":
            return argv[:i + 2], argv[i + 2:]
        if not arg.startswith("-") or arg == "-":
            return argv[:i + 1], argv[i + 1:]
    return argv, []


def _parse_run_args(own: list[str]) -> tuple[str | None, str | None]:
    """(module, script) from the runner's own arguments; argparse only where it is needed
    (help, errors, unusual spellings), so that a plain ``run script.py`` starts faster."""
    if len(own) == 1 and not own[0].startswith("-"):
        return None, own[0]
    if len(own) == 2 and own[0] == "-m" and not own[1].startswith("-"):
        return own[1], None
    parser = build_run_parser()
    ns = parser.parse_args(own)
    if ns.module is None and ns.script is None:
        parser.error("the following arguments are required: script (or -m module)")
    return ns.module, ns.script


def _run(argv: list[str]) -> int:
    own, rest = _split_run_args(argv)
    launch = any(a.partition("=")[0] in _LAUNCH_OPTIONS for a in own)  # N processes, mpiexec
    dist_run = None
    if launch or os.environ.keys() & _MPI_RANK_VARIABLES:  # ... or one rank of such a run
        from numtorch.distributed import run as dist_run

        if launch:
            return dist_run.main([*own, *rest], prog="numtorch run")
    check = "--check" in own
    module, script = _parse_run_args([a for a in own if a != "--check"])
    if check:
        if module is not None:
            build_run_parser().error("--check takes a script, not -m module")
        from numtorch.cli import check as checker

        return checker.main(script)
    from numtorch import compat
    from numtorch.cli import run

    compat.install(mirror=True)
    if dist_run is not None:  # torchrun's environment; a failing rank ends the whole run
        if module is not None:
            return dist_run.run_rank(run.run_module, module, rest)
        return dist_run.run_rank(run.run_path, script, rest)
    if module is not None:
        return run.run_module(module, rest)
    return run.run_path(script, rest)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``numtorch`` and ``python -m numtorch``; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "run":
        return _run(argv[1:])
    if argv and argv[0] in _COMMANDS:
        return _command(argv[0], argv[1:])
    ns = build_parser().parse_args(argv)
    func = getattr(ns, "func", None)  # a subcommand's handler, where one sets it
    return func(ns) if func is not None else 0


if __name__ == "__main__":
    sys.exit(main())
