"""The error cases of test_dist_errors.py, run in one process (an MPI job of one rank):
every case is called on real PyTorch (gloo, world size 1) and on numtorch, and the exception
types and messages are printed as JSON."""

from __future__ import annotations

import datetime
import json
import socket
import warnings

import torch
import torch.distributed as tdist

import numtorch
import numtorch.distributed as ndist

warnings.simplefilter("ignore")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cases(T, d):  # noqa: N803 - T: the torch-like module, d: its distributed package
    """(name, how to compare, call) of each case; ``T``/``d`` is torch or numtorch."""
    t = T.ones(3)
    ints = T.ones(3, dtype=T.int64)
    return [
        ("init twice", "same", lambda: d.init_process_group("gloo")),
        ("avg on ints", "same", lambda: d.all_reduce(ints, op=d.ReduceOp.AVG)),
        ("band on floats", "same", lambda: d.all_reduce(t, op=d.ReduceOp.BAND)),
        ("op not a ReduceOp", "type", lambda: d.all_reduce(t, op="sum")),
        ("tensor not a Tensor", "same", lambda: d.all_reduce([1, 2])),
        ("broadcast src", "same", lambda: d.broadcast(t, src=1)),
        ("broadcast src -1", "same", lambda: d.broadcast(t, src=-1)),
        ("reduce dst", "same", lambda: d.reduce(t, dst=3)),
        ("all_gather list length", "same",
         lambda: d.all_gather([T.zeros(3), T.zeros(3)], t)),
        ("all_gather size", "same", lambda: d.all_gather([T.zeros(2)], t)),
        ("all_gather dtype", "same", lambda: d.all_gather([T.zeros(3, dtype=T.int64)], t)),
        ("all_gather not a list", "same", lambda: d.all_gather(t, t)),
        ("all_gather_into_tensor size", "type", lambda: d.all_gather_into_tensor(T.zeros(4), t)),
        ("reduce_scatter_tensor size", "type",
         lambda: d.reduce_scatter_tensor(T.zeros(2), t)),
        ("all_to_all_single splits", "same",
         lambda: d.all_to_all_single(T.zeros(3), t, [2], [3])),
        ("gather without list", "same", lambda: d.gather(t, None, dst=0)),
        ("gather list length", "same", lambda: d.gather(t, [T.zeros(3)] * 2, dst=0)),
        ("gather size", "same", lambda: d.gather(t, [T.zeros(2)], dst=0)),
        ("scatter without list", "same", lambda: d.scatter(t, None, src=0)),
        ("scatter list length", "same", lambda: d.scatter(t, [T.zeros(3)] * 2, src=0)),
        ("scatter size", "same", lambda: d.scatter(t, [T.zeros(2)], src=0)),
        ("send to self", "same", lambda: d.send(t, 0)),
        ("both dst and group_dst", "same", lambda: d.send(t, 1, group_dst=1)),
        ("new_group too big", "same", lambda: d.new_group([0, 3])),
        ("new_group duplicates", "same", lambda: d.new_group([0, 0])),
        ("new_group out of range", "same", lambda: d.new_group([3])),
        ("gather_object without list", "same", lambda: d.gather_object(1, None, dst=0)),
        ("scatter_object_list empty output", "same",
         lambda: d.scatter_object_list([], [1], src=0)),
        ("timeout not a timedelta", "same", lambda: d.new_group([0], timeout=5)),
    ]


def outcome(call):
    try:
        call()
    except Exception as e:  # noqa: BLE001 - every error is the point
        return [type(e).__name__, str(e)]
    return ["no error", ""]


def main() -> None:
    tdist.init_process_group("gloo", rank=0, world_size=1,
                             init_method=f"tcp://127.0.0.1:{free_port()}")
    ndist.init_process_group("gloo", rank=0, world_size=1,
                             timeout=datetime.timedelta(seconds=30))
    out = []
    for (name, how, tcall), (_, _, ncall) in zip(cases(torch, tdist), cases(numtorch, ndist),
                                                 strict=True):
        out.append([name, how, outcome(tcall), outcome(ncall)])
    # things that work the same way on both
    g = ndist.new_group([0])
    info = {
        "rank": ndist.get_rank(), "size": ndist.get_world_size(),
        "backend": ndist.get_backend(), "group_rank": ndist.get_rank(g),
        "world_is_default": ndist.group.WORLD is ndist.GroupMember.WORLD is not None,
        "work": [w.wait() and w.is_completed() for w in [ndist.barrier(async_op=True)]][0],
        "torch_backend": tdist.get_backend(),
    }
    ndist.destroy_process_group()
    tdist.destroy_process_group()
    out.append(["destroy twice", "same", outcome(tdist.destroy_process_group),
                outcome(ndist.destroy_process_group)])
    info["reinit"] = outcome(lambda: ndist.init_process_group(
        "mpi", world_size=1, timeout=datetime.timedelta(seconds=30)))
    info["reinit_backend"] = ndist.get_backend()
    info["mismatch"] = outcome(lambda: (ndist.destroy_process_group(),
                                        ndist.init_process_group("gloo", world_size=2,
                                                                 rank=1)))
    print(json.dumps({"cases": out, "info": info}))


if __name__ == "__main__":
    main()
