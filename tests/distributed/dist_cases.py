"""The collective cases of test_dist_collectives.py, run on every rank under ``mpiexec``.

``mpiexec -n W python dist_cases.py OUT`` runs every case of ``CASES`` on each rank and writes
``OUT/rank<R>.json``: ``{case: [values, dtype]}``.  The inputs come from ``data`` (a function
of the rank, so the test can build the NumPy reference of every case); the values are what
the rank's tensors hold after the collective.  One MPI start-up for the whole table.
"""

from __future__ import annotations

import datetime
import json
import os
import sys

import numpy as np

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
INTS = ["int64", "int32", "int16", "int8", "uint8", "bool"]
OPS = ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"]
SHAPE = (2, 3)


def data(rank: int, dtype: str, shape=SHAPE, salt: int = 0) -> np.ndarray:
    """Rank ``rank``'s input: small values (products of 3 ranks fit in int8), differing
    by rank and position."""
    n = int(np.prod(shape))
    i = np.arange(n)
    if dtype == "bool":
        return ((i + rank + salt) % 3 == 0).reshape(shape)
    if dtype.startswith("float"):
        v = ((i * 7 + rank * 3 + salt) % 11 - 5) * 0.5
    else:
        v = (i + 2 * rank + salt) % 4 + 1
    return v.astype(dtype).reshape(shape)


def op_applies(op: str, dtype: str) -> bool:
    if op == "AVG":
        return dtype.startswith("float")
    if op in ("BAND", "BOR", "BXOR"):
        return dtype in INTS
    return True


def main(out_dir: str) -> None:
    import numtorch as torch
    import numtorch.distributed as dist

    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
    r, w = dist.get_rank(), dist.get_world_size()
    res: dict = {}

    def put(name, t):
        if isinstance(t, list):
            res[name] = [[x.numpy().tolist() for x in t], str(t[0].dtype)]
        else:
            res[name] = [t.numpy().tolist(), str(t.dtype)]

    def T(a):  # noqa: N802
        return torch.from_numpy(np.array(a))

    # all_reduce: every op on every dtype it applies to
    for dt in DTYPES:
        for op in OPS:
            if op_applies(op, dt):
                t = T(data(r, dt))
                dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
                put(f"all_reduce/{op}/{dt}", t)
    # in place through a non-contiguous view: the base tensor sees the result
    base = T(data(r, "float32", (3, 4)))
    view = base.t()
    v0 = view._version
    dist.all_reduce(view)
    put("all_reduce/view_base", base)
    res["all_reduce/version_kept"] = [view._version == v0, "bool"]  # as PyTorch's c10d
    # async: a Work that completes
    t = T(data(r, "float64"))
    work = dist.all_reduce(t, op=dist.ReduceOp.MAX, async_op=True)
    res["all_reduce/async_type"] = [type(work).__name__, "str"]
    res["all_reduce/async_wait"] = [work.wait(), "bool"]
    res["all_reduce/async_completed"] = [work.is_completed(), "bool"]
    put("all_reduce/async", t)
    # a future chained on the work
    t = T(data(r, "float32"))
    fut = dist.all_reduce(t, async_op=True).get_future().then(lambda f: f.value()[0] * 2)
    put("all_reduce/future", fut.wait())
    # a 0-d tensor and an empty one
    t = T(np.array(float(r + 1)))
    dist.all_reduce(t, op=dist.ReduceOp.PRODUCT)
    put("all_reduce/0d", t)
    t = T(np.zeros((0, 3), "float32"))
    dist.all_reduce(t)
    res["all_reduce/empty"] = [list(t.shape), "shape"]
    # several in flight at once, waited in reverse order
    ts = [T(data(r, "float32", salt=k)) for k in range(4)]
    works = [dist.all_reduce(x, async_op=True) for x in ts]
    for wk in reversed(works):
        wk.wait()
    put("all_reduce/many_async", ts)
    # broadcast from the last rank, every dtype, and into a non-contiguous tensor
    for dt in DTYPES:
        t = T(data(r, dt))
        dist.broadcast(t, src=w - 1)
        put(f"broadcast/{dt}", t)
    base = T(data(r, "int64", (3, 2)))
    dist.broadcast(base.t(), src=0)
    put("broadcast/view", base)
    t = T(data(r, "float32"))
    dist.broadcast(t, src=1, async_op=True).wait()
    put("broadcast/async", t)
    # reduce into rank 1
    for op in ("SUM", "MAX", "PRODUCT"):
        t = T(data(r, "float64"))
        dist.reduce(t, dst=1, op=getattr(dist.ReduceOp, op))
        put(f"reduce/{op}", t)
    # gathers
    for dt in ("float32", "int16", "bool"):
        out = [T(np.zeros(SHAPE, dt)) for _ in range(w)]
        dist.all_gather(out, T(data(r, dt)))
        put(f"all_gather/{dt}", out)
    cat = T(np.zeros((w * 2, 3), "float32"))
    dist.all_gather_into_tensor(cat, T(data(r, "float32")))
    put("all_gather_into_tensor/cat", cat)
    stack = T(np.zeros((w, 2, 3), "int32"))
    dist.all_gather_into_tensor(stack, T(data(r, "int32")), async_op=True).wait()
    put("all_gather_into_tensor/stack", stack)
    glist = [T(np.zeros(SHAPE, "float64")) for _ in range(w)] if r == 0 else None
    dist.gather(T(data(r, "float64")), glist, dst=0)
    if r == 0:
        put("gather", glist)
    slist = [T(data(k, "int64", salt=5)) for k in range(w)] if r == 1 else None
    t = T(np.zeros(SHAPE, "int64"))
    dist.scatter(t, slist, src=1)
    put("scatter", t)
    # reduce-scatter and all-to-all
    for op in ("SUM", "AVG", "MIN"):
        out = T(np.zeros((2, 3), "float32"))
        dist.reduce_scatter_tensor(out, T(data(r, "float32", (w * 2, 3))),
                                   op=getattr(dist.ReduceOp, op))
        put(f"reduce_scatter_tensor/{op}", out)
    out = T(np.zeros(SHAPE, "int32"))
    dist.reduce_scatter(out, [T(data(r, "int32", salt=k)) for k in range(w)])
    put("reduce_scatter", out)
    out = T(np.zeros((w * 2, 3), "float64"))
    dist.all_to_all_single(out, T(data(r, "float64", (w * 2, 3))))
    put("all_to_all_single/equal", out)
    # rank r sends k+1 rows to rank k (input rows: sum_k (k+1)); receives r+1 rows from each
    rows_in = sum(k + 1 for k in range(w))
    out = T(np.zeros((w * (r + 1), 2), "int64"))
    dist.all_to_all_single(out, T(data(r, "int64", (rows_in, 2))),
                           output_split_sizes=[r + 1] * w,
                           input_split_sizes=[k + 1 for k in range(w)])
    put("all_to_all_single/splits", out)
    outs = [T(np.zeros((k + 1,), "float32")) for k in range(w)]   # from rank k: k+1 values
    ins = [T(data(r, "float32", (r + 1,), salt=k)) for k in range(w)]   # to each: r+1 values
    dist.all_to_all(outs, ins)
    put("all_to_all", outs)
    # point to point: a ring, blocking and non-blocking, and a receive from any source
    t = T(np.zeros(SHAPE, "float32"))
    if r % 2 == 0:
        dist.send(T(data(r, "float32")), (r + 1) % w)
        src = dist.recv(t, (r - 1) % w)
    else:
        src = dist.recv(t, (r - 1) % w)
        dist.send(T(data(r, "float32")), (r + 1) % w)
    put("p2p/ring", t)
    res["p2p/ring_src"] = [src, "int"]
    t = T(np.zeros(SHAPE, "int16"))
    works = [dist.isend(T(data(r, "int16")), (r + 1) % w, tag=7),
             dist.irecv(t, (r - 1) % w, tag=7)]
    for wk in works:
        wk.wait()
    put("p2p/isend_irecv", t)
    t = T(np.zeros(SHAPE, "float64"))
    ops = [dist.P2POp(dist.isend, T(data(r, "float64", salt=3)), (r + 1) % w),
           dist.P2POp(dist.irecv, t, (r - 1) % w)]
    for wk in dist.batch_isend_irecv(ops):
        wk.wait()
    put("p2p/batch", t)
    dist.monitored_barrier(timeout=datetime.timedelta(seconds=30))
    if r == 0:
        got = []
        for _ in range(w - 1):
            t = T(np.zeros(SHAPE, "float64"))
            sender = dist.recv(t)
            got.append([sender, t.numpy().tolist()])
        res["p2p/any_source"] = [sorted(got), "float64"]
    else:
        dist.send(T(data(r, "float64")), 0)
    # sub-groups: the first and the last rank
    g = dist.new_group([w - 1, 0])
    res["new_group/rank"] = [dist.get_rank(g), "int"]
    res["new_group/size"] = [dist.get_world_size(g), "int"]
    t = T(data(r, "float32"))
    dist.all_reduce(t, group=g)
    put("new_group/all_reduce", t)
    t = T(data(r, "int64"))
    dist.broadcast(t, group=g, group_src=1)
    put("new_group/broadcast", t)
    dist.barrier(group=g)
    dist.barrier(async_op=True).wait()
    # objects
    objs = [{"rank": r, "t": torch.tensor([float(r)])}, "x" * (r + 1)] if r == 0 else [None, None]
    dist.broadcast_object_list(objs, src=0)
    res["objects/broadcast"] = [[objs[0]["rank"], objs[0]["t"].tolist(), objs[1]], "obj"]
    gathered = [None] * w
    dist.all_gather_object(gathered, {"rank": r, "s": "y" * r})
    res["objects/all_gather"] = [gathered, "obj"]
    glist = [None] * w if r == 1 else None
    dist.gather_object(("g", r), glist, dst=1)
    if r == 1:
        res["objects/gather"] = [[list(x) for x in glist], "obj"]
    outl = [None]
    dist.scatter_object_list(outl, [{"to": k} for k in range(w)] if r == 0 else None, src=0)
    res["objects/scatter"] = [outl[0], "obj"]
    dist.destroy_process_group()
    res["destroyed"] = [not dist.is_initialized(), "bool"]
    with open(os.path.join(out_dir, f"rank{r}.json"), "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main(sys.argv[1])
