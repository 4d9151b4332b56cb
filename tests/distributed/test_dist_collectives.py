"""Every collective of numtorch.distributed on 2 and 3 processes against a NumPy reference.

One ``mpiexec`` run per world size executes the whole table of dist_cases.py (every op on
every dtype, in-place writes through views, async Work, point to point, sub-groups and
object collectives); each test here checks one case of it.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dist_cases as cases  # noqa: E402
import dist_support as support  # noqa: E402

pytestmark = support.skip_without_mpi()

WORLDS = [2, 3]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """{world size: [rank 0's results, rank 1's, ...]} from one mpiexec run per size."""
    out = {}
    for w in WORLDS:
        folder = tmp_path_factory.mktemp(f"w{w}")
        proc = support.run([support.mpiexec(), "-n", str(w), sys.executable,
                            os.path.join(support.HERE, "dist_cases.py"), str(folder)])
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[w] = [json.load(open(folder / f"rank{r}.json")) for r in range(w)]
    return out


def _reduce(op: str, arrays: list[np.ndarray]) -> np.ndarray:
    """The NumPy reference of a reduction over the ranks' arrays (bool: logical, as PyTorch)."""
    a = np.stack(arrays)
    if a.dtype == np.bool_:
        if op in ("SUM", "MAX", "BOR"):
            return a.any(0)
        if op in ("PRODUCT", "MIN", "BAND"):
            return a.all(0)
        return np.logical_xor.reduce(a, 0)
    if op == "SUM":
        return a.sum(0, dtype=a.dtype)
    if op == "AVG":
        return (a.astype(np.float64).sum(0) / len(arrays)).astype(a.dtype)
    if op == "PRODUCT":
        return a.prod(0, dtype=a.dtype)
    if op == "MIN":
        return a.min(0)
    if op == "MAX":
        return a.max(0)
    return {"BAND": np.bitwise_and, "BOR": np.bitwise_or,
            "BXOR": np.bitwise_xor}[op].reduce(a, 0)


def _check(got, expected: np.ndarray) -> None:
    values, dtype = got
    assert dtype == f"torch.{expected.dtype}" or (dtype == "torch.bool"
                                                  and expected.dtype == np.bool_)
    got_a = np.array(values, dtype=expected.dtype)
    assert got_a.shape == expected.shape
    if expected.dtype == np.float16:  # MPI's float16 arithmetic may round differently
        np.testing.assert_allclose(got_a.astype(np.float64), expected.astype(np.float64),
                                   rtol=2e-3, atol=2e-3)
    else:
        np.testing.assert_array_equal(got_a, expected)


ALL_REDUCE = [(op, dt) for dt in cases.DTYPES for op in cases.OPS if cases.op_applies(op, dt)]


@pytest.mark.parametrize("w", WORLDS)
@pytest.mark.parametrize("op,dt", ALL_REDUCE)
def test_all_reduce(results, w, op, dt):
    expected = _reduce(op, [cases.data(r, dt) for r in range(w)])
    for r in range(w):
        _check(results[w][r][f"all_reduce/{op}/{dt}"], expected)


@pytest.mark.parametrize("w", WORLDS)
def test_all_reduce_in_place_views_and_async(results, w):
    base = sum(cases.data(r, "float32", (3, 4)) for r in range(w))
    for r in range(w):
        res = results[w][r]
        _check(res["all_reduce/view_base"], base.astype(np.float32))
        assert res["all_reduce/version_kept"][0] is True
        assert res["all_reduce/async_type"][0] == "Work"
        assert res["all_reduce/async_wait"][0] is True
        assert res["all_reduce/async_completed"][0] is True
        _check(res["all_reduce/async"], _reduce("MAX", [cases.data(q, "float64")
                                                        for q in range(w)]))
        _check(res["all_reduce/future"],
               2 * _reduce("SUM", [cases.data(q, "float32") for q in range(w)]))
        _check(res["all_reduce/0d"], np.array(float(np.prod(np.arange(1, w + 1)))))
        assert res["all_reduce/empty"][0] == [0, 3]
        for k, got in enumerate(res["all_reduce/many_async"][0]):
            expected = _reduce("SUM", [cases.data(q, "float32", salt=k) for q in range(w)])
            _check([got, "torch.float32"], expected)


@pytest.mark.parametrize("w", WORLDS)
@pytest.mark.parametrize("dt", cases.DTYPES)
def test_broadcast(results, w, dt):
    for r in range(w):
        _check(results[w][r][f"broadcast/{dt}"], cases.data(w - 1, dt))


@pytest.mark.parametrize("w", WORLDS)
def test_broadcast_view_and_async(results, w):
    for r in range(w):
        _check(results[w][r]["broadcast/view"], cases.data(0, "int64", (3, 2)))
        _check(results[w][r]["broadcast/async"], cases.data(1, "float32"))


@pytest.mark.parametrize("w", WORLDS)
@pytest.mark.parametrize("op", ["SUM", "MAX", "PRODUCT"])
def test_reduce(results, w, op):
    expected = _reduce(op, [cases.data(r, "float64") for r in range(w)])
    for r in range(w):  # the destination gets the reduction, the others keep their input
        _check(results[w][r][f"reduce/{op}"], expected if r == 1 else cases.data(r, "float64"))


@pytest.mark.parametrize("w", WORLDS)
def test_gathers(results, w):
    for r in range(w):
        res = results[w][r]
        for dt in ("float32", "int16", "bool"):
            for q, got in enumerate(res[f"all_gather/{dt}"][0]):
                _check([got, f"torch.{dt}"], cases.data(q, dt))
        everyone = np.concatenate([cases.data(q, "float32") for q in range(w)])
        _check(res["all_gather_into_tensor/cat"], everyone)
        _check(res["all_gather_into_tensor/stack"],
               np.stack([cases.data(q, "int32") for q in range(w)]))
        _check(res["scatter"], cases.data(r, "int64", salt=5))
    for q, got in enumerate(results[w][0]["gather"][0]):
        _check([got, "torch.float64"], cases.data(q, "float64"))


@pytest.mark.parametrize("w", WORLDS)
@pytest.mark.parametrize("op", ["SUM", "AVG", "MIN"])
def test_reduce_scatter_tensor(results, w, op):
    full = _reduce(op, [cases.data(r, "float32", (w * 2, 3)) for r in range(w)])
    for r in range(w):
        values = np.array(results[w][r][f"reduce_scatter_tensor/{op}"][0], np.float32)
        np.testing.assert_allclose(values, full[2 * r:2 * r + 2], rtol=1e-6)


@pytest.mark.parametrize("w", WORLDS)
def test_reduce_scatter_and_all_to_all(results, w):
    for r in range(w):
        res = results[w][r]
        _check(res["reduce_scatter"], _reduce("SUM", [cases.data(q, "int32", salt=r)
                                                      for q in range(w)]))
        ins = [cases.data(q, "float64", (w * 2, 3)) for q in range(w)]
        _check(res["all_to_all_single/equal"],
               np.concatenate([ins[q][2 * r:2 * r + 2] for q in range(w)]))
        rows_in = sum(k + 1 for k in range(w))
        start = sum(k + 1 for k in range(r))
        ins = [cases.data(q, "int64", (rows_in, 2)) for q in range(w)]
        _check(res["all_to_all_single/splits"],
               np.concatenate([ins[q][start:start + r + 1] for q in range(w)]))
        for q, got in enumerate(res["all_to_all"][0]):
            _check([got, "torch.float32"], cases.data(q, "float32", (q + 1,), salt=r))


@pytest.mark.parametrize("w", WORLDS)
def test_point_to_point(results, w):
    for r in range(w):
        res = results[w][r]
        _check(res["p2p/ring"], cases.data((r - 1) % w, "float32"))
        assert res["p2p/ring_src"][0] == (r - 1) % w
        _check(res["p2p/isend_irecv"], cases.data((r - 1) % w, "int16"))
        _check(res["p2p/batch"], cases.data((r - 1) % w, "float64", salt=3))
    got = results[w][0]["p2p/any_source"][0]
    assert [s for s, _ in got] == list(range(1, w))
    for s, values in got:
        _check([values, "torch.float64"], cases.data(s, "float64"))


@pytest.mark.parametrize("w", WORLDS)
def test_new_group(results, w):
    members = [0, w - 1]
    reduced = _reduce("SUM", [cases.data(q, "float32") for q in members])
    for r in range(w):
        res = results[w][r]
        inside = r in members
        assert res["new_group/rank"][0] == (members.index(r) if inside else -1)
        assert res["new_group/size"][0] == (2 if inside else -1)
        _check(res["new_group/all_reduce"], reduced if inside else cases.data(r, "float32"))
        # group_src=1 is the group's second member: global rank w - 1
        _check(res["new_group/broadcast"],
               cases.data(w - 1, "int64") if inside else cases.data(r, "int64"))


@pytest.mark.parametrize("w", WORLDS)
def test_object_collectives(results, w):
    for r in range(w):
        res = results[w][r]
        assert res["objects/broadcast"][0] == [0, [0.0], "x"]
        assert res["objects/all_gather"][0] == [{"rank": q, "s": "y" * q} for q in range(w)]
        assert res["objects/scatter"][0] == {"to": r}
        assert res["destroyed"][0] is True
    assert results[w][1]["objects/gather"][0] == [["g", q] for q in range(w)]
