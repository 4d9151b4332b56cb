"""Multi-process loading, for real, with two worker processes, compared with PyTorch's workers."""

import gc
import math
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import numtorch
from numtorch.utils import data as ndata

torch = pytest.importorskip("torch")
from torch.utils import data as tdata  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX worker semantics")

LIBS = {"torch": (torch, tdata), "numtorch": (numtorch, ndata)}


def py(x):
    if isinstance(x, (torch.Tensor, numtorch.Tensor)):
        return ("tensor", str(x.dtype).replace("torch.", ""), tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return ("dict", {k: py(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [py(v) for v in x])
    return (type(x).__name__, x)


def both(fn, seed=77):
    torch.manual_seed(seed)
    expected = fn(torch, tdata)
    numtorch.manual_seed(seed)
    actual = fn(numtorch, ndata)
    return expected, actual


def alive(pid):
    """True while ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def gone(pid, wait=10.0):
    """True once ``pid`` no longer exists at all (a zombie still exists)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


class Seeds:
    """Each sample reports the worker that made it and the random draws it saw there."""

    def __init__(self, lib, data):
        self.lib, self.data = lib, data

    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = self.data.get_worker_info()
        return (i, info.id, info.num_workers, info.seed, os.getpid(), random.random(),
                float(np.random.rand()), float(self.lib.rand(()).item()))


class ShardedMixin:
    """An iterable dataset that gives each worker its share of ``range(start, end)``."""

    def __init__(self, data, start, end):
        self.data, self.start, self.end = data, start, end

    def __iter__(self):
        info = self.data.get_worker_info()
        lo, hi = self.start, self.end
        if info is not None:
            per = int(math.ceil((hi - lo) / info.num_workers))
            lo = self.start + info.id * per
            hi = min(lo + per, self.end)
        return iter(range(lo, hi))


class TSharded(ShardedMixin, tdata.IterableDataset):
    pass


class NSharded(ShardedMixin, ndata.IterableDataset):
    pass


def Sharded(D, start, end):
    return (NSharded if D is ndata else TSharded)(D, start, end)


class Faulty:
    def __init__(self, fail_at=3, how="raise"):
        self.fail_at, self.how = fail_at, how

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.fail_at:
            if self.how == "raise":
                raise ValueError(f"bad sample {i}")
            if self.how == "keyerror":
                raise KeyError(i)
            if self.how == "exit":
                os._exit(3)
            if self.how == "hang":
                time.sleep(30)  # until the test kills this worker or times out on it
        return i


def loader_pids(it):
    return [w.pid for w in it._workers]


@pytest.mark.parametrize("shuffle,drop_last", [(True, False), (False, True)])
def test_batches_identical_to_pytorch_with_workers(shuffle, drop_last):
    def run(T, D):
        ds = D.TensorDataset(T.arange(46.0).reshape(23, 2), T.arange(23))
        loader = D.DataLoader(ds, batch_size=4, shuffle=shuffle, drop_last=drop_last,
                              num_workers=2)
        out = [[py(b) for b in loader] for _ in range(2)]
        return out, T.rand(2).tolist()
    e, a = both(run)
    assert a[0] == e[0]
    assert a[1] == pytest.approx(e[1])


def test_worker_seeding_and_info_match_pytorch():
    def run(T, D):
        g = T.Generator().manual_seed(5)
        loader = D.DataLoader(Seeds(T, D), batch_size=None, num_workers=2, generator=g)
        rows = [tuple(v.item() if hasattr(v, "item") else v for v in row) for row in loader]
        return rows, D.get_worker_info()
    (e, e_info), (a, a_info) = both(run)
    assert a_info is None and e_info is None
    # index, worker id, num_workers, seed are identical; so are Python's, NumPy's and the
    # library's random draws in each worker.
    assert [r[:4] for r in a] == [r[:4] for r in e]
    assert [v for r in a for v in r[5:]] == pytest.approx([v for r in e for v in r[5:]])
    assert len({r[4] for r in a}) == 2 and os.getpid() not in {r[4] for r in a}
    # the two workers were seeded differently
    assert a[0][5] != a[1][5]


def test_worker_info_is_frozen_and_holds_dataset_copy():
    def init(worker_id):
        info = ndata.get_worker_info()
        assert info.id == worker_id and info.num_workers == 2
        assert isinstance(info.dataset, NSharded)
        with pytest.raises(AttributeError):
            info.id = 5

    loader = ndata.DataLoader(Sharded(ndata, 0, 4), num_workers=2, worker_init_fn=init)
    assert sorted(b.item() for b in loader) == [0, 1, 2, 3]


@pytest.mark.parametrize("start,end,batch_size", [(3, 7, None), (0, 11, 2), (0, 11, 1)])
def test_iterable_dataset_sharding(start, end, batch_size):
    def run(T, D):
        loader = D.DataLoader(Sharded(D, start, end), num_workers=2, batch_size=batch_size)
        return [py(b) for b in loader]
    e, a = both(run)
    assert a == e


def test_worker_exception_reraised_with_traceback():
    def run(T, D):
        it = iter(D.DataLoader(Faulty(), num_workers=2))
        try:
            with pytest.raises(ValueError) as caught:
                list(it)
        finally:
            it._shutdown_workers()  # PyTorch's own cleanup from a cycle can take 10 s
        return str(caught.value)
    e, a = both(run)
    assert a.splitlines()[0] == e.splitlines()[0] == (
        "Caught ValueError in DataLoader worker process 1.")
    assert a.splitlines()[1] == "Original Traceback (most recent call last):"
    assert 'raise ValueError(f"bad sample {i}")' in a and os.path.basename(__file__) in a
    assert a.splitlines()[-1] == e.splitlines()[-1] == "ValueError: bad sample 3"


def test_worker_keyerror_message_is_readable():
    with pytest.raises(KeyError) as caught:
        list(ndata.DataLoader(Faulty(2, "keyerror"), num_workers=2))
    assert str(caught.value).startswith("Caught KeyError in DataLoader worker process 0.")


def test_worker_init_fn_error_reraised():
    def init(worker_id):
        raise RuntimeError(f"init failed in {worker_id}")

    with pytest.raises(RuntimeError, match="Caught RuntimeError in DataLoader worker process 0"):
        list(ndata.DataLoader(list(range(4)), num_workers=2, worker_init_fn=init))


def test_killed_worker_is_reported():
    # Keys go round robin, so worker 1 holds sample 5, where it hangs; batches 0-4 have all
    # arrived before it is killed (no race between the kill and the results in flight).
    loader = ndata.DataLoader(Faulty(5, "hang"), num_workers=2)
    it = iter(loader)
    pids = loader_pids(it)
    assert [next(it).item() for _ in range(5)] == [0, 1, 2, 3, 4]
    os.kill(pids[1], signal.SIGKILL)
    with pytest.raises(RuntimeError) as caught:
        next(it)
    # PyTorch's pair of messages, as its own loader raises them in this situation
    assert str(caught.value) == f"DataLoader worker (pid(s) {pids[1]}) exited unexpectedly"
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert str(caught.value.__cause__) == (
        f"DataLoader worker (pid {pids[1]}) is killed by signal: Killed. ")
    del it
    assert all(gone(pid) for pid in pids)


def test_worker_exit_code_is_reported():
    loader = ndata.DataLoader(Faulty(1, "exit"), num_workers=2)
    it = iter(loader)
    pids = loader_pids(it)
    with pytest.raises(RuntimeError) as caught:
        list(it)
    assert str(caught.value) == f"DataLoader worker (pid(s) {pids[1]}) exited unexpectedly"
    assert str(caught.value.__cause__) == (
        f"DataLoader worker (pid {pids[1]}) exited unexpectedly with exit code 3. Details are "
        "lost due to multiprocessing. Rerunning with num_workers=0 may give better error trace.")
    del it
    assert all(gone(pid) for pid in pids)


def test_timeout():
    loader = ndata.DataLoader(Faulty(0, "hang"), num_workers=2, timeout=0.2)
    it = iter(loader)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.2 seconds$"):
        next(it)
    assert 0.2 <= time.monotonic() - start < 5  # raised before the slow batch came
    pids = loader_pids(it)
    del it
    assert all(gone(pid) for pid in pids)


def test_clean_shutdown_when_iterator_dropped_or_finished():
    loader = ndata.DataLoader(list(range(40)), batch_size=2, num_workers=2)
    it = iter(loader)
    next(it)
    pids = loader_pids(it)
    assert all(alive(pid) for pid in pids)
    del it
    gc.collect()
    assert all(gone(pid) for pid in pids)
    it = iter(loader)
    pids = loader_pids(it)
    assert len(list(it)) == 20
    assert all(gone(pid) for pid in pids)


def test_persistent_workers_reused_across_epochs():
    loader = ndata.DataLoader(Seeds(numtorch, ndata), batch_size=3, num_workers=2,
                              persistent_workers=True)
    first = [b[4].tolist() for b in loader]
    it = loader._iterator
    second = [b[4].tolist() for b in loader]
    assert loader._iterator is it
    assert sorted({p for b in first for p in b}) == sorted({p for b in second for p in b})
    pids = loader_pids(it)
    del loader, it
    gc.collect()
    assert all(gone(pid) for pid in pids)


def test_out_of_order_delivery_still_gives_every_batch():
    loader = ndata.DataLoader(list(range(10)), batch_size=2, num_workers=2, in_order=False,
                              prefetch_factor=1, multiprocessing_context="fork")
    assert sorted(b.tolist() for b in loader) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]


def test_no_workers_left_after_interpreter_exit():
    script = textwrap.dedent("""
        import faulthandler
        faulthandler.dump_traceback_later(20, exit=True)  # a hang fails with a traceback
        import numtorch
        from numtorch.utils.data import DataLoader
        loader = DataLoader(list(range(100)), batch_size=2, num_workers=2,
                            persistent_workers=True)
        it = iter(loader)
        next(it)
        print(*(w.pid for w in it._workers), flush=True)
    """)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                              os.path.abspath(__file__)))))
    assert done.returncode == 0, done.stderr
    # nothing went wrong at exit (a warning about the CPU count may legitimately appear)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert time.monotonic() - start < 30
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2 and all(gone(pid) for pid in pids)


def test_persistent_workers_match_pytorch_with_partial_epoch():
    def run(T, D):
        mapped = D.DataLoader(list(range(9)), batch_size=2, num_workers=2,
                              persistent_workers=True, shuffle=True)
        stream = D.DataLoader(Sharded(D, 0, 9), batch_size=2, num_workers=2,
                              persistent_workers=True)
        try:
            it = iter(mapped)
            head = next(it).tolist()  # an epoch left unfinished, then two full ones
            epochs = [[b.tolist() for b in mapped] for _ in range(2)]
            streams = [[b.tolist() for b in stream] for _ in range(2)]
        finally:
            mapped._iterator._shutdown_workers()
            stream._iterator._shutdown_workers()
        return head, epochs, streams
    e, a = both(run)
    assert a == e
