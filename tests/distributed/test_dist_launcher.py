"""The launcher (python -m numtorch.distributed.run, numtorch run --nproc-per-node, plain
mpiexec): torchrun's environment in every rank, the script under numtorch's runner, its
command line, and its errors."""

from __future__ import annotations

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dist_support as support  # noqa: E402

from numtorch.cli import main as cli  # noqa: E402
from numtorch.distributed import _env
from numtorch.distributed import run as launcher

SCRIPT = os.path.join(support.HERE, "dist_rank_script.py")

needs_mpi = support.skip_without_mpi()


def _lines(stdout: str) -> list[dict]:
    return sorted((json.loads(x) for x in stdout.splitlines() if x.startswith("{")),
                  key=lambda d: d["rank"])


LAUNCHES = [
    ("module", lambda: [sys.executable, "-m", "numtorch.distributed.run", "--nproc-per-node",
                        "2", "--master-port", "29531", SCRIPT, "a", "--b"], 2, "29531"),
    ("numtorch run", lambda: [sys.executable, "-m", "numtorch", "run", "--nproc_per_node=3",
                              SCRIPT, "a", "--b"], 3, "29500"),
    ("mpiexec", lambda: [support.mpiexec(), "-n", "2", sys.executable, "-m", "numtorch", "run",
                         SCRIPT, "a", "--b"], 2, "29500"),
]


@needs_mpi
@pytest.mark.parametrize("name,cmd,n,port", LAUNCHES, ids=[x[0] for x in LAUNCHES])
def test_every_rank_gets_torchruns_environment(name, cmd, n, port):
    proc = support.run(cmd())
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = _lines(proc.stdout)
    assert [d["rank"] for d in ranks] == list(range(n))
    for r, d in enumerate(ranks):
        assert d["env"] == {"RANK": str(r), "LOCAL_RANK": str(r), "WORLD_SIZE": str(n),
                            "LOCAL_WORLD_SIZE": str(n), "GROUP_RANK": "0",
                            "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port,
                            "TORCHELASTIC_RUN_ID": "none"}
        assert d["argv"] == ["a", "--b"]
        assert d["size"] == n and d["sum"] == sum(range(n))
        assert d["torch_is_numtorch"] and d["launched"]


# -- the command line, without starting processes -------------------------------------------

@pytest.mark.parametrize("argv,own,rest", [
    (["--nproc-per-node", "2", "s.py", "-x"], ["--nproc-per-node", "2", "s.py"], ["-x"]),
    (["--nproc_per_node=2", "--check", "s.py"], ["--nproc_per_node=2", "--check", "s.py"], []),
    (["--master-port", "5", "-m", "pkg", "1"], ["--master-port", "5", "-m", "pkg"], ["1"]),
    (["s.py", "--nproc-per-node", "2"], ["s.py"], ["--nproc-per-node", "2"]),
])
def test_numtorch_run_splits_launcher_options(argv, own, rest):
    assert cli._split_run_args(argv) == (own, rest)


@pytest.mark.parametrize("argv,message", [
    ([], "required: script"),
    (["--nproc-per-node", "0", "s.py"], "must be at least 1"),
    (["--nproc-per-node", "two", "s.py"], "invalid value: 'two'"),
    (["--nnodes", "2", "s.py"], "needs --hostfile"),
    (["--nnodes", "1:4", "s.py"], "not supported"),
    (["--nproc-per-node"], "expected one argument"),
])
def test_usage_errors(capsys, argv, message):
    assert launcher.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("usage: python -m numtorch.distributed.run")


def test_help(capsys):
    assert launcher.main(["--help"]) == 0
    assert "--nproc-per-node" in capsys.readouterr().out


def test_missing_mpi_is_a_clear_error(capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mpi4py" else real(name, *a))
    assert launcher.main(["--nproc-per-node", "2", "s.py"]) == 1
    assert "pip install 'numtorch[distributed]'" in capsys.readouterr().err
    monkeypatch.setattr(importlib.util, "find_spec", real)
    monkeypatch.setattr(launcher, "find_mpiexec", lambda: None)
    if real("mpi4py") is not None:
        assert launcher.main(["--nproc-per-node", "2", "s.py"]) == 1
        assert "mpiexec was found neither" in capsys.readouterr().err


@pytest.mark.parametrize("flavour,hostfile,expected", [
    ("hydra", None, ["mpiexec", "-n", "4", "py", "s.py"]),
    ("hydra", "hosts", ["mpiexec", "-n", "8", "-hostfile", "hosts", "-ppn", "4", "py", "s.py"]),
    ("openmpi", "hosts", ["mpiexec", "-n", "8", "--hostfile", "hosts", "--map-by",
                          "ppr:4:node", "-x", "MASTER_ADDR", "py", "s.py"]),
])
def test_mpiexec_command(flavour, hostfile, expected):
    nnodes = 2 if hostfile else 1
    assert launcher.build_command("mpiexec", 4, nnodes, hostfile, ["py", "s.py"], flavour,
                                  ("MASTER_ADDR",)) == expected


@pytest.mark.parametrize("env,expected", [
    ({"PMI_RANK": "3", "PMI_SIZE": "4", "MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"},
     {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2",
      "GROUP_RANK": "1", "GROUP_WORLD_SIZE": "2"}),
    ({"OMPI_COMM_WORLD_RANK": "5", "OMPI_COMM_WORLD_SIZE": "6",
      "OMPI_COMM_WORLD_LOCAL_RANK": "2", "OMPI_COMM_WORLD_LOCAL_SIZE": "3"},
     {"RANK": "5", "WORLD_SIZE": "6", "LOCAL_RANK": "2", "LOCAL_WORLD_SIZE": "3",
      "GROUP_RANK": "1", "GROUP_WORLD_SIZE": "2"}),
    ({"PMI_RANK": "5", "PMI_SIZE": "8", "NUMTORCH_NPROC_PER_NODE": "4"},  # PMI alone
     {"RANK": "5", "WORLD_SIZE": "8", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "4",
      "GROUP_RANK": "1", "GROUP_WORLD_SIZE": "2"}),
])
def test_torchrun_environment_from_mpis(env, expected):
    env = dict(env, MASTER_PORT="1234")
    assert _env.export_torchrun_env(env)
    assert {k: env[k] for k in expected} == expected
    assert env["MASTER_PORT"] == "1234" and env["MASTER_ADDR"] == "127.0.0.1"
    assert env["ROLE_RANK"] == expected["RANK"]
    assert not _env.export_torchrun_env({"PATH": "/bin"})
