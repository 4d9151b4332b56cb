"""A script for test_dist_faults.py whose rank 1 fails in the way named by its argument."""

import datetime
import os
import signal
import sys
import time

import torch
import torch.distributed as dist

mode = sys.argv[1]
if mode.startswith("raise-before") and os.environ["RANK"] == "1":
    raise KeyError("rank 1 fails before init")
if mode == "raise-before-no-dist":  # rank 0 never starts MPI: rank 1 must not wait forever
    time.sleep(40)
    sys.exit(0)
dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=float(sys.argv[2])))
t = torch.ones(2)
dist.all_reduce(t)
if dist.get_rank() == 1:
    if mode == "raise":
        raise ValueError("rank 1 fails on purpose")
    if mode == "exit":
        sys.exit(3)
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        time.sleep(120)
dist.all_reduce(t)
dist.barrier()
print("finished", dist.get_rank(), flush=True)
