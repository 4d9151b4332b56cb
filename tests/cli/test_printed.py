"""The printed-output comparison of the compatibility tests (tests/support/printed.py) accepts
what the exactness policy allows and rejects everything else."""

from __future__ import annotations

import pytest
from support.printed import assert_same_printout, split_numbers

SAME = [
    ("0 1.096454 [0.009]\n", "0 1.096455 [0.009]\n"),  # the last digit of a float32 sum
    ("loss 2.302585", "loss 2.302584"),
    ("tensor([[ 0.1234, -0.5678]])", "tensor([[ 0.1235, -0.5677]])"),
    ("tensor([-0.0000,  0.5000])", "tensor([ 0.0000,  0.5000])"),  # a sign flip re-aligns columns
    ("1.2345678e-05", "1.2345679e-05"),
    ("12345.67", "12345.78"),  # relative 1e-5
    ("tensor(1.0965, grad_fn=<NllLossBackward0>)", "tensor(1.0965, grad_fn=<NllLossBackward0>)"),
    ("version 2.13.0", "version 2.13.0"),
]

DIFFERENT = [
    ("0 1.096454", "0 1.096474"),  # 20 units of the last digit
    ("1 1.096454", "0 1.096454"),  # integers are exact
    ("tensor([1., 2.])", "tensor([1., 3.])"),  # whole floats are exact
    ("loss 2.30", "Loss 2.30"),  # text is exact
    ("a 1.0\nb", "a 1.0 b"),  # so are lines
    ("0.5 0.5", "0.5"),  # and the count of numbers
    ("nan", "0.0"),
    ("12345.67", "12346.67"),
    ("torch.Size([4, 1, 28, 28])", "torch.Size([4, 1, 28, 27])"),
]


@pytest.mark.parametrize("ours,theirs", SAME)
def test_agreeing_printouts_pass(ours, theirs):
    assert_same_printout(ours, theirs)


@pytest.mark.parametrize("ours,theirs", DIFFERENT)
def test_differing_printouts_fail(ours, theirs):
    with pytest.raises(AssertionError):
        assert_same_printout(ours, theirs)


def test_numbers_are_split_from_text():
    pieces, numbers = split_numbers("epoch 3: loss=1.5e-3, lr [0.1] v2.13.0 x-1 inf nanny")
    # "x-1": the sign belongs to the expression
    assert numbers == ["3", "1.5e-3", "0.1", "1", "inf"]
    assert "".join(p + n for p, n in zip(pieces, numbers + [""])) == \
        "epoch 3: loss=1.5e-3, lr [0.1] v2.13.0 x-1 inf nanny"
