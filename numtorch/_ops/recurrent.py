"""Recurrent primitives: one layer in one direction of an Elman RNN, an LSTM or a GRU.

``rnn_layer`` runs a whole sequence through one layer-direction and records ONE graph node for
it, whose vjp is backpropagation through time.  Its sequence is always given packed, time-major:
``x`` ``(N, F)`` holds step 0's ``batch_sizes[0]`` rows, then step 1's ``batch_sizes[1]`` rows,
and so on (``batch_sizes`` non-increasing, summing to ``N``); a padded ``(T, B, F)`` input is the
same thing with ``batch_sizes = (B,) * T`` and ``x = input.reshape(T * B, F)``.  At step ``t``
the first ``batch_sizes[t]`` sequences of the batch are active; the others keep their state, so a
sequence's final state is the state after its own last step.  Walking backwards in time
(``reverse=True``), a sequence joins when its last step comes, starting from its initial state.

The recurrences, with ``x`` the step's input, ``h`` the state before the step and PyTorch's gate
order in the weights (``W_ih`` stacks the gates' input weights row-block by row-block):

    RNN:   h' = act(W_ih x + b_ih + W_hh h + b_hh),                    act = tanh or relu
    LSTM:  i, f, g, o = sig(.), sig(.), tanh(.), sig(.) of W_ih x + b_ih + W_hh h + b_hh
           c' = f * c + i * g,   h' = o * tanh(c')                     (h' = W_hr (o * tanh(c'))
                                                                       with a projection)
    GRU:   r, z = sig(W_ir x + b_ir + W_hr h + b_hr), sig(W_iz x + b_iz + W_hz h + b_hz)
           n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),   h' = (1 - z) * n + z * h

NOTE [ one node per layer-direction ]
Everything that does not depend on the previous step is done for all steps at once: the input
projection ``x W_ih^T`` is one GEMM over all ``N`` rows before the loop; in the backward pass
the gate gradients ``dG`` of all steps are kept, so that

    dL/dx = dG W_ih,   dL/dW_ih = dG^T x,   dL/dW_hh = dG^T h_prev,   dL/db = sum of dG rows

are one GEMM each after the loop.  Only ``h W_hh^T`` (forward) and ``dG_t W_hh`` (backward) run
once per time step, with a handful of in-place NumPy operations on ``(batch, hidden)`` blocks.
The GRU and the Elman RNN compute the factors of their gate derivatives that do not depend on
the incoming gradient (``z (1 - z)``, ``1 - n^2``...) for all steps at once before the backward
loop; the LSTM, with more of them, computes its factors step by step inside the loop, on blocks
still in cache (measured faster than a dozen passes over ``(N, H)`` arrays).

NOTE [ LSTM gate layout ]
Inside the kernel the LSTM's gates are kept in the order ``o, i, f, g`` (PyTorch stores
``i, f, g, o``): the three sigmoid gates are then one contiguous block (one sigmoid per step),
and ``i, f, g``, whose gradients all scale the cell gradient, another (one multiply per step).
The weights are permuted on entry and their gradients permuted back.

NOTE [ negated sigmoid rows ]
The forward pass multiplies by copies of the LSTM weights whose ``o, i, f`` rows are negated, so
that ``exp`` reads ``-z`` directly for the sigmoid ``1 / (1 + exp(-z))`` (negation is exact: the
same numbers as negating the products).

NOTE [ contiguous operands ]
NumPy runs an in-place ufunc on a strided view (a column block such as ``pre[:, :3H]``) through a
buffered path several times slower than on a contiguous block, and OpenBLAS multiplies by a
row-major ``(K, M)`` matrix faster than by the transposed view of an ``(M, K)`` one.  So every
per-step elementwise result is written into a contiguous block of its own array (the sigmoid
gates into ``SIG``, ``g`` into ``GG``...), reading the strided pre-activations only as inputs, and
the transposed weights are copied once per call.

Argument checks and PyTorch's error messages live in ``numtorch.nn.modules.rnn``; the function
here checks only what the arithmetic itself needs (matching dtypes).

Example:
    >>> import numtorch
    >>> x = numtorch.ones(3, 2)                      # 3 steps of one sequence, 2 features
    >>> h0 = numtorch.zeros(1, 1)
    >>> w_ih, w_hh = numtorch.ones(1, 2), numtorch.ones(1, 1)
    >>> out, hn, _ = rnn_layer("RNN_RELU", x, h0, None, w_ih, w_hh, None, None, None, (1, 1, 1))
    >>> out.flatten().tolist(), hn.flatten().tolist()
    ([2.0, 4.0, 6.0], [6.0])
"""

from __future__ import annotations

import weakref

import numpy as np

from .._dtype import type_word
from .._tensor import Tensor, _wrap
from ..autograd.function import _MultiGrad
from ..autograd.grad_mode import _state as _grad
from ..autograd.graph import node_class
from ._fpstate import quiet

__all__ = ["rnn_layer", "GATES"]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_NODE = "MkldnnRnnLayerBackward0"


# ---------------------------------------------------------------------------------------------
# recording a node with several outputs
# ---------------------------------------------------------------------------------------------

def _record_many(outs: list, vjp, inputs: tuple, scratch: tuple = ()) -> tuple:
    """Wrap each array of ``outs`` (None stays None); one node computes all inputs' gradients.

    The outputs share a hidden node that receives their gradients together (``_MultiGrad``, as a
    multi-output ``autograd.Function`` does); ``vjp(grads, needs)`` gets one gradient per output,
    None for an output that no gradient reached.  The ``scratch`` arrays, read by the vjp only,
    go back to the pool when the vjp is dropped, or at once when no node is recorded.
    """
    res = [None if o is None else _wrap(o) for o in outs]
    needs = tuple([t._requires_grad for t in inputs]) if _grad.enabled else (False,)
    if True not in needs:
        _recycle(*scratch)
        return tuple(res)
    if scratch:
        weakref.finalize(vjp, _recycle, *scratch)
    hidden = _wrap(np.empty((0,), np.float32))
    hidden._requires_grad = True
    saved = tuple([(t._vc, t._vc[0], t) for t in inputs])
    hidden.grad_fn = node_class(_NODE)(lambda g, n: vjp(g.grads, n), inputs, needs, saved)
    k = len(outs)
    for i, t in enumerate(res):
        if t is None:
            continue

        def pick(g, n, i=i):
            slots = [None] * k
            slots[i] = g
            return (_MultiGrad(slots, (0,), np.dtype(np.float32)),)
        t._requires_grad = True
        t.grad_fn = node_class(_NODE)(pick, (hidden,), (True,), None)
    return tuple(res)


# ---------------------------------------------------------------------------------------------
# scratch arrays
# ---------------------------------------------------------------------------------------------

# NOTE [ scratch arrays ]
# One LSTM layer of the benchmark (hidden 256, sequence 64, batch 32) writes about 30 MB of gate
# values in its forward pass and as much again of gate gradients in its backward pass.  A fresh
# NumPy array that large is fresh memory from the OS, and every 4 kB page of it costs a page fault
# (the OS zeroes it) when first written: measured, the elementwise work of a forward pass took
# twice as long in fresh arrays as in reused ones.  So the kernels take their internal arrays
# (never the outputs they hand out) from a small pool and give them back when done: the forward
# pass's when the node's vjp is dropped (after backward, or with the graph), the backward pass's
# when it returns.  A training loop then reuses the same arrays every step.  The pool holds at
# most ``_POOL_LIMIT`` bytes, dropping the arrays of the shapes least recently given back first.

_POOL: dict = {}          # (shape, dtype) -> free arrays; the most recently given back key last
_POOL_BYTES = [0]
_POOL_LIMIT = 1 << 27


def _scratch(shape: tuple, dt) -> np.ndarray:
    """An uninitialised array from the pool (or a new one)."""
    free = _POOL.get((shape, dt))
    if free:
        a = free.pop()
        _POOL_BYTES[0] -= a.nbytes
        return a
    return np.empty(shape, dt)


def _recycle(*arrays) -> None:
    """Give arrays that nobody else references back to the pool; past ``_POOL_LIMIT`` bytes, the
    arrays of the least recently given back shapes are dropped (variable sequence lengths make
    new shapes all the time)."""
    for a in arrays:
        if a is None:
            continue
        key = (a.shape, a.dtype)
        free = _POOL.pop(key, [])
        free.append(a)
        _POOL[key] = free
        _POOL_BYTES[0] += a.nbytes
        while _POOL_BYTES[0] > _POOL_LIMIT:
            old = next(iter(_POOL))
            stale = _POOL[old]
            if stale:
                _POOL_BYTES[0] -= stale.pop().nbytes
            if not stale:
                del _POOL[old]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _sigmoid_(a: np.ndarray) -> np.ndarray:
    """``a = 1 / (1 + exp(-a))`` in place."""
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)
    return a


def _steps(batch_sizes: tuple, reverse: bool) -> list:
    """``(start, stop, active)`` row ranges of the packed input, in the order the layer runs."""
    out, s = [], 0
    for b in batch_sizes:
        out.append((s, s + b, b))
        s += b
    return out[::-1] if reverse else out


def _forward_weights(w: np.ndarray, h: int) -> np.ndarray:
    """``w`` ``(4H, K)`` in PyTorch's gate order as the forward pass's ``(K, 4H)`` operand: the
    transpose, columns in the kernel's order ``o, i, f, g``, the sigmoid gates' negated, in one
    pass (NOTE [ LSTM gate layout ], [ negated sigmoid rows ], [ contiguous operands ])."""
    out = np.empty((w.shape[1], 4 * h), w.dtype)
    np.negative(w[3 * h:].T, out=out[:, :h])
    np.negative(w[:2 * h].T, out=out[:, h:3 * h])
    out[:, 3 * h:] = w[2 * h:3 * h].T
    return out


def _lstm_perm(h: int) -> np.ndarray:
    """Row order taking PyTorch's ``i, f, g, o`` blocks to the kernel's ``o, i, f, g``."""
    return np.concatenate([np.arange(3 * h, 4 * h), np.arange(0, 3 * h)])


# ---------------------------------------------------------------------------------------------
# the layer
# ---------------------------------------------------------------------------------------------

@quiet
def rnn_layer(mode: str, x: Tensor, hx: Tensor, cx: Tensor | None, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None, b_hh: Tensor | None, w_hr: Tensor | None,
              batch_sizes: tuple, reverse: bool = False) -> tuple:
    """One layer-direction of a recurrent network over a packed sequence; one graph node.

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        x: the packed input ``(N, F)``, time-major (see the module docstring).
        hx: the initial hidden state ``(B, P)``, ``B = batch_sizes[0]``, ``P`` the projection
            size when ``w_hr`` is given, else the hidden size ``H``.
        cx: the LSTM's initial cell state ``(B, H)``; None for the other modes.
        w_ih, w_hh: ``(G*H, F)`` and ``(G*H, P)``, ``G`` gates in PyTorch's order.
        b_ih, b_hh: ``(G*H,)`` each, or both None.
        w_hr: the LSTM's projection ``(P, H)`` or None.
        batch_sizes: active sequences per step, non-increasing, summing to ``N``.
        reverse: run from the last step to the first.

    Returns:
        ``(out, h_n, c_n)``: the packed outputs ``(N, P)``, the final hidden state ``(B, P)`` and
        the LSTM's final cell state ``(B, H)`` (None for the other modes).
    """
    wdt = w_ih._data.dtype
    for t in (x, hx):
        if t._data.dtype != wdt:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                               f"{type_word(t._data)} and {type_word(w_ih._data)}")
    if mode == "LSTM":
        return _lstm(x, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse)
    if mode == "GRU":
        return _gru(x, hx, w_ih, w_hh, b_ih, b_hh, batch_sizes, reverse)
    return _elman(mode == "RNN_RELU", x, hx, w_ih, w_hh, b_ih, b_hh, batch_sizes, reverse)


def _weight_grads(res: list, needs: tuple, dgi: np.ndarray, dgh: np.ndarray, X: np.ndarray,
                  Hp: np.ndarray, Wih: np.ndarray, has_b: bool, same: bool) -> None:
    """Fill ``res[0:1] + res[3:7]`` (x, W_ih, W_hh, b_ih, b_hh) from the stored gate gradients:
    ``dgi`` for the input side, ``dgh`` for the hidden side (``same``: one array serves both).
    See NOTE [ one node per layer-direction ]."""
    if needs[0]:
        res[0] = dgi @ Wih
    if needs[3]:
        res[3] = dgi.T @ X
    if needs[4]:
        res[4] = dgh.T @ Hp
    if has_b:
        if needs[5]:
            res[5] = dgi.sum(axis=0)
        if needs[6]:
            res[6] = res[5].copy() if same and needs[5] else dgh.sum(axis=0)


def _lstm(x, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse):
    """The LSTM layer; ``NOTE [ LSTM gate layout ]`` for the kernel's gate order."""
    X, dt = x._data, x._data.dtype
    H = w_hh._data.shape[0] // 4
    Whr = None if w_hr is None else w_hr._data
    has_b = b_ih is not None
    n, B = X.shape[0], hx._data.shape[0]
    P = w_hh._data.shape[1]
    steps = _steps(batch_sizes, reverse)

    Wih0, Whh0 = w_ih._data, w_hh._data           # PyTorch's gate order
    WihT_f, WhhT_f = _forward_weights(Wih0, H), _forward_weights(Whh0, H)
    G = np.matmul(X, WihT_f, out=_scratch((n, 4 * H), dt))   # the input side of -o, -i, -f, g
    if has_b:
        G += _forward_weights((b_ih._data + b_hh._data)[:, None], H)[0]
    SIG = _scratch((n, 3 * H), dt)                 # o, i, f per step
    GG = _scratch((n, H), dt)                      # g per step
    TC = _scratch((n, H), dt)                      # tanh(c') per step
    Cp = _scratch((n, H), dt)                      # c before the step
    Hp = _scratch((n, P), dt)                      # h before the step
    R = _scratch((n, H), dt) if Whr is not None else None   # o * tanh(c') before the projection
    PRE = _scratch((B, 4 * H), dt)                 # one step's pre-activations
    out = np.empty((n, P), dt)
    h = hx._data.astype(dt, copy=True)
    c = cx._data.astype(dt, copy=True)
    WhrT = None if Whr is None else np.ascontiguousarray(Whr.T)
    for s, e, b in steps:
        hp, cp = h[:b], c[:b]
        Hp[s:e] = hp
        Cp[s:e] = cp
        pre = np.matmul(hp, WhhT_f, out=PRE[:b])
        pre += G[s:e]
        sg = np.exp(pre[:, :3 * H], out=SIG[s:e])         # sigmoid, into a contiguous block
        sg += 1
        np.reciprocal(sg, out=sg)
        gg = np.tanh(pre[:, 3 * H:], out=GG[s:e])
        ct = np.multiply(sg[:, 2 * H:], cp)                  # c' = f * c
        ct += sg[:, H:2 * H] * gg                            # + i * g
        tc = np.tanh(ct, out=TC[s:e])
        if Whr is None:
            np.multiply(sg[:, :H], tc, out=out[s:e])
        else:
            r = np.multiply(sg[:, :H], tc, out=R[s:e])
            np.matmul(r, WhrT, out=out[s:e])
        h[:b] = out[s:e]
        c[:b] = ct
    _recycle(PRE)

    inputs = (x, hx, cx, w_ih, w_hh) + ((b_ih, b_hh) if has_b else (None, None)) + (w_hr,)
    present = tuple(t for t in inputs if t is not None)
    where = [i for i, t in enumerate(inputs) if t is not None]

    def vjp(grads, needs_present):
        needs = [False] * 8
        for i, nd in zip(where, needs_present):
            needs[i] = nd
        gout, gh, gc = grads
        perm = _lstm_perm(H)
        Wih, Whh = Wih0[perm], Whh0[perm]
        # per step, on blocks that stay in cache: with s' = s (1 - s) for each sigmoid gate,
        #   do = dh_t tanh(c') o',   dc_t = dc + dh_t o (1 - tanh(c')^2),
        #   di = dc_t g i',   df = dc_t c f',   dg = dc_t i (1 - g^2),   dc <- dc_t f
        dG = _scratch((n, 4, H), dt)
        SD = _scratch((B, 3 * H), dt)
        dHt = _scratch((n, P), dt) if Whr is not None else None
        dh = np.zeros((B, P), dt) if gh is None else gh.astype(dt, copy=True)
        dc = np.zeros((B, H), dt) if gc is None else gc.astype(dt, copy=True)
        for s, e, b in reversed(steps):
            dht = dh[:b] + gout[s:e] if gout is not None else dh[:b].copy()
            if Whr is not None:
                dHt[s:e] = dht
                dht = dht @ Whr
            sg, tc, gg, dg = SIG[s:e], TC[s:e], GG[s:e], dG[s:e]
            sd = np.multiply(sg, sg, out=SD[:b])
            np.subtract(sg, sd, out=sd)                       # o', i', f'
            a = dht * tc
            np.multiply(a, sd[:, :H], out=dg[:, 0])           # do
            dct = np.multiply(tc, tc)
            np.subtract(1, dct, out=dct)
            dct *= sg[:, :H]
            dct *= dht
            dct += dc[:b]                                     # dc_t
            np.multiply(dct, gg, out=a)
            np.multiply(a, sd[:, H:2 * H], out=dg[:, 1])      # di
            np.multiply(dct, Cp[s:e], out=a)
            np.multiply(a, sd[:, 2 * H:], out=dg[:, 2])       # df
            np.multiply(gg, gg, out=a)
            np.subtract(1, a, out=a)
            a *= sg[:, H:2 * H]
            np.multiply(a, dct, out=dg[:, 3])                 # dg
            np.multiply(dct, sg[:, 2 * H:], out=dc[:b])
            np.matmul(dg.reshape(b, 4 * H), Whh, out=dh[:b])
        dG2 = dG.reshape(n, 4 * H)
        res = [None] * 8
        _weight_grads(res, needs, dG2, dG2, X, Hp, Wih, has_b, True)
        inv = np.argsort(perm)
        for k in (3, 4, 5, 6):
            if res[k] is not None:
                res[k] = res[k][inv]
        if needs[1]:
            res[1] = dh
        if needs[2]:
            res[2] = dc
        if needs[7]:
            res[7] = dHt.T @ R
        _recycle(dG, SD, dHt)
        return tuple(res[i] for i in where)

    return _record_many([out, h, c], vjp, present, (G, SIG, GG, TC, Cp, Hp, R))


def _gru(x, hx, w_ih, w_hh, b_ih, b_hh, batch_sizes, reverse):
    """The GRU layer: gates ``r, z, n`` in PyTorch's order, ``b_hn`` inside ``r * (...)``."""
    X, dt = x._data, x._data.dtype
    Wih, Whh = w_ih._data, w_hh._data
    H = Whh.shape[0] // 3
    has_b = b_ih is not None
    n, B = X.shape[0], hx._data.shape[0]
    steps = _steps(batch_sizes, reverse)

    G = np.matmul(X, Wih.T, out=_scratch((n, 3 * H), dt))   # the input side of r, z, n
    if has_b:
        G += b_ih._data
        G[:, :2 * H] += b_hh._data[:2 * H]
        bhn = b_hh._data[2 * H:]
    RZ = _scratch((n, 2 * H), dt)                  # r, z per step
    NN = _scratch((n, H), dt)                      # n per step
    GHn = _scratch((n, H), dt)                     # W_hn h + b_hn per step
    Hp = _scratch((n, H), dt)                      # h before the step
    out = np.empty((n, H), dt)
    h = hx._data.astype(dt, copy=True)
    WhhT = np.ascontiguousarray(Whh.T)             # NOTE [ contiguous operands ]
    for s, e, b in steps:
        g = G[s:e]
        hp = h[:b]
        Hp[s:e] = hp
        gh = hp @ WhhT
        rz = np.add(g[:, :2 * H], gh[:, :2 * H], out=RZ[s:e])
        _sigmoid_(rz)
        ghn = GHn[s:e]
        if has_b:
            np.add(gh[:, 2 * H:], bhn, out=ghn)
        else:
            ghn[...] = gh[:, 2 * H:]
        nn_ = np.multiply(rz[:, :H], ghn, out=NN[s:e])
        nn_ += g[:, 2 * H:]
        np.tanh(nn_, out=nn_)
        ot = np.subtract(hp, nn_, out=out[s:e])      # h' = n + z * (h - n)
        ot *= rz[:, H:]
        ot += nn_
        h[:b] = ot

    inputs = (x, hx, None, w_ih, w_hh) + ((b_ih, b_hh) if has_b else (None, None))
    present = tuple(t for t in inputs if t is not None)
    where = [i for i, t in enumerate(inputs) if t is not None]

    def vjp(grads, needs_present):
        needs = [False] * 7
        for i, nd in zip(where, needs_present):
            needs[i] = nd
        gout, gh, _ = grads
        r, z, nn_ = RZ[:, :H], RZ[:, H:], NN
        Kn, Kz, Kr, tmp = (_scratch((n, H), dt) for _ in range(4))
        np.multiply(nn_, nn_, out=tmp)
        np.subtract(1, tmp, out=tmp)
        np.subtract(1, z, out=Kn)
        Kn *= tmp                                   # dh' -> dn (pre-activation)
        np.multiply(z, z, out=tmp)
        np.subtract(z, tmp, out=tmp)
        np.subtract(Hp, nn_, out=Kz)
        Kz *= tmp                                   # dh' -> dz (pre-activation)
        np.multiply(r, r, out=tmp)
        np.subtract(r, tmp, out=tmp)
        np.multiply(GHn, tmp, out=Kr)               # dn_pre -> dr (pre-activation)
        dGI = _scratch((n, 3 * H), dt)
        dGH = _scratch((n, 3 * H), dt)
        dh = np.zeros((B, H), dt) if gh is None else gh.astype(dt, copy=True)
        for s, e, b in reversed(steps):
            dht = dh[:b] + gout[s:e] if gout is not None else dh[:b].copy()
            dn = np.multiply(dht, Kn[s:e], out=dGI[s:e, 2 * H:])
            np.multiply(dht, Kz[s:e], out=dGI[s:e, H:2 * H])
            np.multiply(dn, Kr[s:e], out=dGI[s:e, :H])
            dgh = dGH[s:e]
            dgh[:, :2 * H] = dGI[s:e, :2 * H]
            np.multiply(dn, r[s:e], out=dgh[:, 2 * H:])
            dht *= z[s:e]
            np.matmul(dgh, Whh, out=dh[:b])
            dh[:b] += dht
        res = [None] * 7
        _weight_grads(res, needs, dGI, dGH, X, Hp, Wih, has_b, False)
        if needs[1]:
            res[1] = dh
        _recycle(Kn, Kz, Kr, tmp, dGI, dGH)
        return tuple(res[i] for i in where)

    return _record_many([out, h, None], vjp, present, (G, RZ, NN, GHn, Hp))


def _elman(relu: bool, x, hx, w_ih, w_hh, b_ih, b_hh, batch_sizes, reverse):
    """The Elman RNN layer, ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``."""
    X, dt = x._data, x._data.dtype
    Wih, Whh = w_ih._data, w_hh._data
    H = Whh.shape[0]
    has_b = b_ih is not None
    n, B = X.shape[0], hx._data.shape[0]
    steps = _steps(batch_sizes, reverse)

    A = np.matmul(X, Wih.T, out=_scratch((n, H), dt))   # pre-activations, then h' in place
    if has_b:
        A += b_ih._data + b_hh._data
    Hp = _scratch((n, H), dt)                      # h before the step
    h = hx._data.astype(dt, copy=True)
    WhhT = np.ascontiguousarray(Whh.T)             # NOTE [ contiguous operands ]
    for s, e, b in steps:
        o = A[s:e]
        hp = h[:b]
        Hp[s:e] = hp
        o += hp @ WhhT
        if relu:
            np.maximum(o, 0, out=o)
        else:
            np.tanh(o, out=o)
        h[:b] = o

    inputs = (x, hx, None, w_ih, w_hh) + ((b_ih, b_hh) if has_b else (None, None))
    present = tuple(t for t in inputs if t is not None)
    where = [i for i, t in enumerate(inputs) if t is not None]

    def vjp(grads, needs_present):
        needs = [False] * 7
        for i, nd in zip(where, needs_present):
            needs[i] = nd
        gout, gh, _ = grads
        K, dG = _scratch((n, H), dt), _scratch((n, H), dt)
        if relu:
            np.sign(A, out=K)                       # 1 where h' > 0, else 0
        else:
            np.multiply(A, A, out=K)
            np.subtract(1, K, out=K)
        dh = np.zeros((B, H), dt) if gh is None else gh.astype(dt, copy=True)
        for s, e, b in reversed(steps):
            dht = dh[:b] + gout[s:e] if gout is not None else dh[:b]
            np.multiply(dht, K[s:e], out=dG[s:e])
            np.matmul(dG[s:e], Whh, out=dh[:b])
        res = [None] * 7
        _weight_grads(res, needs, dG, dG, X, Hp, Wih, has_b, True)
        if needs[1]:
            res[1] = dh
        _recycle(K, dG)
        return tuple(res[i] for i in where)

    # the caller gets its own copy of the outputs, which the vjp reads
    return _record_many([A.copy(), h, None], vjp, present, (A, Hp))
