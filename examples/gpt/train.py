"""Train the character-level GPT of ``model.py`` on Macbeth, then let it write some.

A small driver in the style of nanoGPT's ``train.py``: the text (``examples/data/macbeth.txt``,
Shakespeare's play, public domain; see ``examples/data/README.md``) becomes a sequence of
character ids, the first 90% for training and the rest for validation; each step draws
``batch_size`` random windows of ``block_size`` characters (``torch.randint``), and AdamW with
decay/no-decay parameter groups, a warm-up and cosine learning-rate schedule, gradient
accumulation and clipping (through a ``GradScaler``, a no-op on the CPU) trains the model to
predict each next character.  It prints the training and validation loss every
``--eval-interval`` steps and ends with a sample of generated text.

It imports ``torch`` only, so it runs unchanged under PyTorch and under numtorch::

    python examples/gpt/train.py                      # PyTorch
    python -m numtorch run examples/gpt/train.py      # numtorch, the same script

The defaults (4 layers, 4 heads, width 128, context 64, batch 32, 300 steps) bring the
validation loss from ln(67) ~ 4.2 to about 2.0, in about three minutes under numtorch (under a
minute under PyTorch) on two cores; on a busy machine ``OPENBLAS_NUM_THREADS=1`` is faster.
Every size is a flag (``--help``).  With the same ``--seed`` both libraries follow the same
loss curve.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from contextlib import nullcontext

import torch
from model import GPT, GPTConfig

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "macbeth.txt")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DATA, help="a UTF-8 text file (default: Macbeth)")
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=128)
    ap.add_argument("--block-size", type=int, default=64, help="context length in characters")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--bias", action=argparse.BooleanOptionalAction, default=True,
                    help="biases in the Linear and LayerNorm layers")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--grad-accum", type=int, default=1,
                    help="micro-batches whose gradients are summed before each step")
    ap.add_argument("--max-iters", type=int, default=300)
    ap.add_argument("--lr", type=float, default=6e-3, help="peak learning rate")
    ap.add_argument("--min-lr", type=float, default=6e-4)
    ap.add_argument("--warmup-iters", type=int, default=20)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--beta2", type=float, default=0.99)
    ap.add_argument("--grad-clip", type=float, default=1.0, help="0 disables clipping")
    ap.add_argument("--eval-interval", type=int, default=100)
    ap.add_argument("--eval-iters", type=int, default=10)
    ap.add_argument("--log-interval", type=int, default=25)
    ap.add_argument("--sample-tokens", type=int, default=300)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--top-k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"],
                    help="the default dtype, hence the parameters' and activations'")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--compile", action="store_true", help="wrap the model in torch.compile")
    return ap.parse_args(argv)


class CharTokenizer:
    """Characters to ids and back: the vocabulary is the text's sorted set of characters."""

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, s: str) -> list[int]:
        return [self.stoi[c] for c in s]

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in ids)


def get_batch(data, block_size: int, batch_size: int, device: str = "cpu"):
    """``batch_size`` random windows of ``data``: inputs ``x`` and targets ``y`` (x shifted by
    one), both (batch_size, block_size)."""
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
    return x.to(device), y.to(device)


@torch.no_grad()
def estimate_loss(model, splits, args, ctx):
    """The mean loss over ``args.eval_iters`` random batches of each split, in eval mode."""
    out = {}
    model.eval()
    for name, data in splits.items():
        losses = torch.zeros(args.eval_iters)
        for k in range(args.eval_iters):
            X, Y = get_batch(data, args.block_size, args.batch_size, args.device)
            with ctx:
                _, loss = model(X, Y)
            losses[k] = loss.item()
        out[name] = losses.mean().item()
    model.train()
    return out


def get_lr(it: int, args) -> float:
    """Linear warm-up to ``args.lr``, then cosine decay to ``args.min_lr`` at ``max_iters``."""
    if it < args.warmup_iters:
        return args.lr * (it + 1) / (args.warmup_iters + 1)
    if it >= args.max_iters:
        return args.min_lr
    ratio = (it - args.warmup_iters) / max(1, args.max_iters - args.warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * ratio))
    return args.min_lr + coeff * (args.lr - args.min_lr)


def main(argv=None) -> dict:
    """Train and sample; returns the history (``"loss"``: each step's training loss,
    ``"eval"``: (step, train, val) rows) and the ``"sample"`` text."""
    args = parse_args(argv)
    torch.set_default_dtype(getattr(torch, args.dtype))
    torch.manual_seed(args.seed)
    device_type = "cuda" if "cuda" in args.device else "cpu"
    # mixed precision on a GPU only: on the CPU both are no-ops and the model trains in float32
    ctx = nullcontext() if device_type == "cpu" else \
        torch.autocast(device_type=device_type, dtype=torch.float16)
    scaler = torch.amp.GradScaler(device_type, enabled=device_type == "cuda")

    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    tok = CharTokenizer(text)
    data = torch.tensor(tok.encode(text), dtype=torch.long)
    n = int(0.9 * len(data))
    splits = {"train": data[:n], "val": data[n:]}
    print(f"{len(text):,} characters, vocabulary of {tok.vocab_size}; "
          f"{n:,} for training, {len(data) - n:,} for validation")

    config = GPTConfig(block_size=args.block_size, vocab_size=tok.vocab_size,
                       n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd,
                       dropout=args.dropout, bias=args.bias)
    model = GPT(config).to(args.device)
    print(f"number of parameters: {model.get_num_params() / 1e6:.2f}M")
    optimizer = model.configure_optimizers(args.weight_decay, args.lr, (0.9, args.beta2),
                                           device_type)
    if args.compile:
        model = torch.compile(model)

    history = {"loss": [], "eval": []}
    t0 = time.time()
    for it in range(args.max_iters + 1):
        lr = get_lr(it, args)
        for group in optimizer.param_groups:
            group["lr"] = lr
        if args.eval_interval and (it % args.eval_interval == 0 or it == args.max_iters):
            losses = estimate_loss(model, splits, args, ctx)
            history["eval"].append((it, losses["train"], losses["val"]))
            print(f"step {it}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
        if it == args.max_iters:
            break
        for _ in range(args.grad_accum):
            X, Y = get_batch(splits["train"], args.block_size, args.batch_size, args.device)
            with ctx:
                _, loss = model(X, Y)
                loss = loss / args.grad_accum
            scaler.scale(loss).backward()
        if args.grad_clip:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        lossf = loss.item() * args.grad_accum
        history["loss"].append(lossf)
        if args.log_interval and it % args.log_interval == 0:
            t1 = time.time()
            print(f"iter {it}: loss {lossf:.4f}, lr {lr:.2e}, time {(t1 - t0) * 1000:.0f}ms")
            t0 = t1

    model.eval()
    prompt = torch.tensor([tok.encode("\n")], dtype=torch.long, device=args.device)
    out = model.generate(prompt, args.sample_tokens, temperature=args.temperature,
                         top_k=args.top_k)
    history["sample"] = tok.decode(out[0].tolist())
    print("---- sample ----")
    print(history["sample"])
    return history


if __name__ == "__main__":
    main()
