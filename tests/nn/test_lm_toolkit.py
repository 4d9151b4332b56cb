"""What language-model scripts use besides attention, checked against PyTorch.

``RMSNorm``/``rms_norm`` and ``GLU``/``glu`` (values, gradients, float64 gradcheck, errors);
``embedding`` with ``padding_idx``/``max_norm``; ``tril``/``triu`` masks; ``topk``;
``multinomial`` draws; and a small GPT-shaped model run the same way under both libraries:
weight tying, a non-persistent buffer, ``apply(init_fn)``, AdamW with decay and no-decay
groups, ``clip_grad_norm_``, gradient accumulation and a ``no_grad`` sampling loop.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch
import numtorch.nn.functional as NF
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(1234)


def _rand(*shape, dtype=np.float32, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def _pair(a: np.ndarray, grad: bool = True):
    return (numtorch.tensor(a.copy(), requires_grad=grad),
            torch.tensor(a.copy(), requires_grad=grad))


# -- rms_norm -----------------------------------------------------------------------------

# (input shape, normalized_shape, with weight, eps)
RMS_CASES = [
    ((4, 8), (8,), True, None),
    ((2, 3, 8), [8], True, 1e-6),
    ((2, 3, 4), (3, 4), True, None),
    ((2, 3, 4), (3, 4), False, 1e-5),
    ((5,), (5,), False, None),
    ((2, 0, 4), (4,), True, None),
    ((3, 16), (16,), True, 0.5),
]


@pytest.mark.parametrize("shape,nshape,affine,eps", RMS_CASES)
def test_rms_norm_matches_torch(shape, nshape, affine, eps):
    x, w = _rand(*shape, scale=3.0), _rand(*tuple(nshape))
    nx, tx = _pair(x)
    nw, tw = _pair(w) if affine else (None, None)
    ny = NF.rms_norm(nx, nshape, nw, eps)
    ty = F.rms_norm(tx, nshape, tw, eps)
    assert_close(ny, ty)
    g = _rand(*shape)
    ny.backward(numtorch.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(nx.grad, tx.grad)
    if affine:
        assert_close(nw.grad, tw.grad)


def test_rms_norm_half_and_default_eps():
    # half precision computes in float32 and takes float32's epsilon; tiny inputs show the eps used
    x = np.full((2, 4), 1e-4, np.float16)
    assert_close(NF.rms_norm(numtorch.tensor(x), (4,)), F.rms_norm(torch.tensor(x), (4,)))
    x = np.array([[1e-20, 2e-20]], np.float32)
    for dt in (np.float32, np.float64):
        assert_close(NF.rms_norm(numtorch.tensor(x.astype(dt)), (2,)),
                     F.rms_norm(torch.tensor(x.astype(dt)), (2,)))


@pytest.mark.parametrize("shape,nshape,affine", [((3, 4), (4,), True), ((2, 2, 3), (2, 3), False)])
def test_rms_norm_gradcheck(shape, nshape, affine):
    x = numtorch.tensor(_rand(*shape).astype(np.float64), requires_grad=True)
    ins = (x,)
    if affine:
        ins += (numtorch.tensor(_rand(*nshape).astype(np.float64), requires_grad=True),)
    assert gradcheck(lambda *a: NF.rms_norm(a[0], nshape, a[1] if affine else None, 1e-3), ins)


def test_rms_norm_module():
    for args, kw in [((8,), {}), ((torch.Size([2, 4]),), dict(eps=1e-6)),
                     ((4,), dict(elementwise_affine=False))]:
        nargs = tuple(numtorch.Size(a) if isinstance(a, torch.Size) else a for a in args)
        tm, nm = torch.nn.RMSNorm(*args, **kw), numtorch.nn.RMSNorm(*nargs, **kw)
        assert repr(nm) == repr(tm)
        assert list(nm.state_dict()) == list(tm.state_dict())
        for k, v in tm.state_dict().items():
            assert_close(nm.state_dict()[k], v)
        x = _rand(3, *tm.normalized_shape)
        assert_close(nm(numtorch.tensor(x)), tm(torch.tensor(x)))
    assert numtorch.nn.RMSNorm(4, dtype=numtorch.float64).weight.dtype == numtorch.float64


RMS_ERRORS = [
    lambda T, x: T.nn.functional.rms_norm(x, (5,)),
    lambda T, x: T.nn.functional.rms_norm(x, (3, 5)),
    lambda T, x: T.nn.functional.rms_norm(x, (3, 4), T.ones(4)),
    lambda T, x: T.nn.functional.rms_norm(x, [4], T.ones(4, 1)),
    lambda T, x: T.nn.functional.rms_norm(x, (5,), T.ones(3)),
    lambda T, x: T.nn.functional.rms_norm(x, 4),
    lambda T, x: T.nn.functional.rms_norm(x, (4.0,)),
    lambda T, x: T.nn.functional.rms_norm(x, (True,)),
    lambda T, x: T.nn.functional.rms_norm(x, (1, 2, 3, 4, 5), T.ones(1, 2, 3, 4, 5)),
    lambda T, x: T.nn.functional.rms_norm(x, ()),
    lambda T, x: T.nn.functional.rms_norm(x, (4,), eps="a"),
    lambda T, x: T.nn.functional.rms_norm(x.long(), (4,)),
    lambda T, x: T.nn.functional.rms_norm(x.bool(), (5,)),
    lambda T, x: T.nn.functional.rms_norm(x.sum(), (1,)),
    lambda T, x: T.nn.RMSNorm(4.0),
]


@pytest.mark.parametrize("call", RMS_ERRORS)
def test_rms_norm_errors(call):
    x = _rand(2, 3, 4)
    assert_same_error(lambda: call(torch, torch.tensor(x)),
                      lambda: call(numtorch, numtorch.tensor(x)))


# -- glu ----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,dim", [((4, 6), -1), ((2, 4, 3), 1), ((8,), 0), ((2, 3, 2), -1),
                                       ((0, 4), 1), ((2, 6, 1), -2)])
def test_glu_matches_torch(shape, dim):
    nx, tx = _pair(_rand(*shape, scale=4.0))
    ny, ty = NF.glu(nx, dim), F.glu(tx, dim)
    assert_close(ny, ty)
    assert type(ny.grad_fn).__name__ == type(ty.grad_fn).__name__ == "GluBackward0"
    g = _rand(*ty.shape)
    ny.backward(numtorch.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(nx.grad, tx.grad)
    tm, nm = torch.nn.GLU(dim), numtorch.nn.GLU(dim)
    assert repr(nm) == repr(tm)
    assert_close(nm(nx), tm(tx))


def test_glu_gradcheck():
    x = numtorch.tensor(_rand(3, 4, 2).astype(np.float64), requires_grad=True)
    assert gradcheck(lambda a: NF.glu(a, 1), (x,))


GLU_ERRORS = [
    lambda T, x: T.nn.functional.glu(x, 1),
    lambda T, x: T.nn.functional.glu(x, 3),
    lambda T, x: T.nn.functional.glu(x, -4),
    lambda T, x: T.nn.functional.glu(x.sum()),
    lambda T, x: T.nn.functional.glu(x.long()),
    lambda T, x: T.nn.functional.glu(x.bool()),
    lambda T, x: T.nn.functional.glu(x, 1.0),
    lambda T, x: T.nn.GLU(1)(x),
]


@pytest.mark.parametrize("call", GLU_ERRORS)
def test_glu_errors(call):
    x = _rand(2, 3, 4)
    assert_same_error(lambda: call(torch, torch.tensor(x)),
                      lambda: call(numtorch, numtorch.tensor(x)))


# -- embedding with padding_idx / max_norm --------------------------------------------------

@pytest.mark.parametrize("padding_idx,max_norm,norm_type,freq", [
    (0, None, 2.0, False), (None, 1.0, 2.0, False), (-1, 2.0, 1.0, True), (2, 0.5, 3.0, False),
    (None, 1.5, 2.0, True)])
def test_embedding_padding_and_max_norm(padding_idx, max_norm, norm_type, freq):
    w = _rand(6, 5, scale=2.0)
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    nw, tw = _pair(w)
    ny = NF.embedding(numtorch.tensor(idx), nw, padding_idx, max_norm, norm_type, freq)
    ty = F.embedding(torch.tensor(idx), tw, padding_idx, max_norm, norm_type, freq)
    assert_close(ny, ty)
    assert_close(nw, tw)  # max_norm rescales the looked-up rows of the table in place
    g = _rand(2, 3, 5)
    ny.backward(numtorch.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(nw.grad, tw.grad)


# -- masks, topk, multinomial --------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 4, 3), (1, 1, 6, 6)])
@pytest.mark.parametrize("diagonal", [-2, -1, 0, 1, 3])
def test_tril_triu_masks(shape, diagonal):
    x = _rand(*shape)
    for name in ("tril", "triu"):
        n = getattr(numtorch, name)(numtorch.tensor(x), diagonal)
        t = getattr(torch, name)(torch.tensor(x), diagonal=diagonal)
        assert np.array_equal(n.numpy(), t.numpy())
        method = getattr(numtorch.tensor(x), name)
        assert np.array_equal(method(diagonal=diagonal).numpy(), t.numpy())
    # the causal mask of a GPT block, applied with masked_fill
    m = shape[-1]
    tmask = torch.tril(torch.ones(m, m)).view(1, 1, m, m)
    nmask = numtorch.tril(numtorch.ones(m, m)).view(1, 1, m, m)
    att = _rand(2, 1, m, m)
    tt = torch.tensor(att).masked_fill(tmask == 0, float("-inf"))
    nn_ = numtorch.tensor(att).masked_fill(nmask == 0, float("-inf"))
    assert np.array_equal(nn_.numpy(), tt.numpy())


@pytest.mark.parametrize("shape,k,dim,largest,sorted_", [
    ((3, 7), 3, -1, True, True), ((3, 7), 2, 0, False, True), ((3, 7), 7, 1, True, True),
    ((10,), 1, 0, True, True), ((2, 3, 11), 4, -1, False, True), ((4, 5), 0, 1, True, True)])
def test_topk_values_indices_grad(shape, k, dim, largest, sorted_):
    nx, tx = _pair(_rand(*shape))
    nv, ni = numtorch.topk(nx, k, dim, largest, sorted_)
    tv, ti = torch.topk(tx, k, dim, largest, sorted_)
    assert np.array_equal(nv.detach().numpy(), tv.detach().numpy())
    assert np.array_equal(ni.numpy(), ti.numpy())
    g = _rand(*tv.shape)
    nv.backward(numtorch.tensor(g))
    tv.backward(torch.tensor(g))
    assert np.array_equal(nx.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("shape,n,replacement", [
    ((5,), 1, False), ((5,), 3, False), ((5,), 8, True), ((3, 6), 2, False), ((3, 6), 4, True),
    ((2, 65), 1, False), ((4, 30), 1, True)])
@pytest.mark.parametrize("seed", [0, 7])
def test_multinomial_same_draws(shape, n, replacement, seed):
    p = np.random.default_rng(seed).random(shape).astype(np.float32)
    torch.manual_seed(seed)
    numtorch.manual_seed(seed)
    for _ in range(3):  # consecutive draws advance both generators alike
        t = torch.multinomial(torch.tensor(p), n, replacement=replacement)
        m = numtorch.multinomial(numtorch.tensor(p), n, replacement=replacement)
        assert np.array_equal(m.numpy(), t.numpy())


# -- a small GPT-shaped model, written once, run by both libraries ---------------------------

VOCAB, WIDTH, CTX = 11, 8, 6


def _model(T, seed: int):
    nn = T.nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(VOCAB, WIDTH)
            self.norm = nn.RMSNorm(WIDTH)
            self.fc = nn.Linear(WIDTH, 2 * WIDTH)
            self.glu = nn.GLU()
            self.ln_f = nn.LayerNorm(WIDTH)
            self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)
            self.wte.weight = self.lm_head.weight  # weight tying, as nanoGPT writes it
            self.register_buffer("mask", T.tril(T.ones(CTX, CTX)).view(1, CTX, CTX),
                                 persistent=False)
            self.apply(self._init_weights)

        def _init_weights(self, m):
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, mean=0.0, std=0.2)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, mean=0.0, std=0.2)

        def forward(self, idx, targets=None):
            x = self.wte(idx)
            L = x.shape[1]
            att = (x @ x.transpose(-2, -1)).masked_fill(self.mask[:, :L, :L] == 0, float("-inf"))
            x = x + nn.functional.softmax(att, dim=-1) @ x
            x = x + self.glu(self.fc(self.norm(x)))
            logits = self.lm_head(self.ln_f(x))
            if targets is None:
                return logits, None
            loss = nn.functional.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))
            return logits, loss

    T.manual_seed(seed)
    return Tiny()


def _groups(model, decay: float):
    params = [p for _, p in model.named_parameters()]
    return [{"params": [p for p in params if p.dim() >= 2], "weight_decay": decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]


def test_weight_tying_buffers_and_init():
    tm, nm = _model(torch, 3), _model(numtorch, 3)
    assert [n for n, _ in nm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert len(list(nm.parameters())) == len(list(tm.parameters()))
    assert nm.lm_head.weight is nm.wte.weight
    assert list(nm.state_dict()) == list(tm.state_dict())  # both tied keys, no "mask"
    assert "mask" not in nm.state_dict() and "mask" in dict(nm.named_buffers())
    for k, v in tm.state_dict().items():
        assert np.array_equal(nm.state_dict()[k].numpy(), v.numpy()), k  # same seed, same init
    assert np.array_equal(nm.mask.numpy(), tm.mask.numpy())


def test_tied_gradient_accumulates_both_uses():
    tm, nm = _model(torch, 5), _model(numtorch, 5)
    idx = RNG.integers(0, VOCAB, (2, CTX))
    tgt = RNG.integers(0, VOCAB, (2, CTX))
    _, tl = tm(torch.tensor(idx), torch.tensor(tgt))
    _, nl = nm(numtorch.tensor(idx), numtorch.tensor(tgt))
    assert_close(nl, tl, rtol=1e-5, atol=1e-6)
    tl.backward()
    nl.backward()
    for p, q in zip(nm.parameters(), tm.parameters()):
        assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("lr,betas,decay,amsgrad", [(1e-2, (0.9, 0.95), 0.1, False),
                                                    (3e-3, (0.8, 0.99), 0.5, True)])
def test_adamw_parameter_groups(lr, betas, decay, amsgrad):
    # Identical gradients in: the moments agree bit for bit, and so would the parameters but
    # for PyTorch's CPU sqrt, which is not correctly rounded (a last-place difference in a few
    # percent of elements of sqrt(v)); the parameters are compared to float32 tolerance.
    tm, nm = _model(torch, 11), _model(numtorch, 11)
    topt = torch.optim.AdamW(_groups(tm, decay), lr=lr, betas=betas, amsgrad=amsgrad)
    nopt = numtorch.optim.AdamW(_groups(nm, decay), lr=lr, betas=betas, amsgrad=amsgrad)
    sizes = [len(g["params"]) for g in topt.param_groups]
    assert [len(g["params"]) for g in nopt.param_groups] == sizes
    assert [g["weight_decay"] for g in nopt.param_groups] == [decay, 0.0]
    for _ in range(4):
        for p, q in zip(nm.parameters(), tm.parameters()):
            g = _rand(*q.shape)
            p.grad, q.grad = numtorch.tensor(g), torch.tensor(g)
        nopt.step()
        topt.step()
        for p, q in zip(nm.parameters(), tm.parameters()):
            ns, ts = nopt.state[p], topt.state[q]
            for k in ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ()):
                assert np.array_equal(ns[k].numpy(), ts[k].numpy()), k
            assert_close(p, q, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (0.1, 2.0), (100.0, 2.0), (0.5, 1.0),
                                                (0.5, float("inf"))])
def test_clip_grad_norm_value_and_effect(max_norm, norm_type):
    tm, nm = _model(torch, 2), _model(numtorch, 2)
    for p, q in zip(nm.parameters(), tm.parameters()):
        g = _rand(*q.shape)
        p.grad, q.grad = numtorch.tensor(g), torch.tensor(g)
    nt_ = numtorch.nn.utils.clip_grad_norm_(nm.parameters(), max_norm, norm_type)
    tt = torch.nn.utils.clip_grad_norm_(tm.parameters(), max_norm, norm_type)
    assert_close(nt_, tt, rtol=1e-6, atol=0)
    for p, q in zip(nm.parameters(), tm.parameters()):
        assert_close(p.grad, q.grad, rtol=1e-6, atol=1e-7)


def _train(T, model, batches, micro: int, steps: int):
    opt = T.optim.AdamW(_groups(model, 0.1), lr=1e-2, betas=(0.9, 0.95))
    losses, norms = [], []
    for step in range(steps):
        for k in range(micro):  # gradient accumulation over micro-batches
            x, y = batches[step * micro + k]
            _, loss = model(T.tensor(x), T.tensor(y))
            (loss / micro).backward()
            losses.append(loss.item())
        norms.append(T.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
        opt.step()
        opt.zero_grad(set_to_none=True)
    return losses, norms


def test_training_with_accumulation_follows_torch():
    batches = [(RNG.integers(0, VOCAB, (3, CTX)), RNG.integers(0, VOCAB, (3, CTX)))
               for _ in range(8)]
    tl, tn = _train(torch, _model(torch, 9), batches, micro=2, steps=4)
    nl, nn_ = _train(numtorch, _model(numtorch, 9), batches, micro=2, steps=4)
    np.testing.assert_allclose(nl, tl, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(nn_, tn, rtol=1e-4, atol=1e-5)


def _generate(T, model, idx, new: int, temperature: float, top_k: int | None):
    model.eval()
    with T.no_grad():
        for _ in range(new):
            logits, _ = model(idx[:, -CTX:])
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = T.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("Inf")
            probs = T.nn.functional.softmax(logits, dim=-1)
            idx = T.cat((idx, T.multinomial(probs, num_samples=1)), dim=1)
    return idx


@pytest.mark.parametrize("temperature,top_k", [(1.0, None), (0.8, 3)])
def test_no_grad_generation_loop_multinomial(temperature, top_k):
    tm, nm = _model(torch, 4), _model(numtorch, 4)
    start = RNG.integers(0, VOCAB, (2, 2))
    torch.manual_seed(21)
    numtorch.manual_seed(21)
    t = _generate(torch, tm, torch.tensor(start), 10, temperature, top_k)
    n = _generate(numtorch, nm, numtorch.tensor(start), 10, temperature, top_k)
    assert not n.requires_grad
    assert np.array_equal(n.numpy(), t.numpy())
