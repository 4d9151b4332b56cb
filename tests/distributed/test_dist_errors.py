"""numtorch.distributed's errors against real PyTorch's: before init_process_group (in this
process, no MPI needed) and after it (dist_error_cases.py, one process with both libraries
initialised, gloo for PyTorch)."""

from __future__ import annotations

import json
import os
import socket
import sys
import warnings

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dist_support as support  # noqa: E402
from conftest import assert_same_error  # noqa: E402

torch = pytest.importorskip("torch")
tdist = pytest.importorskip("torch.distributed")

import numtorch  # noqa: E402
import numtorch.distributed as ndist  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_NOT_INIT = [
    ("get_rank", lambda d, T: d.get_rank()),
    ("get_world_size", lambda d, T: d.get_world_size()),
    ("get_backend", lambda d, T: d.get_backend()),
    ("all_reduce", lambda d, T: d.all_reduce(T.ones(2))),
    ("all_reduce async", lambda d, T: d.all_reduce(T.ones(2), async_op=True)),
    ("broadcast", lambda d, T: d.broadcast(T.ones(2), src=0)),
    ("barrier", lambda d, T: d.barrier()),
    ("all_gather", lambda d, T: d.all_gather([T.ones(2)], T.ones(2))),
    ("send", lambda d, T: d.send(T.ones(2), 1)),
    ("new_group", lambda d, T: d.new_group([0])),
    ("broadcast_object_list", lambda d, T: d.broadcast_object_list([1])),
    ("all_gather_object", lambda d, T: d.all_gather_object([None], 1)),
    ("destroy_process_group", lambda d, T: d.destroy_process_group()),
    ("unknown backend", lambda d, T: d.init_process_group(
        "foo", rank=0, world_size=1, init_method=f"tcp://127.0.0.1:{_free_port()}")),
]


@pytest.mark.parametrize("name,call", _NOT_INIT, ids=[n for n, _ in _NOT_INIT])
def test_errors_before_init(name, call):
    assert not tdist.is_initialized() and not ndist.is_initialized()
    assert_same_error(lambda: call(tdist, torch), lambda: call(ndist, numtorch))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_nccl_needs_cuda():
    with pytest.raises(RuntimeError) as texc:
        tdist.init_process_group("nccl", rank=0, world_size=1,
                                 init_method=f"tcp://127.0.0.1:{_free_port()}")
    with pytest.raises(RuntimeError) as nexc:
        ndist.init_process_group("nccl")
    assert str(nexc.value).startswith(str(texc.value))
    assert "gloo" in str(nexc.value) and not ndist.is_initialized()


def test_names_as_pytorch():
    assert repr(ndist.ReduceOp.SUM) == repr(tdist.ReduceOp.SUM)
    assert ([(k, v.value) for k, v in ndist.ReduceOp.RedOpType.__members__.items()]
            == [(k, v.value) for k, v in tdist.ReduceOp.RedOpType.__members__.items()])
    for name in ("GLOO", "gloo", "MPI", "nccl", "custom"):
        assert ndist.Backend(name) == tdist.Backend(name)
    assert ndist.GroupMember.NON_GROUP_MEMBER == tdist.GroupMember.NON_GROUP_MEMBER
    assert ndist.group.WORLD is None and ndist.GroupMember.WORLD is None
    assert ndist.default_pg_timeout == tdist.default_pg_timeout
    assert not ndist.is_initialized()
    assert ndist.is_nccl_available() is False
    missing = [n for n in ("init_process_group", "all_reduce", "reduce_scatter_tensor",
                           "all_to_all_single", "batch_isend_irecv", "P2POp",
                           "scatter_object_list", "monitored_barrier", "get_process_group_ranks")
               if not hasattr(ndist, n)]
    assert missing == []


def _normalise(outcome):
    kind, message = outcome
    message = message.replace("numtorch._tensor.Tensor", "torch.Tensor")
    if "incompatible function arguments" in message:  # pybind11's text names its objects
        message = "incompatible function arguments"
    return [kind, message]


@support.skip_without_mpi()
def test_errors_after_init():
    proc = support.run([sys.executable, os.path.join(support.HERE, "dist_error_cases.py")])
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    bad = []
    for name, how, expected, got in report["cases"]:
        expected, got = _normalise(expected), _normalise(got)
        if (expected != got) if how == "same" else (expected[0] != got[0]):
            bad.append((name, expected, got))
    assert bad == []
    info = report["info"]
    assert (info["rank"], info["size"], info["group_rank"]) == (0, 1, 0)
    assert info["backend"] == info["torch_backend"] == "gloo"
    assert info["world_is_default"] and info["work"]
    assert info["reinit"] == ["no error", ""] and info["reinit_backend"] == "mpi"
    kind, message = info["mismatch"]  # ranks are MPI's: a clear way out, not a hang
    assert kind == "RuntimeError" and "world_size=2" in message and "--nproc-per-node" in message


def test_no_warning_noise_on_import():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import importlib

        importlib.reload(ndist)
    assert "mpi4py.MPI" not in sys.modules or ndist.is_available()


def test_node_local_rank(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert_same_error(lambda: tdist.get_node_local_rank(), lambda: ndist.get_node_local_rank())
    assert ndist.get_node_local_rank(3) == tdist.get_node_local_rank(3) == 3
    monkeypatch.setenv("LOCAL_RANK", "2")
    assert ndist.get_node_local_rank(5) == tdist.get_node_local_rank(5) == 2


def test_missing_mpi4py_is_a_clear_error(monkeypatch):
    from numtorch.distributed import _mpi

    monkeypatch.setattr(_mpi, "MPI", None)
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now fails
    with pytest.raises(RuntimeError, match=r"pip install 'numtorch\[distributed\]'"):
        ndist.init_process_group("gloo")
    assert not ndist.is_initialized()
